"""The `customer_context` entity (agent scope): the shopper next to a conversation.

A snapshot of the shopper's orders (with the newest tracking event), returns, loyalty tier
and every earlier thread, so the agent desk renders the whole history from its cache, also
offline. It is refreshed whenever one of the shopper's threads changes in the agent scope
(a message, a take, a close), which is when an agent looks at it.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.protocol.entities import (
    ContextOrderPublic,
    ContextReturnPublic,
    ContextThreadPublic,
    CustomerContextPublic,
)
from app.protocol.sync import Entity
from server.models import LoyaltyAccount, Order, Return, Thread, TrackingEvent, User
from server.models.base import iso
from server.projections.loyalty import account_payload
from server.scopes import AGENT
from server.sync.log import stage

MAX_ORDERS = 10
MAX_RETURNS = 10
MAX_THREADS = 20


def latest_event(order: Order) -> TrackingEvent | None:
    events = [e for s in order.shipments for e in s.events]
    return max(events, key=lambda e: e.at) if events else None


def _order(order: Order) -> ContextOrderPublic:
    event = latest_event(order)
    return ContextOrderPublic(
        id=order.id, number=order.number, status=order.status, placed_at=iso(order.placed_at) or "",
        total=order.total, currency=order.currency, fulfilment=order.fulfilment,
        tracking_status=event.status if event else None, tracking_at=iso(event.at) if event else None,
        tracking_text=dict(event.description) if event else None)


def context_payload(session: Session, customer: User) -> dict[str, object]:
    orders = list(session.scalars(select(Order).where(Order.customer_id == customer.id)
                                  .order_by(Order.placed_at.desc()).limit(MAX_ORDERS)))
    numbers = dict(session.execute(select(Order.id, Order.number).where(Order.customer_id == customer.id)).all())
    returns = session.scalars(select(Return).where(Return.customer_id == customer.id)
                              .order_by(Return.created_at.desc()).limit(MAX_RETURNS))
    threads = session.scalars(select(Thread).where(Thread.customer_id == customer.id)
                              .order_by(Thread.created_at.desc()).limit(MAX_THREADS))
    account = session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer.id)).first()
    loyalty = account_payload(session, account) if account is not None else None
    return CustomerContextPublic(
        id=str(customer.id), name=customer.name, email=customer.email, locale=customer.locale,
        member_since=iso(customer.created_at),
        loyalty_tier=str(loyalty["tier"]) if loyalty else None,
        loyalty_balance=int(loyalty["balance"]) if loyalty else None,  # type: ignore[call-overload]
        orders=[_order(o) for o in orders],
        returns=[ContextReturnPublic(id=r.id, order_number=numbers.get(r.order_id, ""), kind=r.kind, status=r.status,
                                     created_at=iso(r.created_at) or "") for r in returns],
        threads=[ContextThreadPublic(id=t.id, subject=t.subject, status=t.status, created_at=iso(t.created_at) or "",
                                     order_id=t.order_id, rating=t.rating, last_message_preview=t.last_message_preview)
                 for t in threads],
    ).model_dump(mode="json")


def publish_customer_context(session: Session, customer_id: int) -> None:
    customer = session.get(User, customer_id)
    if customer is None or customer.deleted_at is not None:
        return
    stage(session, [AGENT], Entity.CUSTOMER_CONTEXT, str(customer.id), context_payload(session, customer))
