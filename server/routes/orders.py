"""POST /orders/lookup: a guest follows an order with its number and the email given at checkout.

"No such order" and "wrong email" get the very same 404 (same status, same bytes), the emails
are compared in constant time, and an address that fails too often is slowed down, so the
lookup tells nothing to someone guessing. The answer is `GuestOrderView` (app.protocol.orders).
"""

import hmac

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.protocol.entities import FulfilmentKind, OrderStatus, ShipmentStatus
from app.protocol.errors import ErrorCode
from app.protocol.orders import (
    GUEST_EVENTS_PER_SHIPMENT,
    GuestItem,
    GuestLookupRequest,
    GuestOrderView,
    GuestShipment,
    GuestTrackingEvent,
)
from server.errors import ApiError
from server.models import Order, Shipment
from server.models.base import iso
from server.ratelimit import account_key, client_address, lookup_guard
from server.routes.deps import DbDep

router = APIRouter(prefix="/orders", tags=["orders"])

_DUMMY_EMAIL = b"nobody@nahtlos.invalid"


def _email_key(email: str) -> bytes:
    return email.strip().casefold().encode("utf-8")


def _shipment_view(shipment: Shipment) -> GuestShipment:
    events = sorted(shipment.events, key=lambda e: e.at, reverse=True)[:GUEST_EVENTS_PER_SHIPMENT]
    return GuestShipment(
        carrier=shipment.carrier, tracking_number=shipment.tracking_number, status=ShipmentStatus(shipment.status),
        item_count=len(shipment.item_ids or []), estimated_from=iso(shipment.estimated_from),
        estimated_to=iso(shipment.estimated_to), delivered_at=iso(shipment.delivered_at),
        events=[GuestTrackingEvent(at=iso(e.at) or "", status=ShipmentStatus(e.status), location=e.location,
                                   description=e.description) for e in events])


def guest_view(order: Order) -> GuestOrderView:
    return GuestOrderView(
        number=order.number, status=OrderStatus(order.status), placed_at=iso(order.placed_at) or "",
        delivered_at=iso(order.delivered_at), cancelled_at=iso(order.cancelled_at),
        fulfilment=FulfilmentKind(order.fulfilment),
        store_id=order.store_id, currency=order.currency, total=order.total,
        items=[GuestItem(name=i.name, variant=i.variant, quantity=i.quantity, image=i.image) for i in order.items],
        shipments=[_shipment_view(s) for s in order.shipments])


@router.post("/lookup", response_model=GuestOrderView, responses={404: {}, 429: {}})
def lookup(body: GuestLookupRequest, request: Request, db: DbDep) -> GuestOrderView:
    number = body.number.strip().upper()
    # Charged as a failure up front and given back on a match (server.ratelimit).
    attempt = lookup_guard(request).attempt(address=client_address(request), email=account_key(body.email),
                                            order=number)
    with db.read() as session:
        order = session.scalars(select(Order).where(Order.number == number).options(
            selectinload(Order.items), selectinload(Order.shipments).selectinload(Shipment.events))).first()
        # Compare even when there is no order, so both refusals take the same path and time.
        stored = _email_key(order.email) if order is not None else _DUMMY_EMAIL
        matches = hmac.compare_digest(_email_key(body.email), stored)
        if order is None or not matches:
            raise ApiError(404, ErrorCode.NOT_FOUND)
        view = guest_view(order)
    attempt.succeeded()
    return view
