"""The mutator registry: one module per feature registers its mutations with `@mutator`.

A mutator gets a `MutationContext` and its validated args (from app.protocol.mutations),
changes domain rows, publishes them through `server.projections`, and returns an optional
small result dict. It raises `Rejected` to refuse; the push loop records the rejection.
Work that should happen once per push batch rather than once per mutation (one projection of a
return edited in a burst written offline) is left with `MutationContext.after_batch`; work that
should follow the batch's commit in a transaction of its own (the bot's answer, which need not
hold back the shopper's message or the push's answer) with `MutationContext.after_commit`.
"""

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
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
_AFTER_BATCH = "nahtlos_after_batch"
_AFTER_COMMIT = "nahtlos_after_commit"


@dataclass
class BatchWork:
    """Work left for the end of a push batch: `run(items)` once per key, with the items of every
    mutation of the batch that asked for it, in order."""

    run: Callable[[list[Any]], None]
    items: list[Any] = field(default_factory=list)


def take_after_batch(session: Session) -> dict[str, BatchWork]:
    """The work the last mutator left (push keeps it if the mutation stands, drops it if refused)."""
    work: dict[str, BatchWork] = session.info.pop(_AFTER_BATCH, {})
    return work


def take_after_commit(session: Session) -> dict[str, Callable[[Session], object]]:
    """The follow-up work the last mutator left (kept if the mutation stands, dropped if refused)."""
    work: dict[str, Callable[[Session], object]] = session.info.pop(_AFTER_COMMIT, {})
    return work


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

    def after_batch(self, key: str, run: Callable[[list[Any]], None], item: Any) -> None:
        """Run `run` once at the end of the push batch for all mutations that name `key`.

        It runs inside the batch's transaction, after the last mutation and before the change
        log is numbered, so its changes commit (and reach devices) with the batch. The latest
        `run` given for a key is the one called."""
        work: dict[str, BatchWork] = self.session.info.setdefault(_AFTER_BATCH, {})
        work.setdefault(key, BatchWork(run)).run = run
        work[key].items.append(item)

    def after_commit(self, key: str, run: Callable[[Session], object]) -> None:
        """Run `run(session)` once per key shortly after the push batch has committed, in a
        transaction of its own (server.sync.follow_ups); the push is answered without waiting for
        it. Its changes reach devices with a poke of their own, so they do not delay the batch's.
        Asked for again (another push) before it ran, it runs once. If the process dies in between,
        the work is lost: whoever leaves it must be able to find and redo it (as
        `server.mutators.messaging.answer_recent` does at start-up)."""
        work: dict[str, Callable[[Session], object]] = self.session.info.setdefault(_AFTER_COMMIT, {})
        work[key] = run


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
