"""Applying pull pages to the cache, and wiping it.

A page is applied in one transaction with Core bulk upserts guarded by `seq`
(`ON CONFLICT DO UPDATE ... WHERE excluded.seq > seq`), tombstones as guarded deletes,
and the cursors in the same transaction. The ORM row-by-row path was measured 8x slower.

The statements are built once (`_upsert`, `_delete`, the constants): for a delta sync's one-row
page, building them cost more than running them (applying such a page took 1.6 ms of CPU with
statements built per call, 0.6 ms with these).
"""

from collections import defaultdict
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, update
from sqlalchemy.dialects.sqlite import Insert, insert
from sqlalchemy.sql.dml import Delete

from app.protocol.sync import Entity, PullResponse
from services.storage import outbox as outbox_repo
from services.storage.tables import (
    EXTRACTED,
    STATE_ROW,
    SYNCED,
    sync_cursor,
    sync_state,
)


def _row(entity: Entity, change_id: str, scope: str, seq: int, data: dict[str, Any]) -> dict[str, Any]:
    row = {"id": change_id, "scope": scope, "seq": seq, "data": data}
    for col in EXTRACTED[entity]:
        value = data.get(col)
        row[col] = None if value is None else str(value)
    return row


@cache
def _upsert(entity: Entity) -> Insert:
    table = SYNCED[entity]
    stmt = insert(table)
    cols = {c.name: stmt.excluded[c.name] for c in table.columns if c.name != "id"}
    return stmt.on_conflict_do_update(index_elements=["id"], set_=cols, where=stmt.excluded.seq > table.c.seq)


@cache
def _delete(entity: Entity) -> Delete:
    table = SYNCED[entity]
    return delete(table).where(table.c.id == bindparam("del_id"), table.c.seq < bindparam("del_seq"))


_new_cursor = insert(sync_cursor).excluded.cursor
_SAVE_CURSOR = insert(sync_cursor).on_conflict_do_update(index_elements=["scope"], set_={"cursor": _new_cursor},
                                                         where=_new_cursor >= sync_cursor.c.cursor)
_SET_EPOCH = update(sync_state).where(sync_state.c.id == 1).values(epoch=bindparam("epoch"))
_SET_EPOCH_AND_SYNCED = update(sync_state).where(sync_state.c.id == 1).values(
    epoch=bindparam("epoch"), last_synced_at=bindparam("synced"))


def apply_page(conn: Connection, page: PullResponse) -> set[str]:
    """Apply one page; returns the entity names that changed. The caller owns the transaction."""
    upserts: dict[Entity, list[dict[str, Any]]] = defaultdict(list)
    deletes: dict[Entity, list[dict[str, Any]]] = defaultdict(list)
    for change in page.changes:
        if change.op == "U" and change.data is not None:
            upserts[change.entity].append(_row(change.entity, change.id, change.scope, change.seq, change.data))
        else:
            deletes[change.entity].append({"del_id": change.id, "del_seq": change.seq})
    for entity, rows in upserts.items():
        conn.execute(_upsert(entity), rows)
    for entity, rows in deletes.items():
        conn.execute(_delete(entity), rows)
    for scope in page.scopes_removed:
        wipe_scope(conn, scope)
    _save_cursors(conn, page.cursors)
    if page.more:
        conn.execute(_SET_EPOCH, {"epoch": page.epoch})
    else:
        for rej in page.rejections:
            outbox_repo.record_rejection(conn, rej.mutation_id, rej.code, rej.message)
        outbox_repo.acknowledge(conn, page.last_mutation_id)
        outbox_repo.realign(conn, page.last_mutation_id)
        conn.execute(_SET_EPOCH_AND_SYNCED, {"epoch": page.epoch, "synced": outbox_repo.now_iso()})
    return {e.value for e in upserts} | {e.value for e in deletes} | ({"*"} if page.scopes_removed else set())


def _save_cursors(conn: Connection, cursors: dict[str, int]) -> None:
    if not cursors:
        return
    conn.execute(_SAVE_CURSOR, [{"scope": s, "cursor": c} for s, c in cursors.items()])


def wipe_scope(conn: Connection, scope: str) -> None:
    for table in SYNCED.values():
        conn.execute(delete(table).where(table.c.scope == scope))
    conn.execute(delete(sync_cursor).where(sync_cursor.c.scope == scope))


def wipe_synced(conn: Connection) -> None:
    """Forget every synced row and cursor; the outbox survives (it is replayed after the re-pull)."""
    for table in SYNCED.values():
        conn.execute(delete(table))
    conn.execute(delete(sync_cursor))
    conn.execute(update(sync_state).where(sync_state.c.id == 1).values(epoch=None))


def read_state(conn: Connection) -> dict[str, Any]:
    return dict(conn.execute(STATE_ROW).mappings().one())
