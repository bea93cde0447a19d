""""My data" and "this device": export, account deletion, what the cache holds, clearing it.

Export and deletion talk to the server; the device panel only reads the local cache. Clearing
the cache is always safe (synced rows are never edited locally): the outbox survives and the
rows come back with the next pull.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import delete, func, insert, select

from app.protocol.mutations import AccountDelete
from app.protocol.sync import Entity
from services.api_client import ApiClient
from services.errors import AuthRequired, Offline
from services.storage import cache
from services.storage import outbox as outbox_repo
from services.storage.tables import SYNCED, local_flag, outbox, rejection
from services.sync import SyncEngine
from services.tracking import parse_instant

DELETE = "account.delete"
DELETION_FLAG = "deletion_requested"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content: bytes


@dataclass(frozen=True)
class PendingChange:
    mutation_id: int
    name: str
    created_at: datetime | None
    status: str  # pending (not sent yet) | sent (sent, not yet confirmed) | rejected


@dataclass(frozen=True)
class DeviceInfo:
    """What this device keeps about the account."""

    client_id: str
    cache_bytes: int
    rows: dict[str, int]  # entity -> cached rows (only entities with rows)
    pending: tuple[PendingChange, ...]  # oldest first
    last_synced_at: datetime | None
    unseen_refusals: int

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class Deletion(StrEnum):
    NONE = "none"  # nothing requested
    QUEUED = "queued"  # requested on this device, not yet confirmed by the server
    DONE = "done"  # the server deleted the account
    REJECTED = "rejected"  # the server refused (the reason is in the rejection)


class AccountService:
    """Args:
        sync: the account's sync engine (and through it, its cache).
        api: the signed-in API client.
        cache_path: the account's SQLite file on this device.
        forget_account: removes the account from this device (cache and tokens); called once
            the server has deleted the account.
    """

    def __init__(self, sync: SyncEngine, api: ApiClient, cache_path: Path,
                 forget_account: Callable[[], None]) -> None:
        self.sync = sync
        self.api = api
        self.cache_path = cache_path
        self._forget_account = forget_account

    # -- my data --------------------------------------------------------------------
    def export(self) -> ExportFile:
        """Everything the server holds about the shopper, as the JSON file it serves. Raises Offline."""
        content, filename = self.api.export_account()
        return ExportFile(filename=filename, content=content)

    def delete_account(self) -> Deletion:
        """Queue `account.delete`, sync at once, and remove the account from this device once done.

        Returns DONE (signed out, cache gone), QUEUED (no connection: it is sent with the next
        sync) or REJECTED.
        """
        if self.deletion() not in (Deletion.QUEUED, Deletion.DONE):
            with self.sync.engine.begin() as conn:
                # Remember the request beside the outbox: once the server has acknowledged it, the
                # outbox entry is gone, and this flag is how a later check knows what happened.
                last_refusal = conn.scalar(select(func.max(rejection.c.id))) or 0
                conn.execute(delete(local_flag).where(local_flag.c.key == DELETION_FLAG))
                conn.execute(insert(local_flag).values(key=DELETION_FLAG, value=str(last_refusal)))
            self.sync.mutate(DELETE, AccountDelete(confirm=True).model_dump(), {Entity.PROFILE.value})
        try:
            self.sync.sync_once()
        except (Offline, AuthRequired):
            pass  # judged from the outbox below: the push may well have gone through
        state = self.deletion()
        if state is Deletion.DONE:
            self._forget_account()
        return state

    def deletion(self) -> Deletion:
        """Where a deletion requested on this device stands (blocking; read from the cache)."""
        with self.sync.engine.connect() as conn:
            requested = conn.scalar(select(local_flag.c.value).where(local_flag.c.key == DELETION_FLAG))
            if requested is None:
                return Deletion.NONE
            entry = conn.scalar(select(outbox.c.status).where(outbox.c.name == DELETE)
                                .order_by(outbox.c.mutation_id.desc()))
            refused = conn.scalar(select(func.count()).select_from(rejection).where(
                rejection.c.name == DELETE, rejection.c.id > int(requested)))
        if entry == "sent":
            return Deletion.DONE  # the server answered "ok"; the acknowledging pull is a formality
        if entry == "rejected" or refused:
            return Deletion.REJECTED
        if entry is not None:
            return Deletion.QUEUED
        return Deletion.DONE  # acknowledged by a pull and not refused

    def finish_deletion(self) -> bool:
        """If the server has deleted the account since it was queued, remove it here; True if so."""
        if self.deletion() is Deletion.DONE:
            self._forget_account()
            return True
        return False

    # -- this device --------------------------------------------------------------
    def device_info(self) -> DeviceInfo:
        """Row counts per entity, file size, unsent changes, last sync (blocking)."""
        with self.sync.engine.connect() as conn:
            state = cache.read_state(conn)
            rows = {entity.value: int(conn.scalar(select(func.count()).select_from(table)) or 0)
                    for entity, table in SYNCED.items()}
            pending = tuple(PendingChange(mutation_id=p.mutation_id, name=p.name,
                                          created_at=parse_instant(p.created_at), status=p.status)
                            for p in outbox_repo.pending(conn))
            unseen = int(conn.scalar(select(func.count()).select_from(rejection).where(rejection.c.seen == 0)) or 0)
        return DeviceInfo(client_id=str(state["client_id"]), cache_bytes=self.cache_size(),
                          rows={k: v for k, v in rows.items() if v}, pending=pending,
                          last_synced_at=parse_instant(state.get("last_synced_at")), unseen_refusals=unseen)

    def cache_size(self) -> int:
        """Bytes on disk of the cache, its write-ahead log included."""
        total = 0
        for suffix in ("", "-wal", "-shm"):
            path = self.cache_path.with_name(self.cache_path.name + suffix)
            try:
                total += path.stat().st_size
            except OSError:
                continue
        return total

    def clear_cache(self) -> bool:
        """Forget every synced row and cursor (unsent changes stay), then pull everything again.

        Returns True if the re-pull finished now, False if it waits for a connection.
        """
        self.sync.clear_cache()
        try:
            self.sync.sync_once()
        except Offline:
            return False
        return True
