"""The loyalty tab: card (signed QR, refreshed while online, usable offline until it expires),
balance, tier progress, history, points over time and rewards to redeem."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.sync import Entity
from app.state.cache_follower import CacheFollower
from app.state.dispatch import UiDispatcher
from services.codes import qr_png
from services.errors import ApiError, Offline
from services.loyalty import balance_by_month, progress

if TYPE_CHECKING:
    from services.loyalty import CardToken, Entry, LoyaltyService, Offer, Progress
    from services.storage.rejections import RejectionRecord
    from services.sync import SyncEngine, SyncStatus

logger = logging.getLogger(__name__)

_WATCHED = frozenset({Entity.LOYALTY_ACCOUNT.value, Entity.LOYALTY_ENTRY.value, Entity.REWARD.value, "*"})
# Card problems the view explains.
CARD_OFFLINE = "offline"  # could not refresh; an older token may still be valid
CARD_UNAVAILABLE = "unavailable"  # the server has no card for us (or no card route)


def _utcnow() -> datetime:
    return datetime.now(UTC)


_Snapshot = tuple[dict[str, Any] | None, list["Entry"], list["Offer"], list["RejectionRecord"]]


@ft.observable
@dataclass(eq=False)
class LoyaltyState(CacheFollower["LoyaltyService", _Snapshot]):
    """Observable loyalty account of the signed-in shopper.

    Attributes:
        card: the last signed token (check `card_valid`); `qr` is its PNG.
        card_error: why the card could not be refreshed (CARD_OFFLINE, CARD_UNAVAILABLE).
        redeemed: reward id -> redemption id of redemptions made on this screen (to show the code).
    """

    account: dict[str, Any] | None = None
    tier: Progress | None = None
    history: list[Entry] = field(default_factory=list)
    offers: list[Offer] = field(default_factory=list)
    series: list[tuple[date, int]] = field(default_factory=list)
    rejections: list[RejectionRecord] = field(default_factory=list)
    card: CardToken | None = None
    qr: bytes | None = None
    card_error: str | None = None
    card_busy: bool = False
    redeemed: dict[str, str] = field(default_factory=dict)
    loaded: bool = False
    clock: Callable[[], datetime] = field(default=_utcnow, repr=False)

    _unwatch_status: Callable[[], None] | None = field(default=None, repr=False)

    def bind(self, service: LoyaltyService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        self._follow(service, engine, dispatcher, _WATCHED)

        def on_status(status: SyncStatus) -> None:
            # Back online: renew the card in the background if it is getting old.
            if status.connectivity == "online" and not status.syncing:
                dispatcher.spawn(self._card_for, service, False)

        self._unwatch_status = engine.on_status(on_status)

    def unbind(self) -> None:
        super().unbind()
        if self._unwatch_status is not None:
            self._unwatch_status()
        self._unwatch_status = None
        self.account, self.tier, self.card, self.qr = None, None, None, None
        self.history, self.offers, self.series, self.rejections = [], [], [], []
        self.card_error, self.error = None, None
        self.redeemed = {}
        self.loaded = False

    @property
    def card_valid(self) -> bool:
        return self.card is not None and self.card.valid(self.clock())

    # -- user actions --------------------------------------------------------------------------
    async def keep_card_fresh(self, force: bool = False) -> None:
        """Show the cached card at once; renew it when it is stale (or `force`) and we are online."""
        if self._service is not None:
            await self._card_for(self._service, force)

    async def redeem(self, reward_id: str) -> str | None:
        service = self._service
        if service is None:
            return None
        redemption = await asyncio.to_thread(service.redeem, reward_id)
        self.redeemed = {**self.redeemed, reward_id: redemption}
        await self.refresh()
        return redemption

    async def dismiss(self, rejection_ids: list[int]) -> None:
        service = self._service
        if service is None or not rejection_ids:
            return
        await asyncio.to_thread(service.dismiss, rejection_ids)
        self.rejections = [r for r in self.rejections if r.id not in rejection_ids]

    def code_for(self, reward_id: str) -> tuple[str | None, bool]:
        """(one-time code, still pending) of the redemption made here for `reward_id`."""
        redemption = self.redeemed.get(reward_id)
        if redemption is None:
            return None, False
        entry = next((e for e in self.history if e.id == redemption), None)
        if entry is None:
            return None, False  # refused: the rejection says why
        return entry.code, entry.pending

    # -- reading ------------------------------------------------------------------------------------
    async def _card_for(self, service: LoyaltyService, force: bool) -> None:
        if self.card_busy and force:
            # A background check is running; the shopper asked explicitly, so go after it.
            for _ in range(200):
                await asyncio.sleep(0.05)
                if not self.card_busy:
                    break
        if self.card_busy or self._service is not service:
            return
        self.card_busy = True
        try:
            if self.card is None:
                await self._show_card(await asyncio.to_thread(service.card))
            try:
                fresh = await asyncio.to_thread(service.refresh_card, self.clock(), force)
            except Offline:
                self.card_error = CARD_OFFLINE
            except ApiError as exc:
                logger.warning("loyalty card refused: %s", exc)
                self.card_error = CARD_UNAVAILABLE
            except Exception:
                logger.exception("renewing the loyalty card failed")
                self.card_error = CARD_OFFLINE
            else:
                if self._service is service:
                    # Only a token fetched just now proves we are back online; a held one that is
                    # still fresh says nothing about the network.
                    if fresh is not None and (self.card is None or fresh.token != self.card.token):
                        self.card_error = None
                    await self._show_card(fresh)
        finally:
            self.card_busy = False

    async def _show_card(self, card: CardToken | None) -> None:
        if card is None or (self.card is not None and card.token == self.card.token):
            return
        self.qr = await asyncio.to_thread(qr_png, card.token)
        self.card = card

    def _read(self, service: LoyaltyService) -> _Snapshot:
        return service.account(), service.history(), service.offers(), service.rejections()

    def _show(self, service: LoyaltyService, snapshot: _Snapshot) -> None:
        account, history, offers, rejections = snapshot
        self.account = account
        self.tier = progress(account) if account else None
        self.history = history
        self.offers = offers
        self.series = balance_by_month(history, int(account["balance"]), self.clock()) if account else []
        self.rejections = rejections
        self.loaded = True
