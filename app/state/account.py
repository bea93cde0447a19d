"""The account screen: profile editing, "my data" (export, delete) and the "this device" panel.

One state per open account screen, bound to the signed-in account. Profile edits are queued
(`profile.update`) and show at once; export and deletion need the server. A deletion that
could not be sent right away finishes (and signs out) as soon as the server has done it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.coalesce import Coalesced
from app.state.dispatch import UiDispatcher
from services.account import Deletion
from services.errors import Offline

if TYPE_CHECKING:
    from services.account import DeviceInfo, ExportFile
    from services.client import AccountSession
    from services.sync import SyncStatus

logger = logging.getLogger(__name__)

MAX_NAME = 120
# Notices (views translate them).
PROFILE_SAVED = "profile_saved"
EXPORT_READY = "export_ready"
CACHE_CLEARED = "cache_cleared"
CACHE_CLEARED_OFFLINE = "cache_cleared_offline"
DELETION_QUEUED = "deletion_queued"
# Errors.
NAME_REQUIRED = "name_required"
NAME_TOO_LONG = "name_too_long"
OFFLINE = "offline"
FAILED = "failed"
DELETION_REJECTED = "deletion_rejected"


@ft.observable
@dataclass(eq=False)
class AccountState:
    """Observable account screen.

    Attributes:
        profile: the cached profile with queued edits laid on top (`_pending` marks those).
        device: what this device keeps (row counts, unsent changes, last sync).
        export_file: the last export, for the view to save; cleared once saved.
        deletion: where a deletion requested here stands (`services.account.Deletion`).
        busy: which action runs ("save", "export", "delete", "clear"), or None.
        notice / error: the outcome of the last action.
    """

    profile: dict[str, Any] | None = None
    device: DeviceInfo | None = None
    loaded: bool = False
    export_file: ExportFile | None = None
    deletion: str = Deletion.NONE.value
    busy: str | None = None
    notice: str | None = None
    error: str | None = None

    _account: AccountSession | None = field(default=None, repr=False)
    _on_deleted: Callable[[], Awaitable[None]] | None = field(default=None, repr=False)
    _unsubscribe: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _reads: Coalesced = field(default_factory=Coalesced, repr=False)

    def bind(self, account: AccountSession, dispatcher: UiDispatcher,
             on_deleted: Callable[[], Awaitable[None]]) -> None:
        """Follow ``account``'s cache and sync status; ``on_deleted`` signs the session out."""
        self.unbind()
        self._account = account
        self._on_deleted = on_deleted

        def on_changes(_entities: set[str]) -> None:
            dispatcher.spawn(self._refresh_for, account)

        def on_status(_status: SyncStatus) -> None:
            # Pending count and last sync live in the device panel; a queued deletion may have landed.
            dispatcher.spawn(self._refresh_for, account)

        self._unsubscribe = [account.sync.on_changes(on_changes), account.sync.on_status(on_status)]

    def unbind(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self._account = None
        self._on_deleted = None

    async def refresh(self) -> None:
        """Read profile and device info from the cache (on mount and after every change)."""
        if self._account is not None:
            await self._refresh_for(self._account)

    # -- profile ------------------------------------------------------------------------
    async def save_profile(self, name: str, marketing_email: bool, push_notifications: bool) -> bool:
        """User action: save name and communication preferences (queued; shown at once)."""
        account = self._account
        if account is None or self.busy:
            return False
        name = " ".join(name.split())
        if not name:
            self.error = NAME_REQUIRED
            return False
        if len(name) > MAX_NAME:
            self.error = NAME_TOO_LONG
            return False
        current = self.profile or {}
        changes: dict[str, object] = {k: v for k, v in (("name", name), ("marketing_email", marketing_email),
                                                         ("push_notifications", push_notifications))
                                      if current.get(k) != v}
        self.error = None
        if not changes:
            self.notice = PROFILE_SAVED
            return True
        ok = await self._run("save", lambda: account.profile.update(**changes))
        if ok:
            self.notice = PROFILE_SAVED
            await self._refresh_for(account)
        return ok

    # -- my data --------------------------------------------------------------------------
    async def export(self) -> ExportFile | None:
        """User action: fetch "everything about me" from the server as a JSON file."""
        account = self._account
        if account is None or self.busy:
            return None
        result: list[ExportFile] = []
        ok = await self._run("export", lambda: result.append(account.account.export()))
        if not ok:
            return None
        self.export_file = result[0]
        self.notice = EXPORT_READY
        return result[0]

    def export_saved(self) -> None:
        """The view handed the file to the browser or the disk: keep no copy in memory."""
        self.export_file = None

    async def delete_account(self) -> bool:
        """User action (after the confirmation step): delete the account. True once it is gone."""
        account = self._account
        if account is None or self.busy:
            return False
        outcome: list[Deletion] = []
        ok = await self._run("delete", lambda: outcome.append(account.account.delete_account()))
        if not ok:
            return False
        self.deletion = outcome[0].value
        if outcome[0] is Deletion.DONE:
            await self._signed_out()
            return True
        if outcome[0] is Deletion.QUEUED:
            self.notice = DELETION_QUEUED
        elif outcome[0] is Deletion.REJECTED:
            self.error = DELETION_REJECTED
        return False

    # -- this device ----------------------------------------------------------------------
    async def clear_cache(self) -> None:
        """User action: forget the synced data on this device (unsent changes stay) and pull again."""
        account = self._account
        if account is None or self.busy:
            return
        done: list[bool] = []
        if await self._run("clear", lambda: done.append(account.account.clear_cache()), offline_ok=True):
            self.notice = CACHE_CLEARED if done and done[0] else CACHE_CLEARED_OFFLINE
        await self._refresh_for(account)

    def dismiss(self) -> None:
        self.notice = None
        self.error = None

    # -- plumbing ---------------------------------------------------------------------------
    async def _run(self, action: str, work: Callable[[], object], offline_ok: bool = False) -> bool:
        self.busy = action
        self.error = None
        self.notice = None
        try:
            await asyncio.to_thread(work)
        except Offline:
            if not offline_ok:
                self.error = OFFLINE
                return False
        except Exception:
            logger.exception("account action %s failed", action)
            self.error = FAILED
            return False
        finally:
            self.busy = None
        return True

    async def _signed_out(self) -> None:
        on_deleted = self._on_deleted
        self.unbind()
        if on_deleted is not None:
            await on_deleted()

    async def _refresh_for(self, account: AccountSession) -> None:
        async def read() -> None:
            if self._account is not account:
                return
            try:
                profile, device, deletion = await asyncio.to_thread(
                    lambda: (account.profile.get(), account.account.device_info(), account.account.deletion()))
            except Exception:
                # The cache can vanish under us (the account was deleted or signed out meanwhile).
                logger.debug("reading the account screen's data failed", exc_info=True)
                return
            if self._account is not account:
                return
            self.profile, self.device, self.loaded = profile, device, True
            self.deletion = deletion.value
            if deletion is Deletion.DONE and self.busy != "delete":
                # Requested here and sent with a later sync: finish it like an immediate deletion.
                # (While `delete_account` runs, it finishes the job itself.)
                await asyncio.to_thread(account.account.finish_deletion)
                await self._signed_out()

        await self._reads.run(read)
