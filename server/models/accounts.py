"""Stores, users of every role, and refresh-token sessions."""


from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant, StrId


class Store(Base):
    __tablename__ = "store"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # e.g. "BER-01"
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(200))
    opening_hours: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")


class User(Base):
    """One table for every role; staff and kiosk devices are bound to a store."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))
    locale: Mapped[str] = mapped_column(String(8), default="de")
    store_id: Mapped[str | None] = mapped_column(ForeignKey("store.id"))
    marketing_email: Mapped[bool] = mapped_column(default=False)
    push_notifications: Mapped[bool] = mapped_column(default=True)
    demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[Instant]
    deleted_at: Mapped[Instant | None]


class AuthSession(Base):
    """A refresh-token family; revoking it signs a device out."""

    __tablename__ = "auth_session"

    id: Mapped[StrId]
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[Instant]
    expires_at: Mapped[Instant]
    revoked_at: Mapped[Instant | None]
