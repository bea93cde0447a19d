"""Guest order lookup (`POST /orders/lookup`): no account, just the order number and checkout email.

The answer is a reduced view: enough to follow the parcels, nothing that helps someone who
merely guessed a number and an address (no address, no payment, no item prices, no name).
"""

from pydantic import BaseModel, Field

from app.protocol.entities import FulfilmentKind, OrderStatus, ShipmentStatus

GUEST_EVENTS_PER_SHIPMENT = 10


class GuestLookupRequest(BaseModel):
    number: str = Field(min_length=1, max_length=20)
    email: str = Field(min_length=3, max_length=254)


class GuestItem(BaseModel):
    name: str
    variant: str | None = None
    quantity: int
    image: str | None = None


class GuestTrackingEvent(BaseModel):
    at: str
    status: ShipmentStatus
    location: str | None = None
    description: dict[str, str]


class GuestShipment(BaseModel):
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    item_count: int
    estimated_from: str | None = None
    estimated_to: str | None = None
    delivered_at: str | None = None
    events: list[GuestTrackingEvent]  # newest first, at most GUEST_EVENTS_PER_SHIPMENT


class GuestOrderView(BaseModel):
    number: str
    status: OrderStatus
    placed_at: str
    delivered_at: str | None = None
    cancelled_at: str | None = None
    fulfilment: FulfilmentKind
    store_id: str | None = None  # the pickup store (public information)
    currency: str
    total: int  # the order total only: it is on the confirmation email the guest holds
    items: list[GuestItem]
    shipments: list[GuestShipment]
