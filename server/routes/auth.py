"""POST /auth/login, /auth/refresh, /auth/logout."""

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from app.protocol.auth import LoginRequest, RefreshRequest, TokenResponse
from app.protocol.errors import ErrorCode
from server.auth import CurrentPrincipal, TokenService, verify_password
from server.errors import ApiError
from server.models import AuthSession, User
from server.models.base import utcnow
from server.ratelimit import account_key, client_address, login_guard
from server.routes.deps import DbDep

router = APIRouter(prefix="/auth", tags=["auth"])


def _tokens(request: Request) -> TokenService:
    tokens: TokenService = request.app.state.tokens
    return tokens


@router.post("/login", response_model=TokenResponse, responses={401: {}, 429: {}})
def login(body: LoginRequest, request: Request, db: DbDep) -> TokenResponse:
    # Charged as a failure before the password check (a right guess while braked is refused too,
    # parallel guesses cannot outrun the count); given back only once the sign-in has succeeded.
    attempt = login_guard(request).attempt(account=account_key(body.email), address=client_address(request))
    with db.write() as session:
        user = session.scalars(select(User).where(func.lower(User.email) == body.email.strip().lower())).first()
        ok = verify_password(user.password_hash if user else None, body.password)
        if user is None or not ok or user.deleted_at is not None:
            raise ApiError(401, ErrorCode.INVALID_CREDENTIALS)
        tokens = _tokens(request).issue(session, user)
    attempt.succeeded()
    return tokens


@router.post("/refresh", response_model=TokenResponse, responses={401: {}})
def refresh(body: RefreshRequest, request: Request, db: DbDep) -> TokenResponse:
    with db.read() as session:
        return _tokens(request).refresh(session, body.refresh_token)


@router.post("/logout", status_code=204, responses={401: {}})
def logout(principal: CurrentPrincipal, db: DbDep) -> None:
    with db.write() as session:
        auth = session.get(AuthSession, principal.session_id)
        if auth is not None and auth.revoked_at is None:
            auth.revoked_at = utcnow()
