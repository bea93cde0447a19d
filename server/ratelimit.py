"""Brakes on guessing: failed sign-ins and guest lookups, per account and per client address.

Only *failures* count, in a sliding window per key; once a key has `limit` failures inside the
window, every attempt under that key (right or wrong) gets `429 rate_limited` with Retry-After
until the oldest failure leaves the window. Checking before the password or email comparison
means a correct guess made while braked is refused too, so the brake cannot be raced.

    login           per account (the typed email, normalised) and per client address
    guest lookup    per email and per order number (the "accounts" being guessed at) and per
                    client address

The windows live in this process's memory: with N server processes behind a load balancer an
address may get up to N times the limit, and a restart forgets them. That keeps the brake free
of a shared store; it is a brake on online guessing (a few dozen tries per window against
argon2 hashes), not an exact quota. The per-account limit is higher than a person typing
ever reaches, and lower than any useful guessing rate; it lets a stranger hold an account's
sign-in for one window at most, never lock it.

Behind a proxy, run uvicorn with `--proxy-headers --forwarded-allow-ips=<proxy>` so that
`request.client.host` is the caller's address and not the proxy's.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from app.protocol.errors import ErrorCode
from server.errors import ApiError

# (failures, window in seconds) per kind of key.
LOGIN_RULES: dict[str, tuple[int, float]] = {"account": (10, 900.0), "address": (50, 900.0)}
LOOKUP_RULES: dict[str, tuple[int, float]] = {"address": (20, 600.0), "email": (20, 900.0), "order": (20, 900.0)}
# Forget idle keys once a window holds this many, so a flood of addresses cannot grow memory.
MAX_KEYS = 20_000


class SlidingWindow:
    """Failure times per key within the last `window_s` seconds; thread-safe, per process."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        return hits

    def retry_after(self, key: str) -> int | None:
        """Whole seconds until `key` may try again, or None when it may try now."""
        now = self.clock()
        with self._lock:
            hits = self._hits.get(key)
            if hits is None:
                return None
            hits = self._recent(key, now)
            if len(hits) < self.limit:
                return None
            return max(1, int(hits[-self.limit] + self.window_s - now) + 1)

    def record(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            self._recent(key, now).append(now)
            if len(self._hits) > MAX_KEYS:
                for stale in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window_s]:
                    del self._hits[stale]


@dataclass
class Guard:
    """One window per kind of key (account, address, ...), checked and charged together."""

    windows: dict[str, SlidingWindow]

    @classmethod
    def from_rules(cls, rules: dict[str, tuple[int, float]], clock: Callable[[], float] = time.monotonic) -> "Guard":
        return cls({kind: SlidingWindow(limit, window, clock) for kind, (limit, window) in rules.items()})

    def check(self, **keys: str) -> None:
        """Raise 429 `rate_limited` (Retry-After: the longest wait) if any key is braked."""
        waits = [w for kind, key in keys.items() if (w := self.windows[kind].retry_after(key)) is not None]
        if waits:
            wait = max(waits)
            raise ApiError(429, ErrorCode.RATE_LIMITED, {"retry_after": wait}, headers={"Retry-After": str(wait)})

    def fail(self, **keys: str) -> None:
        for kind, key in keys.items():
            self.windows[kind].record(key)


_create_lock = threading.Lock()


def guard(request: Request, name: str, rules: dict[str, tuple[int, float]]) -> Guard:
    """The app's guard called `name`, made on first use (one per app, so tests never share one)."""
    state = request.app.state
    guards: dict[str, Guard] | None = getattr(state, "rate_guards", None)
    if guards is None or name not in guards:
        with _create_lock:
            guards = getattr(state, "rate_guards", None) or {}
            guards.setdefault(name, Guard.from_rules(rules))
            state.rate_guards = guards
    return guards[name]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_guard(request: Request) -> Guard:
    return guard(request, "login", LOGIN_RULES)


def lookup_guard(request: Request) -> Guard:
    return guard(request, "lookup", LOOKUP_RULES)


def account_key(email: str) -> str:
    return email.strip().casefold()
