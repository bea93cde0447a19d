"""Orders from the cache (newest first, pending writes laid on top), their parcels, and the
order writes: `order.cancel` and `order.report_problem`.

Everything here reads the local cache only, so it renders offline exactly as online. The
view models (`OrderSummary`, `OrderDetail`, `Parcel`) carry instants as aware datetimes and
money in minor units; views format both through the translator.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from app.protocol.entities import FulfilmentKind, OrderStatus, ReturnStatus
from app.protocol.mutations import OrderCancel, OrderReportProblem, ProblemKind
from app.protocol.sync import Entity
from services.ids import new_id
from services.overlay import Row, apply_overlay, patch
from services.storage import outbox as outbox_repo
from services.storage import rejections as rejections_repo
from services.storage.outbox import Pending
from services.storage.tables import SYNCED
from services.sync import SyncEngine
from services.tracking import Parcel, parcel_from_row, parse_instant

CANCEL_PENDING = "cancel_pending"

# Filters of the orders list.
FILTER_ALL, FILTER_OPEN, FILTER_DELIVERED, FILTER_RETURNS = "all", "open", "delivered", "returns"
FILTERS = (FILTER_ALL, FILTER_OPEN, FILTER_DELIVERED, FILTER_RETURNS)
DONE_STATUSES = frozenset({OrderStatus.DELIVERED, OrderStatus.COLLECTED})
CLOSED_STATUSES = DONE_STATUSES | {OrderStatus.CANCELLED}
CANCELLABLE = frozenset({OrderStatus.PLACED, OrderStatus.PROCESSING})

# Why an order can no longer be cancelled (the view says it in words).
BLOCKED_SHIPPED = "shipped"  # a parcel is on its way or delivered: return it instead
BLOCKED_PICKUP = "pickup"  # prepared in the store: just don't collect it


@dataclass(frozen=True)
class OrderSummary:
    id: str
    number: str
    status: str
    placed_at: datetime
    total: int
    currency: str
    item_count: int
    first_item_name: str
    thumbnail: str | None
    pending: bool
    has_return: bool = False
    attention: str | None = None  # "delayed" | "problem": a parcel needs the shopper's eye


@dataclass(frozen=True)
class OrderLine:
    id: str
    name: str
    variant: str | None
    quantity: int
    unit_price: int
    image: str | None
    returnable: bool

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class ProblemReport:
    """A conversation opened about this order (synced, or still in the outbox)."""

    thread_id: str
    subject: str | None
    status: str | None
    opened_at: datetime | None
    pending: bool


@dataclass(frozen=True)
class Refusal:
    """A write about this order the server refused, with its stable code."""

    name: str
    code: str
    message: str


@dataclass(frozen=True)
class OrderDetail:
    id: str
    number: str
    status: str
    placed_at: datetime
    delivered_at: datetime | None
    cancelled_at: datetime | None
    currency: str
    total: int
    shipping_fee: int
    payment_method: str
    fulfilment: str
    store_id: str | None
    address: Mapping[str, str] | None
    store: Mapping[str, str] | None  # the pickup store (name, city, address, opening hours)
    lines: tuple[OrderLine, ...]
    parcels: tuple[Parcel, ...]
    pending: bool
    has_return: bool
    reports: tuple[ProblemReport, ...]
    refusals: tuple[Refusal, ...]

    @property
    def subtotal(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def can_cancel(self) -> bool:
        return self.status in CANCELLABLE

    @property
    def cancel_blocked(self) -> str | None:
        """Why "Cancel order" is not offered, for orders that are neither cancellable nor cancelled."""
        if self.status in CANCELLABLE or self.status in (OrderStatus.CANCELLED, CANCEL_PENDING):
            return None
        if self.fulfilment == FulfilmentKind.PICKUP and not self.parcels:
            return BLOCKED_PICKUP
        return BLOCKED_SHIPPED

    @property
    def delayed(self) -> bool:
        return any(p.delayed for p in self.parcels)

    @property
    def problem(self) -> bool:
        return any(p.problem for p in self.parcels)

    @property
    def problem_kinds(self) -> tuple[str, ...]:
        """What can be reported: damage and wrong items only once something arrived."""
        if self.status in (OrderStatus.CANCELLED, CANCEL_PENDING):
            return ()
        if self.delivered_at is not None or any(p.delivered for p in self.parcels):
            return (ProblemKind.NOT_RECEIVED.value, ProblemKind.DAMAGED.value, ProblemKind.WRONG_ITEM.value)
        if self.parcels:
            return (ProblemKind.NOT_RECEIVED.value,)
        return ()


def _cancel(by_id: dict[str, Row], mutation: Pending) -> None:
    patch(by_id, mutation.args["order_id"], status=CANCEL_PENDING)


RULES = {"order.cancel": _cancel}


def summarize(row: dict[str, Any], has_return: bool = False, attention: str | None = None) -> OrderSummary:
    items = row.get("items") or []
    return OrderSummary(
        id=row["id"], number=row["number"], status=row["status"],
        placed_at=parse_instant(row["placed_at"]) or datetime.now(UTC), total=row["total"],
        currency=row["currency"], item_count=sum(i["quantity"] for i in items),
        first_item_name=items[0]["name"] if items else "", thumbnail=items[0].get("image") if items else None,
        pending=bool(row.get("_pending")), has_return=has_return, attention=attention,
    )


def matches_filter(order: OrderSummary, name: str) -> bool:
    if name == FILTER_OPEN:
        return order.status not in CLOSED_STATUSES
    if name == FILTER_DELIVERED:
        return order.status in DONE_STATUSES
    if name == FILTER_RETURNS:
        return order.has_return
    return True


class OrdersService:
    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync

    # -- reads (blocking: run them off the UI loop) --------------------------------
    def _rows(self, conn: Connection) -> list[Row]:
        table = SYNCED[Entity.ORDER]
        rows = [r.data for r in conn.execute(select(table.c.data))]
        return apply_overlay(rows, outbox_repo.pending(conn, set(RULES)), RULES)

    @staticmethod
    def _orders_with_returns(conn: Connection) -> set[str]:
        """Orders with a return that is not cancelled or rejected, including ones still in the outbox."""
        table = SYNCED[Entity.RETURN]
        ids = {r.order_id for r in conn.execute(select(table.c.order_id, table.c.data))
               if r.data.get("status") not in (ReturnStatus.CANCELLED, ReturnStatus.REJECTED)}
        ids |= {str(p.args.get("order_id")) for p in outbox_repo.pending(conn, {"return.create"})
                if p.status != "rejected"}
        return ids

    @staticmethod
    def _shipments(conn: Connection, order_id: str | None = None) -> list[Row]:
        table = SYNCED[Entity.SHIPMENT]
        stmt = select(table.c.data)
        if order_id is not None:
            stmt = stmt.where(table.c.order_id == order_id)
        return [r.data for r in conn.execute(stmt)]

    def list_orders(self, now: datetime | None = None) -> list[OrderSummary]:
        now = now or datetime.now(UTC)
        with self.sync.engine.connect() as conn:
            rows = self._rows(conn)
            with_returns = self._orders_with_returns(conn)
            attention: dict[str, str] = {}
            for shipment in self._shipments(conn):
                parcel = parcel_from_row(shipment, {}, now)
                if parcel.problem:
                    attention[shipment["order_id"]] = "problem"
                elif parcel.delayed and shipment["order_id"] not in attention:
                    attention[shipment["order_id"]] = "delayed"
        summaries = [summarize(r, r["id"] in with_returns,
                               None if r["status"] in CLOSED_STATUSES else attention.get(r["id"])) for r in rows]
        return sorted(summaries, key=lambda s: s.placed_at, reverse=True)

    def get(self, order_id: str) -> Row | None:
        with self.sync.engine.connect() as conn:
            return next((r for r in self._rows(conn) if r["id"] == order_id), None)

    def detail(self, order_id: str, now: datetime | None = None) -> OrderDetail | None:
        """Everything the order screen shows, from the cache; None if the order is not (or no longer) here."""
        now = now or datetime.now(UTC)
        with self.sync.engine.connect() as conn:
            row = next((r for r in self._rows(conn) if r["id"] == order_id), None)
            if row is None:
                return None
            shipments = self._shipments(conn, order_id)
            has_return = order_id in self._orders_with_returns(conn)
            reports = self._reports(conn, order_id)
            store = self._store(conn, row.get("store_id"))
            refusals = self._refusals(conn, order_id)
        items = row.get("items") or []
        names = {i["id"]: i["name"] for i in items}
        parcels = sorted((parcel_from_row(s, names, now) for s in shipments), key=lambda p: p.tracking_number)
        return OrderDetail(
            id=row["id"], number=row["number"], status=row["status"],
            placed_at=parse_instant(row["placed_at"]) or now, delivered_at=parse_instant(row.get("delivered_at")),
            cancelled_at=parse_instant(row.get("cancelled_at")), currency=row["currency"], total=row["total"],
            shipping_fee=row.get("shipping_fee") or 0, payment_method=row.get("payment_method") or "",
            fulfilment=row.get("fulfilment") or FulfilmentKind.DELIVERY.value, store_id=row.get("store_id"),
            address=row.get("address"), store=store,
            lines=tuple(OrderLine(id=i["id"], name=i["name"], variant=i.get("variant"), quantity=i["quantity"],
                                  unit_price=i["unit_price"], image=i.get("image"),
                                  returnable=i.get("returnable", True)) for i in items),
            parcels=tuple(parcels), pending=bool(row.get("_pending")), has_return=has_return,
            reports=reports, refusals=refusals,
        )

    @staticmethod
    def _store(conn: Connection, store_id: str | None) -> Mapping[str, str] | None:
        if not store_id:
            return None
        table = SYNCED[Entity.STORE]
        data = conn.scalar(select(table.c.data).where(table.c.id == store_id))
        return data if isinstance(data, dict) else None

    @staticmethod
    def _reports(conn: Connection, order_id: str) -> tuple[ProblemReport, ...]:
        table = SYNCED[Entity.THREAD]
        synced = {r.data["id"]: r.data for r in conn.execute(select(table.c.data))
                  if r.data.get("order_id") == order_id}
        reports = [ProblemReport(thread_id=t["id"], subject=t.get("subject"), status=t.get("status"),
                                 opened_at=parse_instant(t.get("created_at")), pending=False)
                   for t in synced.values()]
        for p in outbox_repo.pending(conn, {"order.report_problem"}):
            if p.status != "rejected" and p.args.get("order_id") == order_id and p.args["thread_id"] not in synced:
                reports.append(ProblemReport(thread_id=p.args["thread_id"], subject=None, status=None,
                                             opened_at=parse_instant(p.created_at), pending=True))
        return tuple(sorted(reports, key=lambda r: r.opened_at or datetime.min.replace(tzinfo=UTC), reverse=True))

    @staticmethod
    def _refusals(conn: Connection, order_id: str) -> tuple[Refusal, ...]:
        """Refused cancellations and reports of this order, newest first."""
        records = rejections_repo.for_mutations(conn, {"order.cancel", "order.report_problem"})
        return tuple(Refusal(name=r.name, code=r.code, message=r.message) for r in records
                     if r.args.get("order_id") == order_id)

    # -- writes ---------------------------------------------------------------------
    def can_cancel(self, row: Row) -> bool:
        return row["status"] in CANCELLABLE

    def cancel(self, order_id: str) -> int:
        args = OrderCancel(order_id=order_id).model_dump()
        return self.sync.mutate("order.cancel", args, {Entity.ORDER.value})

    def report_problem(self, order_id: str, kind: str, description: str = "",
                       shipment_id: str | None = None) -> str:
        """Queue `order.report_problem`; returns the id of the conversation it opens."""
        thread_id = new_id()
        args = OrderReportProblem(order_id=order_id, thread_id=thread_id, message_id=new_id(),
                                  kind=ProblemKind(kind), description=description, shipment_id=shipment_id)
        self.sync.mutate("order.report_problem", args.model_dump(mode="json", exclude_none=True),
                         {Entity.THREAD.value, Entity.MESSAGE.value, Entity.ORDER.value})
        return thread_id


# The entities whose changes can alter what an order screen shows ("*": a full reset).
ORDER_SCREEN_ENTITIES = frozenset({Entity.ORDER.value, Entity.SHIPMENT.value, Entity.RETURN.value,
                                   Entity.THREAD.value, "*"})

