"""POST /sync/pull: changes since the client's cursors, one consistent snapshot.

Each scope is read with one range scan on (scope, seq), so the cost grows with the
changes, not with the data. A page is cut on a seq boundary (all rows of one server
transaction travel together); a single transaction larger than the limit is sent whole.
"""

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.protocol.errors import ErrorCode, RejectionCode
from app.protocol.sync import Change, PullRequest, PullResponse, Rejection
from server.auth import Principal
from server.db import Database
from server.errors import ApiError
from server.models import SyncClient, SyncLog, SyncMutation, SyncScopeState
from server.scopes import scopes_for
from server.sync.log import current_head

# How many recent rejections a pull repeats, so a client that missed a push answer learns them.
REJECTION_WINDOW = 100


_LOG = SyncLog.__table__
LogRow = Row[tuple[str, str, str, int, str, object]]


def _scan(session: Session, scope: str, after: int, limit: int) -> list[LogRow]:
    stmt = select(_LOG).where(_LOG.c.scope == scope, _LOG.c.seq > after).order_by(_LOG.c.seq).limit(limit)
    return list(session.execute(stmt))


def _one_seq(session: Session, scopes: list[str], seq: int) -> list[LogRow]:
    return list(session.execute(select(_LOG).where(_LOG.c.scope.in_(scopes), _LOG.c.seq == seq)))


def _page(session: Session, cursors: dict[str, int], head: int, limit: int) -> tuple[list[LogRow], int]:
    """Rows of one page and the seq through which the page is complete."""
    rows: list[LogRow] = []
    bound = head
    for scope, after in cursors.items():
        if after >= head:
            continue
        got = _scan(session, scope, after, limit + 1)
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
        kept = _one_seq(session, [s for s, after in cursors.items() if after < first], first)
        bound = first
    return kept, bound


def _rejections(session: Session, client_id: str, last_mutation_id: int) -> list[Rejection]:
    stmt = (select(SyncMutation).where(SyncMutation.client_id == client_id, SyncMutation.status == "rejected",
                                       SyncMutation.mutation_id > last_mutation_id - REJECTION_WINDOW)
            .order_by(SyncMutation.mutation_id))
    return [Rejection(mutation_id=int(r.mutation_id), code=r.code or "", message=r.message or "", detail=r.result)
            for r in session.scalars(stmt)]


def pull(db: Database, principal: Principal, client_id: str | None, request: PullRequest) -> PullResponse:
    allowed = scopes_for(principal.role, principal.user_id, principal.store_id)
    with db.read() as session:
        head, epoch = current_head(session)
        if request.epoch is not None and request.epoch != epoch:
            raise ApiError(409, ErrorCode.RESET, {"epoch": epoch})
        given = request.cursors if request.epoch is not None else {}
        cursors = {scope: max(0, int(given.get(scope, 0))) for scope in allowed}
        if any(c > head for c in cursors.values()):
            raise ApiError(409, ErrorCode.RESET, {"epoch": epoch})  # a cursor from a lost future
        pruned: dict[str, int] = {scope: int(through) for scope, through in session.execute(select(SyncScopeState.scope, SyncScopeState.pruned_through)
                                      .where(SyncScopeState.scope.in_(allowed)))}
        for scope, after in cursors.items():
            if 0 < after < pruned.get(scope, 0):
                raise ApiError(410, ErrorCode.SCOPE_EXPIRED, {"scope": scope})
        rows, bound = _page(session, cursors, head, request.limit)
        client = session.get(SyncClient, client_id) if client_id else None
        last_mutation_id = int(client.last_mutation_id) if client and client.user_id == principal.user_id else 0
        rejections = _rejections(session, client_id, last_mutation_id) if last_mutation_id else []
    return PullResponse(
        epoch=epoch,
        changes=[Change(scope=r.scope, entity=r.entity, id=r.entity_id, seq=r.seq, op=r.op,
                        data=r.payload if r.op == "U" else None) for r in rows],
        cursors={scope: max(after, bound) for scope, after in cursors.items()},
        more=bound < head,
        last_mutation_id=last_mutation_id,
        rejections=rejections,
        scopes_added=[s for s in allowed if s not in given],
        scopes_removed=[s for s in given if s not in allowed],
    )


__all__ = ["RejectionCode", "pull"]
