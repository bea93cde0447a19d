"""Work a committed push left for later (`MutationContext.after_commit`: the bot's answer).

It runs on one background thread, `delay_s` after the push that asked for it, in a transaction of
its own with a poke of its own; the push is answered without waiting for it. Why not right after
the commit, before the answer: on a two-core server the bot's CPU (FAQ search, a second message,
the thread's projection, 5-10 ms) competed for the GIL with sending the batch's poke and serving
the pulls that poke causes, and held the push's answer back: the shopper's own device had the
answer ~7.5 ms later, their other devices the message 0.1-1.9 ms later at p50 (bench.message_latency,
three A/B pairs in bench/README.md).

A key asked for again before its work ran keeps its first due time and runs once: a thread that
gets several pushes within the delay (a burst written offline, sent in batches) gets one answer to
all of it. If the process dies first, the work is lost: whoever leaves it must redo it at start-up
(`server.mutators.messaging.answer_recent`). `settle` runs what is queued at once and waits for it
(shutdown, and tests that look at the answer).
"""

import logging
import math
import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from server.db import Database
from server.sync.log import StagedChange, commit_changes, take_staged
from server.sync.pokes import PokeHub

log = logging.getLogger(__name__)
FollowUp = dict[str, Callable[[Session], object]]
# Long enough for a poke and the pulls it causes (~10 ms on loopback) to be served first, short
# enough that nobody waits for the bot: its answer still shows within a tenth of a second.
DEFAULT_DELAY_S = 0.05
RETRY_S = 1.0  # after a busy database


def run_follow_up(db: Database, hub: PokeHub, work: FollowUp) -> bool:
    """Run the work in one transaction, each key in a savepoint, and poke what it changed. A
    failure is logged, not raised, and takes only its own key's changes: the push it came from
    stands, and so does the other work (whoever left the failed work redoes it at the next start).
    Returns False if the transaction could not be had (SQLite's write lock stayed busy under a run
    of pushes, a lost connection): nothing was done, try again."""
    if not work:
        return True
    kept: list[StagedChange] = []
    try:
        with db.write() as session:
            for key, run in work.items():
                try:
                    with session.begin_nested():
                        run(session)
                        session.flush()
                except OperationalError:
                    raise  # the database's trouble, not the work's: the whole run is tried again
                except Exception:
                    log.exception("work %s after a push's commit failed; it is redone at the next start", key)
                    take_staged(session)  # rolled back with its savepoint
                else:
                    kept.extend(take_staged(session))
            seq = commit_changes(session, kept)
    except OperationalError:
        log.warning("work after a push's commit waits: the database is busy", exc_info=True)
        return False
    except Exception:
        log.exception("work after a push's commit failed; it is redone at the next start")
        return True
    if seq is not None:
        hub.publish({change.scope for change in kept}, seq)
    return True


class FollowUps:
    """The queue of work left for after pushes, and the thread that runs it when due."""

    def __init__(self, db: Database, hub: PokeHub, delay_s: float = DEFAULT_DELAY_S) -> None:
        self.db, self.hub, self.delay_s = db, hub, delay_s
        self._changed = threading.Condition()
        self._due: dict[str, tuple[float, Callable[[Session], object]]] = {}
        self._running = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def add(self, work: FollowUp) -> None:
        if not work:
            return
        with self._changed:
            closed = self._closed
            if not closed:
                due = time.monotonic() + self.delay_s
                for key, run in work.items():
                    earlier = self._due.get(key)
                    self._due[key] = (earlier[0] if earlier else due, run)
                if self._thread is None:  # started with the first work (an app may never get any)
                    self._thread = threading.Thread(target=self._loop, name="nahtlos-follow-ups", daemon=True)
                    self._thread.start()
                self._changed.notify_all()
        if closed:  # the app is stopping: no thread comes for it any more
            run_follow_up(self.db, self.hub, work)

    @property
    def pending(self) -> int:
        with self._changed:
            return len(self._due) + int(self._running)

    def settle(self, timeout: float = 30.0) -> bool:
        """Run everything queued now, without its delay, and wait until nothing is queued or
        running. Returns False if that took longer than `timeout`."""
        with self._changed:
            self._due = {key: (0.0, run) for key, (_, run) in self._due.items()}
            self._changed.notify_all()
            return self._changed.wait_for(lambda: not self._due and not self._running, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Settle, then stop the thread; work added afterwards runs in the caller's thread."""
        self.settle(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _next(self) -> FollowUp | None:
        """Wait for due work and take it (all keys due by now, one transaction); None once closed."""
        with self._changed:
            self._running = False
            self._changed.notify_all()
            while True:
                now = time.monotonic() if not self._closed else math.inf  # closing: everything is due
                work = {key: run for key, (at, run) in self._due.items() if at <= now}
                if work:
                    for key in work:
                        del self._due[key]
                    self._running = True
                    return work
                if self._closed:
                    return None
                wait = min(at for at, _ in self._due.values()) - now if self._due else None
                self._changed.wait(wait)

    def _loop(self) -> None:
        while (work := self._next()) is not None:
            if not run_follow_up(self.db, self.hub, work):
                self._retry(work)

    def _retry(self, work: FollowUp) -> None:
        """Queue it again after the delay (keys asked for since keep their own due time). Once
        closing, give it up: with the database still unreachable it would be retried at once,
        again and again (everything is due then), until the process ends."""
        with self._changed:
            if self._closed:
                log.warning("work after a push's commit given up at shutdown: %s; it is redone at the next start",
                            ", ".join(sorted(work)))
                return
            due = time.monotonic() + max(self.delay_s, RETRY_S)
            for key, run in work.items():
                self._due.setdefault(key, (due, run))
