"""The sync engine: push the outbox, then pull pages until `more` is false.

`sync_once()` is synchronous and deterministic (the simulation test drives it directly);
`start()` runs it on a background thread, woken by local writes, SSE pokes and a slow
timer, with exponential backoff and jitter (capped at 30 s) while offline.
"""

import logging
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal

import httpx
from sqlalchemy import Connection, Engine

from app.protocol.sync import (
    MAX_MUTATIONS_PER_PUSH,
    MutationIn,
    Poke,
    PullRequest,
    PullResponse,
    PushRequest,
)
from services.api_client import ApiClient
from services.errors import (
    ApiError,
    AuthRequired,
    MutationConflict,
    NahtlosError,
    Offline,
    PayloadTooLarge,
    ResetRequired,
    ScopeExpired,
)
from services.storage import cache
from services.storage import outbox as outbox_repo

log = logging.getLogger("nahtlos.sync")

Connectivity = Literal["online", "offline", "connecting"]
MAX_BACKOFF_S = 30.0
POKE_DEBOUNCE_S = 0.05
IDLE_PULL_S = 60.0
MAX_PAGES_PER_SYNC = 1000


@dataclass(frozen=True)
class SyncStatus:
    connectivity: Connectivity = "connecting"
    syncing: bool = False
    pending: int = 0
    last_synced_at: datetime | None = None
    last_error: str | None = None


def backoff_delay(attempt: int, rng: random.Random) -> float:
    """Full jitter: uniform in [0, min(cap, 2^attempt)] seconds, at least 0.5 s."""
    return max(0.5, rng.uniform(0, min(MAX_BACKOFF_S, 2.0 ** attempt)))


class SyncEngine:
    def __init__(self, api: ApiClient, engine: Engine, pull_limit: int = 2000,
                 stream_http: httpx.Client | None = None, clock: Callable[[], str] | None = None) -> None:
        self.api = api
        # The device's wall clock (ISO 8601, UTC): stamps outbox entries; replaceable so tests can skew it.
        self.clock = clock or outbox_repo.now_iso
        self.stream_http = stream_http
        self.engine = engine
        self.pull_limit = pull_limit
        self.status = SyncStatus()
        self._status_listeners: list[Callable[[SyncStatus], None]] = []
        self._change_listeners: list[Callable[[set[str]], None]] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sync_lock = threading.Lock()
        self._sse_response: httpx.Response | None = None
        self._rng = random.Random()
        with self.engine.begin() as conn:
            state = outbox_repo.ensure_state(conn)
            pending = outbox_repo.count_unacknowledged(conn)
        last = state.get("last_synced_at")
        self.status = SyncStatus(pending=pending,
                                 last_synced_at=datetime.fromisoformat(last) if last else None)

    # -- listeners -------------------------------------------------------------
    def on_status(self, callback: Callable[[SyncStatus], None]) -> Callable[[], None]:
        self._status_listeners.append(callback)
        return lambda: self._status_listeners.remove(callback) if callback in self._status_listeners else None

    def on_changes(self, callback: Callable[[set[str]], None]) -> Callable[[], None]:
        self._change_listeners.append(callback)
        return lambda: self._change_listeners.remove(callback) if callback in self._change_listeners else None

    def _set_status(self, **fields: object) -> None:
        self.status = replace(self.status, **fields)  # type: ignore[arg-type]
        for listener in list(self._status_listeners):
            try:
                listener(self.status)
            except Exception:  # a broken listener must not stop syncing
                log.exception("status listener failed")

    def notify_changes(self, entities: set[str]) -> None:
        if not entities:
            return
        for listener in list(self._change_listeners):
            try:
                listener(entities)
            except Exception:
                log.exception("change listener failed")

    # -- local writes ------------------------------------------------------------
    def mutate(self, name: str, args: dict[str, object], entities: set[str]) -> int:
        """Queue a mutation (the only way the client writes), show it at once, sync soon."""
        with self.engine.begin() as conn:
            mutation_id = outbox_repo.enqueue(conn, name, args, created_at=self.clock())
            pending = outbox_repo.count_unacknowledged(conn)
        self._set_status(pending=pending)
        self.notify_changes(entities)
        self.request_sync()
        return mutation_id

    def clear_cache(self) -> None:
        """Forget every synced row and cursor; the outbox stays. The next sync pulls everything again.

        Holds the sync lock, so a pull in flight cannot write a page (and its cursor) over the wipe.
        """
        with self._sync_lock, self.engine.begin() as conn:
            cache.wipe_synced(conn)
        self.notify_changes({"*"})

    # -- one round -------------------------------------------------------------
    def sync_once(self) -> None:
        """Push everything unsent, then pull until caught up. Raises Offline/AuthRequired."""
        with self._sync_lock:
            self._set_status(syncing=True)
            try:
                local = self._read_local()
                if local.unsent:
                    self._push_all()
                changed, local = self._pull_all(None if local.unsent else local)
                if local.unsent:  # the pull realigned a queue the server forgot (a restore): resend
                    self._push_all()
                    more, local = self._pull_all(None)
                    changed |= more
                last = local.state.get("last_synced_at")
                self._set_status(connectivity="online", syncing=False, pending=local.pending, last_error=None,
                                 last_synced_at=datetime.fromisoformat(last) if last else None)
                self.notify_changes(changed)
            except Offline:
                self._set_status(connectivity="offline", syncing=False)
                raise
            except NahtlosError as exc:
                code = exc.code if isinstance(exc, ApiError) else "error"
                self._set_status(syncing=False, last_error=code)
                raise

    def _read_local(self) -> "LocalSync":
        with self.engine.begin() as conn:
            return LocalSync.read(conn)

    def _client_id(self) -> str:
        with self.engine.begin() as conn:
            return str(cache.read_state(conn)["client_id"])

    def _push_all(self) -> None:
        batch = MAX_MUTATIONS_PER_PUSH
        while True:
            with self.engine.begin() as conn:
                todo = outbox_repo.unsent(conn, batch)
                client_id = str(cache.read_state(conn)["client_id"])
            if not todo:
                return
            request = PushRequest(client_id=client_id, mutations=[
                MutationIn(id=p.mutation_id, name=p.name, args=p.args, client_time=p.created_at) for p in todo])
            try:
                response = self.api.push(request)
            except PayloadTooLarge:
                if batch == 1:
                    self._reject_locally(todo[0].mutation_id)
                    continue
                batch = max(1, batch // 2)
                continue
            except MutationConflict as exc:
                if exc.code == "mutation_gap":
                    # The server forgot part of our queue (restored): the pull acknowledges what it
                    # has and realigns the rest (outbox.realign); sync_once then pushes again.
                    return
                # Another device uses our client id (a cloned cache): start a fresh client id.
                with self.engine.begin() as conn:
                    outbox_repo.renumber(conn, uuid.uuid4().hex)
                continue
            with self.engine.begin() as conn:
                for result in response.results:
                    if result.status == "rejected":
                        outbox_repo.record_rejection(conn, result.id, result.code or "rejected", result.message or "")
                    else:
                        outbox_repo.mark(conn, result.id, "sent")
            if len(response.results) < len(todo):
                raise Offline("server stopped the batch early")

    def _reject_locally(self, mutation_id: int) -> None:
        """A single mutation over the size limit can never be sent: record it as refused."""
        with self.engine.begin() as conn:
            outbox_repo.record_rejection(conn, mutation_id, "payload_too_large", "")

    def _pull_all(self, local: "LocalSync | None") -> tuple[set[str], "LocalSync"]:
        """Pull pages until caught up; returns what changed and the bookkeeping as the last page
        left it. While one page is applied, the next is already being fetched with the cursors
        that page leaves behind: the server's work and the transfer overlap the local writes (an
        initial sync of 100k rows spends about as long on each). `local`: the bookkeeping if the
        caller has just read it; each page's transaction reads it again for the next round, so a
        one-page delta sync costs two local transactions in all (read, apply)."""
        changed: set[str] = set()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull-ahead") as pool:
            ahead: Future[PullResponse] | None = None
            for _ in range(MAX_PAGES_PER_SYNC):
                if local is None:
                    local = self._read_local()
                state, cursors = local.state, local.cursors
                client_id = str(state["client_id"])
                try:
                    if ahead is not None:
                        page, ahead = ahead.result(), None
                    else:
                        request = PullRequest(epoch=state["epoch"], cursors=cursors if state["epoch"] else {},
                                              limit=self.pull_limit)
                        page = self.api.pull(request, client_id)
                except ResetRequired:
                    with self.engine.begin() as conn:
                        cache.wipe_synced(conn)
                    changed.add("*")
                    local = None
                    continue
                except ScopeExpired as exc:
                    with self.engine.begin() as conn:
                        cache.wipe_scope(conn, str(exc.detail.get("scope", "")))
                    changed.add("*")
                    local = None
                    continue
                if page.more:
                    following = PullRequest(epoch=page.epoch, cursors=cursors_after(cursors, page),
                                            limit=self.pull_limit)
                    ahead = pool.submit(self.api.pull, following, client_id)
                with self.engine.begin() as conn:
                    changed |= cache.apply_page(conn, page)
                    local = LocalSync.read(conn)
                if not page.more:
                    return changed, local
        return changed, local if local is not None else self._read_local()

    def _has_seen(self, poke: Poke) -> bool:
        """Whether this cache has already pulled every poked scope up to the poke's seq."""
        with self.engine.connect() as conn:
            cursors = outbox_repo.cursors(conn)
        return poke_seen(cursors, poke)

    # -- background running ------------------------------------------------------
    def request_sync(self) -> None:
        self._wake.set()

    def start(self, listen: bool = True) -> None:
        if self._threads:
            return
        self._stop.clear()
        self._threads = [threading.Thread(target=self._run, name="nahtlos-sync", daemon=True)]
        if listen:
            self._threads.append(threading.Thread(target=self._listen, name="nahtlos-sse", daemon=True))
        for thread in self._threads:
            thread.start()
        self.request_sync()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._sse_response is not None:
            _interrupt(self._sse_response)
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads = []

    def _run(self) -> None:
        attempt = 0
        last_round = 0.0
        while not self._stop.is_set():
            self._wake.wait(timeout=IDLE_PULL_S)
            # Leading-edge debounce: the first poke syncs at once; pokes that arrive within
            # POKE_DEBOUNCE_S of the last round are coalesced into the next one.
            pause = last_round + POKE_DEBOUNCE_S - time.monotonic()
            if pause > 0:
                self._stop.wait(pause)
            self._wake.clear()
            if self._stop.is_set():
                return
            last_round = time.monotonic()
            try:
                self.sync_once()
                attempt = 0
            except Offline:
                attempt += 1
                self._stop.wait(backoff_delay(attempt, self._rng))
                self._wake.set()  # try again after the pause
            except AuthRequired:
                self._set_status(last_error="auth_required")
                self._stop.wait(MAX_BACKOFF_S)
            except Exception:
                log.exception("sync round failed")
                attempt += 1
                self._stop.wait(backoff_delay(attempt, self._rng))
                self._wake.set()

    def _remember_stream(self, response: httpx.Response) -> None:
        self._sse_response = response
        if self._stop.is_set():
            _interrupt(response)

    def _listen(self) -> None:
        """SSE: pull on every (re)connect, since pokes may have been missed; debounce pokes."""
        attempt = 0
        while not self._stop.is_set():
            try:
                for poke in self.api.events(self.stream_http, on_open=self._remember_stream):
                    if self._stop.is_set():
                        return
                    attempt = 0
                    if poke is not None and self._has_seen(poke):
                        continue  # our own write, already pulled right after its push
                    self.request_sync()
            except Exception as exc:  # noqa: BLE001 - the listener must survive anything
                log.debug("event stream ended: %s", exc)
            if self._stop.is_set():
                return
            # A broken stream is the first sign of a lost server: a sync attempt now turns the
            # indicator to "offline" at once instead of at the next timer tick.
            self.request_sync()
            attempt += 1
            self._stop.wait(backoff_delay(attempt, self._rng))


@dataclass(frozen=True)
class LocalSync:
    """The device's sync bookkeeping as one read transaction saw it."""

    unsent: bool  # something in the outbox waits to be sent
    pending: int  # writes the server has not acknowledged yet (shown as pending)
    state: dict[str, Any]  # sync_state: client id, epoch, last synced
    cursors: dict[str, int]

    @classmethod
    def read(cls, conn: Connection) -> "LocalSync":
        state, unsent, pending = outbox_repo.bookkeeping(conn)
        return cls(unsent=unsent, pending=pending, state=state, cursors=outbox_repo.cursors(conn))


def poke_seen(cursors: dict[str, int], poke: Poke) -> bool:
    """A poke changes nothing here when every scope it names was pulled up to its seq (or later)."""
    return bool(poke.scopes) and all(cursors.get(scope, -1) >= poke.seq for scope in poke.scopes)


def cursors_after(cursors: dict[str, int], page: PullResponse) -> dict[str, int]:
    """The cursors `cache.apply_page` leaves behind: removed scopes forgotten, then the page's
    cursors merged in, never moving one back."""
    merged = {scope: c for scope, c in cursors.items() if scope not in page.scopes_removed}
    for scope, cursor in page.cursors.items():
        merged[scope] = max(merged.get(scope, cursor), cursor)
    return merged


def _interrupt(response: httpx.Response) -> None:
    """Wake a thread blocked reading this response: on Linux only shutdown() interrupts recv()."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed
    response.close()
