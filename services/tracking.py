"""Parcels and their checkpoints, as the tracking screens show them (signed in or as a guest).

Built from synced `shipment` payloads or from the guest lookup's reduced view; events are
always newest first. "Delayed" means the carrier says so or the promised window has passed
without a delivery; "problem" means the carrier reported one (or sends the parcel back).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.protocol.entities import ShipmentStatus
from app.protocol.orders import GuestOrderView, GuestShipment

Row = dict[str, Any]
PROBLEM_STATUSES = frozenset({ShipmentStatus.PROBLEM, ShipmentStatus.RETURNED_TO_SENDER})


def parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    status: str
    location: str | None
    description: Mapping[str, str]

    def text(self, locale: str) -> str:
        """The carrier's description in the shopper's language (German as the fallback)."""
        return self.description.get(locale) or self.description.get("de") or next(iter(self.description.values()), "")


@dataclass(frozen=True)
class Parcel:
    """One shipment, as the tracking screen shows it (signed-in or guest)."""

    id: str | None
    carrier: str
    tracking_number: str
    status: str
    item_names: tuple[str, ...]
    item_count: int
    estimated_from: datetime | None
    estimated_to: datetime | None
    delivered_at: datetime | None
    events: tuple[Checkpoint, ...]  # newest first
    delayed: bool
    problem: bool

    @property
    def delivered(self) -> bool:
        return self.status == ShipmentStatus.DELIVERED or self.delivered_at is not None


def _flags(status: str, estimated_to: datetime | None, delivered: bool, now: datetime) -> tuple[bool, bool]:
    """(delayed, problem): the carrier says so, or the promised window has passed without delivery."""
    problem = status in PROBLEM_STATUSES
    late = estimated_to is not None and not delivered and estimated_to < now
    return (not problem and (status == ShipmentStatus.DELAYED or late)), problem


def parcel_from_row(row: Row, item_names: Mapping[str, str], now: datetime) -> Parcel:
    """A synced `shipment` payload as a `Parcel` (events newest first, whatever order they came in)."""
    events = sorted((Checkpoint(at=parse_instant(e["at"]) or now, status=e["status"], location=e.get("location"),
                                description=e.get("description") or {}) for e in row.get("events") or []),
                    key=lambda c: c.at, reverse=True)
    estimated_to = parse_instant(row.get("estimated_to"))
    delivered_at = parse_instant(row.get("delivered_at"))
    delayed, problem = _flags(row["status"], estimated_to, delivered_at is not None
                              or row["status"] == ShipmentStatus.DELIVERED, now)
    item_ids = row.get("item_ids") or []
    return Parcel(id=row["id"], carrier=row["carrier"], tracking_number=row["tracking_number"], status=row["status"],
                  item_names=tuple(item_names[i] for i in item_ids if i in item_names), item_count=len(item_ids),
                  estimated_from=parse_instant(row.get("estimated_from")), estimated_to=estimated_to,
                  delivered_at=delivered_at, events=tuple(events), delayed=delayed, problem=problem)


def parcel_from_guest(shipment: GuestShipment, now: datetime) -> Parcel:
    events = sorted((Checkpoint(at=parse_instant(e.at) or now, status=e.status, location=e.location,
                                description=e.description) for e in shipment.events),
                    key=lambda c: c.at, reverse=True)
    estimated_to = parse_instant(shipment.estimated_to)
    delivered_at = parse_instant(shipment.delivered_at)
    delayed, problem = _flags(shipment.status, estimated_to,
                              delivered_at is not None or shipment.status == ShipmentStatus.DELIVERED, now)
    return Parcel(id=None, carrier=shipment.carrier, tracking_number=shipment.tracking_number,
                  status=shipment.status, item_names=(), item_count=shipment.item_count,
                  estimated_from=parse_instant(shipment.estimated_from), estimated_to=estimated_to,
                  delivered_at=delivered_at, events=tuple(events), delayed=delayed, problem=problem)


@dataclass(frozen=True)
class GuestOrder:
    """The reduced view a guest gets (no address, payment or prices per item)."""

    number: str
    status: str
    placed_at: datetime
    delivered_at: datetime | None
    cancelled_at: datetime | None
    fulfilment: str
    currency: str
    total: int
    items: tuple[tuple[str, str | None, int], ...]  # (name, variant, quantity)
    parcels: tuple[Parcel, ...]


def guest_order(view: GuestOrderView, now: datetime | None = None) -> GuestOrder:
    now = now or datetime.now(UTC)
    return GuestOrder(number=view.number, status=view.status, placed_at=parse_instant(view.placed_at) or now,
                      delivered_at=parse_instant(view.delivered_at), cancelled_at=parse_instant(view.cancelled_at),
                      fulfilment=view.fulfilment, currency=view.currency, total=view.total,
                      items=tuple((i.name, i.variant, i.quantity) for i in view.items),
                      parcels=tuple(parcel_from_guest(s, now) for s in view.shipments))
