"""Synthetic account data at scale, written with Core bulk inserts.

Every order and message is written twice, the way the server keeps it: as a domain row
(`customer_order` + `order_item`, `thread` + `message`) and as the `sync_log` row of the
account's scope, whose payload is the wire shape (`OrderPublic`, `MessagePublic`,
`ThreadPublic`). Each row gets its own `seq`, as if each had been written by its own
transaction (the realistic worst case for paging), and `sync_counter.seq` ends at the last one.
Rows are committed in chunks so a server process may start while the account is being filled;
nobody may pull before `fill_account` returns.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from app.protocol.entities import (
    AddressPublic,
    FulfilmentKind,
    MessagePublic,
    OrderItemPublic,
    OrderPublic,
    OrderStatus,
    SenderKind,
    ThreadPublic,
    ThreadStatus,
)
from app.protocol.sync import Entity
from server.db import Database
from server.models import Message, Order, OrderItem, SyncCounter, SyncLog, Thread, User
from server.models.base import iso
from server.scopes import user_scope

CHUNK = 5000
# The demo shopper whose account the benchmarks fill (server.seed.people).
ANNA_EMAIL, ANNA_PASSWORD = "anna@example.com", "demo-anna"
BEN_EMAIL, BEN_PASSWORD = "ben@example.com", "demo-ben"
MESSAGES_PER_THREAD = 100

_PRODUCTS = [
    ("SKU-JKT-01", "Regenjacke Nordkap", "Jacken", 12990), ("SKU-SHO-07", "Laufschuh Tempo 3", "Schuhe", 8995),
    ("SKU-TSH-12", "T-Shirt Organic Basic", "Shirts", 1999), ("SKU-JNS-04", "Jeans Straight Fit", "Hosen", 6990),
    ("SKU-BAG-02", "Rucksack Urban 20 l", "Taschen", 7490), ("SKU-KNT-09", "Strickpullover Merino", "Pullover", 8990),
    ("SKU-SCK-03", "Socken 3er-Pack", "Socken", 1299), ("SKU-CAP-05", "Cap Classic", "Accessoires", 2490),
]
_SIZES = ["XS", "S", "M", "L", "XL", "38", "40", "42", "44"]
_STATUSES = [OrderStatus.DELIVERED] * 6 + [OrderStatus.SHIPPED, OrderStatus.PROCESSING, OrderStatus.CANCELLED,
                                          OrderStatus.COLLECTED]
_LINES = [
    "Hallo, meine Bestellung ist noch nicht angekommen. Können Sie bitte nachsehen, wo das Paket gerade ist?",
    "Die Jacke ist leider zu klein ausgefallen, ich würde sie gern gegen Größe L umtauschen.",
    "Vielen Dank für die schnelle Antwort! Das hat mir sehr geholfen.",
    "Ich habe eine Rücksendung angemeldet, aber noch keinen QR-Code für die Filiale bekommen.",
    "Thanks, the parcel arrived today. One item was damaged, I attached a photo.",
    "Kann ich die Ware auch in der Filiale in Hamburg zurückgeben statt sie zu verschicken?",
    "Gern geschehen! Die Erstattung wird in 3 bis 5 Werktagen auf Ihrem PayPal-Konto gutgeschrieben.",
    "Is it possible to change the delivery address? I will not be at home next week.",
]
_ADDRESS = AddressPublic(name="Anna Schmidt", street="Kastanienallee 12", postal_code="10435", city="Berlin",
                         country="DE")


@dataclass
class Filled:
    """What `fill_account` wrote: enough for a benchmark to find and change rows."""

    user_id: int
    scope: str
    order_ids: list[str] = field(default_factory=list)
    thread_ids: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)
    first_seq: int = 0
    head: int = 0

    @property
    def rows(self) -> int:
        return len(self.order_ids) + len(self.thread_ids) + len(self.message_ids)


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class _Writer:
    """Buffers rows per table and flushes them in chunks with executemany."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.buffers: dict[Any, list[dict[str, Any]]] = {}

    def add(self, table: Any, row: dict[str, Any]) -> None:
        rows = self.buffers.setdefault(table, [])
        rows.append(row)
        if len(rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        # Tables in the order they were first used: parents are always added before children.
        for table, rows in self.buffers.items():
            if rows:
                self.conn.execute(insert(table), rows)
                self.buffers[table] = []
        # One transaction per chunk: a server process starting meanwhile is never kept waiting long.
        self.conn.commit()


def fill_account(db: Database, email: str, orders: int, messages: int, *, seed: int = 6,
                 per_thread: int = MESSAGES_PER_THREAD) -> Filled:
    """Add `orders` orders and `messages` messages (in threads of `per_thread`) to one account."""
    rng = random.Random(seed)
    log, order_t, item_t = SyncLog.__table__, Order.__table__, OrderItem.__table__
    thread_t, message_t = Thread.__table__, Message.__table__
    now = datetime.now(UTC).replace(microsecond=0)
    # IMMEDIATE: every chunk is a write transaction from its first statement (no lock upgrade to fail).
    with db.engine.execution_options(sqlite_begin="IMMEDIATE").connect() as conn:
        user = conn.execute(select(User.__table__.c.id, User.__table__.c.name)
                            .where(User.__table__.c.email == email)).one()
        scope = user_scope(user.id)
        seq = int(conn.execute(select(SyncCounter.__table__.c.seq)).scalar_one())
        filled = Filled(user_id=user.id, scope=scope, first_seq=seq + 1)
        out = _Writer(conn)

        def logged(entity: Entity, entity_id: str, payload: dict[str, Any]) -> None:
            nonlocal seq
            seq += 1
            out.add(log, {"scope": scope, "entity": entity.value, "entity_id": entity_id, "seq": seq, "op": "U",
                          "payload": payload, "changed_at": now})

        for n in range(orders):
            order_id = _id(rng)
            placed = now - timedelta(days=rng.uniform(1, 1000), minutes=rng.randrange(1440))
            status = rng.choice(_STATUSES)
            items = []
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                sku, name, category, price = rng.choice(_PRODUCTS)
                items.append(OrderItemPublic(id=_id(rng), sku=sku, name=name, variant=rng.choice(_SIZES),
                                             category=category, quantity=rng.choice((1, 1, 2)), unit_price=price,
                                             image=f"/assets/products/{sku.lower()}.webp",
                                             exchange_variants=rng.sample(_SIZES, 2)))
            delivered = placed + timedelta(days=3) if status == OrderStatus.DELIVERED else None
            total = sum(i.unit_price * i.quantity for i in items)
            public = OrderPublic(id=order_id, number=f"BN-{seed:02d}{n:07d}", status=status, placed_at=iso(placed) or "",
                                 delivered_at=iso(delivered), currency="EUR", total=total, shipping_fee=495,
                                 payment_method=rng.choice(("paypal", "card", "invoice")), fulfilment=FulfilmentKind.DELIVERY,
                                 address=_ADDRESS, items=items)
            out.add(order_t, {"id": order_id, "number": public.number, "customer_id": user.id,
                              "email": email, "status": status.value, "placed_at": placed, "delivered_at": delivered,
                              "cancelled_at": None, "currency": "EUR", "total": total, "shipping_fee": 495,
                              "payment_method": public.payment_method, "fulfilment": "delivery", "store_id": None,
                              "address": _ADDRESS.model_dump()})
            for position, item in enumerate(items):
                out.add(item_t, {"id": item.id, "order_id": order_id, "position": position, "sku": item.sku,
                                 "name": item.name, "variant": item.variant, "category": item.category,
                                 "quantity": item.quantity, "unit_price": item.unit_price, "image": item.image,
                                 "returnable": True, "age_restricted": False,
                                 "exchange_variants": item.exchange_variants})
            logged(Entity.ORDER, order_id, public.model_dump(mode="json"))
            filled.order_ids.append(order_id)

        threads = (messages + per_thread - 1) // per_thread if messages else 0
        for t in range(threads):
            thread_id = _id(rng)
            count = min(per_thread, messages - t * per_thread)
            started = now - timedelta(days=rng.uniform(1, 900))
            batch = []
            for k in range(count):
                sender = SenderKind.CUSTOMER if k % 2 == 0 else SenderKind.AGENT
                batch.append(MessagePublic(id=_id(rng), thread_id=thread_id, sender=sender,
                                           sender_name=user.name if sender is SenderKind.CUSTOMER else "Lea Hoffmann",
                                           body=f"{rng.choice(_LINES)} ({t}.{k})",
                                           sent_at=iso(started + timedelta(minutes=7 * k)) or ""))
            updated = started + timedelta(minutes=7 * max(0, count - 1))
            preview = batch[-1].body[:140] if batch else None
            public_t = ThreadPublic(id=thread_id, customer_id=str(user.id), subject=f"Anfrage {t + 1}",
                                    status=ThreadStatus.BOT, created_at=iso(started) or "",
                                    updated_at=iso(updated) or "", last_message_preview=preview)
            out.add(thread_t, {
                "id": thread_id, "customer_id": user.id, "subject": public_t.subject, "status": ThreadStatus.BOT.value,
                "created_at": started, "updated_at": updated, "order_id": None, "return_id": None,
                "pickup_id": None, "agent_id": None, "human_requested_at": None, "closed_at": None,
                "customer_read_seq": 0, "last_message_preview": preview, "rating": None, "rating_comment": None})
            for k, m in enumerate(batch):
                out.add(message_t, {"id": m.id, "thread_id": thread_id, "sender": m.sender.value,
                                    "sender_user_id": user.id if m.sender == "customer" else None,
                                    "sender_name": m.sender_name, "body": m.body,
                                    "sent_at": started + timedelta(minutes=7 * k), "client_time": None,
                                    "attachment_ids": []})
                logged(Entity.MESSAGE, m.id, m.model_dump(mode="json"))
                filled.message_ids.append(m.id)
            logged(Entity.THREAD, thread_id, public_t.model_dump(mode="json"))
            filled.thread_ids.append(thread_id)
        out.flush()
        conn.execute(update(SyncCounter).where(SyncCounter.id == 1).values(seq=seq))
        conn.commit()
        filled.head = seq
    return filled
