"""Pull, push and poke messages of the sync protocol (see shared/design/sync-protocol.md)."""

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_MUTATIONS_PER_PUSH = 100
MAX_PUSH_BYTES = 256 * 1024
DEFAULT_PULL_LIMIT = 2000
MAX_PULL_LIMIT = 5000


class Entity(StrEnum):
    """Entity names in `changes`, the same in every layer."""

    PROFILE = "profile"
    ORDER = "order"
    SHIPMENT = "shipment"
    RETURN = "return"
    LOYALTY_ACCOUNT = "loyalty_account"
    LOYALTY_ENTRY = "loyalty_entry"
    REWARD = "reward"
    THREAD = "thread"
    MESSAGE = "message"
    PICKUP = "pickup"
    NOTIFICATION = "notification"
    STORE = "store"
    FAQ_CATEGORY = "faq_category"
    FAQ_ARTICLE = "faq_article"
    CUSTOMER_CONTEXT = "customer_context"  # agent scope only: the shopper next to a conversation


class Op(StrEnum):
    UPSERT = "U"
    DELETE = "D"


class PullRequest(BaseModel):
    epoch: str | None = None
    cursors: dict[str, int] = Field(default_factory=dict, max_length=64)
    limit: int = Field(default=DEFAULT_PULL_LIMIT, ge=1, le=MAX_PULL_LIMIT)


class Change(BaseModel):
    scope: str
    entity: Entity
    id: str
    seq: int
    op: Op
    data: dict[str, Any] | None = None


class Rejection(BaseModel):
    mutation_id: int
    code: str
    message: str
    detail: dict[str, Any] | None = None


class PullResponse(BaseModel):
    epoch: str
    changes: list[Change]
    cursors: dict[str, int]
    more: bool
    last_mutation_id: int
    rejections: list[Rejection] = Field(default_factory=list)
    scopes_added: list[str] = Field(default_factory=list)
    scopes_removed: list[str] = Field(default_factory=list)


class MutationIn(BaseModel):
    id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=64)
    args: dict[str, Any]
    client_time: str | None = Field(default=None, max_length=64)


class PushRequest(BaseModel):
    client_id: str = Field(min_length=8, max_length=64)
    mutations: list[MutationIn] = Field(max_length=MAX_MUTATIONS_PER_PUSH)


class MutationStatus(StrEnum):
    OK = "ok"
    REJECTED = "rejected"


class MutationResult(BaseModel):
    id: int
    status: MutationStatus
    seq: int | None = None
    code: str | None = None
    message: str | None = None
    result: dict[str, Any] | None = None


class PushResponse(BaseModel):
    last_mutation_id: int
    results: list[MutationResult]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    epoch: str
    seq: int


class Poke(BaseModel):
    scopes: list[str]
    seq: int
