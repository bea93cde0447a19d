"""Who is signed in on this Flet session, in which language, and the sign-in flow."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import flet as ft

from app.i18n import normalize_locale
from app.protocol.auth import UserPublic
from app.protocol.errors import ErrorCode
from app.state.dispatch import UiDispatcher
from app.state.loyalty import LoyaltyState
from app.state.orders import OrdersState
from app.state.returns import ReturnsState
from app.state.sync_status import SyncStatusState
from services.errors import ApiError, InvalidCredentials, Offline

if TYPE_CHECKING:
    from services.client import AccountSession, ClientCore

logger = logging.getLogger(__name__)


# Error codes this state sets besides the server's `ErrorCode`s; views translate all of them.
MISSING_FIELDS = "missing_fields"
OFFLINE = "offline"
UNKNOWN = "unknown"


@ft.observable
@dataclass(eq=False)
class SessionState:
    """The account signed in on this session and the user actions around it.

    Signing in binds the account's sync engine and orders to ``sync`` and ``orders``;
    signing out unbinds them before the account's cache is deleted, so no callback of
    the old account can reach the screen afterwards.

    Attributes:
        user: the signed-in user, or None on the sign-in screen.
        locale: language of the UI ("de" or "en").
        busy: a sign-in or sign-out is running (buttons disable themselves).
        restoring: True until `restore()` has looked up the saved session of this device.
        error: code of the last failed action (`ErrorCode` value, "offline", ...).
    """

    client: ClientCore = field(repr=False)
    dispatcher: UiDispatcher = field(repr=False)
    sync: SyncStatusState = field(default_factory=SyncStatusState)
    orders: OrdersState = field(default_factory=OrdersState)
    returns: ReturnsState = field(default_factory=ReturnsState)
    loyalty: LoyaltyState = field(default_factory=LoyaltyState)
    user: UserPublic | None = None
    locale: str = "de"
    busy: bool = False
    restoring: bool = True
    error: str | None = None
    landing_route: str | None = None  # where a "continue on another device" link sign-in opens

    _account: AccountSession | None = field(default=None, repr=False)
    # The user picked a language on this device before signing in: that choice beats the
    # profile's (they just read the sign-in screen in it) and is saved to the profile.
    _locale_chosen: bool = field(default=False, repr=False)

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def account(self) -> AccountSession | None:
        """The signed-in account's services, for screens that bind their own state to it."""
        return self._account

    async def restore(self) -> None:
        """Start-up: resume this device's saved session, so a reload keeps you signed in."""
        self.restoring = True
        try:
            account = await asyncio.to_thread(self.client.restore)
        except Exception:
            # A damaged token file must not lock anyone out: show the sign-in screen.
            logger.exception("restoring the saved session failed")
            account = None
        try:
            if account is not None and self._account is None:
                await self._attach(account)
        finally:
            self.restoring = False

    async def sign_in(self, email: str, password: str) -> bool:
        """User action: sign in. Returns True on success; otherwise ``error`` says why."""
        if self.busy:
            return False
        email = email.strip()
        if not email or not password:
            self.error = MISSING_FIELDS
            return False
        self.busy = True
        self.error = None
        try:
            account = await asyncio.to_thread(self.client.sign_in, email, password)
        except InvalidCredentials:
            self.error = ErrorCode.INVALID_CREDENTIALS.value
        except Offline:
            self.error = OFFLINE
        except ApiError as exc:
            self.error = exc.code or UNKNOWN
        except Exception:
            logger.exception("sign-in failed unexpectedly")
            self.error = UNKNOWN
        else:
            await self._attach(account)
            return True
        finally:
            self.busy = False
        return False

    async def continue_with(self, token: str, open_route: Callable[[str], None] | None = None) -> str | None:
        """User action: open a "continue on another device" link while signed out.

        Returns the route to open; on failure None, and ``error`` holds the server's code
        (``code_already_used``, ``code_expired``, ...). ``open_route`` is called with the route
        just before the account is attached, so the signed-in screens start on it.
        """
        if self.busy:
            return None
        self.busy = True
        self.error = None
        try:
            account, route = await asyncio.to_thread(self.client.continue_with, token)
        except Offline:
            self.error = OFFLINE
        except ApiError as exc:
            self.error = exc.code or UNKNOWN
        except Exception:
            logger.exception("continuing from another device failed")
            self.error = UNKNOWN
        else:
            self.landing_route = route or "/"
            if open_route is not None:
                open_route(self.landing_route)
            await self._attach(account)
            return route or "/"
        finally:
            self.busy = False
        return None

    async def sign_out(self) -> None:
        """User action: sign out; this device's cache and tokens of the account are deleted."""
        account = self._account
        if account is None or self.busy:
            return
        self.busy = True
        self.error = None
        try:
            self._detach()
            await asyncio.to_thread(account.sign_out)
        except Exception:
            # The user asked to leave: leave the screen even if deleting files failed.
            logger.exception("sign-out did not finish cleanly")
        finally:
            self.user = None
            self.busy = False
            # The next person's profile language applies unless they pick one here.
            self._locale_chosen = False

    async def set_locale(self, lang: str) -> None:
        """User action: switch the UI language ("de"/"en").

        The screen switches at once; when signed in, the choice is also saved to the
        profile (a queued ``profile.update``), so the user's other devices follow.
        """
        locale = normalize_locale(lang)
        account = self._account
        if account is None:
            self._locale_chosen = True
        if locale == self.locale:
            return
        self.locale = locale
        if account is not None:
            await self._save_locale(account, locale)

    def clear_error(self) -> None:
        """Hide the last error (the user started typing again)."""
        self.error = None

    async def close(self) -> None:
        """The Flet session ended: stop syncing but keep the account signed in on this device."""
        account = self._account
        self._detach()
        self.dispatcher.close()
        if account is not None:
            # Stops syncing and closes the cache; tokens and data stay for the next visit.
            await asyncio.to_thread(account.close)

    async def _attach(self, account: AccountSession) -> None:
        self._account = account
        # Subscribe before starting the engine so the first pull's changes are not missed.
        self.sync.bind(account.sync, self.dispatcher)
        self.orders.bind(account.orders, account.sync, self.dispatcher)
        self.returns.bind(account.returns, account.attachments, account.sync, self.dispatcher)
        self.loyalty.bind(account.loyalty, account.sync, self.dispatcher)
        profile_locale = normalize_locale(await self._profile_locale(account))
        if self._locale_chosen and profile_locale != self.locale:
            await self._save_locale(account, self.locale)
        elif not self._locale_chosen:
            self.locale = profile_locale
        self.user = account.user
        await asyncio.to_thread(account.sync.start)
        # The cache already holds what the last sync saw: show it before the network answers.
        await self.orders.refresh()
        await self.returns.refresh()
        await self.loyalty.refresh()

    @staticmethod
    async def _save_locale(account: AccountSession, locale: str) -> None:
        try:
            await asyncio.to_thread(account.profile.update, locale=locale)
        except Exception:
            # The language on this screen already changed; only saving it failed.
            logger.exception("saving the language to the profile failed")

    @staticmethod
    async def _profile_locale(account: AccountSession) -> str:
        # The cached profile (with a queued change laid on top) is newer than the user
        # record saved with the tokens at sign-in.
        try:
            profile = await asyncio.to_thread(account.profile.get)
        except Exception:
            logger.exception("reading the cached profile failed")
            profile = None
        locale = profile.get("locale") if profile else None
        return str(locale) if locale else account.user.locale

    def _detach(self) -> None:
        self._account = None
        self.sync.unbind()
        self.orders.unbind()
        self.returns.unbind()
        self.loyalty.unbind()
