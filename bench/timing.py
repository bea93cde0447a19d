"""Where a client's sync time goes: wraps the client's own functions with timers, without editing them.

`SyncProbe(account)` times, per call: `ApiClient._send` (HTTP round trip incl. server time and
the JSON decode), `PullResponse.model_validate` (inside `ApiClient.pull`, the rest of it) and
`services.storage.cache.apply_page` (the Core upserts). Whatever remains of a `sync_once` is
local bookkeeping (transactions, outbox, commit).
"""

import time
from collections.abc import Callable
from typing import Any, Self

from services.storage import cache


class SyncProbe:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.send_s = 0.0
        self.pull_s = 0.0
        self.apply_s = 0.0
        self.pulls = 0
        self._restore: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        send, pull, apply = self.api._send, self.api.pull, cache.apply_page

        def timed_send(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return send(*args, **kwargs)
            finally:
                self.send_s += time.perf_counter() - t

        def timed_pull(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return pull(*args, **kwargs)
            finally:
                self.pull_s += time.perf_counter() - t
                self.pulls += 1

        def timed_apply(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return apply(*args, **kwargs)
            finally:
                self.apply_s += time.perf_counter() - t

        self.api._send, self.api.pull, cache.apply_page = timed_send, timed_pull, timed_apply

        def restore() -> None:
            del self.api._send, self.api.pull  # back to the class attributes
            cache.apply_page = apply

        self._restore.append(restore)
        return self

    def __exit__(self, *exc: object) -> None:
        while self._restore:
            self._restore.pop()()

    def reset(self) -> None:
        self.send_s = self.pull_s = self.apply_s = 0.0
        self.pulls = 0

    @property
    def validate_s(self) -> float:
        """Time in `ApiClient.pull` outside `_send`: building the `PullResponse` model."""
        return max(0.0, self.pull_s - self.send_s)
