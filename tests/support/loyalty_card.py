"""The reference of `POST /api/v1/loyalty/card` (app.protocol.loyalty), for servers that lack it.

The client's loyalty card needs the server to sign a fresh token. Until server/ ships the
route, tests mount this reference on the real app, so the client is tested against the exact
contract; once the server has the route, `ensure_card_route` leaves the app alone and this
module only documents what the route does.
"""

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, FastAPI, Response
from sqlalchemy import select

from app.protocol import API_PREFIX
from app.protocol.auth import Role
from app.protocol.codes import CodeKind
from app.protocol.errors import ErrorCode
from app.protocol.loyalty import (
    LOYALTY_CARD_PATH,
    LOYALTY_CARD_TTL_S,
    LoyaltyCardPublic,
)
from server.auth import CurrentPrincipal
from server.errors import ApiError
from server.models import LoyaltyAccount
from server.routes.deps import CodesDep, DbDep


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def card_router() -> APIRouter:
    router = APIRouter()

    @router.post(LOYALTY_CARD_PATH, response_model=LoyaltyCardPublic)
    def card(principal: CurrentPrincipal, db: DbDep, codes: CodesDep, response: Response) -> LoyaltyCardPublic:
        if principal.role is not Role.CUSTOMER:
            raise ApiError(403, ErrorCode.FORBIDDEN)
        with db.read() as session:
            account = session.scalars(select(LoyaltyAccount).where(
                LoyaltyAccount.customer_id == principal.user_id)).one_or_none()
            if account is None:
                raise ApiError(404, ErrorCode.NOT_FOUND)
            account_id, card_number = account.id, account.card_number
        now = datetime.now(UTC).replace(microsecond=0)
        expires = now + timedelta(seconds=LOYALTY_CARD_TTL_S)
        response.headers["Cache-Control"] = "no-store"
        return LoyaltyCardPublic(account_id=account_id, card_number=card_number,
                                 token=codes.issue(CodeKind.LOYALTY, account_id, expires),
                                 issued_at=_iso(now), expires_at=_iso(expires))

    return router


def has_card_route(app: FastAPI) -> bool:
    wanted = API_PREFIX + LOYALTY_CARD_PATH
    return any(getattr(route, "path", None) == wanted and "POST" in getattr(route, "methods", set())
               for route in app.routes)


def ensure_card_route(app: FastAPI) -> FastAPI:
    if not has_card_route(app):
        app.include_router(card_router(), prefix=API_PREFIX)
    return app
