"""Writing the change log.

Code that changes domain rows stages the new state of each affected row with `stage()`;
`commit_seq()` then takes the next `seq` from `sync_counter` (the row lock serialises
writers until COMMIT) and upserts the staged rows with it. Call it last, right before the
transaction commits, so that commit order equals seq order.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.models import SyncCounter, SyncLog
from server.models.base import utcnow

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


def commit_seq(session: Session) -> int | None:
    """Bump `seq` and write the staged rows with it. Returns the seq, or None if nothing was staged."""
    staged: dict[tuple[str, str, str], StagedChange] = session.info.pop(_STAGED, {})
    if not staged:
        return None
    session.flush()
    ensure_counter(session)
    seq = session.execute(
        update(SyncCounter).where(SyncCounter.id == 1).values(seq=SyncCounter.seq + 1).returning(SyncCounter.seq)
    ).scalar_one()
    now = utcnow()
    rows = [
        {"scope": c.scope, "entity": c.entity, "entity_id": c.entity_id, "seq": seq, "op": c.op,
         "payload": c.payload, "changed_at": now}
        for c in staged.values()
    ]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for start in range(0, len(rows), 500):
        stmt = insert(SyncLog).values(rows[start:start + 500])
        stmt = stmt.on_conflict_do_update(
            index_elements=["scope", "entity", "entity_id"],
            set_={"seq": stmt.excluded.seq, "op": stmt.excluded.op, "payload": stmt.excluded.payload,
                  "changed_at": stmt.excluded.changed_at},
        )
        session.execute(stmt)
    return int(seq)


def current_head(session: Session) -> tuple[int, str]:
    row = session.execute(select(SyncCounter.seq, SyncCounter.epoch).where(SyncCounter.id == 1)).first()
    if row is None:
        return 0, ""
    return int(row.seq), str(row.epoch)
