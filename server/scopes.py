"""Scope names, and which scopes a token may pull. Clients never choose their scopes."""

from app.protocol.auth import Role

PUBLIC = "public"
AGENT = "agent"


def user_scope(user_id: int) -> str:
    return f"user:{user_id}"


def store_scope(store_id: str) -> str:
    return f"store:{store_id}"


def scopes_for(role: Role, user_id: int, store_id: str | None) -> list[str]:
    """The scopes a signed-in principal receives (kiosk shopper sessions get the shopper's)."""
    if role is Role.CUSTOMER:
        return [user_scope(user_id), PUBLIC]
    if role in (Role.STAFF, Role.KIOSK) and store_id:
        return [store_scope(store_id), PUBLIC]
    if role is Role.AGENT:
        return [AGENT, PUBLIC]
    return [PUBLIC]
