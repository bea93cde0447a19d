"""`order.cancel` (allowed until the order ships) and `order.report_problem` (opens a thread)."""

from typing import Any

from sqlalchemy import select

from app.protocol.auth import Role
from app.protocol.entities import OrderStatus, PickupStatus, ThreadStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import OrderCancel, OrderReportProblem, ProblemKind
from server.errors import Rejected
from server.models import Attachment, Order, Pickup, Shipment, Thread, User
from server.mutators import MutationContext, mutator, require_row_ids
from server.mutators.messaging import add_message
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


# The first message of a problem report, in the shopper's language; the description follows it.
_PROBLEM_TEXT: dict[str, tuple[str, str]] = {
    # kind: (English, German)
    ProblemKind.NOT_RECEIVED: ("My order has not arrived.", "Meine Bestellung ist nicht angekommen."),
    ProblemKind.DAMAGED: ("An item arrived damaged.", "Ein Artikel ist beschädigt angekommen."),
    ProblemKind.WRONG_ITEM: ("I received the wrong item.", "Ich habe einen falschen Artikel erhalten."),
}
_PROBLEM_SUBJECT = ("Problem with order {number}", "Problem mit Bestellung {number}")
_PARCEL_LINE = ("Parcel: {carrier} {tracking}", "Sendung: {carrier} {tracking}")
# Reports about the goods themselves need goods that arrived.
_NEEDS_DELIVERY = {ProblemKind.DAMAGED, ProblemKind.WRONG_ITEM}


def _in_language(texts: tuple[str, str], locale: str, **values: str) -> str:
    return (texts[1] if locale.startswith("de") else texts[0]).format(**values)


@mutator("order.report_problem", roles={Role.CUSTOMER})
def order_report_problem(ctx: MutationContext, args: OrderReportProblem) -> dict[str, Any] | None:
    """Open a conversation about the order. It waits for a person: a problem report is not bot work."""
    require_row_ids(thread_id=args.thread_id, message_id=args.message_id)
    existing = ctx.session.get(Thread, args.thread_id)
    if existing is not None:
        if existing.customer_id != ctx.principal.user_id:
            raise Rejected(RejectionCode.CONFLICT, {"thread_id": args.thread_id})
        return {"thread_id": existing.id}  # idempotent by thread id
    order = owned_order(ctx, args.order_id)
    shipment: Shipment | None = None
    if args.shipment_id is not None:
        shipment = next((s for s in order.shipments if s.id == args.shipment_id), None)
        if shipment is None:
            raise Rejected(RejectionCode.NOT_FOUND, {"shipment_id": args.shipment_id})
    if args.kind in _NEEDS_DELIVERY:
        delivered = shipment.delivered_at if shipment is not None else (
            order.delivered_at or next((s.delivered_at for s in order.shipments if s.delivered_at), None))
        if delivered is None:
            raise Rejected(RejectionCode.NOT_DELIVERED)
    attachment_ids = list(dict.fromkeys(args.attachment_ids))
    owned = set(ctx.session.scalars(select(Attachment.id).where(Attachment.id.in_(attachment_ids),
                                                                Attachment.owner_id == ctx.principal.user_id)))
    for attachment_id in attachment_ids:
        if attachment_id not in owned:
            raise Rejected(RejectionCode.ATTACHMENT_INVALID, {"attachment_id": attachment_id})
    user = ctx.session.get_one(User, ctx.principal.user_id)
    lines = [_in_language(_PROBLEM_TEXT[args.kind], user.locale)]
    if shipment is not None:
        lines.append(_in_language(_PARCEL_LINE, user.locale, carrier=shipment.carrier,
                                  tracking=shipment.tracking_number))
    if args.description:
        lines.append(args.description)
    thread = Thread(id=args.thread_id, customer_id=user.id,
                    subject=_in_language(_PROBLEM_SUBJECT, user.locale, number=order.number),
                    status=ThreadStatus.WAITING_FOR_AGENT, created_at=ctx.now, updated_at=ctx.now,
                    order_id=order.id, human_requested_at=ctx.now)
    ctx.session.add(thread)
    ctx.session.flush()
    add_message(ctx, thread, args.message_id, "\n\n".join(lines), attachment_ids)
    return {"thread_id": thread.id}
