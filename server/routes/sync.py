"""POST /sync/pull, POST /sync/push, GET /sync/events (SSE pokes)."""

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response, StreamingResponse

from app.protocol.errors import ErrorCode
from app.protocol.sync import (
    MAX_MUTATIONS_PER_PUSH,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from server.auth import CurrentPrincipal
from server.errors import ApiError
from server.routes.deps import (
    CodesDep,
    DbDep,
    FollowUpsDep,
    HubDep,
    LocaleDep,
    check_schema,
    run_read,
)
from server.scopes import scopes_for
from server.sync.pull import pull as do_pull
from server.sync.push import push as do_push

router = APIRouter(prefix="/sync", tags=["sync"], dependencies=[Depends(check_schema)])


# The body is written by PullPage.to_json (stored payload text as is); `response_model` documents
# its shape in the schema, and FastAPI does not validate a Response it is handed.
@router.post("/pull", response_model=PullResponse, responses={409: {}, 410: {}})
async def pull(body: PullRequest, principal: CurrentPrincipal, db: DbDep,
               x_client_id: str | None = Header(default=None, max_length=64)) -> Response:
    page = await run_read(db, do_pull, db, principal, x_client_id, body)
    return Response(page.to_json(), media_type="application/json")


# A plain `def` (its transaction may wait for SQLite's write lock) that hands FastAPI a finished
# Response: for a `def` route with a response model, FastAPI validates the answer again in a second
# thread-pool hop, which cost ~0.4 ms per push while the rest of the app idled. PushResponse is
# built and checked by pydantic in do_push already.
@router.post("/push", response_model=PushResponse, responses={409: {}, 413: {}})
def push(body: PushRequest, principal: CurrentPrincipal, db: DbDep, hub: HubDep, follow_ups: FollowUpsDep,
         locale: LocaleDep, codes: CodesDep) -> Response:
    if len(body.mutations) > MAX_MUTATIONS_PER_PUSH:
        raise ApiError(413, ErrorCode.TOO_MANY_MUTATIONS, {"max": MAX_MUTATIONS_PER_PUSH})
    answer = do_push(db, hub, follow_ups, principal, body, locale, codes)
    return Response(answer.model_dump_json(), media_type="application/json")


@router.get("/events", response_class=StreamingResponse)
async def events(request: Request, principal: CurrentPrincipal, hub: HubDep) -> StreamingResponse:
    scopes = scopes_for(principal.role, principal.user_id, principal.store_id)
    heartbeat: float = request.app.state.settings.sse_heartbeat_s
    queue = hub.subscribe(scopes)

    async def stream() -> AsyncIterator[str]:
        try:
            # An immediate comment lets the client know it is connected (it pulls on connect).
            yield ": connected\n\n"
            while True:
                try:
                    poke = await asyncio.wait_for(queue.get(), timeout=heartbeat)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": heartbeat\n\n"
                    continue
                yield f"event: poke\ndata: {poke.model_dump_json()}\n\n"
        finally:
            hub.unsubscribe(queue)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
