"""The outbox: every local write is a mutation with a contiguous id, kept until the server
has acknowledged it through a pull (`last_mutation_id`)."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)

from services.storage.tables import (
    STATE_ROW,
    outbox,
    rejection,
    sync_cursor,
    sync_state,
)


@dataclass(frozen=True)
class Pending:
    mutation_id: int
    name: str
    args: dict[str, Any]
    created_at: str
    status: str


# Built once: every sync reads these, and building a statement costs more than running it here.
_UNSENT = (select(outbox).where(outbox.c.status == "pending").order_by(outbox.c.mutation_id)
           .limit(bindparam("limit")))
_UNACKNOWLEDGED = select(func.count()).select_from(outbox).where(outbox.c.status != "rejected")
_ACKNOWLEDGE = delete(outbox).where(outbox.c.mutation_id <= bindparam("last"))
_ALL = select(outbox).order_by(outbox.c.mutation_id)
_CURSORS = select(sync_cursor.c.scope, sync_cursor.c.cursor)
_ENQUEUE = insert(outbox)
_NEXT_ID = update(sync_state).where(sync_state.c.id == 1).values(next_mutation_id=bindparam("next"))
_MARK = update(outbox).where(outbox.c.mutation_id == bindparam("id")).values(status=bindparam("status"))
# A delta sync reads its bookkeeping twice (before the pull, and in the apply transaction): one
# statement for the state row, whether anything waits to be sent and the unacknowledged count.
_BOOKKEEPING = select(
    sync_state,
    exists().where(outbox.c.status == "pending").label("unsent_"),
    _UNACKNOWLEDGED.scalar_subquery().label("unacknowledged_"),
).where(sync_state.c.id == 1)


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def ensure_state(conn: Connection) -> dict[str, Any]:
    row = conn.execute(STATE_ROW).mappings().first()
    if row is None:
        conn.execute(insert(sync_state).values(id=1, client_id=uuid.uuid4().hex, epoch=None, next_mutation_id=1))
        row = conn.execute(STATE_ROW).mappings().one()
    return dict(row)


def enqueue(conn: Connection, name: str, args: dict[str, Any], created_at: str | None = None) -> int:
    """Append a mutation; returns its id. Ids are contiguous per client, starting at 1.

    `created_at` is the device's clock (sent as `client_time`): a hint for people, never an ordering key.
    """
    state = ensure_state(conn)
    mutation_id = int(state["next_mutation_id"])
    conn.execute(_ENQUEUE, {"mutation_id": mutation_id, "name": name, "args": args,
                            "created_at": created_at or now_iso(), "status": "pending"})
    conn.execute(_NEXT_ID, {"next": mutation_id + 1})
    return mutation_id


def pending(conn: Connection, names: set[str] | None = None) -> list[Pending]:
    """Unacknowledged mutations, oldest first (including ones already sent)."""
    stmt = _ALL if names is None else _ALL.where(outbox.c.name.in_(names))
    return [Pending(r.mutation_id, r.name, r.args, r.created_at, r.status) for r in conn.execute(stmt)]


def unsent(conn: Connection, limit: int) -> list[Pending]:
    return [Pending(r.mutation_id, r.name, r.args, r.created_at, r.status)
            for r in conn.execute(_UNSENT, {"limit": limit})]


def count_unacknowledged(conn: Connection) -> int:
    return int(conn.scalar(_UNACKNOWLEDGED) or 0)


def mark(conn: Connection, mutation_id: int, status: str) -> None:
    conn.execute(_MARK, {"id": mutation_id, "status": status})


def record_rejection(conn: Connection, mutation_id: int, code: str, message: str) -> None:
    row = conn.execute(select(outbox.c.name, outbox.c.args).where(outbox.c.mutation_id == mutation_id)).first()
    if row is None:
        return  # already acknowledged and removed: we told the user before
    client_id = conn.scalar(select(sync_state.c.client_id).where(sync_state.c.id == 1))
    exists = conn.execute(select(rejection.c.id).where(rejection.c.client_id == client_id,
                                                       rejection.c.mutation_id == mutation_id)).first()
    if exists is None:
        conn.execute(insert(rejection).values(client_id=client_id, mutation_id=mutation_id, name=row.name, code=code,
                                              message=message, args=row.args, seen=0))
    mark(conn, mutation_id, "rejected")


def acknowledge(conn: Connection, last_mutation_id: int) -> int:
    """Drop entries the server has (applied or rejected). Returns how many."""
    result = conn.execute(_ACKNOWLEDGE, {"last": last_mutation_id})
    return int(result.rowcount or 0)


def realign(conn: Connection, last_mutation_id: int) -> bool:
    """After a complete pull acknowledged everything up to `last_mutation_id`: does the queue still
    continue the server's record of this client? If the server forgot entries it had answered
    (restored or recreated), or the queue starts past `last_mutation_id + 1` (a hole where
    acknowledged entries were lost), renumber it under a fresh client id, so everything unanswered
    is sent again from id 1 without holes (resending under the old ids would hit `mutation_gap`
    halfway and apply the first part twice). Rejected entries leave the queue (their rejection
    stays recorded). Returns whether it renumbered."""
    rows = pending(conn)
    if not rows:
        return False
    forgotten = any(p.status != "pending" for p in rows)  # answered, yet above last_mutation_id
    if rows[0].mutation_id == last_mutation_id + 1 and not forgotten:
        return False
    renumber(conn, uuid.uuid4().hex)
    return True


def renumber(conn: Connection, new_client_id: str) -> None:
    """Give the queue a fresh client id and ids 1..n, in order (after the server lost our client state)."""
    rows = [p for p in pending(conn) if p.status != "rejected"]  # rejected ones are answered already
    conn.execute(delete(outbox))
    for n, p in enumerate(rows, start=1):
        conn.execute(insert(outbox).values(mutation_id=n, name=p.name, args=p.args, created_at=p.created_at,
                                           status="pending"))
    conn.execute(update(sync_state).where(sync_state.c.id == 1)
                 .values(client_id=new_client_id, next_mutation_id=len(rows) + 1))


def bookkeeping(conn: Connection) -> tuple[dict[str, Any], bool, int]:
    """The sync_state row, whether a mutation waits to be sent, and how many are unacknowledged."""
    state = dict(conn.execute(_BOOKKEEPING).mappings().one())
    return state, bool(state.pop("unsent_")), int(state.pop("unacknowledged_"))


def cursors(conn: Connection) -> dict[str, int]:
    return {r.scope: int(r.cursor) for r in conn.execute(_CURSORS)}
