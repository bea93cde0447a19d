"""Demo orders in every interesting state, with parcels, pickups, loyalty history and a thread."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from server.models import (
    LoyaltyAccount,
    LoyaltyEntry,
    Message,
    Notification,
    Order,
    OrderItem,
    Pickup,
    Shipment,
    Thread,
    TrackingEvent,
    User,
)
from server.mutators.loyalty import CODE_ALPHABET, CODE_LENGTH
from server.projections.loyalty import publish_loyalty_account, publish_loyalty_entry
from server.projections.messaging import publish_message, publish_thread
from server.projections.notifications import publish_notification
from server.projections.orders import publish_order, publish_shipment
from server.projections.pickups import publish_pickup
from server.seed.ids import days_ago, demo_id
from server.seed.people import People


@dataclass
class Item:
    sku: str
    name: str
    price: int
    category: str
    variant: str | None = None
    quantity: int = 1
    returnable: bool = True
    age_restricted: bool = False
    exchange: tuple[str, ...] = ()  # other variants in stock, offered for an exchange


@dataclass
class Parcel:
    carrier: str
    tracking: str
    status: str
    items: list[int]  # positions in the order
    events: list[tuple[float, str, str, dict[str, str]]]  # (days ago, status, location, description)
    eta: tuple[float, float] | None = None  # (days from anchor, days from anchor)
    delivered_days_ago: float | None = None


@dataclass
class Spec:
    number: str
    placed_days_ago: float
    status: str
    items: list[Item]
    payment: str = "paypal"
    fulfilment: str = "delivery"
    store_id: str | None = None
    parcels: list[Parcel] = field(default_factory=list)
    delivered_days_ago: float | None = None
    cancelled_days_ago: float | None = None


def _ev(de: str, en: str) -> dict[str, str]:
    return {"de": de, "en": en}


HANDED = _ev("Zugestellt – an Empfänger übergeben", "Delivered – handed to recipient")
LABEL = _ev("Sendungsdaten übermittelt", "Shipping label created")
HUB = _ev("Im Paketzentrum bearbeitet", "Processed at parcel centre")
OUT = _ev("In Zustellung", "Out for delivery")

ANNA_ADDRESS = {"name": "Anna Schmidt", "street": "Kastanienallee 12", "postal_code": "10435", "city": "Berlin",
                "country": "DE"}
BEN_ADDRESS = {"name": "Ben Carter", "street": "Lehmweg 7", "postal_code": "20251", "city": "Hamburg", "country": "DE"}

ANNA_ORDERS = [
    Spec("NA-100231", 8, "delivered", [
        Item("SH-2231-BL-M", "Leinenhemd Regular Fit", 5995, "apparel", "Hellblau, M",
             exchange=("Hellblau, S", "Hellblau, L", "Weiß, M")),
        Item("CH-4410-SA-32", "Chino Slim Fit", 7995, "apparel", "Sand, W32/L32",
             exchange=("Sand, W31/L32", "Sand, W33/L32", "Navy, W32/L32")),
    ], parcels=[Parcel("DHL", "00340434161234567890", "delivered", [0, 1], [
        (7, "label_created", "Kassel", LABEL), (6, "in_transit", "Kassel", HUB),
        (5.2, "out_for_delivery", "Berlin", OUT), (5, "delivered", "Berlin", HANDED)], delivered_days_ago=5)],
        delivered_days_ago=5),
    Spec("NA-100245", 5, "shipped", [
        Item("SN-7781-WH-39", "Ledersneaker Classic", 11995, "shoes", "Weiß, 39",
             exchange=("Weiß, 38", "Weiß, 40")),
    ], payment="credit_card", parcels=[Parcel("Hermes", "H1004523879012", "delayed", [0], [
        (4, "label_created", "Bad Hersfeld", LABEL), (3, "in_transit", "Bad Hersfeld", HUB),
        (1, "delayed", "Berlin-Schönefeld",
         _ev("Verzögerung im Paketzentrum wegen hohen Sendungsaufkommens",
             "Delayed at the parcel centre due to high volumes"))], eta=(-1, 1))]),
    Spec("NA-100198", 45, "delivered", [
        Item("KT-1200-ST", "Wasserkocher Edelstahl 1,7 l", 4999, "household"),
        Item("PU-3302-GR-S", "Merino-Pullover", 8995, "apparel", "Grau meliert, S",
             exchange=("Grau meliert, M", "Marine, S")),
    ], payment="invoice", parcels=[Parcel("DHL", "00340434161234500198", "delivered", [0, 1], [
        (43, "label_created", "Kassel", LABEL), (42, "in_transit", "Kassel", HUB),
        (40.2, "out_for_delivery", "Berlin", OUT), (40, "delivered", "Berlin", HANDED)], delivered_days_ago=40)],
        delivered_days_ago=40),
    Spec("NA-100252", 1, "ready_for_pickup", [
        Item("WN-0021-SP", "Spätburgunder trocken 2021", 1490, "wine", quantity=2, returnable=False, age_restricted=True),
        Item("KM-5520-SA", "Santoku-Messer 18 cm", 5990, "kitchen", age_restricted=True),
        Item("GT-0003-LI", "Geschirrtücher Leinen, 3er-Set", 2490, "household"),
    ], fulfilment="pickup", store_id="BER-01", payment="credit_card"),
    Spec("NA-100240", 12, "cancelled", [
        Item("JK-8810-OL-M", "Steppjacke Leicht", 12995, "apparel", "Oliv, M", exchange=("Oliv, L", "Schwarz, M")),
    ], cancelled_days_ago=11),
    Spec("NA-100260", 4, "partially_delivered", [
        Item("KS-2002-TE", "Sofakissen Bouclé 50×50", 3495, "home", "Terrakotta", quantity=2),
        Item("LA-7700-MS", "Stehlampe Messing", 18900, "home"),
        Item("AN-0400-GR", "Schlüsselanhänger mit Gravur „A.S.“", 1990, "personalised", returnable=False),
    ], payment="apple_pay", parcels=[
        Parcel("DHL", "00340434161234560260", "delivered", [0, 2], [
            (3, "label_created", "Kassel", LABEL), (2.5, "in_transit", "Kassel", HUB),
            (2.1, "out_for_delivery", "Berlin", OUT), (2, "delivered", "Berlin", HANDED)], delivered_days_ago=2),
        Parcel("DHL", "00340434161234560261", "in_transit", [1], [
            (2, "label_created", "Nürnberg", LABEL), (1, "in_transit", "Nürnberg", HUB)], eta=(0, 1)),
    ]),
    Spec("NA-100271", 0.1, "processing", [
        Item("TS-1001-WH-M", "Bio-T-Shirt Basic, 2er-Pack", 2995, "apparel", "Weiß, M",
             exchange=("Weiß, S", "Weiß, L", "Schwarz, M")),
    ], payment="paypal"),
]

BEN_ORDERS = [
    Spec("NA-100233", 10, "delivered", [
        Item("BP-6600-BK", "Rolltop Backpack 22 l", 8995, "bags", "Black"),
    ], payment="credit_card", parcels=[Parcel("DHL", "00340434169876543210", "delivered", [0], [
        (9, "label_created", "Kassel", LABEL), (8, "in_transit", "Hamburg", HUB),
        (7, "delivered", "Hamburg", HANDED)], delivered_days_ago=7)], delivered_days_ago=7),
    Spec("NA-100262", 2, "shipped", [
        Item("RJ-3003-NA-L", "Rain jacket Packable", 9995, "apparel", "Navy, L",
             exchange=("Navy, M", "Navy, XL", "Olive, L")),
    ], parcels=[Parcel("Hermes", "H1004523879999", "in_transit", [0], [
        (1.5, "label_created", "Löhne", LABEL), (1, "in_transit", "Hamburg", HUB)], eta=(0, 2))]),
    Spec("NA-100268", 0.3, "processing", [
        Item("MG-0101-SE", "Stoneware mug set of 4", 3990, "household", "Sea green"),
        Item("CF-2000-1KG", "Espresso beans 1 kg", 2290, "food", returnable=False),
    ], fulfilment="pickup", store_id="HAM-01", payment="paypal"),
]


# Bought without an account: only the guest lookup (order number + email) shows it.
GUEST_EMAIL = "clara.wagner@example.com"
GUEST_ADDRESS = {"name": "Clara Wagner", "street": "Am Markt 3", "postal_code": "04109", "city": "Leipzig",
                 "country": "DE"}
GUEST_ORDERS = [
    Spec("NA-100280", 3, "shipped", [
        Item("SC-4400-RO", "Wollschal Fischgrat", 4995, "apparel", "Rost"),
        Item("CA-0900-NA", "Duftkerze Zeder", 1895, "home"),
    ], payment="credit_card", parcels=[Parcel("DHL", "00340434161234580280", "out_for_delivery", [0, 1], [
        (2.5, "label_created", "Kassel", LABEL), (1.5, "in_transit", "Leipzig", HUB),
        (0, "out_for_delivery", "Leipzig", OUT)], eta=(0, 0))]),
]


def _order(session: Session, customer: User | None, spec: Spec, address: dict[str, str],
           email: str | None = None) -> Order:
    items = [OrderItem(id=demo_id("order_item", f"{spec.number}:{i}"), position=i, sku=it.sku, name=it.name,
                       variant=it.variant, category=it.category, quantity=it.quantity, unit_price=it.price,
                       image=f"/products/{it.sku.split('-')[0].lower()}.png", returnable=it.returnable,
                       age_restricted=it.age_restricted, exchange_variants=list(it.exchange))
             for i, it in enumerate(spec.items)]
    subtotal = sum(i.unit_price * i.quantity for i in items)
    fee = 0 if subtotal >= 5000 or spec.fulfilment == "pickup" else 495
    order = Order(id=demo_id("order", spec.number), number=spec.number,
                  customer_id=customer.id if customer else None, email=customer.email if customer else email or "",
                  status=spec.status, placed_at=days_ago(spec.placed_days_ago), currency="EUR", total=subtotal + fee,
                  shipping_fee=fee, payment_method=spec.payment, fulfilment=spec.fulfilment, store_id=spec.store_id,
                  address=address if spec.fulfilment == "delivery" else None, items=items,
                  delivered_at=days_ago(spec.delivered_days_ago) if spec.delivered_days_ago is not None else None,
                  cancelled_at=days_ago(spec.cancelled_days_ago) if spec.cancelled_days_ago is not None else None)
    session.add(order)
    for parcel in spec.parcels:
        shipment = Shipment(
            id=demo_id("shipment", parcel.tracking), order=order, carrier=parcel.carrier,
            tracking_number=parcel.tracking, status=parcel.status, item_ids=[items[p].id for p in parcel.items],
            estimated_from=days_ago(-parcel.eta[0]) if parcel.eta else None,
            estimated_to=days_ago(-parcel.eta[1], -8) if parcel.eta else None,
            delivered_at=days_ago(parcel.delivered_days_ago) if parcel.delivered_days_ago is not None else None,
            events=[TrackingEvent(id=demo_id("tracking_event", f"{parcel.tracking}:{n}"), at=days_ago(ago),
                                  status=status, location=location, description=text)
                    for n, (ago, status, location, text) in enumerate(parcel.events)])
        session.add(shipment)
    session.flush()
    publish_order(session, order)
    for shipment in order.shipments:
        publish_shipment(session, shipment)
    return order


def _pickup(session: Session, order: Order, customer: User, code: str, status: str, ready: datetime | None) -> None:
    pickup = Pickup(id=demo_id("pickup", order.number), order_id=order.id, store_id=order.store_id or "",
                    customer_id=customer.id, status=status, code=code, ready_at=ready,
                    hold_until=ready + timedelta(days=7) if ready else None)
    session.add(pickup)
    session.flush()
    publish_pickup(session, pickup)


# (days ago, kind, points, description, reward slug of a redemption)
Extra = tuple[float, str, int, dict[str, str], str | None]


def _demo_code(name: str) -> str:
    """A redemption code that stays the same in every seeded database."""
    raw = uuid.UUID(demo_id("redemption_code", name)).bytes
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in raw[:CODE_LENGTH])


def _extra_entry(account: LoyaltyAccount, card: str, n: int, extra: Extra) -> LoyaltyEntry:
    ago, kind, points, text, reward = extra
    name = f"{card}:extra:{n}"
    return LoyaltyEntry(id=demo_id("loyalty_entry", name), account_id=account.id, at=days_ago(ago), kind=kind,
                        points=points, description=text, reward_id=demo_id("reward", reward) if reward else None,
                        redemption_id=demo_id("redemption", name) if reward else None,
                        code=_demo_code(name) if reward else None)


def _loyalty(session: Session, customer: User, card: str, orders: list[Order], extra: list[Extra]) -> None:
    account = LoyaltyAccount(id=demo_id("loyalty_account", card), customer_id=customer.id, card_number=card)
    session.add(account)
    entries = [LoyaltyEntry(id=demo_id("loyalty_entry", f"{card}:{o.number}"), account_id=account.id, at=o.placed_at,
                            kind="earned", points=o.total // 100, order_id=o.id,
                            description=_ev(f"Bestellung {o.number}", f"Order {o.number}"))
               for o in orders if o.status != "cancelled"]
    entries += [_extra_entry(account, card, n, e) for n, e in enumerate(extra)]
    session.add_all(entries)
    session.flush()
    publish_loyalty_account(session, account)
    for entry in entries:
        publish_loyalty_entry(session, account, entry)


def _anna_thread(session: Session, anna: User, agent: User, order: Order) -> None:
    thread = Thread(id=demo_id("thread", "anna-kettle"), customer_id=anna.id, subject="Wasserkocher – Rechnung",
                    status="closed", created_at=days_ago(38), updated_at=days_ago(37), order_id=order.id,
                    agent_id=agent.id, closed_at=days_ago(37), rating=5)
    session.add(thread)
    session.flush()
    lines = [(38, "customer", anna.name, "Hallo, können Sie mir die Rechnung zu meiner Bestellung noch einmal schicken?"),
             (38, "bot", "nahtlos Assistent", ("Ihre Rechnung finden Sie in der Bestellübersicht unter „Details“. "
                                              "Soll ich Sie mit einer Kollegin verbinden?")),
             (37.9, "customer", anna.name, "Ja, bitte – ich brauche sie mit meiner neuen Adresse."),
             (37, "agent", agent.name, "Gern! Die korrigierte Rechnung ist unterwegs in Ihr Postfach. Schönen Tag noch!")]
    for n, (ago, sender, name, body) in enumerate(lines):
        message = Message(id=demo_id("message", f"anna-kettle:{n}"), thread_id=thread.id, sender=sender,
                          sender_user_id=anna.id if sender == "customer" else (agent.id if sender == "agent" else None),
                          sender_name=name, body=body, sent_at=days_ago(ago), position=n + 1)
        session.add(message)
        thread.last_message_preview = body[:140]
        session.flush()
        publish_message(session, thread, message)
    thread.customer_read_seq = thread.agent_read_seq = len(lines)  # long settled: everything was read
    publish_thread(session, thread)


def seed_orders(session: Session, people: People) -> None:
    anna_orders = [_order(session, people.anna, spec, ANNA_ADDRESS) for spec in ANNA_ORDERS]
    ben_orders = [_order(session, people.ben, spec, BEN_ADDRESS) for spec in BEN_ORDERS]
    for spec in GUEST_ORDERS:
        _order(session, None, spec, GUEST_ADDRESS, email=GUEST_EMAIL)
    by_number = {o.number: o for o in anna_orders + ben_orders}
    _pickup(session, by_number["NA-100252"], people.anna, "K7M4Q2", "ready", days_ago(0, 2))
    _pickup(session, by_number["NA-100268"], people.ben, "B3X9T5", "preparing", None)
    _loyalty(session, people.anna, "7301 0042 1187", anna_orders, [
        (200, "earned", 640, _ev("Einkäufe in der Filiale Berlin Mitte", "Purchases at Berlin Mitte store"), None),
        (120, "redeemed", -250, _ev("Prämie: 5 € Einkaufsgutschein", "Reward: €5 shopping voucher"), "voucher-5"),
        (30, "expired", -40, _ev("Verfallene Punkte aus 2024", "Expired points from 2024"), None),
    ])
    _loyalty(session, people.ben, "7301 0042 2290", ben_orders, [
        (90, "earned", 60, _ev("Willkommensbonus", "Welcome bonus"), None),
    ])
    _anna_thread(session, people.anna, people.agent, by_number["NA-100198"])
    note = Notification(id=demo_id("notification", "anna-pickup-ready"), user_id=people.anna.id, at=days_ago(0, 2),
                        kind="pickup_ready",
                        title=_ev("Ihre Bestellung liegt bereit", "Your order is ready for pickup"),
                        body=_ev("NA-100252 wartet in nahtlos Berlin Mitte auf Sie. Bitte Ausweis mitbringen.",
                                 "NA-100252 is waiting for you at nahtlos Berlin Mitte. Please bring ID."),
                        route="/orders/" + by_number["NA-100252"].id)
    session.add(note)
    session.flush()
    publish_notification(session, note)
