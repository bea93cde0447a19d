"""The staff tablet: the store's pickup queue, scanning a code, and the handover steps.

Everything works without a network: the queue is the cached `store:<id>` scope, a code is
checked against it (services.pickups), and the handover is queued. The steps of a handover
live in a `HandoverDraft`: items and who may collect -> ID check (age-restricted items only)
-> proof (recipient, "items complete", optional signature) -> done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.sync import Entity
from app.state.cache_follower import ACTION_FAILED, CacheFollower
from app.state.dispatch import UiDispatcher
from services.errors import NahtlosError
from services.pickups import HandoverRefused, Scan, StaffQueue

if TYPE_CHECKING:
    from services.pickups import HandoverRefusal, PickupService
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

# Handover steps.
STEP_ITEMS = "items"
STEP_AGE = "age"
STEP_PROOF = "proof"
STEP_DONE = "done"
# Errors the state sets besides scan outcomes and rejection codes (views translate them).
EMPTY_CODE = "empty_code"
NO_CODE_IN_IMAGE = "no_code_in_image"
NAME_REQUIRED = "name_required"
ITEMS_NOT_CONFIRMED = "items_not_confirmed"
# Signature limits (the wire allows more; a signature needs far less).
MAX_STROKES = 30
MAX_POINTS = 1200
PAD = 1000  # strokes are stored on a PAD x PAD grid, whatever the screen size


@ft.observable
@dataclass(eq=False)
class HandoverDraft:
    """One handover being recorded.

    Attributes:
        pickup: the cached pickup row (order items, who may collect, age check).
        code: what was scanned or typed (sent with the handover as proof).
        delegate: the named delegate collects instead of the shopper.
        recipient_name: prefilled with the shopper's or delegate's name; staff compare it with the ID.
    """

    pickup: dict[str, Any]
    code: str
    step: str = STEP_ITEMS
    delegate: bool = False
    recipient_name: str = ""
    items_complete: bool = False
    age_check_done: bool = False
    strokes: list[list[tuple[int, int]]] = field(default_factory=list)
    error: str | None = None
    handover_id: str | None = None

    @property
    def age_check_required(self) -> bool:
        return bool(self.pickup.get("age_check_required"))

    @property
    def delegate_name(self) -> str | None:
        name = self.pickup.get("delegate_name")
        return str(name) if name else None

    @property
    def steps(self) -> tuple[str, ...]:
        return (STEP_ITEMS, STEP_AGE, STEP_PROOF) if self.age_check_required else (STEP_ITEMS, STEP_PROOF)

    def choose_recipient(self, delegate: bool) -> None:
        if delegate and not self.delegate_name:
            return
        self.delegate = delegate
        self.recipient_name = (self.delegate_name if delegate else self.pickup.get("customer_name")) or ""

    def next(self) -> None:
        """Items checked -> ID check (if any) -> proof."""
        self.error = None
        if self.step == STEP_ITEMS:
            self.step = STEP_AGE if self.age_check_required else STEP_PROOF
        elif self.step == STEP_AGE:
            if not self.age_check_done:
                self.error = "age_check_required"
                return
            self.step = STEP_PROOF

    def back(self) -> None:
        self.error = None
        if self.step == STEP_PROOF:
            self.step = STEP_AGE if self.age_check_required else STEP_ITEMS
        elif self.step == STEP_AGE:
            self.step = STEP_ITEMS

    def set_age_check(self, done: bool) -> None:
        self.age_check_done = done
        self.error = None

    def set_items_complete(self, done: bool) -> None:
        self.items_complete = done
        self.error = None

    def set_recipient_name(self, name: str) -> None:
        self.recipient_name = name
        self.error = None

    def add_stroke(self, points: list[tuple[float, float]], width: float, height: float) -> None:
        """A finished stroke in screen pixels, stored on the PAD grid (bounded)."""
        if len(self.strokes) >= MAX_STROKES or width <= 0 or height <= 0:
            return
        room = MAX_POINTS - sum(len(s) for s in self.strokes)
        scaled = [(min(PAD, max(0, round(x / width * PAD))), min(PAD, max(0, round(y / height * PAD))))
                  for x, y in points[:max(0, room)]]
        if scaled:
            self.strokes = [*self.strokes, scaled]

    def clear_signature(self) -> None:
        self.strokes = []


# One read of the cache: when it was read, the queue, the refused handovers and the store.
_Queue = tuple[datetime, StaffQueue, list["HandoverRefusal"], dict[str, Any] | None]


@ft.observable
@dataclass(eq=False)
class StaffState(CacheFollower["PickupService", "_Queue"]):
    """Observable queue and handover of one staff tablet.

    Attributes:
        store_id: the store the signed-in staff member works in.
        queue: the store's pickups grouped for the counter (None until read).
        refusals: handovers the server refused (e.g. another tablet was first), until dismissed.
        scan_result: the outcome of the last scan that did not open a handover.
        draft: the handover being recorded.
        now: the clock the waiting times are shown against (ticks while the queue is on screen).
    """

    store_id: str | None = None
    store: dict[str, Any] | None = None
    queue: StaffQueue | None = None
    refusals: list[HandoverRefusal] = field(default_factory=list)
    scan_result: Scan | None = None
    scan_error: str | None = None
    draft: HandoverDraft | None = None
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    notice: str | None = None

    def bind(self, service: PickupService, engine: SyncEngine, dispatcher: UiDispatcher, store_id: str | None) -> None:
        self._follow(service, engine, dispatcher, {Entity.PICKUP.value, Entity.STORE.value, "*"})
        self.store_id = store_id

    def _read(self, service: PickupService) -> _Queue:
        now = datetime.now(UTC)
        store = service.store(self.store_id) if self.store_id else None
        return now, service.queue(now), service.refusals(), store

    def _show(self, service: PickupService, snapshot: _Queue) -> None:
        now, queue, refusals, store = snapshot
        # Any error goes, not only the base's CACHE_UNAVAILABLE: a fresh queue supersedes a failed action.
        self.queue, self.refusals, self.store, self.now, self.error = queue, refusals, store, now, None
        draft = self.draft
        if draft is not None and draft.step != STEP_DONE:
            # Keep the open handover's copy of the pickup current (a delegate named meanwhile).
            fresh = next((e.pickup for group in (queue.checked_in, queue.ready) for e in group
                          if e.pickup["id"] == draft.pickup["id"]), None)
            if fresh is not None:
                draft.pickup = fresh

    def tick(self) -> None:
        """Move the clock the waiting times are measured against."""
        self.now = datetime.now(UTC)

    async def prepare(self) -> None:
        """Fetch the key that checks codes offline (best effort: typed short codes need none)."""
        service = self._service
        if service is None:
            return
        try:
            await asyncio.to_thread(service.ensure_public_key)
        except NahtlosError:
            logger.info("no code key yet (offline): signed codes are checked by the server at sync")

    # -- user actions ----------------------------------------------------------------------
    async def submit_code(self, text: str) -> bool:
        """A scanned or typed code: opens the handover if it is a collectable pickup of this store."""
        service = self._service
        self.scan_error = None
        self.scan_result = None
        if service is None:
            return False
        if not text.strip():
            self.scan_error = EMPTY_CODE
            return False
        try:
            scan = await asyncio.to_thread(service.verify_scan, text, self.store_id)
        except Exception:
            logger.exception("checking a code failed")
            self.scan_error = ACTION_FAILED
            return False
        if not scan.ok or scan.pickup is None:
            self.scan_result = scan
            return False
        draft = HandoverDraft(pickup=scan.pickup, code=scan.code)
        draft.choose_recipient(False)
        self.draft = draft
        return True

    async def submit_image(self, data: bytes) -> bool:
        """An uploaded photo of the shopper's code (services.qr_read does the reading)."""
        from services.qr_read import QrReadError, read_codes

        self.scan_error = None
        self.scan_result = None
        try:
            reading = await asyncio.to_thread(read_codes, data)
        except QrReadError:
            self.scan_error = NO_CODE_IN_IMAGE
            return False
        if not reading.texts:
            self.scan_error = NO_CODE_IN_IMAGE
            return False
        return await self.submit_code(reading.texts[0])

    def clear_scan(self) -> None:
        self.scan_result = None
        self.scan_error = None

    def cancel_handover(self) -> None:
        self.draft = None

    async def confirm_handover(self) -> bool:
        """Queue `pickup.handover` with the proof recorded in the draft."""
        service, draft = self._service, self.draft
        if service is None or draft is None or self.busy:
            return False
        name = " ".join(draft.recipient_name.split())
        if not name:
            draft.error = NAME_REQUIRED
            return False
        if not draft.items_complete:
            draft.error = ITEMS_NOT_CONFIRMED
            return False
        self.busy = True
        try:
            handover_id = await asyncio.to_thread(
                lambda: service.handover(draft.pickup["id"], draft.code, name, delegate=draft.delegate,
                                         age_check_done=draft.age_check_done, signature=draft.strokes or None))
        except HandoverRefused as exc:
            draft.error = exc.code
            return False
        except Exception:
            logger.exception("queueing the handover failed")
            draft.error = ACTION_FAILED
            return False
        finally:
            self.busy = False
        draft.handover_id = handover_id
        draft.recipient_name = name
        draft.step = STEP_DONE
        await self.refresh()
        return True

    async def mark_ready(self, pickup_id: str) -> bool:
        return await self._queue(lambda service: service.mark_ready(pickup_id))

    async def resolve_exception(self, handover_id: str, resolution: str) -> bool:
        """Follow up a handover exception (services.pickups.RESOLUTIONS); works offline."""
        return await self._queue(lambda service: service.resolve_exception(handover_id, resolution))

    async def _queue(self, write: Callable[[PickupService], object]) -> bool:
        """Queue a staff write off the UI loop, then show the queue with it on top."""
        service = self._service
        if service is None:
            return False
        try:
            await asyncio.to_thread(write, service)
        except Exception:
            logger.exception("queueing a staff action failed")
            self.error = ACTION_FAILED
            return False
        await self.refresh()
        return True

    async def dismiss_refusal(self, rejection_id: int) -> None:
        service = self._service
        if service is None:
            return
        await asyncio.to_thread(service.dismiss, [rejection_id])
        self.refusals = [r for r in self.refusals if r.rejection_id != rejection_id]
