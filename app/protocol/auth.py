"""Sign-in, token refresh and the signed-in user."""

from enum import StrEnum

from pydantic import BaseModel, Field


class Role(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    AGENT = "agent"
    KIOSK = "kiosk"


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class UserPublic(BaseModel):
    id: int
    role: Role
    name: str
    email: str
    locale: str
    store_id: str | None = None


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserPublic
