"""The return policy: what a shopper may return, when, and how. Pure functions over plain facts.

The mutators turn database rows into the frozen facts below and ask `plan_return` (new return),
`check_lines` (edited items), `check_editable` and `check_cancellable`. A refusal is a
`Rejected` with a stable code; nothing here reads the clock, the database or the settings.

Windows (calendar days in POLICY_TIMEZONE, see `app.protocol.returns.last_day`):
- withdrawal: 14 days from the delivery of the order's last parcel (CRD Art. 9(2)(b)); no reason.
- return / exchange (goodwill): 30 days from the delivery of the item's parcel; a reason code of
  the item's category; an exchange names one of the item's in-stock variants.
- warranty_claim (legal guarantee): 2 years from the item's delivery; a description of the
  defect and a remedy; also for items that cannot be returned (hygiene, personalised, wine).
Across kinds: the order is not cancelled, the item was delivered, at most one open return per
order item, and never more than was ordered minus what has already gone back.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from app.protocol.entities import OrderStatus, ReturnKind, ReturnStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import RefundMethod, Remedy
from app.protocol.returns import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENTS,
    POLICY_TIMEZONE,
    last_day,
    reasons_for,
)
from server.errors import Rejected

_TZ = ZoneInfo(POLICY_TIMEZONE)

# A return in one of these states still holds its items: a second one for the same item is a duplicate.
OPEN_STATUSES = frozenset({ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.QR_ISSUED,
                           ReturnStatus.DROPPED_OFF, ReturnStatus.RECEIVED})
# Returns that never happened: they count for nothing.
VOID_STATUSES = frozenset({ReturnStatus.CANCELLED, ReturnStatus.REJECTED})
# Shopper edits are allowed until the parcel is handed in.
EDITABLE_STATUSES = frozenset({ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.QR_ISSUED})
CANCELLABLE_STATUSES = EDITABLE_STATUSES
# Kinds that are checked and approved at once; a warranty claim waits for a person to look at it.
AUTO_APPROVED = frozenset({ReturnKind.WITHDRAWAL, ReturnKind.RETURN, ReturnKind.EXCHANGE})

EXPIRED_CODE = {
    ReturnKind.WITHDRAWAL: RejectionCode.WITHDRAWAL_PERIOD_EXPIRED,
    ReturnKind.RETURN: RejectionCode.RETURN_PERIOD_EXPIRED,
    ReturnKind.EXCHANGE: RejectionCode.RETURN_PERIOD_EXPIRED,
    ReturnKind.WARRANTY_CLAIM: RejectionCode.WARRANTY_EXPIRED,
}


@dataclass(frozen=True)
class ItemFacts:
    id: str
    category: str
    quantity: int
    returnable: bool = True
    exchange_variants: tuple[str, ...] = ()
    delivered_at: datetime | None = None  # of the parcel holding the item, else of the order


@dataclass(frozen=True)
class OrderFacts:
    id: str
    status: str
    items: tuple[ItemFacts, ...]
    # When the last parcel arrived (None while any item is still on its way).
    fully_delivered_at: datetime | None = None

    def item(self, item_id: str) -> ItemFacts | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class ExistingReturn:
    id: str
    kind: str
    status: str
    lines: tuple[tuple[str, int], ...]  # (order item id, quantity)
    remedy: str | None = None


@dataclass(frozen=True)
class AttachmentFacts:
    id: str
    owner_id: int
    content_type: str


@dataclass(frozen=True)
class Line:
    order_item_id: str
    quantity: int
    reason: str | None = None
    exchange_variant: str | None = None


@dataclass(frozen=True)
class ReturnRequest:
    kind: str
    lines: tuple[Line, ...]
    comment: str | None = None
    refund_method: str | None = None
    remedy: str | None = None
    attachment_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReturnPlan:
    """What to store: the normalised request and the statuses it passes through at once."""

    kind: ReturnKind
    lines: tuple[Line, ...]
    comment: str | None
    refund_method: str | None
    remedy: str | None
    attachment_ids: tuple[str, ...]
    statuses: tuple[ReturnStatus, ...] = field(default=(ReturnStatus.REQUESTED,))

    @property
    def status(self) -> ReturnStatus:
        return self.statuses[-1]


def local_day(instant: datetime) -> date:
    return instant.astimezone(_TZ).date()


def window_start(kind: ReturnKind, order: OrderFacts, item: ItemFacts) -> datetime | None:
    """The delivery a window counts from; None if that delivery has not happened yet."""
    if kind is ReturnKind.WITHDRAWAL:
        # Several parcels: the period starts with the last one, so until then it has not started.
        return order.fully_delivered_at or item.delivered_at
    return item.delivered_at


def deadline(kind: ReturnKind, order: OrderFacts, item: ItemFacts) -> date | None:
    """The last day a return of `kind` is accepted for `item` (None: the window has not started)."""
    if item.delivered_at is None:
        return None
    if kind is ReturnKind.WITHDRAWAL and order.fully_delivered_at is None:
        return None  # still open: it runs from a delivery yet to come
    start = window_start(kind, order, item)
    return last_day(kind, local_day(start)) if start else None


def returned_quantity(existing: Iterable[ExistingReturn], item_id: str) -> int:
    """Units of `item_id` that went (or are going) back for good.

    A warranty claim settled by repair or replacement leaves the shopper with the item, so it
    does not reduce what may still be returned.
    """
    total = 0
    for ret in existing:
        if ret.status in VOID_STATUSES:
            continue
        if ret.kind == ReturnKind.WARRANTY_CLAIM and ret.remedy != Remedy.REFUND:
            continue
        total += sum(qty for line_item, qty in ret.lines if line_item == item_id)
    return total


def open_return_for(existing: Iterable[ExistingReturn], item_id: str) -> ExistingReturn | None:
    return next((r for r in existing if r.status in OPEN_STATUSES and any(i == item_id for i, _ in r.lines)), None)


def parse_kind(kind: str) -> ReturnKind:
    try:
        return ReturnKind(kind)
    except ValueError:
        raise Rejected(RejectionCode.INVALID_ARGS, {"fields": ["kind"]}) from None


def check_order(order: OrderFacts) -> None:
    if order.status == OrderStatus.CANCELLED:
        raise Rejected(RejectionCode.ORDER_NOT_RETURNABLE, {"status": order.status})


def check_lines(order: OrderFacts, kind: ReturnKind, lines: Sequence[Line], existing: Sequence[ExistingReturn],
                now: datetime, *, window_checked: frozenset[str] = frozenset()) -> tuple[Line, ...]:
    """Validate the lines of a return; returns them normalised (fields that don't apply dropped).

    `existing` are the order's other returns. Items in `window_checked` passed the window check
    when the return was made, so an edit after the window does not lose them.
    """
    seen: set[str] = set()
    out: list[Line] = []
    for n, line in enumerate(lines):
        if line.order_item_id in seen:
            raise Rejected(RejectionCode.INVALID_ARGS, {"fields": [f"items.{n}.order_item_id"]})
        seen.add(line.order_item_id)
        item = order.item(line.order_item_id)
        if item is None:
            raise Rejected(RejectionCode.NOT_FOUND, {"order_item_id": line.order_item_id})
        if item.delivered_at is None:
            raise Rejected(RejectionCode.NOT_DELIVERED, {"order_item_id": item.id})
        if not item.returnable and kind is not ReturnKind.WARRANTY_CLAIM:
            raise Rejected(RejectionCode.ITEM_NOT_RETURNABLE, {"order_item_id": item.id})
        if item.id not in window_checked:
            last = deadline(kind, order, item)
            if last is not None and local_day(now) > last:
                raise Rejected(EXPIRED_CODE[kind], {"order_item_id": item.id, "deadline": last.isoformat()})
        duplicate = open_return_for(existing, item.id)
        if duplicate is not None:
            raise Rejected(RejectionCode.DUPLICATE_RETURN, {"return_id": duplicate.id})
        available = item.quantity - returned_quantity(existing, item.id)
        if line.quantity > available:
            raise Rejected(RejectionCode.QUANTITY_EXCEEDED, {"order_item_id": item.id, "available": max(0, available)})
        out.append(_normalise_line(kind, item, line))
    if not out:
        raise Rejected(RejectionCode.INVALID_ARGS, {"fields": ["items"]})
    return tuple(out)


def _normalise_line(kind: ReturnKind, item: ItemFacts, line: Line) -> Line:
    reasons = reasons_for(item.category)
    reason: str | None = None
    if kind in (ReturnKind.RETURN, ReturnKind.EXCHANGE):
        if line.reason not in reasons:
            raise Rejected(RejectionCode.REASON_REQUIRED, {"order_item_id": item.id, "reasons": list(reasons)})
        reason = line.reason
    elif kind is ReturnKind.WITHDRAWAL and line.reason in reasons:
        reason = line.reason  # a withdrawal needs no reason; a shopper may still give one
    variant: str | None = None
    if kind is ReturnKind.EXCHANGE:
        if line.exchange_variant not in item.exchange_variants:
            raise Rejected(RejectionCode.VARIANT_UNAVAILABLE,
                           {"order_item_id": item.id, "variants": list(item.exchange_variants)})
        variant = line.exchange_variant
    return Line(order_item_id=item.id, quantity=line.quantity, reason=reason, exchange_variant=variant)


def check_attachments(attachment_ids: Sequence[str], attachments: Mapping[str, AttachmentFacts],
                      user_id: int) -> tuple[str, ...]:
    """Up to MAX_ATTACHMENTS distinct images uploaded by the shopper."""
    ids = tuple(dict.fromkeys(attachment_ids))
    if len(ids) > MAX_ATTACHMENTS:
        raise Rejected(RejectionCode.ATTACHMENT_INVALID, {"max": MAX_ATTACHMENTS})
    for attachment_id in ids:
        found = attachments.get(attachment_id)
        if found is None or found.owner_id != user_id or found.content_type not in ATTACHMENT_TYPES:
            raise Rejected(RejectionCode.ATTACHMENT_INVALID, {"attachment_id": attachment_id})
    return ids


def clean_comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    return text or None


def plan_return(order: OrderFacts, request: ReturnRequest, existing: Sequence[ExistingReturn],
                attachments: Mapping[str, AttachmentFacts], user_id: int, now: datetime) -> ReturnPlan:
    """Decide a new return: the plan to store, or `Rejected` with the first rule it breaks."""
    kind = parse_kind(request.kind)
    check_order(order)
    lines = check_lines(order, kind, request.lines, existing, now)
    comment = clean_comment(request.comment)
    attachment_ids = check_attachments(request.attachment_ids, attachments, user_id)
    refund_method: str | None = None
    remedy: str | None = None
    if kind is ReturnKind.WARRANTY_CLAIM:
        if comment is None:
            raise Rejected(RejectionCode.DESCRIPTION_REQUIRED)
        if request.remedy not in set(Remedy):
            raise Rejected(RejectionCode.INVALID_ARGS, {"fields": ["remedy"]})
        remedy = request.remedy
    elif kind is not ReturnKind.EXCHANGE:
        refund_method = request.refund_method or RefundMethod.ORIGINAL_PAYMENT
        if refund_method not in set(RefundMethod):
            raise Rejected(RejectionCode.INVALID_ARGS, {"fields": ["refund_method"]})
    statuses = ((ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.QR_ISSUED) if kind in AUTO_APPROVED
                else (ReturnStatus.REQUESTED,))
    return ReturnPlan(kind=kind, lines=lines, comment=comment, refund_method=refund_method, remedy=remedy,
                      attachment_ids=attachment_ids, statuses=statuses)


def check_editable(status: str) -> None:
    """A shopper may edit a return until it is handed in; a cancelled one is gone (delete wins)."""
    if status == ReturnStatus.CANCELLED:
        raise Rejected(RejectionCode.NOT_FOUND)
    if status not in EDITABLE_STATUSES:
        raise Rejected(RejectionCode.RETURN_LOCKED, {"status": status})


def check_cancellable(status: str) -> None:
    if status not in CANCELLABLE_STATUSES and status != ReturnStatus.CANCELLED:
        raise Rejected(RejectionCode.RETURN_LOCKED, {"status": status})
