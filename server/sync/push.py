"""POST /sync/push: exactly-once effect over at-least-once delivery.

Each mutation runs in its own write transaction: lock the client row, answer a replay
from `sync_mutation`, refuse a gap, else run the mutator in a savepoint, write its change
log rows with the next seq, record the result and advance `last_mutation_id` in the same
commit. A rejection also advances it, so a bad mutation never blocks the queue.
"""

import hashlib
import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from app.protocol.errors import ErrorCode, RejectionCode
from app.protocol.sync import MutationIn, MutationResult, MutationStatus, PushRequest, PushResponse
from server.auth import Principal
from server.codes import CodeSigner
from server.db import Database
from server.errors import ApiError, Rejected, message_for
from server.models import SyncClient, SyncMutation, User
from server.models.base import utcnow
from server.mutators import REGISTRY, MutationContext
from server.sync.log import commit_seq, staged_scopes
from server.sync.pokes import PokeHub


def args_hash(name: str, args: dict[str, Any]) -> str:
    canonical = json.dumps({"name": name, "args": args}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_client(session: Session, client_id: str, user_id: int) -> SyncClient:
    stmt = select(SyncClient).where(SyncClient.client_id == client_id).with_for_update()
    client = session.scalars(stmt).one_or_none()
    if client is None:
        try:
            with session.begin_nested():
                session.add(SyncClient(client_id=client_id, user_id=user_id, last_mutation_id=0))
        except IntegrityError:
            pass  # created concurrently by another request of the same device
        client = session.scalars(stmt).one()
    if client.user_id != user_id:
        raise ApiError(403, ErrorCode.CLIENT_ID_TAKEN)
    return client


def _stored_result(row: SyncMutation) -> MutationResult:
    return MutationResult(id=int(row.mutation_id), status=MutationStatus(row.status), seq=row.seq, code=row.code,
                          message=row.message, result=row.result)


def _run(session: Session, principal: Principal, client_id: str, m: MutationIn, locale: str, codes: CodeSigner
         ) -> tuple[MutationResult, set[str]]:
    """Run one mutator in a savepoint; returns its result and the scopes it touched."""
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
        session.info.pop("nahtlos_staged_changes", None)
        return MutationResult(id=m.id, status=MutationStatus.REJECTED, code=rejected.code,
                              message=rejected.message or message_for(rejected.code, locale),
                              result=rejected.detail), set()
    scopes = staged_scopes(session)
    seq = commit_seq(session)
    return MutationResult(id=m.id, status=MutationStatus.OK, seq=seq, result=result), scopes


def push(db: Database, hub: PokeHub, principal: Principal, request: PushRequest, locale: str,
         codes: CodeSigner) -> PushResponse:
    results: list[MutationResult] = []
    last_id = 0
    for m in request.mutations:
        digest = args_hash(m.name, m.args)
        try:
            with db.write() as session:
                client = _lock_client(session, request.client_id, principal.user_id)
                last_id = int(client.last_mutation_id)
                if m.id <= last_id:
                    stored = session.get(SyncMutation, (request.client_id, m.id))
                    if stored is not None and stored.args_hash != digest:
                        raise ApiError(409, ErrorCode.CLIENT_STATE_MISMATCH,
                                       {"mutation_id": m.id, "last_mutation_id": last_id})
                    results.append(_stored_result(stored) if stored else
                                   MutationResult(id=m.id, status=MutationStatus.OK))
                    continue
                if m.id != last_id + 1:
                    raise ApiError(409, ErrorCode.MUTATION_GAP,
                                   {"expected": last_id + 1, "got": m.id, "last_mutation_id": last_id})
                user = session.get(User, principal.user_id)
                if user is None or user.deleted_at is not None:
                    # A deleted account's access token lives on for minutes; it may still pull
                    # the tombstones (and replays above are answered), but it changes nothing.
                    raise ApiError(401, ErrorCode.TOKEN_INVALID)
                result, scopes = _run(session, principal, request.client_id, m, locale, codes)
                session.add(SyncMutation(client_id=request.client_id, mutation_id=m.id, name=m.name,
                                         args_hash=digest, status=result.status, code=result.code,
                                         message=result.message, result=result.result, seq=result.seq))
                client.last_mutation_id = m.id
                last_id = m.id
        except OperationalError:
            # Transient (lock timeout, connection lost): stop here, the client retries the rest.
            if not results:
                raise ApiError(503, ErrorCode.SERVER_BUSY, headers={"Retry-After": "1"}) from None
            break
        results.append(result)
        if result.seq is not None:
            hub.publish(scopes, result.seq)
    return PushResponse(last_mutation_id=last_id, results=results)
