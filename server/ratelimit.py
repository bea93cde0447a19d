"""Brakes on guessing: failed sign-ins and guest lookups, per account and per client address.

Only *failures* count, in a sliding window per key; once a key has `limit` failures inside the
window, every attempt under that key (right or wrong) gets `429 rate_limited` with Retry-After
until the oldest of those failures leaves the window. The brake is applied before the password
or email comparison, so a correct guess made while braked is refused too.

    login           per account (the typed email, normalised) and per client address
    guest lookup    per email and per order number (the "accounts" being guessed at) and per
                    client address

An attempt is charged as a failure *before* it is checked and given back when it succeeds
(`Guard.attempt` ... `Attempt.succeeded`): the charge is all or nothing over the attempt's keys
and refused when any of them is full, so parallel guesses cannot slip past the limit while the
first ones are still being verified, and an attempt that crashes half-way counts as a failure.

Where the counts live (chosen by `create_app`):
- PostgreSQL (the deployment: N processes behind a load balancer): the `rate_limit` table,
  shared by every process and kept across restarts (`server.ratelimit_postgres`). One statement
  charges all keys of an attempt under their row locks, so no number of processes or parallel
  guesses gets past `limit` failures per window: N processes brake at exactly the total of one.
  The only slack errs the other way: while a charge is being undone, a concurrent attempt may be
  refused early. A successful attempt costs a second statement (the give-back); requests other
  than sign-ins and lookups touch nothing.
- SQLite (the embedded server, one process): `MemoryFailures`, this process's memory, exact
  under threads; a restart forgets it.

Windows are measured on one clock per store (the database's on PostgreSQL), so the processes'
clocks need not agree. The per-account limit is higher than a person typing ever reaches and
lower than any useful guessing rate; it lets a stranger hold an account's sign-in for one window
at most, never lock it.

Behind a proxy, run uvicorn with `--proxy-headers --forwarded-allow-ips=<proxy>` so that
`request.client.host` is the caller's address and not the proxy's.
"""

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from fastapi import Request

from app.protocol.errors import ErrorCode
from server.errors import ApiError


class Rule(NamedTuple):
    limit: int  # failures per window
    window_s: float


LOGIN_RULES: dict[str, Rule] = {"account": Rule(10, 900.0), "address": Rule(50, 900.0)}
LOOKUP_RULES: dict[str, Rule] = {"address": Rule(20, 600.0), "email": Rule(20, 900.0), "order": Rule(20, 900.0)}
# Forget idle keys once the memory store holds this many, so a flood of addresses cannot grow memory.
MAX_KEYS = 20_000
# Longer keys (casefolding can triple an email's length) are stored as their hash, so a bucket's
# name always fits its column and index.
MAX_KEY_CHARS = 200


class Bucket(NamedTuple):
    key: str  # "<guard>:<kind>:<key>"
    limit: int
    window_s: float


@dataclass(frozen=True)
class Charge:
    """What a store answered: `stamp` identifies the charge, or it is None and `wait_s` says how long."""

    stamp: float | None
    wait_s: float = 0.0


class FailureStore(Protocol):
    def take(self, buckets: Sequence[Bucket]) -> Charge:
        """Charge one failure to every bucket, unless any is full (then charge none)."""

    def give_back(self, keys: Sequence[str], stamp: float) -> None:
        """Undo the charge `stamp` in these buckets (a success)."""


def bucket_key(guard: str, kind: str, key: str) -> str:
    if len(key) > MAX_KEY_CHARS:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{guard}:{kind}:{key}"


def retry_after(wait_s: float) -> int:
    """Whole seconds for the Retry-After header: at least 1, never early."""
    return max(1, int(wait_s) + 1)


class MemoryFailures:
    """Failure times per bucket in this process's memory; thread-safe. For the single-process server."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}
        self._windows: dict[str, float] = {}

    def _recent(self, bucket: Bucket, now: float) -> deque[float]:
        hits = self._hits.setdefault(bucket.key, deque())
        self._windows[bucket.key] = bucket.window_s
        while hits and hits[0] <= now - bucket.window_s:
            hits.popleft()
        return hits

    def take(self, buckets: Sequence[Bucket]) -> Charge:
        with self._lock:
            now = self.clock()  # read under the lock, so every deque stays in time order
            recent = [(self._recent(b, now), b) for b in buckets]
            waits = [hits[-b.limit] + b.window_s - now for hits, b in recent if len(hits) >= b.limit]
            if waits:
                return Charge(None, max(waits))
            for hits, _ in recent:
                hits.append(now)
            if len(self._hits) > MAX_KEYS:
                self._forget_idle(now)
            return Charge(now)

    def give_back(self, keys: Sequence[str], stamp: float) -> None:
        with self._lock:
            for key in keys:
                hits = self._hits.get(key)
                if hits is not None and stamp in hits:
                    hits.remove(stamp)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self._windows[k]]:
            del self._hits[key], self._windows[key]


@dataclass
class Attempt:
    """A charged attempt: it stays a failure unless `succeeded()` gives the charge back."""

    store: FailureStore
    keys: list[str]
    stamp: float
    _open: bool = field(default=True, repr=False)

    def succeeded(self) -> None:
        if self._open:
            self._open = False
            self.store.give_back(self.keys, self.stamp)


@dataclass(frozen=True)
class Guard:
    """One brake (`name`): a rule per kind of key (account, address, ...), charged together."""

    name: str
    rules: Mapping[str, Rule]
    store: FailureStore

    def attempt(self, **keys: str) -> Attempt:
        """Charge a failure to every key, or raise 429 `rate_limited` (Retry-After: the longest wait)."""
        # Sorted, so concurrent attempts lock shared rows in one order (no deadlock on PostgreSQL).
        buckets = sorted(Bucket(bucket_key(self.name, kind, key), *self.rules[kind]) for kind, key in keys.items())
        charge = self.store.take(buckets)
        if charge.stamp is None:
            wait = retry_after(charge.wait_s)
            raise ApiError(429, ErrorCode.RATE_LIMITED, {"retry_after": wait}, headers={"Retry-After": str(wait)})
        return Attempt(self.store, [b.key for b in buckets], charge.stamp)


def _store(request: Request) -> FailureStore:
    store: FailureStore = request.app.state.rate_failures
    return store


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_guard(request: Request) -> Guard:
    return Guard("login", LOGIN_RULES, _store(request))


def lookup_guard(request: Request) -> Guard:
    return Guard("lookup", LOOKUP_RULES, _store(request))


def account_key(email: str) -> str:
    return email.strip().casefold()
