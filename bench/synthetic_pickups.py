"""Ready click & collect pickups for the `push` benchmark's staff tablet.

Orders of one shopper, each with one item and a pickup waiting (`ready`) at one store, written
through the server's ORM models and projections in one transaction, as the demo seed writes
its pickup (the shopper's and the store's scopes get the rows). Short codes are unique and
deterministic, so a tablet can hand each over by its typed code.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.db import Database
from server.models import Order, OrderItem, Pickup, User
from server.projections.orders import publish_order
from server.projections.pickups import publish_pickup
from server.sync.log import commit_seq


@dataclass(frozen=True)
class ReadyPickup:
    pickup_id: str
    code: str
    customer_name: str


def fill_ready_pickups(db: Database, email: str, store_id: str, count: int) -> list[ReadyPickup]:
    now = datetime.now(UTC).replace(microsecond=0)
    made: list[ReadyPickup] = []
    with db.write() as session:
        customer = session.scalars(select(User).where(User.email == email)).one()
        for n in range(count):
            number = f"NA-9{n:05d}"
            item = OrderItem(id=f"bench-item-{n}", position=0, sku="TSHIRT-M", name="T-Shirt", variant="M",
                             category="fashion", quantity=1, unit_price=1999, image="/products/tshirt.png",
                             returnable=True, age_restricted=False, exchange_variants=[])
            order = Order(id=f"bench-order-{n}", number=number, customer_id=customer.id, email=customer.email,
                          status="ready_for_pickup", placed_at=now - timedelta(days=2), currency="EUR", total=1999,
                          shipping_fee=0, payment_method="paypal", fulfilment="pickup", store_id=store_id,
                          address=None, items=[item])
            pickup = Pickup(id=f"bench-pickup-{n}", order_id=order.id, store_id=store_id, customer_id=customer.id,
                            status="ready", code=f"Q{n:05d}", ready_at=now - timedelta(hours=2),
                            hold_until=now + timedelta(days=5))
            session.add_all([order, pickup])
            session.flush()
            publish_order(session, order)
            publish_pickup(session, pickup)
            made.append(ReadyPickup(pickup.id, pickup.code, customer.name))
        commit_seq(session)
    return made
