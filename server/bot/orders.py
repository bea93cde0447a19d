"""Order facts for the bot: which order the shopper means, and its newest tracking events,
written in the shopper's language with babel (dates in the retailer's time zone)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_interval, format_skeleton, format_time
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol.entities import OrderStatus, ShipmentStatus
from server.bot.texts import say
from server.models import Order, Shipment, Thread

TIMEZONE = ZoneInfo("Europe/Berlin")
_ON_THE_WAY = {ShipmentStatus.LABEL_CREATED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY,
               ShipmentStatus.DELAYED}
_STATUS_TEXT: dict[str, str] = {  # keyed by OrderStatus, looked up with the row's str
    OrderStatus.PLACED: "order_status_placed",
    OrderStatus.PROCESSING: "order_status_processing",
    OrderStatus.READY_FOR_PICKUP: "order_status_ready_for_pickup",
    OrderStatus.COLLECTED: "order_status_collected",
    OrderStatus.CANCELLED: "order_status_cancelled",
    OrderStatus.DELIVERED: "order_status_delivered",
}


def _local(value: datetime) -> datetime:
    return value.astimezone(TIMEZONE)


def _date(value: datetime, locale: str) -> str:
    return format_skeleton("MMMEd", _local(value), locale=locale)


def pick_order(session: Session, customer_id: int, thread: Thread, number: str | None) -> Order | None:
    """The order the question is about: one it names, else the thread's, else the newest with a
    parcel on its way, else the newest. None if there is none (or the named one is not theirs)."""
    if number is not None:
        return session.scalars(select(Order).where(Order.customer_id == customer_id, Order.number == number)).first()
    if thread.order_id is not None:
        linked = session.get(Order, thread.order_id)
        if linked is not None and linked.customer_id == customer_id:
            return linked
    orders = list(session.scalars(select(Order).where(Order.customer_id == customer_id)
                                  .order_by(Order.placed_at.desc())))
    moving = [o for o in orders if any(s.status in _ON_THE_WAY for s in o.shipments)]
    candidates = moving or orders
    return candidates[0] if candidates else None


def _parcel_lines(shipment: Shipment, locale: str) -> list[str]:
    events = sorted(shipment.events, key=lambda e: e.at, reverse=True)
    if not events:
        return []
    event = events[0]
    text = event.description.get(locale[:2]) or event.description.get("de") or next(iter(event.description.values()), "")
    place = say("parcel_place", locale, location=event.location) if event.location else ""
    lines = [say("parcel_event", locale, carrier=shipment.carrier, tracking=shipment.tracking_number, event=text,
                 date=_date(event.at, locale), time=format_time(_local(event.at), "short", locale=locale),
                 place=place)]
    if shipment.delivered_at is None and shipment.estimated_from and shipment.estimated_to:
        start, end = _local(shipment.estimated_from).date(), _local(shipment.estimated_to).date()
        window = (format_skeleton("MMMEd", start, locale=locale) if start == end
                  else format_interval(start, end, "MMMEd", locale=locale))
        lines.append(say("parcel_eta", locale, window=window))
    if shipment.status == ShipmentStatus.DELAYED:
        lines.append(say("parcel_delayed", locale))
    return lines


def order_answer(order: Order, locale: str) -> str:
    """Where the order stands: the newest tracking event of each parcel, or its status in words."""
    lines = [say("order_heading", locale, number=order.number, date=_date(order.placed_at, locale))]
    parcels = [line for shipment in order.shipments for line in _parcel_lines(shipment, locale)]
    if parcels and order.status != OrderStatus.CANCELLED:
        lines.extend(parcels)
    else:
        lines.append(say(_STATUS_TEXT.get(order.status, "order_status_other"), locale))
    lines.append(say("order_link", locale, link=f"/orders/{order.id}"))
    return "\n".join(lines)
