"""POST /auth/qr, /auth/handoff and /auth/handoff/redeem (rules in app.protocol.handoff).

Every refused code is logged (kind of failure, which kiosk, never the token itself) and answered
with a stable error code; none of them opens a session or marks anything used.
"""

import logging
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlparse

from fastapi import APIRouter, Request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.protocol.auth import Role
from app.protocol.codes import CodeFailure, CodeKind, CodePayload
from app.protocol.errors import ErrorCode
from app.protocol.handoff import (
    CONTINUE_ROUTE,
    HANDOFF_PATH,
    HANDOFF_REDEEM_PATH,
    HANDOFF_TTL_S,
    KIOSK_SESSION_TTL_S,
    QR_SIGN_IN_PATH,
    CodeSessionResponse,
    HandoffCreate,
    HandoffPublic,
    HandoffRedeem,
    QrSignInRequest,
)
from server.auth import CurrentPrincipal, TokenService
from server.codes import CodeError, CodeSigner
from server.errors import ApiError
from server.models import HandoffToken, LoyaltyAccount, User
from server.models.base import iso, utcnow
from server.routes.deps import CodesDep, DbDep

router = APIRouter(tags=["auth"])
log = logging.getLogger("nahtlos.codes")

# Forged and wrong codes are the scanner's problem (400); expired and used ones were real (410).
_STATUS = {CodeFailure.EXPIRED: 410, CodeFailure.ALREADY_USED: 410}


def _tokens(request: Request) -> TokenService:
    tokens: TokenService = request.app.state.tokens
    return tokens


def scanned_token(text: str) -> str:
    """The NTL1 token in what a scanner read: the token itself, or a link carrying it as `?token=`."""
    text = text.strip()
    if "://" in text or text.startswith(CONTINUE_ROUTE):
        values = parse_qs(urlparse(text).query).get("token")
        return values[0].strip() if values else text
    return text


def _refuse(failure: CodeFailure, where: str) -> ApiError:
    log.warning("code refused at %s: %s", where, failure.value)
    return ApiError(_STATUS.get(failure, 400), CodeError(failure).error_code)


def _verify(codes: CodeSigner, token: str, kinds: tuple[CodeKind, ...], where: str) -> CodePayload:
    """The payload of a genuine, unexpired code of one of `kinds` (checked in that order)."""
    failure = CodeFailure.WRONG_KIND
    for kind in kinds:
        try:
            return codes.verify(token, kind)
        except CodeError as exc:
            failure = exc.code
            if failure is not CodeFailure.WRONG_KIND:
                break
    raise _refuse(failure, where)


def _redeem_handoff(session: Session, payload: CodePayload, used_by: str, where: str) -> HandoffToken:
    """Mark the handoff used (once: a conditional update, so two scans at once cannot both win)."""
    row = session.get(HandoffToken, payload.s)
    if row is None:
        raise _refuse(CodeFailure.FORGED, where)  # signed by us but unknown: a restored database
    now = utcnow()
    if row.expires_at <= now:
        raise _refuse(CodeFailure.EXPIRED, where)
    done = session.execute(update(HandoffToken).where(HandoffToken.id == row.id, HandoffToken.used_at.is_(None))
                           .values(used_at=now, used_by=used_by).execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _refuse(CodeFailure.ALREADY_USED, where)
    return row


def _active_user(session: Session, user_id: int, where: str) -> User:
    user = session.get(User, user_id)
    if user is None or user.deleted_at is not None or user.role != Role.CUSTOMER:
        log.warning("code refused at %s: account gone", where)
        raise ApiError(404, ErrorCode.NOT_FOUND)
    return user


@router.post(QR_SIGN_IN_PATH, response_model=CodeSessionResponse, responses={400: {}, 403: {}, 404: {}, 410: {}})
def qr_sign_in(body: QrSignInRequest, principal: CurrentPrincipal, request: Request, db: DbDep,
               codes: CodesDep) -> CodeSessionResponse:
    """A kiosk exchanges a scanned loyalty card or handoff code for the shopper's kiosk session."""
    if principal.role is not Role.KIOSK or not principal.store_id:
        raise ApiError(403, ErrorCode.FORBIDDEN)
    store = principal.store_id
    where = f"kiosk {principal.user_id} ({store})"
    payload = _verify(codes, scanned_token(body.token), (CodeKind.LOYALTY, CodeKind.HANDOFF), where)
    if payload.t is not None and payload.t != store:
        raise _refuse(CodeFailure.OTHER_STORE, where)
    route: str | None = None
    with db.write() as session:
        if payload.k == CodeKind.HANDOFF:
            handoff = _redeem_handoff(session, payload, f"kiosk:{store}", where)
            user_id, route = handoff.user_id, handoff.route
        else:
            account = session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.id == payload.s)).one_or_none()
            if account is None:
                raise _refuse(CodeFailure.FORGED, where)
            user_id = account.customer_id
        user = _active_user(session, user_id, where)
        tokens = _tokens(request).issue_kiosk_session(session, user, store, KIOSK_SESSION_TTL_S)
    log.info("kiosk session opened at %s for user %s by a %s code", store, user_id, payload.k)
    ends = utcnow() + timedelta(seconds=KIOSK_SESSION_TTL_S)
    return CodeSessionResponse(**tokens.model_dump(), route=route, kiosk_store=store,
                               session_expires_at=iso(ends) or "")


@router.post(HANDOFF_PATH, response_model=HandoffPublic, responses={403: {}})
def handoff(body: HandoffCreate, principal: CurrentPrincipal, db: DbDep, codes: CodesDep) -> HandoffPublic:
    """A signed-in shopper's one-time code that opens `route` on another device for two minutes."""
    if principal.role is not Role.CUSTOMER:
        raise ApiError(403, ErrorCode.FORBIDDEN)
    now = utcnow().replace(microsecond=0)
    expires = now + timedelta(seconds=HANDOFF_TTL_S)
    with db.write() as session:
        _active_user(session, principal.user_id, "handoff")
        row = HandoffToken(id=uuid.uuid4().hex, user_id=principal.user_id, route=body.route, created_at=now,
                           expires_at=expires)
        session.add(row)
    token = codes.issue(CodeKind.HANDOFF, row.id, expires)
    return HandoffPublic(token=token, route=body.route, expires_at=iso(expires) or "",
                         continue_path=f"{CONTINUE_ROUTE}?token={quote(token, safe='')}")


@router.post(HANDOFF_REDEEM_PATH, response_model=CodeSessionResponse, responses={400: {}, 404: {}, 410: {}})
def redeem(body: HandoffRedeem, request: Request, db: DbDep, codes: CodesDep) -> CodeSessionResponse:
    """A signed-out browser opened a handoff link: sign it in as the shopper and open the route."""
    where = "web"
    payload = _verify(codes, scanned_token(body.token), (CodeKind.HANDOFF,), where)
    with db.write() as session:
        handoff_row = _redeem_handoff(session, payload, "web", where)
        user = _active_user(session, handoff_row.user_id, where)
        tokens = _tokens(request).issue(session, user)
        route = handoff_row.route
    ends = utcnow() + timedelta(seconds=_tokens(request).refresh_ttl_s)
    return CodeSessionResponse(**tokens.model_dump(), route=route, session_expires_at=iso(ends) or "")
