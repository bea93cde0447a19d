"""The form of a new return: one screen for the three journeys (withdrawal, return or exchange,
warranty claim). The preview (services.returns_eligibility) says what each item allows; this
object holds the shopper's choices, checks them, and queues the mutations."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import flet as ft

from app.protocol.entities import ReturnKind
from app.protocol.mutations import RefundMethod
from app.protocol.returns import MAX_ATTACHMENTS
from app.state.photos import TOO_MANY_PHOTOS, Photo, upload_photo
from services.returns import LineDraft

if TYPE_CHECKING:
    from services.attachments import AttachmentsService
    from services.returns import ReturnsService
    from services.returns_eligibility import ItemPreview, OrderPreview

logger = logging.getLogger(__name__)

# Validation codes (views translate them).
NO_ITEMS = "no_items"
REASON_MISSING = "reason_missing"
DESCRIPTION_MISSING = "description_missing"
REMEDY_MISSING = "remedy_missing"

# The journeys this screen offers; an exchange is a per-item choice inside "return".
JOURNEYS = (ReturnKind.WITHDRAWAL.value, ReturnKind.RETURN.value, ReturnKind.WARRANTY_CLAIM.value)


@dataclass(frozen=True)
class LineChoice:
    selected: bool = False
    quantity: int = 1
    reason: str | None = None
    exchange_variant: str | None = None  # None: refund this item


@dataclass(frozen=True)
class Submitted:
    """What was queued: the acknowledgement shows it (ids, kind, the device's time)."""

    kind: str
    return_ids: tuple[str, ...]
    at: datetime


@ft.observable
@dataclass(eq=False)
class ReturnDraft:
    order_id: str
    service: ReturnsService = field(repr=False)
    attachments: AttachmentsService = field(repr=False)
    preview: OrderPreview | None = None
    loaded: bool = False
    journey: str | None = None  # one of JOURNEYS once chosen
    confirming: bool = False  # the withdrawal's confirmation step is open
    lines: dict[str, LineChoice] = field(default_factory=dict)
    comment: str = ""
    refund_method: str = RefundMethod.ORIGINAL_PAYMENT.value
    remedy: str | None = None
    photos: list[Photo] = field(default_factory=list)
    uploading: bool = False
    photo_error: str | None = None
    errors: list[str] = field(default_factory=list)
    busy: bool = False
    submitted: Submitted | None = None

    # -- loading and choosing --------------------------------------------------------------
    async def load(self) -> None:
        self.preview = await asyncio.to_thread(self.service.preview, self.order_id)
        self.loaded = True

    def items(self) -> tuple[ItemPreview, ...]:
        return self.preview.items if self.preview is not None else ()

    def eligible(self, journey: str | None = None) -> tuple[ItemPreview, ...]:
        kind = journey or self.journey
        return self.preview.items_for(kind) if self.preview is not None and kind else ()

    def choose(self, journey: str) -> None:
        """Pick a journey: every eligible item starts selected for a withdrawal, none otherwise."""
        if journey not in JOURNEYS:
            raise ValueError(journey)
        self.journey = journey
        self.errors = []
        self.confirming = False
        whole = journey == ReturnKind.WITHDRAWAL
        self.lines = {i.id: LineChoice(selected=whole, quantity=i.available) for i in self.eligible(journey)}
        if journey == ReturnKind.WITHDRAWAL:
            self.refund_method = RefundMethod.ORIGINAL_PAYMENT.value

    def start_withdrawal(self) -> None:
        """The clearly labelled button: opens the confirmation step."""
        self.choose(ReturnKind.WITHDRAWAL.value)
        self.confirming = True

    def back(self) -> None:
        self.confirming = False
        self.journey = None
        self.errors = []

    def _set(self, item_id: str, **changes: object) -> None:
        current = self.lines.get(item_id)
        if current is None:
            return
        self.lines = {**self.lines, item_id: replace(current, **changes)}  # type: ignore[arg-type]
        self.errors = []

    def toggle(self, item_id: str, selected: bool) -> None:
        self._set(item_id, selected=selected)

    def set_quantity(self, item_id: str, quantity: int) -> None:
        item = next((i for i in self.items() if i.id == item_id), None)
        if item is not None:
            self._set(item_id, quantity=max(1, min(int(quantity), item.available)))

    def set_reason(self, item_id: str, reason: str | None) -> None:
        self._set(item_id, reason=reason or None)

    def set_exchange(self, item_id: str, variant: str | None) -> None:
        self._set(item_id, exchange_variant=variant or None)

    def set_comment(self, text: str) -> None:
        self.comment = text
        self.errors = [e for e in self.errors if e != DESCRIPTION_MISSING]

    def set_refund_method(self, method: str) -> None:
        self.refund_method = RefundMethod(method).value

    def set_remedy(self, remedy: str) -> None:
        self.remedy = remedy
        self.errors = [e for e in self.errors if e != REMEDY_MISSING]

    # -- photos --------------------------------------------------------------------------------
    async def add_photo(self, name: str, data: bytes) -> bool:
        """Upload one photo now (it needs the network); False with `photo_error` set otherwise."""
        if len(self.photos) >= MAX_ATTACHMENTS:
            self.photo_error = TOO_MANY_PHOTOS
            return False
        self.uploading = True
        self.photo_error = None
        try:
            photo = await upload_photo(self.attachments, name, data)
        finally:
            self.uploading = False
        if isinstance(photo, str):
            self.photo_error = photo
            return False
        self.photos = [*self.photos, photo]
        return True

    def remove_photo(self, attachment_id: str) -> None:
        self.photos = [p for p in self.photos if p.attachment_id != attachment_id]
        self.photo_error = None

    # -- checking and sending ----------------------------------------------------------------------
    def selected(self) -> list[tuple[ItemPreview, LineChoice]]:
        by_id = {i.id: i for i in self.eligible()}
        return [(by_id[item_id], c) for item_id, c in self.lines.items() if c.selected and item_id in by_id]

    def validate(self) -> list[str]:
        errors: list[str] = []
        chosen = self.selected()
        if not chosen:
            errors.append(NO_ITEMS)
        if self.journey == ReturnKind.RETURN and any(c.reason is None for _, c in chosen):
            errors.append(REASON_MISSING)
        if self.journey == ReturnKind.WARRANTY_CLAIM:
            if not self.comment.strip():
                errors.append(DESCRIPTION_MISSING)
            if self.remedy is None:
                errors.append(REMEDY_MISSING)
        self.errors = errors
        return errors

    async def submit(self, now: datetime | None = None) -> Submitted | None:
        """Queue the return(s). A return with refunds and exchanges becomes two returns, one per kind."""
        if self.busy or self.submitted is not None or self.journey is None or self.validate():
            return None
        self.busy = True
        try:
            ids = await asyncio.to_thread(self._queue)
        finally:
            self.busy = False
        self.submitted = Submitted(self.journey, tuple(ids), now or datetime.now(UTC))
        self.confirming = False
        return self.submitted

    def _queue(self) -> list[str]:
        chosen = self.selected()
        kind = self.journey
        if kind == ReturnKind.WITHDRAWAL:
            lines = [LineDraft(i.id, c.quantity) for i, c in chosen]
            return [self.service.create(self.order_id, kind, lines, refund_method=RefundMethod.ORIGINAL_PAYMENT.value)]
        if kind == ReturnKind.WARRANTY_CLAIM:
            lines = [LineDraft(i.id, c.quantity) for i, c in chosen]
            return [self.service.create(self.order_id, kind, lines, comment=self.comment, remedy=self.remedy,
                                        attachment_ids=[p.attachment_id for p in self.photos])]
        ids = []
        refunds = [LineDraft(i.id, c.quantity, reason=c.reason) for i, c in chosen if c.exchange_variant is None]
        swaps = [LineDraft(i.id, c.quantity, reason=c.reason, exchange_variant=c.exchange_variant)
                 for i, c in chosen if c.exchange_variant is not None]
        if refunds:
            ids.append(self.service.create(self.order_id, ReturnKind.RETURN.value, refunds, comment=self.comment,
                                           refund_method=self.refund_method))
        if swaps:
            ids.append(self.service.create(self.order_id, ReturnKind.EXCHANGE.value, swaps, comment=self.comment))
        return ids
