"""Writing the change log.

Code that changes domain rows stages the new state of each affected row with `stage()`;
`commit_seq()` then takes the next `seq` from `sync_counter` (the row lock serialises
writers until COMMIT) and upserts the staged rows with it. Call it last, right before the
transaction commits, so that commit order equals seq order.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import SyncCounter, SyncLog
from server.models.base import table_of, utcnow

_STAGED = "nahtlos_staged_changes"


@dataclass(frozen=True)
class StagedChange:
    scope: str
    entity: str
    entity_id: str
    op: str
    payload: dict[str, Any] | None


def new_epoch() -> str:
    return uuid.uuid4().hex


def ensure_counter(session: Session) -> SyncCounter:
    counter = session.get(SyncCounter, 1)
    if counter is None:
        counter = SyncCounter(id=1, seq=0, epoch=new_epoch())
        session.add(counter)
        session.flush()
    return counter


def stage(session: Session, scopes: list[str] | tuple[str, ...], entity: str, entity_id: str,
          payload: dict[str, Any] | None) -> None:
    """Remember the new state of a row (payload None = tombstone) for every scope that shows it."""
    staged: dict[tuple[str, str, str], StagedChange] = session.info.setdefault(_STAGED, {})
    op = "U" if payload is not None else "D"
    for scope in scopes:
        # Later stages of the same row in one transaction replace earlier ones.
        staged[(scope, entity, entity_id)] = StagedChange(scope, entity, entity_id, op, payload)


def staged_scopes(session: Session) -> set[str]:
    return {c.scope for c in session.info.get(_STAGED, {}).values()}


def take_staged(session: Session) -> list[StagedChange]:
    """The rows staged so far, forgotten by the session (one mutation's changes, kept aside by push)."""
    staged: dict[tuple[str, str, str], StagedChange] = session.info.pop(_STAGED, {})
    return list(staged.values())


# One statement per dialect, executed with a list of parameter sets: SQLAlchemy compiles it once
# and caches it (a multi-row `.values(rows)` statement is compiled anew on every call).
_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str) -> Any:
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        base = insert(table_of(SyncLog))  # Core: no ORM bulk-insert bookkeeping per row
        stmt = base.on_conflict_do_update(
            index_elements=["scope", "entity", "entity_id"],
            set_={"seq": base.excluded.seq, "op": base.excluded.op, "payload": base.excluded.payload,
                  "changed_at": base.excluded.changed_at},
        )
        _UPSERTS[dialect] = stmt
    return stmt


_BUMP = (update(SyncCounter).where(SyncCounter.id == 1).values(seq=SyncCounter.seq + bindparam("steps"))
         .returning(SyncCounter.seq))


def bump_seq(session: Session, steps: int) -> int:
    """Add `steps` to `seq` (the row lock serialises writers until COMMIT); returns the new head."""
    # On the session's connection: a Core statement through Session.execute pays for ORM context.
    head = session.connection().execute(_BUMP, {"steps": steps}).scalar_one_or_none()
    if head is None:  # a database that never had a counter (create_app makes it; scripts may not)
        ensure_counter(session)
        head = session.connection().execute(_BUMP, {"steps": steps}).scalar_one()
    return int(head)


def write_log(session: Session, batches: list[tuple[int, list[StagedChange]]]) -> None:
    """Upsert the staged rows of each (seq, changes) in one executemany; a later seq of a row wins."""
    now = utcnow()
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for seq, changes in batches:
        for c in changes:
            latest[(c.scope, c.entity, c.entity_id)] = {
                "scope": c.scope, "entity": c.entity, "entity_id": c.entity_id, "seq": seq, "op": c.op,
                "payload": c.payload, "changed_at": now}
    if latest:
        conn = session.connection()
        conn.execute(_upsert(conn.dialect.name), list(latest.values()))


def commit_seq(session: Session) -> int | None:
    """Bump `seq` and write the staged rows with it. Returns the seq, or None if nothing was staged."""
    return commit_changes(session, take_staged(session))


def commit_changes(session: Session, changes: list[StagedChange]) -> int | None:
    """`commit_seq` for changes taken aside earlier (`take_staged`)."""
    if not changes:
        return None
    session.flush()
    seq = bump_seq(session, 1)
    write_log(session, [(seq, changes)])
    return seq


_HEAD = select(SyncCounter.seq, SyncCounter.epoch).where(SyncCounter.id == 1)


def current_head(session: Session | Connection) -> tuple[int, str]:
    row = session.execute(_HEAD).first()
    if row is None:
        return 0, ""
    return int(row.seq), str(row.epoch)
