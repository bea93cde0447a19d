"""In-app notifications and uploaded attachments."""

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant, StrId


class Notification(Base):
    __tablename__ = "notification"

    id: Mapped[StrId]
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    at: Mapped[Instant]
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[dict[str, str]] = mapped_column(JSON)
    route: Mapped[str | None] = mapped_column(String(200))
    read: Mapped[bool] = mapped_column(default=False)


class Attachment(Base):
    __tablename__ = "attachment"

    id: Mapped[StrId]
    owner_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[Instant]
