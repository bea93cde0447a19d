"""Click & collect: `pickup.check_in` (shopper), `pickup.set_delegate` (shopper),
`pickup.mark_ready`, `pickup.handover` and `pickup.resolve_exception` (staff of the pickup's store).

Handover follows the contract's conflict table. The pickup row is locked and closed with a
conditional update (`WHERE status IN ('ready', 'checked_in')`): of two tablets that scanned the
same code, online or offline, the first to arrive wins; the other gets `already_handed_over`
with who and when, and leaves no record. Goods handed over for a pickup cancelled meanwhile
are a physical fact: the handover is recorded as an exception for staff to follow up and the
mutation succeeds, so the tablet's queue moves on and nothing is dropped. Staff then resolve
the exception (goods returned, paid at the till, written off); the first resolution stands.
"""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, select, update

from app.protocol.auth import Role
from app.protocol.codes import CodeFailure, CodeKind
from app.protocol.entities import OrderStatus, PickupStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import (
    PickupCheckIn,
    PickupHandover,
    PickupMarkReady,
    PickupResolveException,
    PickupSetDelegate,
)
from app.protocol.pickups import PICKUP_HOLD_DAYS, normalize_short_code, same_person
from server.codes import CodeError
from server.errors import Rejected
from server.models import Notification, Order, Pickup, Store, User
from server.models import PickupHandover as HandoverRecord
from server.models.base import iso
from server.mutators import MutationContext, mutator, require_row_ids
from server.projections.notifications import publish_notification
from server.projections.orders import publish_order
from server.projections.pickups import EXCEPTION, HANDED_OVER, publish_pickup

OPEN = (PickupStatus.READY.value, PickupStatus.CHECKED_IN.value)
# A code that expired between the scan (offline) and the sync still proves the shopper held it;
# the handover's own time decides, within this bound.
OFFLINE_GRACE = timedelta(days=3)
_NOTIFICATION_NS = uuid.UUID("6a1f1c52-3f7e-4f43-8d0e-7069636b7570")


def _locked(ctx: MutationContext, pickup_id: str) -> Pickup | None:
    return ctx.session.scalars(select(Pickup).where(Pickup.id == pickup_id).with_for_update()).one_or_none()


def _own_pickup(ctx: MutationContext, pickup_id: str) -> Pickup:
    """The caller's pickup; a kiosk session only reaches pickups of its store (no oracle: not_found)."""
    pickup = _locked(ctx, pickup_id)
    if pickup is None or pickup.customer_id != ctx.principal.user_id:
        raise Rejected(RejectionCode.NOT_FOUND)
    # A kiosk session carries its store in the `kiosk` claim (the shopper's own store_id is None).
    store = ctx.principal.kiosk_store or ctx.principal.store_id
    if store is not None and store != pickup.store_id:
        raise Rejected(RejectionCode.NOT_FOUND)
    return pickup


def _store_pickup(ctx: MutationContext, pickup_id: str) -> Pickup:
    pickup = _locked(ctx, pickup_id)
    if pickup is None:
        raise Rejected(RejectionCode.NOT_FOUND)
    if ctx.principal.store_id != pickup.store_id:
        raise Rejected(RejectionCode.FORBIDDEN)
    return pickup


def _handed_over(pickup: Pickup) -> Rejected:
    return Rejected(RejectionCode.ALREADY_HANDED_OVER, {"by": pickup.handed_over_by, "at": iso(pickup.handed_over_at)})


@mutator("pickup.check_in", roles={Role.CUSTOMER})
def pickup_check_in(ctx: MutationContext, args: PickupCheckIn) -> dict[str, Any] | None:
    pickup = _own_pickup(ctx, args.pickup_id)
    if pickup.status == PickupStatus.CHECKED_IN:
        return {"status": pickup.status}  # "I'm here" twice is harmless
    if pickup.status == PickupStatus.HANDED_OVER:
        raise _handed_over(pickup)
    if pickup.status != PickupStatus.READY:
        raise Rejected(RejectionCode.PICKUP_NOT_READY, {"status": pickup.status})
    pickup.status = PickupStatus.CHECKED_IN
    pickup.checked_in_at = ctx.now
    publish_pickup(ctx.session, pickup)
    return {"status": pickup.status}


@mutator("pickup.set_delegate", roles={Role.CUSTOMER})
def pickup_set_delegate(ctx: MutationContext, args: PickupSetDelegate) -> dict[str, Any] | None:
    pickup = _own_pickup(ctx, args.pickup_id)
    if pickup.status == PickupStatus.HANDED_OVER:
        raise _handed_over(pickup)
    if pickup.status == PickupStatus.CANCELLED:
        raise Rejected(RejectionCode.NOT_FOUND)
    if pickup.delegate_name != args.delegate_name:
        pickup.delegate_name = args.delegate_name
        publish_pickup(ctx.session, pickup)
    return {"delegate_name": pickup.delegate_name}


_READY_TITLE = {"de": "Ihre Bestellung liegt bereit", "en": "Your order is ready for pickup"}
_READY_BODY = {"de": "{number} wartet in {store} auf Sie. Zeigen Sie Ihren Abholcode an der Kasse.",
               "en": "{number} is waiting for you at {store}. Show your pickup code at the till."}
_ID_HINT = {"de": " Bitte bringen Sie einen Ausweis mit.", "en": " Please bring ID."}


def ready_notification_id(pickup_id: str) -> str:
    """One "ready" notification per pickup: a derived id, so a repeated mark_ready cannot add a second."""
    return str(uuid.uuid5(_NOTIFICATION_NS, f"pickup-ready:{pickup_id}"))


def _ready_notification(ctx: MutationContext, pickup: Pickup, order: Order) -> Notification:
    store = ctx.session.get(Store, pickup.store_id)
    store_name = store.name if store is not None else pickup.store_id
    age = any(i.age_restricted for i in order.items)
    body = {lang: text.format(number=order.number, store=store_name) + (_ID_HINT[lang] if age else "")
            for lang, text in _READY_BODY.items()}
    return Notification(id=ready_notification_id(pickup.id), user_id=pickup.customer_id, at=ctx.now,
                        kind="pickup_ready", title=dict(_READY_TITLE), body=body, route=f"/pickups/{pickup.id}")


@mutator("pickup.mark_ready", roles={Role.STAFF})
def pickup_mark_ready(ctx: MutationContext, args: PickupMarkReady) -> dict[str, Any] | None:
    pickup = _store_pickup(ctx, args.pickup_id)
    if pickup.status in OPEN:
        return {"status": pickup.status}  # marked on two tablets: one notification
    if pickup.status != PickupStatus.PREPARING:
        raise Rejected(RejectionCode.CONFLICT, {"status": pickup.status})
    order = ctx.session.get_one(Order, pickup.order_id)
    pickup.status = PickupStatus.READY
    pickup.ready_at = ctx.now
    pickup.hold_until = ctx.now + timedelta(days=PICKUP_HOLD_DAYS)
    order.status = OrderStatus.READY_FOR_PICKUP
    note = ctx.session.get(Notification, ready_notification_id(pickup.id))
    if note is None:
        note = _ready_notification(ctx, pickup, order)
        ctx.session.add(note)
    ctx.session.flush()
    publish_order(ctx.session, order)
    publish_pickup(ctx.session, pickup)
    publish_notification(ctx.session, note)
    return {"status": pickup.status}


def _check_code(ctx: MutationContext, pickup: Pickup, code: str) -> None:
    """The scanned signed code or the typed short code must belong to this very pickup."""
    if not code.upper().startswith("NTL1."):
        if normalize_short_code(code) != pickup.code:
            raise Rejected(RejectionCode.PICKUP_CODE_INVALID, {"reason": "short_code"})
        return
    try:
        payload = ctx.codes.verify(code, CodeKind.PICKUP, ctx.now)
    except CodeError as exc:
        if exc.code != CodeFailure.EXPIRED or (scanned := _scanned_at(ctx)) is None:
            raise Rejected(RejectionCode.PICKUP_CODE_INVALID, {"reason": str(exc.code)}) from exc
        try:
            payload = ctx.codes.verify(code, CodeKind.PICKUP, scanned)
        except CodeError as again:
            raise Rejected(RejectionCode.PICKUP_CODE_INVALID, {"reason": str(again.code)}) from again
    if payload.s != pickup.id:
        raise Rejected(RejectionCode.PICKUP_CODE_INVALID, {"reason": "other_pickup"})
    if payload.t is not None and payload.t != pickup.store_id:
        raise Rejected(RejectionCode.PICKUP_CODE_INVALID, {"reason": "other_store"})


def _scanned_at(ctx: MutationContext) -> datetime | None:
    """When the tablet says it handed over (a hint), if it is plausible: past and not too long ago."""
    return ctx.client_instant(OFFLINE_GRACE)


def _check_recipient(pickup: Pickup, customer: User, args: PickupHandover) -> None:
    if args.delegate:
        if not same_person(args.recipient_name, pickup.delegate_name):
            raise Rejected(RejectionCode.RECIPIENT_NOT_ALLOWED, {"delegate_name": pickup.delegate_name})
    elif not same_person(args.recipient_name, customer.name):
        raise Rejected(RejectionCode.RECIPIENT_NOT_ALLOWED, {"delegate_name": pickup.delegate_name})


def _answer(record: HandoverRecord) -> dict[str, Any]:
    return {"handover_id": record.id, "outcome": record.outcome, "reason": record.reason, "by": record.staff_name,
            "at": iso(record.at)}


@mutator("pickup.handover", roles={Role.STAFF})
def pickup_handover(ctx: MutationContext, args: PickupHandover) -> dict[str, Any] | None:
    require_row_ids(handover_id=args.handover_id)
    existing = ctx.session.get(HandoverRecord, args.handover_id)
    if existing is not None:
        if existing.pickup_id != args.pickup_id or existing.store_id != ctx.principal.store_id:
            raise Rejected(RejectionCode.CONFLICT, {"handover_id": args.handover_id})
        return _answer(existing)  # the same handover resent (e.g. by a renumbered queue)
    pickup = _store_pickup(ctx, args.pickup_id)
    _check_code(ctx, pickup, args.code)
    if pickup.status == PickupStatus.HANDED_OVER:
        raise _handed_over(pickup)
    order = ctx.session.get_one(Order, pickup.order_id)
    customer = ctx.session.get_one(User, pickup.customer_id)
    if any(i.age_restricted for i in order.items) and not args.age_check_done:
        raise Rejected(RejectionCode.AGE_CHECK_REQUIRED)
    _check_recipient(pickup, customer, args)
    staff = ctx.session.get_one(User, ctx.principal.user_id)
    closing = ctx.session.execute(
        update(Pickup).where(Pickup.id == pickup.id, Pickup.status.in_(OPEN))
        .values(status=PickupStatus.HANDED_OVER.value, handed_over_at=ctx.now, handed_over_by=staff.name)
        .execution_options(synchronize_session=False)
    )
    # An UPDATE without RETURNING gives a CursorResult; Session.execute is only typed as a Result.
    assert isinstance(closing, CursorResult)
    closed = closing.rowcount == 1
    ctx.session.refresh(pickup)
    if not closed:
        if pickup.status == PickupStatus.HANDED_OVER:
            raise _handed_over(pickup)
        if pickup.status != PickupStatus.CANCELLED:
            raise Rejected(RejectionCode.PICKUP_NOT_READY, {"status": pickup.status})
    record = HandoverRecord(
        id=args.handover_id, pickup_id=pickup.id, store_id=pickup.store_id, staff_id=staff.id, staff_name=staff.name,
        at=ctx.now, client_time=ctx.client_time, outcome=HANDED_OVER if closed else EXCEPTION,
        reason=None if closed else pickup.status, recipient_name=args.recipient_name, delegate=args.delegate,
        items_complete=args.items_complete, age_check_done=args.age_check_done,
        signature=[[list(p) for p in stroke] for stroke in args.signature.strokes] if args.signature else None)
    ctx.session.add(record)
    if closed:
        order.status = OrderStatus.COLLECTED
        publish_order(ctx.session, order)
    ctx.session.flush()
    publish_pickup(ctx.session, pickup)
    return _answer(record)


@mutator("pickup.resolve_exception", roles={Role.STAFF})
def pickup_resolve_exception(ctx: MutationContext, args: PickupResolveException) -> dict[str, Any] | None:
    record = ctx.session.scalars(select(HandoverRecord).where(HandoverRecord.id == args.handover_id)
                                 .with_for_update()).one_or_none()
    if record is None:
        raise Rejected(RejectionCode.NOT_FOUND)
    if record.store_id != ctx.principal.store_id:
        raise Rejected(RejectionCode.FORBIDDEN)
    if record.outcome != EXCEPTION:
        raise Rejected(RejectionCode.CONFLICT, {"outcome": record.outcome})
    if record.resolved_at is None:  # resolved on two tablets: the first resolution stands
        staff = ctx.session.get_one(User, ctx.principal.user_id)
        record.resolved_at = ctx.now
        record.resolved_by = staff.name
        record.resolution = args.resolution
        record.resolution_note = args.note or None
        ctx.session.flush()
        publish_pickup(ctx.session, ctx.session.get_one(Pickup, record.pickup_id))
    return {"handover_id": record.id, "resolution": record.resolution, "by": record.resolved_by,
            "at": iso(record.resolved_at)}
