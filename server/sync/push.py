"""POST /sync/push: exactly-once effect over at-least-once delivery.

A batch runs in one write transaction: lock the client row once, then per mutation answer a
replay from `sync_mutation`, refuse a gap, else run the mutator in a savepoint, record the
result and advance `last_mutation_id`. As the last statements before the one COMMIT, `seq`
moves on once per mutation with effects and their change-log rows are written in one
executemany (server.sync.log). A rejection also advances `last_mutation_id`, so a bad
mutation never blocks the queue; it rolls back only its savepoint. Work the mutators left for
the end of the batch (`MutationContext.after_batch`) runs after the last mutation, in the same
transaction, and its changes are numbered with the batch's last mutation. Work they left for after
the commit (`MutationContext.after_commit`: the bot's answer) is handed to `server.sync.follow_ups`,
which runs it shortly after in a transaction with its own seq and poke; the push is answered
without waiting for it.
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm import Session

from app.protocol.errors import ErrorCode, RejectionCode
from app.protocol.sync import (
    MutationIn,
    MutationResult,
    MutationStatus,
    PushRequest,
    PushResponse,
)
from server.auth import Principal
from server.codes import CodeSigner
from server.db import Database
from server.errors import ApiError, Rejected, message_for
from server.models import SyncClient, SyncMutation, User
from server.models.base import table_of, utcnow
from server.mutators import (
    REGISTRY,
    BatchWork,
    MutationContext,
    take_after_batch,
    take_after_commit,
)
from server.sync.follow_ups import FollowUp, FollowUps
from server.sync.log import StagedChange, bump_seq, take_staged, write_log
from server.sync.pokes import PokeHub


def args_hash(name: str, args: dict[str, Any]) -> str:
    canonical = json.dumps({"name": name, "args": args}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# Core, not the ORM: the client row is read and written once per batch, and an ORM entity's load
# and unit-of-work flush cost more than both statements (every online message is a batch).
_CLIENTS = table_of(SyncClient)
_LOCK_CLIENT = (select(_CLIENTS.c.user_id, _CLIENTS.c.last_mutation_id)
                .where(_CLIENTS.c.client_id == bindparam("id")).with_for_update())
_ADVANCE_CLIENT = (update(_CLIENTS).where(_CLIENTS.c.client_id == bindparam("id"))
                   .values(last_mutation_id=bindparam("last")))


def _create_client(dialect: str) -> Any:
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # DO NOTHING: created concurrently by another request of the same device (PostgreSQL waits for
    # that transaction, then skips). A savepoint around a plain INSERT would do the same, but an
    # error inside a Core statement left PostgreSQL's transaction aborted (seen under the
    # two-process simulation), and this costs no savepoint.
    return insert_(_CLIENTS).on_conflict_do_nothing(index_elements=["client_id"])


def _lock_client(session: Session, client_id: str, user_id: int) -> int:
    """Lock the device's row (made on its first push) and return its `last_mutation_id`."""
    conn = session.connection()
    client = conn.execute(_LOCK_CLIENT, {"id": client_id}).first()
    if client is None:
        conn.execute(_create_client(conn.dialect.name),
                     {"client_id": client_id, "user_id": user_id, "last_mutation_id": 0})
        client = conn.execute(_LOCK_CLIENT, {"id": client_id}).one()
    if client.user_id != user_id:
        raise ApiError(403, ErrorCode.CLIENT_ID_TAKEN)
    return int(client.last_mutation_id)


def _stored_result(row: SyncMutation) -> MutationResult:
    return MutationResult(id=int(row.mutation_id), status=MutationStatus(row.status), seq=row.seq, code=row.code,
                          message=row.message, result=row.result)


def _run(session: Session, principal: Principal, client_id: str, m: MutationIn, locale: str, codes: CodeSigner
         ) -> tuple[MutationResult, list[StagedChange], dict[str, BatchWork], FollowUp]:
    """Run one mutator in a savepoint; returns its result, the rows it staged and the work it left
    for the end of the batch and for after the commit (none of these if refused)."""
    reg = REGISTRY.get(m.name)
    try:
        if reg is None:
            raise Rejected(RejectionCode.UNKNOWN_MUTATION, {"name": m.name})
        if principal.role not in reg.roles:
            raise Rejected(RejectionCode.FORBIDDEN)
        try:
            args = reg.args_model.model_validate(m.args)
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
            raise Rejected(RejectionCode.INVALID_ARGS, {"fields": fields}) from exc
        ctx = MutationContext(session=session, principal=principal, client_id=client_id, mutation_id=m.id,
                              client_time=m.client_time, now=utcnow(), codes=codes)
        try:
            with session.begin_nested():
                result = reg.fn(ctx, args)
                session.flush()
        except DataError as exc:
            # A value the database refuses (PostgreSQL: NUL bytes, a string over its column) is bad
            # input: reject it, or the mutation would fail forever and block the client's queue.
            raise Rejected(RejectionCode.INVALID_ARGS) from exc
    except Rejected as rejected:
        take_staged(session)  # whatever the refused mutator staged was rolled back with its savepoint
        take_after_batch(session)  # and what it left for later belongs to the refused mutation
        take_after_commit(session)
        return MutationResult(id=m.id, status=MutationStatus.REJECTED, code=rejected.code,
                              message=rejected.message or message_for(rejected.code, locale),
                              result=rejected.detail), [], {}, {}
    return (MutationResult(id=m.id, status=MutationStatus.OK, result=result), take_staged(session),
            take_after_batch(session), take_after_commit(session))


@dataclass
class _Batch:
    """What one push transaction did so far: answers in order, and the new mutations' records."""

    client_id: str | None = None  # set once the client's row is locked
    results: list[MutationResult] = field(default_factory=list)
    new: list[tuple[MutationResult, dict[str, Any], list[StagedChange]]] = field(default_factory=list)
    seen: dict[int, tuple[str, MutationResult]] = field(default_factory=dict)  # this batch's ids
    last_id: int = 0  # the client's last_mutation_id as this batch leaves it
    work: dict[str, BatchWork] = field(default_factory=dict)  # left by the mutators for the end
    follow_up: FollowUp = field(default_factory=dict)  # left by the mutators for after the commit

    def keep_work(self, work: dict[str, BatchWork]) -> None:
        for key, later in work.items():
            earlier = self.work.get(key)
            self.work[key] = BatchWork(later.run, (earlier.items if earlier else []) + later.items)

    def run_work(self, session: Session) -> None:
        """Run the work left for the end; its changes join the last mutation with effects, so they
        get the batch's newest seq and win over any earlier state of the same rows in this batch
        (such as a return projected after an earlier edit). No savepoint: work refuses nothing, and
        an error in it fails the whole transaction anyway (two statements saved per batch)."""
        if not self.work:
            return
        # Work comes only from mutations that stand, so self.new is not empty.
        last = next((staged for _, _, staged in reversed(self.new) if staged), self.new[-1][2])
        for work in self.work.values():
            work.run(work.items)
        session.flush()
        last.extend(take_staged(session))
        self.work.clear()

    def finish(self, session: Session) -> list[tuple[set[str], int]]:
        """The last statements before COMMIT: number the mutations with effects (one counter
        update), write their log rows and every `sync_mutation` row (one executemany each), and
        advance the client. Returns (scopes, seq) to poke once committed."""
        if not self.new or self.client_id is None:
            return []
        session.flush()
        effective = [(result, record, staged) for result, record, staged in self.new if staged]
        numbered: list[tuple[int, list[StagedChange]]] = []
        if effective:
            head = bump_seq(session, len(effective))
            for seq, (result, record, staged) in enumerate(effective, start=head - len(effective) + 1):
                result.seq = record["seq"] = seq
                numbered.append((seq, staged))
            write_log(session, numbered)
        conn = session.connection()
        conn.execute(_RECORD, [record for _, record, _ in self.new])
        conn.execute(_ADVANCE_CLIENT, {"id": self.client_id, "last": self.last_id})
        return [({c.scope for c in staged}, seq) for seq, staged in numbered]


# Core executemany: compiled once, no ORM unit of work per mutation.
_RECORD = insert(table_of(SyncMutation))


def _apply(session: Session, batch: _Batch, principal: Principal, request: PushRequest, locale: str,
           codes: CodeSigner) -> ApiError | None:
    """Run the batch's mutations in order inside the open transaction. Returns the error that
    stopped it early (answered after the mutations before it are committed), or None."""
    last_id = batch.last_id = _lock_client(session, request.client_id, principal.user_id)
    batch.client_id = request.client_id
    for m in request.mutations:
        digest = args_hash(m.name, m.args)
        if m.id <= last_id:
            if m.id in batch.seen:  # sent twice in this very request
                stored_digest, stored_result = batch.seen[m.id]
            else:
                row = session.get(SyncMutation, (request.client_id, m.id))
                stored_digest = row.args_hash if row is not None else digest
                stored_result = _stored_result(row) if row else MutationResult(id=m.id, status=MutationStatus.OK)
            if stored_digest != digest:
                return ApiError(409, ErrorCode.CLIENT_STATE_MISMATCH, {"mutation_id": m.id, "last_mutation_id": last_id})
            batch.results.append(stored_result)
            continue
        if m.id != last_id + 1:
            return ApiError(409, ErrorCode.MUTATION_GAP, {"expected": last_id + 1, "got": m.id, "last_mutation_id": last_id})
        user = session.get(User, principal.user_id)
        if user is None or user.deleted_at is not None:
            # A deleted account's access token lives on for minutes; it may still pull
            # the tombstones (and replays above are answered), but it changes nothing.
            return ApiError(401, ErrorCode.TOKEN_INVALID)
        result, staged, work, follow_up = _run(session, principal, request.client_id, m, locale, codes)
        batch.keep_work(work)
        batch.follow_up.update(follow_up)
        record = {"client_id": request.client_id, "mutation_id": m.id, "name": m.name, "args_hash": digest,
                  "status": result.status.value, "code": result.code, "message": result.message,
                  "result": result.result, "seq": None}
        last_id = batch.last_id = m.id
        batch.results.append(result)
        batch.new.append((result, record, staged))
        batch.seen[m.id] = (digest, result)
    return None


def push(db: Database, hub: PokeHub, follow_ups: FollowUps, principal: Principal, request: PushRequest,
         locale: str, codes: CodeSigner) -> PushResponse:
    """One write transaction for the whole batch, a savepoint per mutator.

    Exactly-once holds as before: each mutation's effects, its `sync_mutation` row and the
    client's `last_mutation_id` commit together (now with the rest of the batch). A refused
    mutator rolls back only its savepoint. A gap, a mismatch or a deleted account stops the
    batch: what came before it is committed, then the error is answered.
    """
    if not request.mutations:
        return PushResponse(last_mutation_id=0, results=[])  # nothing to lock or record
    batch = _Batch()
    try:
        with db.write() as session:
            stop = _apply(session, batch, principal, request, locale, codes)
            if stop is not None and not batch.new:
                raise stop  # nothing new to keep: roll back (also a client row made for this request)
            batch.run_work(session)
            pokes = batch.finish(session)
    except OperationalError:
        # Transient (lock timeout, connection lost): nothing of this batch was committed; the client retries it.
        raise ApiError(503, ErrorCode.SERVER_BUSY, headers={"Retry-After": "1"}) from None
    if pokes:  # one poke for the batch: every touched scope, the newest seq (pulls catch up to it)
        hub.publish(set().union(*(scopes for scopes, _ in pokes)), max(seq for _, seq in pokes))
    follow_ups.add(batch.follow_up)
    if stop is not None:
        raise stop  # after the commit: the mutations before the stop are kept
    return PushResponse(last_mutation_id=batch.last_id, results=batch.results)

