"""Request-scoped dependencies shared by the routes.

They are `async def` on purpose: each does a few microseconds of work without blocking, and FastAPI
runs a plain `def` dependency in its thread pool, one hop per dependency per request (four hops
made up most of a one-row pull's server time).
"""

from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from app.protocol import SCHEMA_VERSION
from app.protocol.errors import ErrorCode
from server.codes import CodeSigner
from server.db import Database
from server.errors import ApiError, locale_from_header
from server.sync.follow_ups import FollowUps
from server.sync.pokes import PokeHub


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_hub(request: Request) -> PokeHub:
    hub: PokeHub = request.app.state.hub
    return hub


async def get_follow_ups(request: Request) -> FollowUps:
    follow_ups: FollowUps = request.app.state.follow_ups
    return follow_ups


async def get_codes(request: Request) -> CodeSigner:
    codes: CodeSigner = request.app.state.codes
    return codes


async def get_locale(request: Request) -> str:
    return locale_from_header(request.headers.get("accept-language"))


async def check_schema(request: Request) -> None:
    raw = request.headers.get("x-schema-version")
    if raw is not None and raw.strip() != str(SCHEMA_VERSION):
        raise ApiError(400, ErrorCode.SCHEMA_UNSUPPORTED, {"supported": SCHEMA_VERSION})


P = ParamSpec("P")
R = TypeVar("R")


async def run_read(db: Database, read: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a read-only unit of work where it costs least. On SQLite it runs on the event loop: the
    read is local CPU work under the GIL (a one-row pull takes ~0.3 ms), and the thread-pool hop
    it would otherwise take costs more than that (0.5 ms measured: a trivial FastAPI route answers
    4,000/s as `async def` and 1,260/s as `def` on these machines). On PostgreSQL a read waits on
    the network, so it goes to the thread pool and the loop keeps serving others meanwhile.
    Never for writes: a SQLite writer can wait for the write lock (busy_timeout)."""
    if db.is_sqlite:
        return read(*args, **kwargs)
    return await run_in_threadpool(read, *args, **kwargs)


DbDep = Annotated[Database, Depends(get_db)]
HubDep = Annotated[PokeHub, Depends(get_hub)]
FollowUpsDep = Annotated[FollowUps, Depends(get_follow_ups)]
LocaleDep = Annotated[str, Depends(get_locale)]
CodesDep = Annotated[CodeSigner, Depends(get_codes)]
