"""What a kiosk session may reach (the rules are in app.protocol.handoff; this enforces them).

A kiosk session is a shopper's token with the claim `kiosk`. Two gates, both allow-lists so a
route or mutation added later is closed to kiosk sessions until someone decides otherwise:
- `refuse_outside_kiosk_scope(path)`: called by `server.auth.current_principal` for every
  authenticated request of a kiosk session;
- `kiosk_guard(name, fn)`: wraps every registered mutator; outside `KIOSK_SESSION_MUTATIONS`
  a kiosk session's mutation is rejected `kiosk_session_limited` (the queue moves on).
"""

import logging
from collections.abc import Callable
from typing import Any

from app.protocol import API_PREFIX
from app.protocol.errors import ErrorCode, RejectionCode
from app.protocol.handoff import KIOSK_SESSION_MUTATIONS, KIOSK_SESSION_PATHS
from server.errors import ApiError, Rejected

log = logging.getLogger("nahtlos.kiosk")

_ALLOWED_PATHS = frozenset(API_PREFIX + path for path in KIOSK_SESSION_PATHS)


def refuse_outside_kiosk_scope(path: str) -> None:
    if path not in _ALLOWED_PATHS:
        log.info("kiosk session refused on %s", path)
        raise ApiError(403, ErrorCode.KIOSK_SESSION_LIMITED)


def kiosk_guard(name: str, fn: Callable[[Any, Any], dict[str, Any] | None]) -> Callable[[Any, Any], dict[str, Any] | None]:
    """`fn` itself for the mutations a kiosk session may run; else `fn` behind a check of the principal."""
    if name in KIOSK_SESSION_MUTATIONS:
        return fn

    def guarded(ctx: Any, args: Any) -> dict[str, Any] | None:
        if ctx.principal.kiosk_store is not None:
            raise Rejected(RejectionCode.KIOSK_SESSION_LIMITED, {"mutation": name})
        return fn(ctx, args)

    guarded.__name__ = getattr(fn, "__name__", name)
    guarded.__doc__ = fn.__doc__
    return guarded
