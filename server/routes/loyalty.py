"""POST /loyalty/card: a fresh signed token for the shopper's loyalty card QR (app.protocol.loyalty).

The token is a signed code (server.codes) of kind "loyalty" whose subject is the loyalty account
id, never the bare card number: a photo of the card stops working when the token expires, and
a cashier's or kiosk's scanner checks the signature with the public key, offline if need be.
"""

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Response
from sqlalchemy import select

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
from server.models import LoyaltyAccount, User
from server.models.base import iso
from server.routes.deps import CodesDep, DbDep

router = APIRouter(tags=["loyalty"])


@router.post(LOYALTY_CARD_PATH, response_model=LoyaltyCardPublic, responses={403: {}, 404: {}})
def card(principal: CurrentPrincipal, db: DbDep, codes: CodesDep, response: Response) -> LoyaltyCardPublic:
    if principal.role is not Role.CUSTOMER:
        raise ApiError(403, ErrorCode.FORBIDDEN)
    with db.read() as session:
        user = session.get(User, principal.user_id)
        if user is None or user.deleted_at is not None:
            raise ApiError(401, ErrorCode.TOKEN_INVALID)
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
                             issued_at=iso(now) or "", expires_at=iso(expires) or "")
