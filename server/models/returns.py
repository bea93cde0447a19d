"""Returns of every kind (withdrawal, goodwill return, exchange, warranty claim)."""

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Instant, StrId


class Return(Base):
    __tablename__ = "customer_return"

    id: Mapped[StrId]
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_order.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]
    comment: Mapped[str | None] = mapped_column(String(4000))
    refund_method: Mapped[str | None] = mapped_column(String(24))
    remedy: Mapped[str | None] = mapped_column(String(24))
    attachment_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    refund_amount: Mapped[int | None]
    refunded_at: Mapped[Instant | None]
    qr_token: Mapped[str | None] = mapped_column(String(400))

    items: Mapped[list["ReturnItem"]] = relationship(cascade="all, delete-orphan")
    events: Mapped[list["ReturnEvent"]] = relationship(
        order_by=lambda: [ReturnEvent.at, ReturnEvent.position], cascade="all, delete-orphan")


class ReturnItem(Base):
    __tablename__ = "return_item"

    id: Mapped[StrId]
    return_id: Mapped[str] = mapped_column(ForeignKey("customer_return.id"), index=True)
    order_item_id: Mapped[str] = mapped_column(ForeignKey("order_item.id"), index=True)
    quantity: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(40))
    exchange_variant: Mapped[str | None] = mapped_column(String(80))


class ReturnEvent(Base):
    """One line of a return's timeline: a status change, or an edit (`kind` names the edited field)."""

    __tablename__ = "return_event"

    id: Mapped[StrId]
    return_id: Mapped[str] = mapped_column(ForeignKey("customer_return.id"), index=True)
    at: Mapped[Instant]
    # Several events share one instant (requested, approved, qr_issued): position keeps their order.
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    kind: Mapped[str] = mapped_column(String(16), default="status", server_default="status")
    status: Mapped[str] = mapped_column(String(16))
    # For a comment edit: the superseded comment ("last arrival wins, history kept").
    note: Mapped[str | None] = mapped_column(String(4000))
