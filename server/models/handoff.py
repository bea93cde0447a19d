"""One-time "continue on another device" tokens: the route they open and whether they were used.

The signed code (kind "handoff") carries only this row's id; the route stays on the server, and
`used_at` makes the code single-use: redeeming is a conditional update `WHERE used_at IS NULL`,
so two devices scanning the same code at once cannot both get a session.
"""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant, StrId


class HandoffToken(Base):
    __tablename__ = "handoff_token"

    id: Mapped[StrId]
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    route: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[Instant]
    expires_at: Mapped[Instant]
    used_at: Mapped[Instant | None]
    used_by: Mapped[str | None] = mapped_column(String(40))  # "kiosk:BER-01" or "web"
