"""The mutator registry: one module per feature registers its mutations with `@mutator`.

A mutator gets a `MutationContext` and its validated args (from app.protocol.mutations),
changes domain rows, publishes them through `server.projections`, and returns an optional
small result dict. It raises `Rejected` to refuse; the push loop records the rejection.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.protocol.auth import Role
from app.protocol.errors import RejectionCode
from app.protocol.mutations import MUTATION_ARGS, Args
from server.auth import Principal
from server.codes import CodeSigner
from server.errors import Rejected
from server.kiosk_sessions import kiosk_guard

FEATURE_MODULES = ("profile", "messaging", "orders", "returns", "loyalty", "account", "pickups", "agent", "drop_off", "faq")
# Primary keys of domain rows are 40 characters; the wire allows 64 for future id schemes.
MAX_ROW_ID = 40


@dataclass(frozen=True)
class MutationContext:
    session: Session
    principal: Principal
    client_id: str
    mutation_id: int
    client_time: str | None
    now: datetime
    codes: CodeSigner

    def client_instant(self, grace: timedelta) -> datetime | None:
        """When the device says the user acted (a hint, e.g. offline), if plausible: a time with
        a zone, not in the future, at most `grace` ago. None otherwise."""
        if not self.client_time:
            return None
        try:
            at = datetime.fromisoformat(self.client_time)  # Python 3.11 reads a trailing "Z"
        except ValueError:
            return None
        if at.tzinfo is None or at > self.now or self.now - at > grace:
            return None
        return at


A = TypeVar("A", bound=Args)
MutatorFn = Callable[[MutationContext, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Registered:
    name: str
    args_model: type[Args]
    fn: MutatorFn
    roles: frozenset[Role]


REGISTRY: dict[str, Registered] = {}


def mutator(name: str, roles: set[Role]) -> Callable[[Callable[[MutationContext, A], dict[str, Any] | None]],
                                                       Callable[[MutationContext, A], dict[str, Any] | None]]:
    """Register `fn` as the mutator for `name`; its args model comes from the wire contract."""
    def register(fn: Callable[[MutationContext, A], dict[str, Any] | None]) -> Callable[[MutationContext, A], dict[str, Any] | None]:
        if name in REGISTRY:
            raise RuntimeError(f"mutator {name} registered twice")
        # Kiosk sessions (app.protocol.handoff) run only an allow-list of mutations.
        REGISTRY[name] = Registered(name, MUTATION_ARGS[name], kiosk_guard(name, fn), frozenset(roles))
        return fn
    return register


def require_row_ids(**ids: str | None) -> None:
    """Refuse client-made ids that would not fit a primary key (`invalid_args`, never a crash)."""
    too_long = sorted(name for name, value in ids.items() if value is not None and len(value) > MAX_ROW_ID)
    if too_long:
        raise Rejected(RejectionCode.INVALID_ARGS, {"fields": too_long})


def load_all() -> dict[str, Registered]:
    for module in FEATURE_MODULES:
        importlib.import_module(f"server.mutators.{module}")
    return REGISTRY
