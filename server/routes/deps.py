"""Request-scoped dependencies shared by the routes."""

from typing import Annotated

from fastapi import Depends, Request

from app.protocol import SCHEMA_VERSION
from app.protocol.errors import ErrorCode
from server.codes import CodeSigner
from server.db import Database
from server.errors import ApiError, locale_from_header
from server.sync.pokes import PokeHub


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_hub(request: Request) -> PokeHub:
    hub: PokeHub = request.app.state.hub
    return hub


def get_codes(request: Request) -> CodeSigner:
    codes: CodeSigner = request.app.state.codes
    return codes


def get_locale(request: Request) -> str:
    return locale_from_header(request.headers.get("accept-language"))


def check_schema(request: Request) -> None:
    raw = request.headers.get("x-schema-version")
    if raw is not None and raw.strip() != str(SCHEMA_VERSION):
        raise ApiError(400, ErrorCode.SCHEMA_UNSUPPORTED, {"supported": SCHEMA_VERSION})


DbDep = Annotated[Database, Depends(get_db)]
HubDep = Annotated[PokeHub, Depends(get_hub)]
LocaleDep = Annotated[str, Depends(get_locale)]
CodesDep = Annotated[CodeSigner, Depends(get_codes)]
