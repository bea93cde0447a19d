"""What a shopper may start for each item of an order, computed from the cache (pure functions).

The server decides (server/policies/returns.py); this preview only *explains*, with the same
windows (`app.protocol.returns.last_day`, calendar days in the shop's timezone) and the same
codes the server would reject with, so a refusal shown before sending reads exactly like one
that comes back after. Returns still in the outbox count as open returns, so a queued one
blocks a second start at once.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.protocol.entities import OrderStatus, ReturnKind, ReturnStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import Remedy
from app.protocol.returns import POLICY_TIMEZONE, last_day, reasons_for

Row = dict[str, Any]
_TZ = ZoneInfo(POLICY_TIMEZONE)
KINDS: tuple[str, ...] = tuple(k.value for k in ReturnKind)
OPEN_STATUSES = frozenset({ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.QR_ISSUED,
                           ReturnStatus.DROPPED_OFF, ReturnStatus.RECEIVED})
VOID_STATUSES = frozenset({ReturnStatus.CANCELLED, ReturnStatus.REJECTED, "cancel_pending"})
EXPIRED_CODE = {
    ReturnKind.WITHDRAWAL.value: RejectionCode.WITHDRAWAL_PERIOD_EXPIRED.value,
    ReturnKind.RETURN.value: RejectionCode.RETURN_PERIOD_EXPIRED.value,
    ReturnKind.EXCHANGE.value: RejectionCode.RETURN_PERIOD_EXPIRED.value,
    ReturnKind.WARRANTY_CLAIM.value: RejectionCode.WARRANTY_EXPIRED.value,
}


def parse_instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None  # Python 3.11 reads the trailing "Z"


def local_day(instant: datetime) -> date:
    return instant.astimezone(_TZ).date()


@dataclass(frozen=True)
class KindCheck:
    """Whether one kind of return is open for an item, and the day it ends (or ended)."""

    kind: str
    allowed: bool
    code: str | None = None  # a RejectionCode value when not allowed
    last_day: date | None = None
    days_left: int | None = None  # counting today; 0 = it ends today


@dataclass(frozen=True)
class ItemPreview:
    id: str
    name: str
    variant: str | None
    category: str
    image: str | None
    quantity: int
    unit_price: int
    returnable: bool
    available: int  # units that may still go back
    delivered_on: date | None
    open_return_id: str | None
    reasons: tuple[str, ...]
    exchange_variants: tuple[str, ...]
    checks: Mapping[str, KindCheck]

    def allows(self, kind: str) -> bool:
        return self.checks[kind].allowed


@dataclass(frozen=True)
class OrderPreview:
    order_id: str
    number: str
    status: str
    currency: str
    items: tuple[ItemPreview, ...]

    def items_for(self, kind: str) -> tuple[ItemPreview, ...]:
        return tuple(i for i in self.items if i.allows(kind))

    def allows(self, kind: str) -> bool:
        return bool(self.items_for(kind))

    def summary(self, kind: str) -> KindCheck:
        """One answer for the whole order: allowed if any item is; else the most telling refusal.

        Deadlines: the latest `last_day` among the items that allow it (or, refused, that ended).
        """
        checks = [i.checks[kind] for i in self.items]
        allowed = [c for c in checks if c.allowed]
        if allowed:
            dated = [c for c in allowed if c.last_day is not None]
            best = max(dated, key=lambda c: c.last_day or date.min) if dated else allowed[0]
            return best
        if not checks:
            return KindCheck(kind, False, RejectionCode.NOT_FOUND.value)
        for code in (RejectionCode.ORDER_NOT_RETURNABLE.value, EXPIRED_CODE[kind], RejectionCode.NOT_DELIVERED.value,
                     RejectionCode.DUPLICATE_RETURN.value, RejectionCode.QUANTITY_EXCEEDED.value,
                     RejectionCode.ITEM_NOT_RETURNABLE.value):
            hits = [c for c in checks if c.code == code]
            if hits:
                return max(hits, key=lambda c: c.last_day or date.min)
        return checks[0]


def _arrivals(order: Row, shipments: Iterable[Row]) -> dict[str, datetime | None]:
    """When each item arrived: its parcel's delivery, else the order's (as the server counts)."""
    parcel_of: dict[str, Row] = {}
    for shipment in shipments:
        for item_id in shipment.get("item_ids") or []:
            parcel_of[item_id] = shipment
    order_delivered = parse_instant(order.get("delivered_at"))
    out: dict[str, datetime | None] = {}
    for item in order.get("items") or []:
        parcel = parcel_of.get(item["id"])
        delivered = parse_instant(parcel.get("delivered_at")) if parcel is not None else None
        out[item["id"]] = delivered or order_delivered
    return out


def returned_quantity(returns: Iterable[Row], item_id: str) -> int:
    """Units that went (or are going) back for good; a repair or replacement keeps the item."""
    total = 0
    for ret in returns:
        if ret["status"] in VOID_STATUSES:
            continue
        if ret["kind"] == ReturnKind.WARRANTY_CLAIM and ret.get("remedy") != Remedy.REFUND:
            continue
        total += sum(line["quantity"] for line in ret.get("items") or [] if line["order_item_id"] == item_id)
    return total


def open_return_for(returns: Iterable[Row], item_id: str) -> str | None:
    for ret in returns:
        if ret["status"] in OPEN_STATUSES and any(line["order_item_id"] == item_id for line in ret.get("items") or []):
            return str(ret["id"])
    return None


def _check(kind: str, order: Row, item: Row, arrived: datetime | None, fully: datetime | None,
           open_return: str | None, available: int, today: date) -> KindCheck:
    if order["status"] == OrderStatus.CANCELLED:
        return KindCheck(kind, False, RejectionCode.ORDER_NOT_RETURNABLE.value)
    if arrived is None:
        return KindCheck(kind, False, RejectionCode.NOT_DELIVERED.value)
    if not item.get("returnable", True) and kind != ReturnKind.WARRANTY_CLAIM:
        return KindCheck(kind, False, RejectionCode.ITEM_NOT_RETURNABLE.value)
    # A withdrawal runs from the last parcel; until that arrives the period has not started.
    start = fully if kind == ReturnKind.WITHDRAWAL else arrived
    end = last_day(kind, local_day(start)) if start is not None else None
    left = (end - today).days if end is not None else None
    if end is not None and today > end:
        return KindCheck(kind, False, EXPIRED_CODE[kind], end, left)
    if open_return is not None:
        return KindCheck(kind, False, RejectionCode.DUPLICATE_RETURN.value, end, left)
    if available <= 0:
        return KindCheck(kind, False, RejectionCode.QUANTITY_EXCEEDED.value, end, left)
    if kind == ReturnKind.EXCHANGE and not item.get("exchange_variants"):
        return KindCheck(kind, False, RejectionCode.VARIANT_UNAVAILABLE.value, end, left)
    return KindCheck(kind, True, None, end, left)


def preview(order: Row, shipments: Iterable[Row], returns: Iterable[Row], now: datetime) -> OrderPreview:
    """The eligibility of every item of `order` for every kind, as of `now`."""
    returns = [r for r in returns if r["order_id"] == order["id"]]
    arrivals = _arrivals(order, [s for s in shipments if s.get("order_id") == order["id"]])
    values = list(arrivals.values())
    fully = max(v for v in values if v is not None) if values and None not in values else None
    today = local_day(now)
    items = []
    for item in order.get("items") or []:
        arrived = arrivals.get(item["id"])
        open_return = open_return_for(returns, item["id"])
        available = item["quantity"] - returned_quantity(returns, item["id"])
        checks = {kind: _check(kind, order, item, arrived, fully, open_return, available, today) for kind in KINDS}
        items.append(ItemPreview(
            id=item["id"], name=item["name"], variant=item.get("variant"), category=item["category"],
            image=item.get("image"), quantity=item["quantity"], unit_price=item["unit_price"],
            returnable=item.get("returnable", True), available=max(0, available),
            delivered_on=local_day(arrived) if arrived else None, open_return_id=open_return,
            reasons=reasons_for(item["category"]), exchange_variants=tuple(item.get("exchange_variants") or ()),
            checks=checks))
    return OrderPreview(order_id=order["id"], number=order["number"], status=order["status"],
                        currency=order["currency"], items=tuple(items))
