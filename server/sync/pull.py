"""POST /sync/pull: changes since the client's cursors, one consistent snapshot.

Each scope is read with one range scan on (scope, seq), so the cost grows with the
changes, not with the data. A page is cut on a seq boundary (all rows of one server
transaction travel together); a single transaction larger than the limit is sent whole.

The stored payloads are already JSON: the page is written straight into the response body
with their text as it is, never parsed into objects and encoded again (that round trip was
about a third of the server's time in an initial sync). `PullPage.to_json` produces exactly
the `PullResponse` shape; tests/server check it against the model.
"""

import json
from dataclasses import dataclass
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from sqlalchemy import Connection, Row, Text, bindparam, cast, select

from app.protocol.errors import ErrorCode, RejectionCode
from app.protocol.sync import PullRequest, Rejection
from server.auth import Principal
from server.db import Database
from server.errors import ApiError
from server.models import SyncClient, SyncLog, SyncMutation, SyncScopeState
from server.scopes import scopes_for
from server.sync.log import current_head

# How many recent rejections a pull repeats, so a client that missed a push answer learns them.
REJECTION_WINDOW = 100


_LOG = SyncLog.__table__
# The payload as the database holds it (JSON text): CAST keeps the driver from parsing it.
_COLUMNS = (_LOG.c.scope, _LOG.c.entity, _LOG.c.entity_id, _LOG.c.seq, _LOG.c.op,
            cast(_LOG.c.payload, Text).label("payload"))
LogRow = Row[tuple[str, str, str, int, str, str | None]]


# Statements built once: for an empty or one-row pull, building them cost more than running them.
_SCAN = (select(*_COLUMNS).where(_LOG.c.scope == bindparam("scope"), _LOG.c.seq > bindparam("after"))
         .order_by(_LOG.c.seq).limit(bindparam("limit")))
_PRUNED = select(SyncScopeState.scope, SyncScopeState.pruned_through).where(
    SyncScopeState.scope.in_(bindparam("scopes", expanding=True)))
_CLIENT = select(SyncClient.user_id, SyncClient.last_mutation_id).where(SyncClient.client_id == bindparam("id"))
_REJECTIONS = (select(SyncMutation.mutation_id, SyncMutation.code, SyncMutation.message, SyncMutation.result)
               .where(SyncMutation.client_id == bindparam("client"), SyncMutation.status == "rejected",
                      SyncMutation.mutation_id > bindparam("since"))
               .order_by(SyncMutation.mutation_id))


def _scan(conn: Connection, scope: str, after: int, limit: int) -> list[LogRow]:
    return list(conn.execute(_SCAN, {"scope": scope, "after": after, "limit": limit}))


def _one_seq(conn: Connection, scopes: list[str], seq: int) -> list[LogRow]:
    return list(conn.execute(select(*_COLUMNS).where(_LOG.c.scope.in_(scopes), _LOG.c.seq == seq)))


def _page(conn: Connection, cursors: dict[str, int], head: int, limit: int) -> tuple[list[LogRow], int]:
    """Rows of one page and the seq through which the page is complete."""
    rows: list[LogRow] = []
    bound = head
    for scope, after in cursors.items():
        if after >= head:
            continue
        got = _scan(conn, scope, after, limit + 1)
        if len(got) > limit:
            bound = min(bound, got[-1].seq - 1)  # rows at the last seq may continue beyond what we read
        rows.extend(got)
    rows.sort(key=lambda r: (r.seq, r.scope, r.entity, r.entity_id))
    kept = [r for r in rows if r.seq <= bound]
    if len(kept) > limit:
        cut = kept[limit].seq
        kept = [r for r in kept if r.seq < cut]
        bound = cut - 1
    if not kept and rows:
        # One transaction bigger than the limit: send it whole rather than never progressing.
        first = rows[0].seq
        kept = _one_seq(conn, [s for s, after in cursors.items() if after < first], first)
        bound = first
    return kept, bound


def _rejections(conn: Connection, client_id: str, last_mutation_id: int) -> list[Rejection]:
    rows = conn.execute(_REJECTIONS, {"client": client_id, "since": last_mutation_id - REJECTION_WINDOW})
    return [Rejection(mutation_id=int(r.mutation_id), code=r.code or "", message=r.message or "", detail=r.result)
            for r in rows]


def _change_json(row: LogRow) -> str:
    data = row.payload if row.op == "U" and row.payload is not None else "null"
    return (f'{{"scope":{_quote(row.scope)},"entity":{_quote(row.entity)},"id":{_quote(row.entity_id)},'
            f'"seq":{int(row.seq)},"op":{_quote(row.op)},"data":{data}}}')


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class PullPage:
    """One pull answer: the `PullResponse` fields, with the change rows as the database gave them."""

    epoch: str
    rows: list[LogRow]
    cursors: dict[str, int]
    more: bool
    last_mutation_id: int
    rejections: list[Rejection]
    scopes_added: list[str]
    scopes_removed: list[str]

    def to_json(self) -> bytes:
        rejections = [r.model_dump(mode="json") for r in self.rejections]
        head = (f'{{"epoch":{_quote(self.epoch)},"cursors":{_dumps(self.cursors)},'
                f'"more":{"true" if self.more else "false"},"last_mutation_id":{self.last_mutation_id},'
                f'"rejections":{_dumps(rejections)},"scopes_added":{_dumps(self.scopes_added)},'
                f'"scopes_removed":{_dumps(self.scopes_removed)},"changes":[')
        return (head + ",".join(map(_change_json, self.rows)) + "]}").encode()


def pull(db: Database, principal: Principal, client_id: str | None, request: PullRequest) -> PullPage:
    allowed = scopes_for(principal.role, principal.user_id, principal.store_id)
    with db.snapshot() as conn:  # Core only: an ORM session costs more than an empty pull's reads
        head, epoch = current_head(conn)
        if request.epoch is not None and request.epoch != epoch:
            raise ApiError(409, ErrorCode.RESET, {"epoch": epoch})
        given = request.cursors if request.epoch is not None else {}
        cursors = {scope: max(0, int(given.get(scope, 0))) for scope in allowed}
        if any(c > head for c in cursors.values()):
            raise ApiError(409, ErrorCode.RESET, {"epoch": epoch})  # a cursor from a lost future
        if any(after > 0 for after in cursors.values()):
            pruned: dict[str, int] = {scope: int(through) for scope, through in conn.execute(
                _PRUNED, {"scopes": allowed})}
            for scope, after in cursors.items():
                if 0 < after < pruned.get(scope, 0):
                    raise ApiError(410, ErrorCode.SCOPE_EXPIRED, {"scope": scope})
        rows, bound = _page(conn, cursors, head, request.limit)
        client = conn.execute(_CLIENT, {"id": client_id}).first() if client_id else None
        last_mutation_id = int(client.last_mutation_id) if client and client.user_id == principal.user_id else 0
        rejections = _rejections(conn, client_id, last_mutation_id) if client_id and last_mutation_id else []
    return PullPage(
        epoch=epoch,
        rows=rows,
        cursors={scope: max(after, bound) for scope, after in cursors.items()},
        more=bound < head,
        last_mutation_id=last_mutation_id,
        rejections=rejections,
        scopes_added=[s for s in allowed if s not in given],
        scopes_removed=[s for s in given if s not in allowed],
    )


__all__ = ["PullPage", "RejectionCode", "pull"]
