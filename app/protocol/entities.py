"""Payloads of synced rows (`Change.data`), one model per `Entity`.

Money is an integer amount of minor units plus an ISO 4217 currency; instants are UTC
ISO 8601 strings. Clients format both with babel for the user's locale.
"""

from enum import StrEnum

from pydantic import BaseModel, Field


class OrderStatus(StrEnum):
    PLACED = "placed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    READY_FOR_PICKUP = "ready_for_pickup"
    COLLECTED = "collected"
    CANCELLED = "cancelled"


class FulfilmentKind(StrEnum):
    DELIVERY = "delivery"
    PICKUP = "pickup"


class ShipmentStatus(StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    PROBLEM = "problem"
    RETURNED_TO_SENDER = "returned_to_sender"


class ProfilePublic(BaseModel):
    id: str
    name: str
    email: str
    locale: str
    marketing_email: bool = False
    push_notifications: bool = True


class OrderItemPublic(BaseModel):
    id: str
    sku: str
    name: str
    variant: str | None = None
    category: str
    quantity: int
    unit_price: int
    image: str | None = None
    returnable: bool = True
    age_restricted: bool = False
    # Other sizes/colours in stock, offered for an exchange.
    exchange_variants: list[str] = Field(default_factory=list)


class AddressPublic(BaseModel):
    name: str
    street: str
    postal_code: str
    city: str
    country: str


class OrderPublic(BaseModel):
    id: str
    number: str
    status: OrderStatus
    placed_at: str
    delivered_at: str | None = None
    currency: str
    total: int
    shipping_fee: int = 0
    payment_method: str
    fulfilment: FulfilmentKind
    store_id: str | None = None
    address: AddressPublic | None = None
    items: list[OrderItemPublic]
    cancelled_at: str | None = None


class TrackingEventPublic(BaseModel):
    id: str
    at: str
    status: ShipmentStatus
    location: str | None = None
    description: dict[str, str]


class ShipmentPublic(BaseModel):
    id: str
    order_id: str
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    item_ids: list[str]
    estimated_from: str | None = None
    estimated_to: str | None = None
    delivered_at: str | None = None
    events: list[TrackingEventPublic]


class ReturnKind(StrEnum):
    WITHDRAWAL = "withdrawal"
    RETURN = "return"
    EXCHANGE = "exchange"
    WARRANTY_CLAIM = "warranty_claim"


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    QR_ISSUED = "qr_issued"
    DROPPED_OFF = "dropped_off"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class ReturnItemPublic(BaseModel):
    order_item_id: str
    quantity: int
    reason: str | None = None
    exchange_variant: str | None = None


class ReturnEventPublic(BaseModel):
    at: str
    status: ReturnStatus  # the return's status at that moment
    note: str | None = None
    # "status": the status changed to `status`; "comment" | "items" | "refund_method": that field was
    # edited (for "comment", `note` keeps the superseded text).
    kind: str = "status"


class ReturnPublic(BaseModel):
    id: str
    order_id: str
    kind: ReturnKind
    status: ReturnStatus
    created_at: str
    items: list[ReturnItemPublic]
    comment: str | None = None
    refund_method: str | None = None
    remedy: str | None = None
    attachment_ids: list[str] = Field(default_factory=list)
    refund_amount: int | None = None
    refunded_at: str | None = None
    qr_token: str | None = None
    events: list[ReturnEventPublic] = Field(default_factory=list)


class LoyaltyAccountPublic(BaseModel):
    id: str
    card_number: str
    tier: str
    balance: int
    points_12m: int
    next_tier: str | None = None
    next_tier_points: int | None = None


class LoyaltyEntryPublic(BaseModel):
    id: str
    account_id: str
    at: str
    kind: str  # earned | redeemed | expired | adjusted
    points: int
    description: dict[str, str]
    order_id: str | None = None
    reward_id: str | None = None
    redemption_id: str | None = None
    code: str | None = None  # the one-time code of a redemption


class RewardPublic(BaseModel):
    id: str
    title: dict[str, str]
    description: dict[str, str]
    cost: int
    active: bool = True


class ThreadStatus(StrEnum):
    BOT = "bot"
    WAITING_FOR_AGENT = "waiting_for_agent"
    WITH_AGENT = "with_agent"
    CLOSED = "closed"


class ThreadPublic(BaseModel):
    id: str
    customer_id: str
    subject: str
    status: ThreadStatus
    created_at: str
    updated_at: str
    order_id: str | None = None
    return_id: str | None = None
    pickup_id: str | None = None
    agent_id: str | None = None
    last_message_preview: str | None = None
    unread_for_customer: int = 0
    customer_read_seq: int = 0
    rating: int | None = None
    rating_comment: str | None = None
    # Conversations (issue 4). Read receipts are message `position`s: the customer has read up to
    # `customer_read_seq`, the bot or an agent up to `agent_read_seq`; `last_position` is the newest.
    agent_read_seq: int = 0
    last_position: int = 0
    agent_name: str | None = None
    human_requested_at: str | None = None
    closed_at: str | None = None
    queue_position: int | None = None  # 1 = next; only while waiting for an agent
    expected_wait_minutes: int | None = None  # an estimate from the queue position
    context: dict[str, str] | None = None  # where it was started from: article, query, topic


class SenderKind(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class MessagePublic(BaseModel):
    id: str
    thread_id: str
    sender: SenderKind
    sender_name: str | None = None
    body: str
    sent_at: str
    client_time: str | None = None
    attachment_ids: list[str] = Field(default_factory=list)
    position: int = 0  # 1, 2, ... within the thread, in server commit order (read receipts refer to it)


class ContextOrderPublic(BaseModel):
    id: str
    number: str
    status: str
    placed_at: str
    total: int
    currency: str
    fulfilment: str
    tracking_status: str | None = None  # the newest tracking event of any parcel
    tracking_at: str | None = None
    tracking_text: dict[str, str] | None = None


class ContextReturnPublic(BaseModel):
    id: str
    order_number: str
    kind: str
    status: str
    created_at: str


class ContextThreadPublic(BaseModel):
    id: str
    subject: str
    status: str
    created_at: str
    order_id: str | None = None
    rating: int | None = None
    last_message_preview: str | None = None


class CustomerContextPublic(BaseModel):
    """What a support agent sees next to a conversation (`agent` scope, one row per shopper):
    a snapshot refreshed whenever one of the shopper's threads changes in the agent's queue."""

    id: str  # the customer's user id
    name: str
    email: str
    locale: str
    member_since: str | None = None
    loyalty_tier: str | None = None
    loyalty_balance: int | None = None
    orders: list[ContextOrderPublic] = Field(default_factory=list)  # newest first
    returns: list[ContextReturnPublic] = Field(default_factory=list)  # newest first
    threads: list[ContextThreadPublic] = Field(default_factory=list)  # every thread, newest first


class PickupStatus(StrEnum):
    PREPARING = "preparing"
    READY = "ready"
    CHECKED_IN = "checked_in"
    HANDED_OVER = "handed_over"
    CANCELLED = "cancelled"


class HandoverExceptionPublic(BaseModel):
    """A handover that happened although the pickup could not be closed (e.g. cancelled meanwhile)."""

    id: str
    at: str
    by: str
    recipient_name: str
    reason: str  # the pickup's status when the handover arrived: "cancelled"


class PickupPublic(BaseModel):
    id: str
    order_id: str
    order_number: str
    store_id: str
    customer_id: str
    customer_name: str
    status: PickupStatus
    code: str
    items: list[OrderItemPublic]
    age_check_required: bool = False
    delegate_name: str | None = None
    ready_at: str | None = None
    checked_in_at: str | None = None
    handed_over_at: str | None = None
    handed_over_by: str | None = None
    hold_until: str | None = None
    handed_over_to: str | None = None  # the recipient's name as staff recorded it
    # Store scope only: handovers staff must follow up (the shopper's copy leaves them out).
    exceptions: list[HandoverExceptionPublic] = Field(default_factory=list)


class NotificationPublic(BaseModel):
    id: str
    at: str
    kind: str
    title: dict[str, str]
    body: dict[str, str]
    route: str | None = None
    read: bool = False


class StorePublic(BaseModel):
    id: str
    name: str
    city: str
    address: str
    opening_hours: str
    timezone: str = "Europe/Berlin"


class FaqCategoryPublic(BaseModel):
    id: str
    slug: str
    locale: str
    title: str
    icon: str
    position: int


class FaqArticlePublic(BaseModel):
    id: str
    slug: str
    locale: str
    category: str
    title: str
    body: str
    tags: list[str] = Field(default_factory=list)
    updated_at: str
