"""The Returns tab (the shopper's returns, refusals, orders a return can be started for) and the
return detail's actions. The form of a new return is `app.state.return_draft.ReturnDraft`."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.sync import Entity
from app.state.cache_follower import CacheFollower
from app.state.dispatch import UiDispatcher
from app.state.return_draft import ReturnDraft
from services.codes import expires_at, qr_png
from services.returns import Step, timeline
from services.returns_eligibility import OrderPreview, parse_instant

if TYPE_CHECKING:
    from services.attachments import AttachmentsService
    from services.returns import ReturnsService
    from services.storage.rejections import RejectionRecord
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

_WATCHED = frozenset({Entity.RETURN.value, Entity.ORDER.value, Entity.SHIPMENT.value, "*"})


@dataclass(frozen=True)
class ReturnLineView:
    name: str
    variant: str | None
    quantity: int
    reason: str | None
    exchange_variant: str | None
    image: str | None


@dataclass(frozen=True)
class ReturnView:
    """One return with what the screens need next to it (order number, item names, steps)."""

    id: str
    order_id: str
    order_number: str
    kind: str
    status: str
    created_at: datetime
    declared_at: datetime | None  # pending only: when the shopper pressed the button, on this device
    pending: bool
    editable: bool
    lines: tuple[ReturnLineView, ...]
    steps: tuple[Step, ...]
    comment: str | None
    refund_method: str | None
    remedy: str | None
    refund_amount: int | None
    refunded_at: datetime | None
    currency: str
    qr_token: str | None
    attachment_count: int
    row: dict[str, Any] = field(repr=False, compare=False)


def to_view(row: dict[str, Any], orders: dict[str, dict[str, Any]], editable: bool) -> ReturnView:
    order = orders.get(row["order_id"], {})
    items = {i["id"]: i for i in order.get("items") or []}
    lines = tuple(
        ReturnLineView(name=items.get(line["order_item_id"], {}).get("name", "?"),
                       variant=items.get(line["order_item_id"], {}).get("variant"), quantity=line["quantity"],
                       reason=line.get("reason"), exchange_variant=line.get("exchange_variant"),
                       image=items.get(line["order_item_id"], {}).get("image"))
        for line in row.get("items") or [])
    return ReturnView(
        id=row["id"], order_id=row["order_id"], order_number=order.get("number", ""), kind=row["kind"],
        status=row["status"], created_at=parse_instant(row["created_at"]) or datetime.min,
        declared_at=parse_instant(row.get("_declared_at")), pending=bool(row.get("_pending")), editable=editable,
        lines=lines, steps=tuple(timeline(row)), comment=row.get("comment"), refund_method=row.get("refund_method"),
        remedy=row.get("remedy"), refund_amount=row.get("refund_amount"), refunded_at=parse_instant(row.get("refunded_at")),
        currency=order.get("currency", "EUR"), qr_token=row.get("qr_token"),
        attachment_count=len(row.get("attachment_ids") or []), row=row)


def drop_off_code(token: str) -> tuple[bytes, datetime | None]:
    """The return's QR code as PNG, and until when it is valid (from its signed payload)."""
    return qr_png(token), expires_at(token)


# What one read of the cache brings: returns, orders by id, previews, rejections.
_Snapshot = tuple[list[dict[str, Any]], dict[str, dict[str, Any]], list[OrderPreview], list["RejectionRecord"]]


@ft.observable
@dataclass(eq=False)
class ReturnsState(CacheFollower["ReturnsService", _Snapshot]):
    """Observable returns of the signed-in account, read from the cache (offline like online).

    Attributes:
        returns: newest first; queued ones are `pending`.
        startable: orders for which at least one kind of return can be started now.
        rejections: refused return mutations the shopper has not dismissed yet.
        orders: cached orders by id (numbers and item names for the screens).
    """

    returns: list[ReturnView] = field(default_factory=list)
    startable: list[OrderPreview] = field(default_factory=list)
    rejections: list[RejectionRecord] = field(default_factory=list)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    loaded: bool = False

    _attachments: AttachmentsService | None = field(default=None, repr=False)

    def bind(self, service: ReturnsService, attachments: AttachmentsService, engine: SyncEngine,
             dispatcher: UiDispatcher) -> None:
        self._follow(service, engine, dispatcher, _WATCHED)
        self._attachments = attachments

    def unbind(self) -> None:
        super().unbind()
        self._attachments = None
        self.returns, self.startable, self.rejections, self.orders = [], [], [], {}
        self.loaded = False
        self.error = None

    def find(self, return_id: str) -> ReturnView | None:
        return next((r for r in self.returns if r.id == return_id), None)

    def rejection_for(self, return_id: str) -> RejectionRecord | None:
        return next((r for r in self.rejections if r.args.get("return_id") == return_id), None)

    # -- user actions ------------------------------------------------------------------------
    def new_draft(self, order_id: str) -> ReturnDraft:
        """The form of a new return for `order_id` (call `load()` on it)."""
        if self._service is None or self._attachments is None:
            raise RuntimeError("not signed in")
        return ReturnDraft(order_id=order_id, service=self._service, attachments=self._attachments)

    async def cancel(self, return_id: str) -> bool:
        service = self._service
        if service is None:
            return False
        await asyncio.to_thread(service.cancel, return_id)
        await self.refresh()
        return True

    async def update(self, return_id: str, *, comment: str | None = None, refund_method: str | None = None) -> bool:
        """Queue an edit; False when nothing changed."""
        service = self._service
        if service is None:
            return False
        queued = await asyncio.to_thread(lambda: service.update(return_id, comment=comment,
                                                                  refund_method=refund_method))
        await self.refresh()
        return queued is not None

    async def dismiss(self, rejection_ids: list[int]) -> None:
        service = self._service
        if service is None or not rejection_ids:
            return
        await asyncio.to_thread(service.dismiss, rejection_ids)
        self.rejections = [r for r in self.rejections if r.id not in rejection_ids]

    # -- reading -----------------------------------------------------------------------------
    def _read(self, service: ReturnsService) -> _Snapshot:
        rows = service.list_returns()
        orders = {o["id"]: o for o in service.orders()}
        return rows, orders, service.previews(), service.rejections()

    def _show(self, service: ReturnsService, snapshot: _Snapshot) -> None:
        rows, orders, previews, rejections = snapshot
        self.orders = orders
        self.returns = [to_view(r, orders, service.can_edit(r)) for r in rows]
        self.startable = [p for p in previews if any(p.allows(k) for k in ("withdrawal", "return", "warranty_claim"))]
        self.rejections = rejections
        self.loaded = True

