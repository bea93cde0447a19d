"""`create_app(settings)`: the FastAPI application. Nothing is built at import time."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.protocol import API_PREFIX
from app.protocol.errors import ErrorBody, ErrorCode
from app.protocol.sync import MAX_MUTATIONS_PER_PUSH, MAX_PUSH_BYTES
from server import faults
from server.auth import TokenService
from server.codes import CodeSigner
from server.config import ServerSettings
from server.db import Database
from server.errors import ApiError, locale_from_header, message_for
from server.limits import BodyLimit
from server.migrate import upgrade
from server.mutators import load_all
from server.mutators.messaging import answer_recent
from server.pull_fast_path import PullFastPath
from server.ratelimit import FailureStore, MemoryFailures
from server.ratelimit_postgres import PostgresFailures
from server.routes import (
    account,
    attachments,
    auth,
    carrier,
    codes,
    health,
    kiosk_auth,
    loyalty,
    orders,
    sync,
)
from server.routes import pickups as pickup_routes
from server.sync.cluster_pokes import ClusterPokeHub, is_postgres
from server.sync.follow_ups import FollowUps
from server.sync.log import commit_seq, ensure_counter, staged_scopes
from server.sync.pokes import PokeHub

BOT_CATCH_UP = timedelta(hours=1)
log = logging.getLogger("nahtlos.server")


def _error(request: Request, status: int, code: str, detail: dict[str, object] | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    locale = locale_from_header(request.headers.get("accept-language"))
    body = {"code": code, "message": message_for(code, locale), "detail": detail}
    return JSONResponse(body, status_code=status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _error(request, exc.status, exc.code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(request, 400, ErrorCode.MALFORMED_JSON)
        if any(e.get("type") == "too_long" and tuple(e.get("loc", ())) == ("body", "mutations") for e in errors):
            # The contract answers an over-long batch with 413 (the client halves it), not 422.
            return _error(request, 413, ErrorCode.TOO_MANY_MUTATIONS, {"max": MAX_MUTATIONS_PER_PUSH})
        fields = sorted({".".join(str(p) for p in e.get("loc", ()) if p != "body") for e in errors})
        return _error(request, 422, ErrorCode.INVALID_REQUEST, {"fields": fields})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED,
                415: ErrorCode.UNSUPPORTED_MEDIA_TYPE}.get(exc.status_code, ErrorCode.INVALID_REQUEST)
        return _error(request, exc.status_code, code)

    @app.exception_handler(DataError)
    async def refused_value(request: Request, exc: DataError) -> JSONResponse:
        # A value the database cannot store (PostgreSQL: NUL bytes) is the caller's error, not a crash.
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return _error(request, 422, ErrorCode.INVALID_REQUEST)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(request, 500, ErrorCode.INTERNAL_ERROR)


def _body_limit(max_attachment_bytes: int) -> Callable[[str], int]:
    def limit_for(path: str) -> int:
        return max_attachment_bytes + 64 * 1024 if path.endswith("/attachments") else MAX_PUSH_BYTES
    return limit_for


def create_app(settings: ServerSettings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or ServerSettings()
    database = db or Database(settings.resolved_database_url())
    load_all()

    # Several server processes on one PostgreSQL poke each other's SSE listeners (LISTEN/NOTIFY).
    hub = ClusterPokeHub(database.engine) if is_postgres(database.url) else PokeHub()
    # ... and brake guessing at one shared total (server.ratelimit); one SQLite process needs no table.
    rate_failures: FailureStore = PostgresFailures(database.engine) if is_postgres(database.url) else MemoryFailures()
    follow_ups = FollowUps(database, hub, settings.follow_up_delay_s)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if isinstance(hub, ClusterPokeHub):
            hub.start()
        yield
        follow_ups.close()  # the bot's pending answers are given before the process goes
        if isinstance(hub, ClusterPokeHub):
            hub.stop()
        if db is None:
            database.dispose()

    if settings.auto_migrate:
        upgrade(database.engine)
    with database.write() as session:
        ensure_counter(session)
        # The bot answers shortly after a push commits (server.sync.follow_ups): a process that died
        # in between left a shopper waiting. Only recent threads: an old question gets no late answer.
        answer_recent(session, BOT_CATCH_UP)
        scopes = staged_scopes(session)
        seq = commit_seq(session)
    if seq is not None:
        hub.publish(scopes, seq)

    # Every error answer is an ErrorBody (the handlers above); say so in the schema, where FastAPI
    # would otherwise document its own 422 shape, which this app never sends.
    app = FastAPI(title="nahtlos API", version="1", lifespan=lifespan,
                  responses={422: {"model": ErrorBody, "description": "Invalid request"},
                             "4XX": {"model": ErrorBody, "description": "Refused (see code)"}})
    app.state.settings = settings
    app.state.db = database
    app.state.hub = hub
    app.state.follow_ups = follow_ups
    app.state.rate_failures = rate_failures
    app.state.tokens = TokenService(settings.secret_key, settings.access_token_ttl_s, settings.refresh_token_ttl_s)
    app.state.codes = CodeSigner(settings.secret_key)
    _install_error_handlers(app)
    for module in (health, auth, sync, orders, attachments, account, codes, loyalty):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(pickup_routes.router, prefix=API_PREFIX)  # click & collect (issue 5)
    app.include_router(carrier.router, prefix=API_PREFIX)  # tracking checkpoints from carriers
    app.include_router(kiosk_auth.router, prefix=API_PREFIX)  # kiosk sign-in by QR, handoff (issue 5)
    # Added before BodyLimit, so it sits inside it: a pull's body is capped before it is read here.
    app.add_middleware(PullFastPath, tokens=app.state.tokens, db=database)
    app.add_middleware(BodyLimit, limit_for=_body_limit(settings.max_attachment_bytes))
    faults.install(app)  # robustness tests only: inert unless NAHTLOS_FAULT_* is set (server/faults.py)
    return app
