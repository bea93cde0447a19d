"""Orders with items and prices; shipments with carrier tracking events."""

from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Instant, StrId


class Order(Base):
    __tablename__ = "customer_order"

    id: Mapped[StrId]
    number: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # as given at checkout; guest lookup compares it
    status: Mapped[str] = mapped_column(String(24))
    placed_at: Mapped[Instant]
    delivered_at: Mapped[Instant | None]
    cancelled_at: Mapped[Instant | None]
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[int]
    shipping_fee: Mapped[int] = mapped_column(default=0)
    payment_method: Mapped[str] = mapped_column(String(24))
    fulfilment: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[str | None] = mapped_column(ForeignKey("store.id"))
    address: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order", order_by="OrderItem.position", cascade="all, delete-orphan"
    )
    shipments: Mapped[list["Shipment"]] = relationship(
        back_populates="order", order_by="Shipment.tracking_number", cascade="all, delete-orphan"
    )


class OrderItem(Base):
    __tablename__ = "order_item"

    id: Mapped[StrId]
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_order.id"), index=True)
    position: Mapped[int]
    sku: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    variant: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int]
    unit_price: Mapped[int]
    image: Mapped[str | None] = mapped_column(String(200))
    returnable: Mapped[bool] = mapped_column(default=True)
    age_restricted: Mapped[bool] = mapped_column(default=False)
    # Other sizes/colours of the same product in stock, offered for an exchange.
    exchange_variants: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")

    order: Mapped[Order] = relationship(back_populates="items")


class Shipment(Base):
    __tablename__ = "shipment"

    id: Mapped[StrId]
    order_id: Mapped[str] = mapped_column(ForeignKey("customer_order.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(24))
    tracking_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(24))
    item_ids: Mapped[list[str]] = mapped_column(JSON)
    estimated_from: Mapped[Instant | None]
    estimated_to: Mapped[Instant | None]
    delivered_at: Mapped[Instant | None]

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list["TrackingEvent"]] = relationship(
        order_by="TrackingEvent.at.desc()", cascade="all, delete-orphan"
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_event"

    id: Mapped[StrId]
    shipment_id: Mapped[str] = mapped_column(ForeignKey("shipment.id"), index=True)
    at: Mapped[Instant]
    status: Mapped[str] = mapped_column(String(24))
    location: Mapped[str | None] = mapped_column(String(120))
    description: Mapped[dict[str, str]] = mapped_column(JSON)
