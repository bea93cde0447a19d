"""`return.create`, `return.update` and `return.cancel`: the policy (server.policies.returns) decides,
these apply it. Returns are idempotent by their client-made id; edits are per-field compare-and-set.

The order row is locked first in every return mutation, so two devices working on returns of
the same order are serialised (SQLite serialises all writers anyway) and the one-open-return
per item rule cannot be raced.
"""

import uuid
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from app.protocol.auth import Role
from app.protocol.codes import CodeKind
from app.protocol.entities import ReturnKind, ReturnStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import (
    RefundMethod,
    ReturnCancel,
    ReturnCreate,
    ReturnLine,
    ReturnUpdate,
)
from app.protocol.returns import RETURN_CODE_TTL_DAYS
from server.errors import Rejected
from server.models import Attachment, Order, Return, ReturnEvent, ReturnItem, User
from server.mutators import MutationContext, mutator, require_row_ids
from server.policies.returns import (
    AttachmentFacts,
    ExistingReturn,
    ItemFacts,
    Line,
    OrderFacts,
    ReturnRequest,
    check_cancellable,
    check_editable,
    check_lines,
    clean_comment,
    parse_kind,
    plan_return,
)
from server.projections.returns import publish_return

_LINES = TypeAdapter(list[ReturnLine])


def order_facts(order: Order) -> OrderFacts:
    """The policy's view of an order: each item with the delivery of the parcel that holds it."""
    parcel_of = {item_id: s for s in order.shipments for item_id in (s.item_ids or [])}
    items = []
    for item in order.items:
        parcel = parcel_of.get(item.id)
        delivered = parcel.delivered_at if parcel is not None and parcel.delivered_at else order.delivered_at
        items.append(ItemFacts(id=item.id, category=item.category, quantity=item.quantity,
                               returnable=item.returnable, exchange_variants=tuple(item.exchange_variants or ()),
                               delivered_at=delivered))
    arrivals = [i.delivered_at for i in items]
    fully = max(a for a in arrivals if a is not None) if arrivals and None not in arrivals else None
    return OrderFacts(id=order.id, status=order.status, items=tuple(items), fully_delivered_at=fully)


def existing_facts(returns: list[Return]) -> list[ExistingReturn]:
    return [ExistingReturn(id=r.id, kind=r.kind, status=r.status, remedy=r.remedy,
                           lines=tuple((i.order_item_id, i.quantity) for i in r.items)) for r in returns]


def _locked_order(ctx: MutationContext, order_id: str) -> Order:
    order = ctx.session.scalars(select(Order).where(Order.id == order_id).with_for_update()).one_or_none()
    if order is None or order.customer_id != ctx.principal.user_id:
        raise Rejected(RejectionCode.NOT_FOUND)
    return order


def _order_returns(ctx: MutationContext, order_id: str, *, besides: str | None = None) -> list[Return]:
    stmt = select(Return).where(Return.order_id == order_id)
    if besides is not None:
        stmt = stmt.where(Return.id != besides)
    return list(ctx.session.scalars(stmt))


def _owned_return(ctx: MutationContext, return_id: str) -> tuple[Return, Order]:
    ret = ctx.session.get(Return, return_id)
    if ret is None or ret.customer_id != ctx.principal.user_id:
        raise Rejected(RejectionCode.NOT_FOUND)
    return ret, _locked_order(ctx, ret.order_id)


def add_event(ret: Return, ctx: MutationContext, status: str, *, kind: str = "status", note: str | None = None) -> None:
    ret.events.append(ReturnEvent(id=str(uuid.uuid4()), at=ctx.now, position=len(ret.events), kind=kind,
                                  status=status, note=note))
    ret.updated_at = ctx.now


def publish_at_batch_end(ctx: MutationContext, ret: Return) -> None:
    """Publish the return once, at the end of the push batch: a burst of edits written offline
    projects it (every item and event) once instead of once per edit. The work holds the row, so
    the session keeps it and its loaded events between the batch's mutations (its identity map
    holds rows weakly, and each edit would load the whole timeline again)."""
    ctx.after_batch(f"return:{ret.id}", partial(_publish_latest, ctx, ret.id), ret)


def _publish_latest(ctx: MutationContext, return_id: str, _edited: list[Return]) -> None:
    ret = ctx.session.get(Return, return_id)
    if ret is None:
        return
    customer = ctx.session.get(User, ret.customer_id)
    if customer is None or customer.deleted_at is not None:
        return  # the account was erased later in this batch: its tombstones stand
    publish_return(ctx.session, ret)


def issue_qr(ctx: MutationContext, ret: Return) -> str:
    return ctx.codes.issue_for(CodeKind.RETURN, ret.id, timedelta(days=RETURN_CODE_TTL_DAYS), ctx.now)


def _line(line: ReturnLine) -> Line:
    return Line(order_item_id=line.order_item_id, quantity=line.quantity, reason=line.reason,
                exchange_variant=line.exchange_variant)


def _lines_wire(lines: list[ReturnItem] | tuple[Line, ...]) -> list[dict[str, Any]]:
    """Items in a comparable wire shape, in order item order (the order of lines carries no meaning)."""
    rows = [{"order_item_id": i.order_item_id, "quantity": i.quantity, "reason": i.reason,
             "exchange_variant": i.exchange_variant} for i in lines]
    return sorted(rows, key=lambda r: str(r["order_item_id"]))


# How long before its arrival a withdrawal may say it was sent (a phone offline for a weekend).
WITHDRAWAL_SENT_GRACE = timedelta(days=3)

def _decided_at(ctx: MutationContext, kind: str) -> datetime:
    """The moment the window is checked against. A withdrawal counts when it was *sent* (CRD
    Art. 11(2)): declared offline on day 14 and synced on day 15, it is in time. So for a
    withdrawal the device's own time of the tap counts, if plausible and at most
    WITHDRAWAL_SENT_GRACE before it arrives (a device clock set back buys no more than that)."""
    if kind == ReturnKind.WITHDRAWAL:
        sent = ctx.client_instant(WITHDRAWAL_SENT_GRACE)
        if sent is not None:
            return sent
    return ctx.now


@mutator("return.create", roles={Role.CUSTOMER})
def return_create(ctx: MutationContext, args: ReturnCreate) -> dict[str, Any] | None:
    require_row_ids(return_id=args.return_id)
    existing = ctx.session.get(Return, args.return_id)
    if existing is not None:
        if existing.customer_id != ctx.principal.user_id:
            raise Rejected(RejectionCode.CONFLICT, {"return_id": args.return_id})
        return {"return_id": existing.id, "status": existing.status}  # idempotent by return id
    order = _locked_order(ctx, args.order_id)
    attachments = {a.id: AttachmentFacts(id=a.id, owner_id=a.owner_id, content_type=a.content_type)
                   for a in ctx.session.scalars(select(Attachment).where(Attachment.id.in_(args.attachment_ids)))}
    request = ReturnRequest(kind=args.kind, lines=tuple(_line(line) for line in args.items), comment=args.comment,
                            refund_method=args.refund_method, remedy=args.remedy,
                            attachment_ids=tuple(args.attachment_ids))
    plan = plan_return(order_facts(order), request, existing_facts(_order_returns(ctx, order.id)), attachments,
                       ctx.principal.user_id, _decided_at(ctx, args.kind))
    ret = Return(id=args.return_id, order_id=order.id, customer_id=ctx.principal.user_id, kind=plan.kind,
                 status=plan.status, created_at=ctx.now, updated_at=ctx.now, comment=plan.comment,
                 refund_method=plan.refund_method, remedy=plan.remedy, attachment_ids=list(plan.attachment_ids),
                 items=[ReturnItem(id=str(uuid.uuid4()), order_item_id=line.order_item_id, quantity=line.quantity,
                                   reason=line.reason, exchange_variant=line.exchange_variant)
                        for line in plan.lines])
    for status in plan.statuses:
        add_event(ret, ctx, status)
    if plan.status == ReturnStatus.QR_ISSUED:
        ret.qr_token = issue_qr(ctx, ret)
    ctx.session.add(ret)
    publish_at_batch_end(ctx, ret)
    return {"return_id": ret.id, "status": ret.status}


def _apply_comment(ctx: MutationContext, ret: Return, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise Rejected(RejectionCode.INVALID_ARGS, {"fields": ["changes.comment.to"]})
    comment = clean_comment(value)
    if comment is not None and len(comment) > 4000:
        raise Rejected(RejectionCode.INVALID_ARGS, {"fields": ["changes.comment.to"]})
    if comment is None and ret.kind == ReturnKind.WARRANTY_CLAIM:
        raise Rejected(RejectionCode.DESCRIPTION_REQUIRED)
    if comment == ret.comment:
        return
    # Free text: the last arrival wins, and the text it replaces stays in the timeline.
    previous = ret.comment
    ret.comment = comment
    add_event(ret, ctx, ret.status, kind="comment", note=previous)


def _apply_refund_method(ctx: MutationContext, ret: Return, expected: Any, value: Any) -> None:
    if ret.kind not in (ReturnKind.WITHDRAWAL, ReturnKind.RETURN) or value not in set(RefundMethod):
        raise Rejected(RejectionCode.INVALID_ARGS, {"fields": ["changes.refund_method.to"]})
    if expected != ret.refund_method:
        raise Rejected(RejectionCode.CONFLICT, {"field": "refund_method", "current": ret.refund_method})
    if value != ret.refund_method:
        ret.refund_method = value
        add_event(ret, ctx, ret.status, kind="refund_method")


def _apply_items(ctx: MutationContext, ret: Return, order: Order, expected: Any, value: Any) -> None:
    try:
        wanted = _LINES.validate_python(value)
        before = [_line(line) for line in _LINES.validate_python(expected)] if expected is not None else None
    except ValidationError as exc:
        fields = sorted({"changes.items." + ".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise Rejected(RejectionCode.INVALID_ARGS, {"fields": fields}) from exc
    current = _lines_wire(ret.items)
    if before is None or _lines_wire(tuple(before)) != current:
        raise Rejected(RejectionCode.CONFLICT, {"field": "items", "current": current})
    kind = parse_kind(ret.kind)
    lines = check_lines(order_facts(order), kind, [_line(line) for line in wanted],
                        existing_facts(_order_returns(ctx, order.id, besides=ret.id)), ctx.now,
                        window_checked=frozenset(i.order_item_id for i in ret.items))
    if _lines_wire(lines) == current:
        return
    ret.items = [ReturnItem(id=str(uuid.uuid4()), order_item_id=line.order_item_id, quantity=line.quantity,
                            reason=line.reason, exchange_variant=line.exchange_variant) for line in lines]
    add_event(ret, ctx, ret.status, kind="items")


@mutator("return.update", roles={Role.CUSTOMER})
def return_update(ctx: MutationContext, args: ReturnUpdate) -> dict[str, Any] | None:
    ret, order = _owned_return(ctx, args.return_id)
    check_editable(ret.status)
    # Compare-and-set fields first: one conflict refuses the whole edit (the savepoint undoes the rest).
    for field in ("items", "refund_method", "comment"):
        change = args.changes.get(field)
        if change is None:
            continue
        if field == "items":
            _apply_items(ctx, ret, order, change.from_, change.to)
        elif field == "refund_method":
            _apply_refund_method(ctx, ret, change.from_, change.to)
        else:
            _apply_comment(ctx, ret, change.to)
    publish_at_batch_end(ctx, ret)
    return {"return_id": ret.id, "status": ret.status}


@mutator("return.cancel", roles={Role.CUSTOMER})
def return_cancel(ctx: MutationContext, args: ReturnCancel) -> dict[str, Any] | None:
    ret, _order = _owned_return(ctx, args.return_id)
    if ret.status == ReturnStatus.CANCELLED:
        return {"return_id": ret.id, "status": ret.status}  # cancelling twice is harmless
    check_cancellable(ret.status)
    ret.status = ReturnStatus.CANCELLED
    ret.qr_token = None  # nothing to drop off any more
    add_event(ret, ctx, ReturnStatus.CANCELLED)
    publish_at_batch_end(ctx, ret)
    return {"return_id": ret.id, "status": ret.status}
