"""`order.cancel`: allowed until the order ships."""

from typing import Any

from app.protocol.auth import Role
from app.protocol.entities import OrderStatus, PickupStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import OrderCancel
from server.errors import Rejected
from server.models import Order, Pickup
from server.mutators import MutationContext, mutator
from server.projections.orders import publish_order
from server.projections.pickups import publish_pickup

CANCELLABLE = {OrderStatus.PLACED, OrderStatus.PROCESSING}


def owned_order(ctx: MutationContext, order_id: str) -> Order:
    """The caller's order, or a `not_found` rejection (also for someone else's order: no oracle)."""
    order = ctx.session.get(Order, order_id)
    if order is None or order.customer_id != ctx.principal.user_id:
        raise Rejected(RejectionCode.NOT_FOUND)
    return order


@mutator("order.cancel", roles={Role.CUSTOMER})
def order_cancel(ctx: MutationContext, args: OrderCancel) -> dict[str, Any] | None:
    order = owned_order(ctx, args.order_id)
    if order.status == OrderStatus.CANCELLED:
        return {"status": order.status}  # cancelling twice is harmless
    if order.status not in CANCELLABLE:
        raise Rejected(RejectionCode.ORDER_NOT_CANCELLABLE, {"status": order.status})
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = ctx.now
    publish_order(ctx.session, order)
    pickup = ctx.session.query(Pickup).filter_by(order_id=order.id).one_or_none()
    if pickup is not None:
        pickup.status = PickupStatus.CANCELLED
        publish_pickup(ctx.session, pickup)
    return {"status": order.status}
