"""The `order` (with items) and `shipment` (with tracking events) entities."""

from sqlalchemy.orm import Session

from app.protocol.entities import (
    AddressPublic,
    FulfilmentKind,
    OrderItemPublic,
    OrderPublic,
    OrderStatus,
    ShipmentPublic,
    ShipmentStatus,
    TrackingEventPublic,
)
from app.protocol.sync import Entity
from server.models import Order, OrderItem, Shipment
from server.models.base import iso
from server.scopes import user_scope
from server.sync.log import stage


def item_payload(item: OrderItem) -> OrderItemPublic:
    return OrderItemPublic(
        id=item.id, sku=item.sku, name=item.name, variant=item.variant, category=item.category,
        quantity=item.quantity, unit_price=item.unit_price, image=item.image,
        returnable=item.returnable, age_restricted=item.age_restricted,
        exchange_variants=list(item.exchange_variants or []),
    )


def order_payload(order: Order) -> dict[str, object]:
    return OrderPublic(
        id=order.id, number=order.number, status=OrderStatus(order.status), placed_at=iso(order.placed_at) or "",
        delivered_at=iso(order.delivered_at), cancelled_at=iso(order.cancelled_at),
        currency=order.currency, total=order.total, shipping_fee=order.shipping_fee,
        payment_method=order.payment_method, fulfilment=FulfilmentKind(order.fulfilment), store_id=order.store_id,
        address=AddressPublic(**order.address) if order.address else None,
        items=[item_payload(i) for i in order.items],
    ).model_dump(mode="json")


def shipment_payload(shipment: Shipment) -> dict[str, object]:
    return ShipmentPublic(
        id=shipment.id, order_id=shipment.order_id, carrier=shipment.carrier,
        tracking_number=shipment.tracking_number, status=ShipmentStatus(shipment.status), item_ids=shipment.item_ids,
        estimated_from=iso(shipment.estimated_from), estimated_to=iso(shipment.estimated_to),
        delivered_at=iso(shipment.delivered_at),
        events=[
            TrackingEventPublic(id=e.id, at=iso(e.at) or "", status=ShipmentStatus(e.status), location=e.location,
                                description=e.description)
            for e in sorted(shipment.events, key=lambda e: e.at, reverse=True)
        ],
    ).model_dump(mode="json")


def publish_order(session: Session, order: Order) -> None:
    if order.customer_id is None:
        return
    stage(session, [user_scope(order.customer_id)], Entity.ORDER, order.id, order_payload(order))


def publish_shipment(session: Session, shipment: Shipment) -> None:
    customer_id = shipment.order.customer_id
    if customer_id is None:
        return
    stage(session, [user_scope(customer_id)], Entity.SHIPMENT, shipment.id, shipment_payload(shipment))
