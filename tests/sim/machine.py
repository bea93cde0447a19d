"""The sync simulation: one real server, several devices with their own caches, a faulty network.

A Hypothesis `RuleBasedStateMachine` drives devices of anna (2-4) and optionally one of ben
against a real server on a fresh copy of the seeded database: by default the in-process app on
SQLite (tests/sim/in_process.py); a subclass may bring another `SimServer` (two server processes
on PostgreSQL: tests/robustness/sim_cluster.py). Every device talks through its own `Link`
(tests/support/network.py), which loses requests, loses answers after the server committed,
delivers requests twice, or holds one back and delivers it after the device's next request. The
server restarts (everything committed persists) and can be restored from an earlier snapshot
under a new epoch. Device clocks are skewed by hours and jump.

Invariants (the contract's "Tests that prove it"):
- after every step: each device's cursors only move forward within one epoch; the server's
  `last_mutation_id` per client only moves forward (a restore resets the baseline).
- after every sync of a device: it holds rows of its own user's scopes only (ben never anna's);
  the synced messages it shows are in server `seq` order, its pending ones after them in the
  order they were written, whatever its clock says.
- after healing (faults off, every device syncs until two rounds change nothing): every outbox
  is empty; every mutation a device queued was applied by the server or rejected with a reason
  in that device's rejection table (except ones the device had settled before a restore that
  lost them); nothing applied twice; each device's cache equals a fresh pull of its user's
  scopes (entity, id, scope, seq, payload); messages in every thread are in server seq order
  on every device, independent of the device clocks.

`STATS` counts examples, steps and injected faults, for the test report.
"""

import json
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar, Protocol

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select, union, update

from app.protocol.sync import Entity, PullRequest
from server.db import Database
from server.models import Message, Order, SyncClient, SyncCounter, SyncMutation, Thread
from server.sync.log import new_epoch
from server.sync.push import args_hash
from services.api_client import ApiClient
from services.client import AccountSession, ClientCore
from services.errors import Offline
from services.storage import cache
from services.storage import outbox as outbox_repo
from services.storage.engine import open_cache
from services.storage.tables import SYNCED, rejection
from tests.conftest import SeededTemplate
from tests.sim.in_process import InProcessServer
from tests.support.network import Fault, Link, Upstream

ANNA = "anna@example.com"
BEN = "ben@example.com"

STATS: Counter[str] = Counter()
REPORT: list[str] = []  # one line per simulation run, shown in pytest's terminal summary (tests/sim/conftest.py)

WRITES = ("message", "thread", "thread+body", "profile", "cancel", "bogus")
# Weighted: mostly syncs and writes, now and then a network, clock or server event; a mid-run
# heal (the costliest step) about once in 45 steps, besides the one every example ends with.
ACTIONS = (["sync"] * 16 + ["message"] * 6 + list(WRITES[1:]) * 2
           + ["offline", "online", "clock", "restart", "snapshot", "restore"] * 2 + ["heal"])
# The arguments of the one rule, `SyncSimulation.step` (a subclass whose step draws more reuses them).
ACTION = st.sampled_from(ACTIONS)
DEVICE = st.integers(0, 4)
PICK = st.integers(0, 50)
FAULTS = st.lists(st.sampled_from([None, *Fault]), max_size=5)


class SimServer(Protocol):
    """The server side of one example: what the devices' links deliver to, and what the checks read."""

    @property
    def network(self) -> Upstream:
        """What every device's link delivers through (the same object for the whole example)."""
        ...

    @property
    def db(self) -> Database:
        """The server's tables, read directly by the checks (a restart or restore may replace it)."""
        ...

    @property
    def requests(self) -> int:
        """How many requests reached a server so far."""
        ...

    def restart(self, pick: int) -> None:
        """Restart the server (`pick` may choose which process and how); everything committed persists."""
        ...

    def snapshot(self) -> None:
        """Keep a copy of the database (replacing an earlier one)."""
        ...

    def restore(self) -> None:
        """Put the snapshot back and serve it; the caller then gives the database a new epoch."""
        ...

    def heal(self) -> None:
        """End any server-side fault (a process left down, a crash armed), before the healing syncs."""
        ...

    @property
    def still_s(self) -> float:
        """How long the server's log must stay put before the checks trust it: a server in its own
        process writes the bot's answers a moment after the push (server.sync.follow_ups); in process,
        tests/support/network.py waits for them after every push (0)."""
        ...

    def observer(self) -> httpx.Client:
        """A fault-free HTTP client to the server, for the checks' own pulls."""
        ...

    def close(self) -> None:
        ...


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class DeviceClock:
    """A device's wall clock: fixed start, one second per reading, skewed by `offset` (may jump back)."""

    START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def __init__(self, offset_hours: int) -> None:
        self.offset = timedelta(hours=offset_hours)
        self.ticks = 0

    def __call__(self) -> str:
        self.ticks += 1
        return (self.START + self.offset + timedelta(seconds=self.ticks)).isoformat().replace("+00:00", "Z")


@dataclass
class Queued:
    """A mutation a device queued, identified by content (ids change when a queue is renumbered)."""

    kind: str
    name: str
    args: dict[str, Any]
    marker: str | None = None  # a message body or profile name unique to this write
    excused: bool = False  # settled before a restore that lost it: the restore's loss, not sync's

    @property
    def key(self) -> tuple[str, str]:
        return self.name, _canon(self.args)

    @property
    def digest(self) -> str:
        return args_hash(self.name, self.args)


@dataclass
class SimDevice:
    name: str
    email: str
    user_id: int
    link: Link
    core: ClientCore
    account: AccountSession
    clock: DeviceClock
    queued: list[Queued] = field(default_factory=list)
    client_ids: set[str] = field(default_factory=set)
    seen_epoch: str | None = None
    seen_cursors: dict[str, int] = field(default_factory=dict)
    delivered_seen: int = 0

    @property
    def scopes(self) -> set[str]:
        return {f"user:{self.user_id}", "public"}


def cache_rows(account: AccountSession) -> dict[tuple[str, str], tuple[str, int, str]]:
    """Every synced row of a device cache: (entity, id) -> (scope, seq, canonical payload)."""
    rows: dict[tuple[str, str], tuple[str, int, str]] = {}
    with account.engine.connect() as conn:
        for entity, table in SYNCED.items():
            for r in conn.execute(select(table.c.id, table.c.scope, table.c.seq, table.c.data)):
                rows[(entity.value, r.id)] = (r.scope, int(r.seq), _canon(r.data))
    return rows


class SyncSimulation(RuleBasedStateMachine):
    # Set by the test before running (Hypothesis builds the machine without arguments).
    template: ClassVar[SeededTemplate]
    workdir: ClassVar[Path]
    cache_template: ClassVar[Path]

    def __init__(self) -> None:
        super().__init__()
        STATS["examples"] += 1
        self.dir = Path(tempfile.mkdtemp(prefix="ex-", dir=self.workdir))
        self.server = self.open_server()
        self.devices: list[SimDevice] = []
        self.has_snapshot = False
        self.server_last: dict[str, int] = {}
        self.epochs: set[str] = {self._server_epoch()}
        self.threads: list[str] = []  # every thread id any device created, in creation order
        self.writes = 0
        self.clean = True  # False while a step runs; teardown heals only after a clean run
        self.touched: set[str] = set()  # devices whose state a step may have changed

    # -- setup -----------------------------------------------------------------------------------
    def open_server(self) -> SimServer:
        """This example's server, on a fresh copy of the seeded data (a subclass may bring another kind)."""
        return InProcessServer(self.template, self.dir)

    @property
    def db(self) -> Database:
        return self.server.db

    def _head(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(SyncCounter.seq)) or 0)

    def _server_epoch(self) -> str:
        with self.db.read() as s:
            return str(s.scalar(select(SyncCounter.epoch)))

    def _add_device(self, email: str, offset_hours: int, pull_limit: int) -> SimDevice:
        name = f"dev{len(self.devices)}"
        link = Link(self.server.network, name)
        core = ClientCore("http://testserver", self.dir / "client", name, http=link.client(),
                          stream_http=link.client())  # never used (no background threads here)
        session = self.template.sessions[email]
        user_id = int(session["user"]["id"])
        # A copy of an empty cache (creating the tables costs ~50 ms) and the tokens of the
        # template's sign-in (argon2 would cost more): the device is signed in and has never synced.
        shutil.copy(self.cache_template, core.device_dir / f"account-{user_id}.sqlite")
        core.token_file.write_text(json.dumps(session), encoding="utf-8")
        account = core.restore()
        assert account is not None
        clock = DeviceClock(offset_hours)
        account.sync.clock = clock
        account.sync.pull_limit = pull_limit
        device = SimDevice(name, email, user_id, link, core, account, clock)
        self.devices.append(device)
        return device

    @initialize(offsets=st.lists(st.integers(-14, 14), min_size=2, max_size=4),
                with_ben=st.booleans(), limits=st.lists(st.sampled_from([1, 3, 2000]), min_size=5, max_size=5))
    def setup(self, offsets: list[int], with_ben: bool, limits: list[int]) -> None:
        for n, offset in enumerate(offsets):
            self._add_device(ANNA, offset, limits[n])
        if with_ben:
            self._add_device(BEN, -offsets[0], limits[-1])

    def teardown(self) -> None:
        try:
            if self.clean and self.devices:
                self._heal()
        finally:
            for device in self.devices:
                for fault, count in device.link.injected.items():
                    STATS[f"fault:{fault}"] += count
                for answer, count in device.link.answers.items():
                    if not answer.endswith(" 200"):
                        STATS[f"answer:{answer.rsplit('/', 1)[-1]}"] += count  # e.g. "push 409"
                STATS["renumbered"] += max(0, len(device.client_ids) - 1)  # none: it never synced
                device.account.engine.dispose()
                device.core.http.close()
            STATS["requests"] += self.server.requests
            self.server.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _device(self, n: int) -> SimDevice:
        return self.devices[n % len(self.devices)]

    # -- bookkeeping -------------------------------------------------------------------------------
    def _record_write(self, device: SimDevice, kind: str, marker: str | None = None) -> None:
        with device.account.engine.connect() as conn:
            newest = outbox_repo.pending(conn)[-1]
        device.queued.append(Queued(kind, newest.name, dict(newest.args), marker))
        STATS[f"write:{kind}"] += 1

    def _note_client_ids(self, device: SimDevice) -> None:
        """Every client id the device ever pushed under (a renumbered queue gets a new one)."""
        for sent in device.link.delivered[device.delivered_seen:]:
            if sent.path.endswith("/sync/push"):
                device.client_ids.add(json.loads(sent.body)["client_id"])
        device.delivered_seen = len(device.link.delivered)
        with device.account.engine.connect() as conn:
            device.client_ids.add(str(cache.read_state(conn)["client_id"]))

    # -- the one rule -----------------------------------------------------------------------------
    @rule(action=ACTION, dev=DEVICE, pick=PICK, faults=FAULTS)
    def step(self, action: str, dev: int, pick: int, faults: list[Fault | None]) -> None:
        """One thing happens. (One rule with a weighted action, rather than one rule per action:
        Hypothesis' swarm testing would otherwise switch whole rules off and waste examples.)"""
        self.clean = False
        STATS[f"step:{action}"] += 1
        device = self._device(dev)
        self.touched.add(device.name)
        if action in ("restore", "heal"):
            self.touched |= {d.name for d in self.devices}
        if action == "sync":
            self._sync(device, faults)
        elif action in WRITES:
            self._write(device, action, pick)
        elif action == "clock":
            device.clock.offset = timedelta(hours=pick - 25)  # set to another time, even backwards
        elif action in ("offline", "online"):
            device.link.offline = action == "offline"
        elif action == "restart":
            self.server.restart(pick)
        elif action == "snapshot" or (action == "restore" and not self.has_snapshot):
            self.server.snapshot()
            self.has_snapshot = True
        elif action == "restore":
            self._restore()
        else:
            self._heal()

    # -- devices ---------------------------------------------------------------------------------
    def _write(self, device: SimDevice, kind: str, pick: int) -> None:
        """A user action on one device, online or not: it only queues a mutation."""
        account = device.account
        self.writes += 1
        marker = f"{device.name}-w{self.writes}"
        if kind == "message":
            visible = {t["id"] for t in account.messaging.threads()}
            candidates = [t for t in self._thread_order(device) if t in visible]
            if not candidates:
                return
            account.messaging.send(candidates[pick % len(candidates)], f"msg {marker}")
            self._record_write(device, kind, f"msg {marker}")
        elif kind in ("thread", "thread+body"):
            body = f"first {marker}" if kind == "thread+body" else None
            thread_id = account.messaging.create_thread(f"subject {marker}", body=body)
            self.threads.append(thread_id)
            self._record_write(device, kind, body)
        elif kind == "profile":
            account.profile.update(name=f"Name {marker}")
            self._record_write(device, kind, f"Name {marker}")
        elif kind == "cancel":
            orders = account.orders.list_orders()
            if not orders:
                return
            account.orders.cancel(orders[pick % len(orders)].id)  # shipped ones are rejected
            self._record_write(device, kind)
        else:  # what an outdated or buggy client might queue: the server must reject, not fail
            bogus: list[tuple[str, dict[str, object]]] = [
                ("profile.update", {"locale": "fr", "name": marker}),
                ("message.send", {"message_id": f"m-{marker}", "thread_id": "no-such-thread", "body": marker}),
                ("thread.rate.v9", {"thread_id": marker, "stars": 5})]
            name, args = bogus[pick % 3]
            account.sync.mutate(name, args, set())
            self._record_write(device, "bogus")

    def _thread_order(self, device: SimDevice) -> list[str]:
        """Threads in a deterministic order: the seeded ones (by id), then by creation."""
        with device.account.engine.connect() as conn:
            table = SYNCED[Entity.THREAD]
            synced = sorted(r.id for r in conn.execute(select(table.c.id)) if r.id not in self.threads)
        return synced + self.threads

    def _sync(self, device: SimDevice, faults: list[Fault | None]) -> None:
        """One sync round of one device, its next requests suffering `faults` in order."""
        device.link.faults.extend(faults)
        self._synced(device, self._sync_round(device))

    @staticmethod
    def _sync_round(device: SimDevice) -> str:
        """Sync the device once with the faults its link has queued; "syncs_ok" or "syncs_offline".
        Touches only that device (no STATS), so several devices may sync at once in threads."""
        try:
            device.account.sync.sync_once()
            return "syncs_ok"
        except Offline:
            return "syncs_offline"
        finally:
            device.link.faults.clear()

    def _synced(self, device: SimDevice, outcome: str) -> None:
        """After a sync round: count it, note the client ids it pushed under, check the device's cache."""
        STATS[outcome] += 1
        self._note_client_ids(device)
        self._check_isolated(device)
        self._check_message_order(device)

    # -- server ----------------------------------------------------------------------------------
    def _restore(self) -> None:
        """The operator restores the snapshot: later commits are gone, and the epoch changes."""
        assert self.has_snapshot
        # What a device had already settled (acknowledged and dropped) may be lost with the
        # commits after the snapshot; everything still in an outbox must survive.
        for device in self.devices:
            with device.account.engine.connect() as conn:
                in_outbox = {(p.name, _canon(p.args)) for p in outbox_repo.pending(conn)}
            for q in device.queued:
                if q.key not in in_outbox:
                    q.excused = True
        self.server.restore()
        epoch = new_epoch()
        with self.db.write() as s:
            s.execute(update(SyncCounter).where(SyncCounter.id == 1).values(epoch=epoch))
        self.epochs.add(epoch)
        self.server_last = {}

    # -- healing and the full check --------------------------------------------------------------
    def _fingerprint(self, device: SimDevice) -> str:
        with device.account.engine.connect() as conn:
            state = cache.read_state(conn)
            outbox = [(p.mutation_id, p.status) for p in outbox_repo.pending(conn)]
            rejected = conn.scalar(select(func.count()).select_from(rejection))
            cursors = outbox_repo.cursors(conn)
        return _canon([state["epoch"], state["client_id"], state["next_mutation_id"], cursors, outbox, rejected])

    def _heal(self) -> None:
        """All faults off; every device syncs until two rounds in a row change nothing; then check all."""
        STATS["heals"] += 1
        self.server.heal()
        for device in self.devices:
            device.link.offline = False
            device.link.faults.clear()
        for device in self.devices:
            device.link.release_held()
        rounds = 0
        while True:
            quiet = 0
            while quiet < 2:
                rounds += 1
                assert rounds <= 12, "syncing does not settle"
                head = self._head()  # the devices are up to it after a quiet round
                changed = False
                for device in self.devices:
                    before = self._fingerprint(device)
                    device.account.sync.sync_once()  # no faults: any error is a bug
                    self._note_client_ids(device)
                    changed |= self._fingerprint(device) != before
                    STATS["heal_syncs"] += 1
                quiet = 0 if changed else quiet + 1
            if not self.server.still_s:
                break
            time.sleep(self.server.still_s)
            if self._head() == head:
                break  # nothing written since the last round began (else: a bot's answer came, sync again)
        self._check_monotonic()
        self._check_converged()

    def _server_view(self, device: SimDevice) -> dict[tuple[str, str], tuple[str, int, str]]:
        """A fresh full pull of the device's user, straight from the server (no faults, no cache)."""
        api = ApiClient(self.server.observer())
        from app.protocol.auth import TokenResponse

        api.set_tokens(TokenResponse.model_validate(self.template.sessions[device.email]))
        rows: dict[tuple[str, str], tuple[str, int, str]] = {}
        request = PullRequest(limit=5000)
        while True:
            page = api.pull(request, "sim-observer")
            for change in page.changes:
                key = (change.entity.value, change.id)
                if change.op == "U":
                    rows[key] = (change.scope, change.seq, _canon(change.data))
                else:
                    rows.pop(key, None)
            if not page.more:
                return rows
            request = PullRequest(epoch=page.epoch, cursors=page.cursors, limit=5000)

    def _check_converged(self) -> None:
        with self.db.read() as s:
            applied = {(r.client_id, r.args_hash) for r in s.execute(
                select(SyncMutation.client_id, SyncMutation.args_hash).where(SyncMutation.status == "ok"))}
            applied_count = Counter(h for _, h in applied)
            last_by_client = dict(s.execute(select(SyncClient.client_id, SyncClient.last_mutation_id)).all())
            bodies = Counter(b for (b,) in s.execute(select(Message.body)))
            threads = {t for (t,) in s.execute(select(Thread.id))}
            cancelled = {o for (o,) in s.execute(select(Order.id).where(Order.status == "cancelled"))}
        views: dict[int, dict[tuple[str, str], tuple[str, int, str]]] = {}
        for device in self.devices:
            account = device.account
            with account.engine.connect() as conn:
                outbox = outbox_repo.pending(conn)
                state = cache.read_state(conn)
                rejected_rows = list(conn.execute(select(rejection)))
            rejections = {(r.name, _canon(r.args)): r.code for r in rejected_rows}
            assert outbox == [], f"{device.name}: outbox not empty after healing: {outbox}"
            assert account.sync.status.pending == 0
            # The server never knows of more mutations than the device made under its client id.
            # (Less is possible: a restore may forget rejected ones; the next write renumbers.)
            assert last_by_client.get(state["client_id"], 0) <= int(state["next_mutation_id"]) - 1
            # Nothing lost: applied, or rejected with a reason the device recorded.
            for q in device.queued:
                was_applied = any((cid, q.digest) in applied for cid in device.client_ids)
                code = rejections.get(q.key)
                if q.excused and not was_applied and code is None:
                    STATS["lost_to_restore"] += 1
                    continue
                assert was_applied or code, (
                    f"{device.name}: lost {q.name} {q.args}; client ids {sorted(device.client_ids)}; "
                    f"applied under {[c for c, h in applied if h == q.digest]}; rejection table "
                    f"{[(r.mutation_id, r.name, r.code, r.args) for r in rejected_rows]}")
                if was_applied and q.kind in ("message", "thread", "thread+body", "profile"):
                    # Nothing duplicated: unique args, so one applied record at most.
                    assert applied_count[q.digest] == 1, f"{device.name}: {q.name} {q.args} applied twice"
                if q.kind in ("message", "thread+body") and was_applied:
                    body = str(q.marker)
                    assert bodies[body] == 1, f"{device.name}: message {body!r} stored {bodies[body]} times"
                if q.kind.startswith("thread") and was_applied:
                    assert q.args["thread_id"] in threads
                if q.kind == "cancel" and was_applied:
                    assert q.args["order_id"] in cancelled
                if code is not None:
                    STATS["rejected"] += 1
            # The cache equals the server's view of the device's scopes.
            if device.user_id not in views:
                views[device.user_id] = self._server_view(device)
            view = views[device.user_id]
            mine = cache_rows(account)
            missing = {k: v for k, v in view.items() if mine.get(k) != v}
            extra = {k: v for k, v in mine.items() if k not in view}
            assert not missing and not extra, (
                f"{device.name}: cache differs from the server: missing/stale {sorted(missing)[:5]}, "
                f"extra {sorted(extra)[:5]}")
            self._check_message_order(device, view)
            self._check_isolated(device)
        # Isolation at the source too: nothing of one user's scope appears in another user's view.
        for uid, view in views.items():
            for other, other_view in views.items():
                if other != uid:
                    private = {k for k, (scope, _, _) in other_view.items() if scope == f"user:{other}"}
                    assert not private & view.keys(), f"user {uid} sees rows of user {other}"
        for body, count in bodies.items():
            assert count == 1 or not body.startswith(("msg dev", "first dev")), f"{body!r} stored {count} times"
        STATS["converged"] += 1

    # -- invariants ----------------------------------------------------------------------------------
    def _check_message_order(self, device: SimDevice,
                             view: dict[tuple[str, str], tuple[str, int, str]] | None = None) -> None:
        """The synced messages of each thread in server seq order; pending ones after, in queue order."""
        account = device.account
        table = SYNCED[Entity.MESSAGE]
        with account.engine.connect() as conn:
            seqs = {r.id: int(r.seq) for r in conn.execute(select(table.c.id, table.c.seq))}
            thread_ids = {r.thread_id for r in conn.execute(select(table.c.thread_id).distinct())}
            queue = [p for p in outbox_repo.pending(conn) if p.status != "rejected"]
        for p in queue:
            if p.name == "thread.create":
                thread_ids.add(p.args["thread_id"])
        queue_order = [p.args.get("message_id") or p.args.get("first_message_id") for p in queue]
        for thread_id in thread_ids:
            shown = account.messaging.messages(thread_id)
            synced = [m["id"] for m in shown if not m.get("_pending")]
            pending = [m["id"] for m in shown if m.get("_pending")]
            order = [seqs[m] for m in synced]
            assert order == sorted(order), f"{device.name}: thread {thread_id} not in seq order: {order}"
            assert pending == [m for m in queue_order if m in set(pending)], (
                f"{device.name}: pending messages of {thread_id} not in the order they were written")
            if view is not None:
                server = sorted(((seq, key[1]) for key, (_, seq, data) in view.items()
                                 if key[0] == "message" and json.loads(data)["thread_id"] == thread_id))
                assert [s for s, _ in server] == order, f"{device.name}: thread {thread_id} differs from the server"

    @invariant()
    def monotonic(self) -> None:
        if self.devices:
            self._check_monotonic(self.touched)
        self.touched = set()
        self.clean = True

    def _check_isolated(self, device: SimDevice) -> None:
        """A device holds rows of its own scopes only (ben never sees anna's)."""
        with device.account.engine.connect() as conn:
            every = union(*(select(table.c.scope) for table in SYNCED.values()))  # UNION: distinct
            scopes = {s for (s,) in conn.execute(every)}
        assert scopes <= device.scopes, f"{device.name} ({device.email}) holds rows of {scopes - device.scopes}"

    def _check_monotonic(self, devices: set[str] | None = None) -> None:
        """Cursors per device (within one epoch) and `last_mutation_id` per client only move forward."""
        for device in self.devices:
            if devices is not None and device.name not in devices:
                continue  # nothing happened to it since the last check
            with device.account.engine.connect() as conn:
                epoch = cache.read_state(conn)["epoch"]
                cursors = outbox_repo.cursors(conn)
            if epoch is not None:
                assert epoch in self.epochs, f"{device.name}: unknown epoch {epoch}"
                if epoch == device.seen_epoch:
                    for scope, before in device.seen_cursors.items():
                        assert cursors.get(scope, -1) >= before, (
                            f"{device.name}: cursor of {scope} went back from {before} to {cursors.get(scope)}")
                device.seen_epoch, device.seen_cursors = epoch, cursors
        with self.db.read() as s:
            now = dict(s.execute(select(SyncClient.client_id, SyncClient.last_mutation_id)).all())
        for client_id, before in self.server_last.items():
            assert now.get(client_id, -1) >= before, f"last_mutation_id of {client_id} went back"
        self.server_last = {k: int(v) for k, v in now.items()}


def make_cache_template(directory: Path) -> Path:
    path = directory / "empty-cache.sqlite"
    open_cache(path).dispose()
    return path


def stats_line(elapsed: float, cpu: float) -> str:
    return (f"sync simulation: {STATS['examples']} examples in {elapsed:.1f} s ({cpu:.1f} s CPU); "
            f"{_canon(dict(sorted(STATS.items())))}")


def stats_json(elapsed: float, cpu: float) -> str:
    return _canon({"examples": STATS["examples"], "seconds": round(elapsed, 1), "cpu_seconds": round(cpu, 1),
                   "counts": dict(sorted(STATS.items()))})


__all__ = ["ACTION", "DEVICE", "FAULTS", "PICK", "REPORT", "STATS", "SimServer", "SyncSimulation",
           "make_cache_template", "stats_json", "stats_line"]
