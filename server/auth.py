"""Passwords (argon2), tokens (signed JWT) and the request principal.

Access tokens are short-lived and stateless; refresh tokens belong to an `AuthSession`
row so that sign-out and account deletion revoke them.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol.auth import Role, TokenResponse, UserPublic
from app.protocol.errors import ErrorCode
from server.errors import ApiError
from server.kiosk_sessions import refuse_outside_kiosk_scope
from server.models import AuthSession, User
from server.models.base import utcnow

_hasher = PasswordHasher()
# Verifying against a real hash for unknown emails keeps the timing the same as a wrong password.
_DUMMY_HASH = _hasher.hash("nahtlos-timing-equaliser")
_ALGORITHM = "HS256"
# Verified access tokens remembered (until they expire): a device sends the same token with every
# request for its lifetime, and checking it again (base64, HMAC, claims) cost ~15 % of a pull's
# server CPU. Bounded: emptied when full (each device just verifies once more).
_PRINCIPALS_KEPT = 4096


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Principal:
    user_id: int
    role: Role
    store_id: str | None
    session_id: str
    # A kiosk session (app.protocol.handoff): a shopper signed in at this store's kiosk, limited in scope.
    kiosk_store: str | None = None


def user_public(user: User) -> UserPublic:
    return UserPublic(id=user.id, role=Role(user.role), name=user.name, email=user.email, locale=user.locale,
                      store_id=user.store_id)


class TokenService:
    def __init__(self, secret: str, access_ttl_s: int, refresh_ttl_s: int) -> None:
        self.secret = secret
        self.access_ttl_s = access_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self._principals: dict[str, tuple[Principal, float]] = {}

    def _encode(self, claims: dict[str, Any], ttl_s: int) -> str:
        now = utcnow()
        return jwt.encode({**claims, "iat": now, "exp": now + timedelta(seconds=ttl_s)}, self.secret, _ALGORITHM)

    def decode(self, token: str, kind: str) -> dict[str, Any]:
        try:
            claims = jwt.decode(token, self.secret, algorithms=[_ALGORITHM], options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError as exc:
            raise ApiError(401, ErrorCode.TOKEN_EXPIRED) from exc
        except jwt.PyJWTError as exc:
            raise ApiError(401, ErrorCode.TOKEN_INVALID) from exc
        if claims.get("typ") != kind:
            raise ApiError(401, ErrorCode.TOKEN_INVALID)
        return claims

    def issue(self, session: Session, user: User) -> TokenResponse:
        """A new refresh-token family and its first access token."""
        auth = AuthSession(id=uuid.uuid4().hex, user_id=user.id, created_at=utcnow(),
                           expires_at=utcnow() + timedelta(seconds=self.refresh_ttl_s))
        session.add(auth)
        return self._tokens(user, auth)

    def refresh(self, session: Session, refresh_token: str) -> TokenResponse:
        claims = self.decode(refresh_token, "refresh")
        auth = session.get(AuthSession, claims.get("sid"))
        user = session.get(User, int(claims["sub"]))
        if auth is None or auth.revoked_at is not None or user is None or user.deleted_at is not None:
            raise ApiError(401, ErrorCode.TOKEN_INVALID)
        if claims.get("kiosk"):
            return self._kiosk_tokens(user, auth, str(claims["kiosk"]))
        return self._tokens(user, auth)

    def issue_kiosk_session(self, session: Session, user: User, store_id: str, ttl_s: int) -> TokenResponse:
        """A shopper's session at a store's kiosk: limited (claim `kiosk`) and ending after `ttl_s` at the latest."""
        now = utcnow()
        auth = AuthSession(id=uuid.uuid4().hex, user_id=user.id, created_at=now,
                           expires_at=now + timedelta(seconds=ttl_s))
        session.add(auth)
        return self._kiosk_tokens(user, auth, store_id)

    def _kiosk_tokens(self, user: User, auth: AuthSession, store_id: str) -> TokenResponse:
        # Never renewed past the session's end: a refresh only hands out what is left of it.
        left = int((auth.expires_at - utcnow()).total_seconds())
        if left <= 0:
            raise ApiError(401, ErrorCode.TOKEN_EXPIRED)
        base = {"sub": str(user.id), "sid": auth.id, "role": user.role, "store": user.store_id, "kiosk": store_id}
        access_ttl = min(self.access_ttl_s, left)
        return TokenResponse(access_token=self._encode({**base, "typ": "access"}, access_ttl),
                             refresh_token=self._encode({**base, "typ": "refresh"}, left),
                             expires_in=access_ttl, user=user_public(user))

    def _tokens(self, user: User, auth: AuthSession) -> TokenResponse:
        base = {"sub": str(user.id), "sid": auth.id, "role": user.role, "store": user.store_id}
        return TokenResponse(
            access_token=self._encode({**base, "typ": "access"}, self.access_ttl_s),
            refresh_token=self._encode({**base, "typ": "refresh"}, self.refresh_ttl_s),
            expires_in=self.access_ttl_s,
            user=user_public(user),
        )

    def principal(self, access_token: str) -> Principal:
        known = self._principals.get(access_token)
        if known is not None and time.time() < known[1]:  # expired once `exp` <= now, as PyJWT says
            return known[0]
        claims = self.decode(access_token, "access")
        principal = Principal(user_id=int(claims["sub"]), role=Role(claims["role"]), store_id=claims.get("store"),
                              session_id=str(claims.get("sid", "")), kiosk_store=claims.get("kiosk") or None)
        if len(self._principals) >= _PRINCIPALS_KEPT:
            self._principals.clear()
        self._principals[access_token] = (principal, float(claims["exp"]))
        return principal


def revoke_sessions(session: Session, user_id: int) -> None:
    for auth in session.scalars(select(AuthSession).where(AuthSession.user_id == user_id,
                                                          AuthSession.revoked_at.is_(None))):
        auth.revoked_at = utcnow()


def bearer_token(request: Request) -> str:
    token = parse_bearer(request.headers.get("authorization", ""))
    if token is None:
        raise ApiError(401, ErrorCode.NOT_AUTHENTICATED)
    return token


def parse_bearer(header: str) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None (also for the pull fast path)."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return token.strip()


async def current_principal(request: Request) -> Principal:
    """The caller's principal from its access token: a JWT check without I/O, so it runs on the
    event loop (as a plain `def`, FastAPI would spend a thread-pool hop on it for every request)."""
    tokens: TokenService = request.app.state.tokens
    principal = tokens.principal(bearer_token(request))
    if principal.kiosk_store is not None:
        refuse_outside_kiosk_scope(request.url.path)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
