"""The `pickup` entity, shown to the shopper and to the store's staff and kiosk.

The store's copy also lists handover exceptions (staff follow them up); the shopper's copy
leaves them out. No device holds both scopes, so the two copies never meet in one cache.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol.entities import HandoverExceptionPublic, PickupPublic, PickupStatus
from app.protocol.sync import Entity
from server.models import Order, Pickup, PickupHandover, User
from server.models.base import iso
from server.projections.orders import item_payload
from server.scopes import store_scope, user_scope
from server.sync.log import stage

HANDED_OVER = "handed_over"
EXCEPTION = "exception"


def pickup_payload(pickup: Pickup, order: Order, customer: User,
                   handovers: list[PickupHandover] | None = None, *, for_store: bool = False) -> dict[str, object]:
    handovers = handovers or []
    winner = next((h for h in handovers if h.outcome == HANDED_OVER), None)
    exceptions = [HandoverExceptionPublic(id=h.id, at=iso(h.at) or "", by=h.staff_name, recipient_name=h.recipient_name,
                                          reason=h.reason or "")
                  for h in handovers if h.outcome == EXCEPTION and h.resolved_at is None] if for_store else []
    return PickupPublic(
        id=pickup.id, order_id=order.id, order_number=order.number, store_id=pickup.store_id,
        customer_id=str(customer.id), customer_name=customer.name, status=PickupStatus(pickup.status), code=pickup.code,
        items=[item_payload(i) for i in order.items],
        age_check_required=any(i.age_restricted for i in order.items), delegate_name=pickup.delegate_name,
        ready_at=iso(pickup.ready_at), checked_in_at=iso(pickup.checked_in_at),
        handed_over_at=iso(pickup.handed_over_at), handed_over_by=pickup.handed_over_by,
        hold_until=iso(pickup.hold_until), handed_over_to=winner.recipient_name if winner else None,
        exceptions=exceptions,
    ).model_dump(mode="json")


def publish_pickup(session: Session, pickup: Pickup) -> None:
    order = session.get_one(Order, pickup.order_id)
    customer = session.get_one(User, pickup.customer_id)
    handovers = list(session.scalars(select(PickupHandover).where(PickupHandover.pickup_id == pickup.id)
                                     .order_by(PickupHandover.at, PickupHandover.id)))
    stage(session, [user_scope(pickup.customer_id)], Entity.PICKUP, pickup.id,
          pickup_payload(pickup, order, customer, handovers))
    stage(session, [store_scope(pickup.store_id)], Entity.PICKUP, pickup.id,
          pickup_payload(pickup, order, customer, handovers, for_store=True))
