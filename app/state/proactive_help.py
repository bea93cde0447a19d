"""Proactive help: offer a conversation where a shopper is stuck, before they ask.

The rules are plain functions over local state (no black box), each one tested:
- going back and forth in a return flow (`return_flow_offer`),
- several searches without opening an article (`search_offer`),
- a parcel flagged as delayed (`delayed_parcel_offers`),
- a pickup waiting longer than promised (`pickup_offers`).
Each offer has a `key` naming its occasion (the order, parcel or pickup); a dismissed key is
remembered on the device and that offer never comes back (`visible`).

`ProactiveHelpState` collects the signals the screens report (`note_return_step`,
`note_search`, `note_article_opened`) and answers `offers()` for the screen asking.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.entities import PickupStatus, ShipmentStatus

if TYPE_CHECKING:
    from services.proactive_help import ProactiveHelpService

logger = logging.getLogger(__name__)

RETURN_FLOW, SEARCH, PARCEL_DELAYED, PICKUP_WAITING = "return_flow", "search", "parcel_delayed", "pickup_waiting"
# Back and forth: the shopper went back to an earlier step this often in one return flow.
RETURN_FLOW_BACKTRACKS = 2
# Searches (different queries) without opening a single article in between.
SEARCHES_WITHOUT_OPENING = 3
# Click & collect promises: at the counter within this long after "I'm here"; ready within this long.
PICKUP_COUNTER_PROMISE = timedelta(minutes=10)
PICKUP_READY_PROMISE = timedelta(hours=4)
_DONE_PARCEL = {ShipmentStatus.DELIVERED.value, ShipmentStatus.RETURNED_TO_SENDER.value}


@dataclass(frozen=True)
class Offer:
    """One offer of help: `topic` says which text to show, `context` goes into the new thread."""

    key: str
    topic: str
    order_id: str | None = None
    label: str | None = None  # an order number or a search query, for the text
    context: Mapping[str, str] = field(default_factory=dict)


def parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def backtracks(steps: Sequence[int]) -> int:
    """How often the shopper went back to an earlier step (4 -> 2 counts once)."""
    return sum(1 for before, after in itertools.pairwise(steps) if after < before)


def return_flow_offer(order_id: str, steps: Sequence[int], number: str | None = None) -> Offer | None:
    if backtracks(steps) < RETURN_FLOW_BACKTRACKS:
        return None
    return Offer(f"{RETURN_FLOW}:{order_id}", RETURN_FLOW, order_id=order_id, label=number,
                 context={"topic": RETURN_FLOW})


def search_offer(queries_since_last_open: Sequence[str]) -> Offer | None:
    """Several different searches and no article opened: the help centre is not finding it."""
    distinct = list(dict.fromkeys(q.strip().lower() for q in queries_since_last_open if q.strip()))
    if len(distinct) < SEARCHES_WITHOUT_OPENING:
        return None
    return Offer(SEARCH, SEARCH, label=distinct[-1], context={"topic": SEARCH, "query": distinct[-1][:200]})


def delayed_parcel_offers(shipments: Iterable[Mapping[str, Any]], orders: Mapping[str, Mapping[str, Any]],
                          now: datetime) -> list[Offer]:
    """Parcels the carrier flags as delayed, or whose promised window has passed without delivery."""
    offers = []
    for s in shipments:
        if s.get("status") in _DONE_PARCEL or s.get("delivered_at"):
            continue
        due = parse_instant(s.get("estimated_to"))
        if s.get("status") == ShipmentStatus.DELAYED.value or (due is not None and due < now):
            order = orders.get(str(s.get("order_id")), {})
            offers.append(Offer(f"{PARCEL_DELAYED}:{s['id']}", PARCEL_DELAYED, order_id=s.get("order_id"),
                                label=order.get("number"), context={"topic": PARCEL_DELAYED}))
    return offers


def pickup_offers(pickups: Iterable[Mapping[str, Any]], orders: Mapping[str, Mapping[str, Any]],
                  now: datetime) -> list[Offer]:
    """Checked in and not served within the promise, or still being prepared past the promised time."""
    offers = []
    for p in pickups:
        status = p.get("status")
        checked_in = parse_instant(p.get("checked_in_at"))
        placed = parse_instant(orders.get(str(p.get("order_id")), {}).get("placed_at"))
        late_counter = status == PickupStatus.CHECKED_IN.value and checked_in is not None and \
            now - checked_in > PICKUP_COUNTER_PROMISE
        late_ready = status == PickupStatus.PREPARING.value and placed is not None and now - placed > PICKUP_READY_PROMISE
        if late_counter or late_ready:
            offers.append(Offer(f"{PICKUP_WAITING}:{p['id']}", PICKUP_WAITING, order_id=p.get("order_id"),
                                label=p.get("order_number"), context={"topic": PICKUP_WAITING}))
    return offers


def visible(offers: Iterable[Offer], dismissed: set[str]) -> list[Offer]:
    """Offers not dismissed before: a dismissed occasion is never offered again."""
    return [o for o in offers if o.key not in dismissed]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@ft.observable
@dataclass(eq=False)
class ProactiveHelpState:
    """The session's signals and the offers they lead to. Screens report; screens ask.

    Attributes:
        offers: every offer that currently applies and was not dismissed.
    """

    offers: list[Offer] = field(default_factory=list)
    clock: Callable[[], datetime] = field(default=_utcnow, repr=False)

    _service: ProactiveHelpService | None = field(default=None, repr=False)
    _dismissed: set[str] = field(default_factory=set, repr=False)
    _return_steps: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _order_numbers: dict[str, str] = field(default_factory=dict, repr=False)
    _queries: list[str] = field(default_factory=list, repr=False)
    _cached: list[Offer] = field(default_factory=list, repr=False)

    async def bind(self, service: ProactiveHelpService) -> None:
        """Follow the signed-in account; screens call it on opening, so the parcel and pickup
        signals are re-read then (the session's own signals survive for the same account)."""
        if self._service is not service:
            self._service = service
            self._return_steps, self._queries = {}, []
        await self.refresh()

    def unbind(self) -> None:
        self._service = None
        self.offers = []

    async def refresh(self) -> None:
        """Re-read parcels, pickups and dismissals from the cache and recompute the offers."""
        service = self._service
        if service is None:
            return
        try:
            shipments, pickups, orders, dismissed = await asyncio.to_thread(
                lambda: (service.shipments(), service.pickups(), service.orders(), service.dismissed()))
        except Exception:
            logger.exception("reading proactive-help signals failed")
            return
        by_id = {str(o["id"]): o for o in orders}
        self._order_numbers = {k: str(v.get("number", "")) for k, v in by_id.items()}
        now = self.clock()
        self._dismissed = dismissed
        self._cached = [*delayed_parcel_offers(shipments, by_id, now), *pickup_offers(pickups, by_id, now)]
        self._recompute()

    # -- what screens report -------------------------------------------------------------------
    def note_return_step(self, order_id: str, step: int) -> None:
        steps = self._return_steps.setdefault(order_id, [])
        if not steps or steps[-1] != step:
            steps.append(step)
            self._recompute()

    def note_search(self, query: str) -> None:
        if query.strip():
            self._queries.append(query)
            self._recompute()

    def note_article_opened(self, slug: str) -> None:
        self._queries = []
        self._recompute()

    # -- what screens ask ------------------------------------------------------------------------
    def offers_for(self, topic: str, order_id: str | None = None) -> list[Offer]:
        return [o for o in self.offers if o.topic == topic and (order_id is None or o.order_id == order_id)]

    async def dismiss(self, offer: Offer) -> None:
        """User action: "No thanks". Remembered on this device; never offered again."""
        self._dismissed = {*self._dismissed, offer.key}
        self._recompute()
        service = self._service
        if service is not None:
            try:
                await asyncio.to_thread(service.dismiss, offer.key)
            except Exception:
                logger.exception("saving a dismissed help offer failed")

    def _recompute(self) -> None:
        flows = [return_flow_offer(order_id, steps, self._order_numbers.get(order_id))
                 for order_id, steps in self._return_steps.items()]
        found = [*[o for o in flows if o is not None], *self._cached]
        search = search_offer(self._queries)
        if search is not None:
            found.append(search)
        self.offers = visible(found, self._dismissed)
