"""Click & collect pickups and their handover exceptions."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant, StrId


class Pickup(Base):
    __tablename__ = "pickup"

    id: Mapped[StrId]
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_order.id"), unique=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(12), unique=True)  # short code staff can type
    delegate_name: Mapped[str | None] = mapped_column(String(120))
    ready_at: Mapped[Instant | None]
    checked_in_at: Mapped[Instant | None]
    handed_over_at: Mapped[Instant | None]
    handed_over_by: Mapped[str | None] = mapped_column(String(120))
    hold_until: Mapped[Instant | None]
