"""Click & collect pickups, and the record of each handover (including handover exceptions)."""

from sqlalchemy import JSON, ForeignKey, String
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


class PickupHandover(Base):
    """Proof of one handover (the client-made id makes a replay an upsert of the same record).

    `outcome` "handed_over" closed the pickup; "exception" records goods that left the store
    although the pickup could not be closed (cancelled meanwhile), for staff to follow up.
    A handover that lost the race (already handed over) leaves no record at all.
    """

    __tablename__ = "pickup_handover"

    id: Mapped[StrId]
    pickup_id: Mapped[str] = mapped_column(ForeignKey("pickup.id"), index=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("store.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    staff_name: Mapped[str] = mapped_column(String(120))
    at: Mapped[Instant]
    client_time: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(16))  # the pickup's status, for an exception
    recipient_name: Mapped[str] = mapped_column(String(120))
    delegate: Mapped[bool] = mapped_column(default=False)
    items_complete: Mapped[bool] = mapped_column(default=False)
    age_check_done: Mapped[bool] = mapped_column(default=False)
    signature: Mapped[list[list[list[int]]] | None] = mapped_column(JSON)  # strokes on a 1000 x 1000 pad
    # An exception's follow-up: when, by whom, how (see PickupResolveException) and a note.
    resolved_at: Mapped[Instant | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolution: Mapped[str | None] = mapped_column(String(24))
    resolution_note: Mapped[str | None] = mapped_column(String(500))
