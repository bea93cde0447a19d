"""The `pickup` entity, shown to the shopper and to the store's staff and kiosk."""

from sqlalchemy.orm import Session

from app.protocol.entities import PickupPublic
from app.protocol.sync import Entity
from server.models import Order, Pickup, User
from server.models.base import iso
from server.projections.orders import item_payload
from server.scopes import store_scope, user_scope
from server.sync.log import stage


def pickup_payload(pickup: Pickup, order: Order, customer: User) -> dict[str, object]:
    return PickupPublic(
        id=pickup.id, order_id=order.id, order_number=order.number, store_id=pickup.store_id,
        customer_id=str(customer.id), customer_name=customer.name, status=pickup.status, code=pickup.code,
        items=[item_payload(i) for i in order.items],
        age_check_required=any(i.age_restricted for i in order.items), delegate_name=pickup.delegate_name,
        ready_at=iso(pickup.ready_at), checked_in_at=iso(pickup.checked_in_at),
        handed_over_at=iso(pickup.handed_over_at), handed_over_by=pickup.handed_over_by,
        hold_until=iso(pickup.hold_until),
    ).model_dump(mode="json")


def publish_pickup(session: Session, pickup: Pickup) -> None:
    order = session.get_one(Order, pickup.order_id)
    customer = session.get_one(User, pickup.customer_id)
    stage(session, [user_scope(pickup.customer_id), store_scope(pickup.store_id)], Entity.PICKUP, pickup.id,
          pickup_payload(pickup, order, customer))
