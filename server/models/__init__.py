"""Typed ORM models, one module per feature; importing this package registers them all."""

from server.models.accounts import AuthSession, Store, User
from server.models.base import Base
from server.models.faq import FaqArticle, FaqCategory, FaqFeedbackRecord
from server.models.handoff import HandoffToken
from server.models.loyalty import LoyaltyAccount, LoyaltyEntry, Reward
from server.models.messaging import Message, Thread
from server.models.notifications import Attachment, Notification
from server.models.orders import Order, OrderItem, Shipment, TrackingEvent
from server.models.pickups import Pickup, PickupHandover
from server.models.ratelimit import RateLimitBucket
from server.models.returns import Return, ReturnEvent, ReturnItem
from server.models.sync import (
    SyncClient,
    SyncCounter,
    SyncLog,
    SyncMutation,
    SyncScopeState,
)

__all__ = [
    "Attachment",
    "AuthSession",
    "Base",
    "FaqArticle",
    "FaqCategory",
    "FaqFeedbackRecord",
    "HandoffToken",
    "LoyaltyAccount",
    "LoyaltyEntry",
    "Message",
    "Notification",
    "Order",
    "OrderItem",
    "Pickup",
    "PickupHandover",
    "RateLimitBucket",
    "Return",
    "ReturnEvent",
    "ReturnItem",
    "Reward",
    "Shipment",
    "Store",
    "SyncClient",
    "SyncCounter",
    "SyncLog",
    "SyncMutation",
    "SyncScopeState",
    "Thread",
    "TrackingEvent",
    "User",
]
