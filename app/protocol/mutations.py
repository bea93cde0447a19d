"""Argument models of every mutation, by versioned name.

A changed argument shape gets a new name (`message.send` -> `message.send.v2`), so an old
client's queued mutations keep their meaning. Ids of created things are client-made UUIDv7.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileUpdate(Args):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = None
    locale: Annotated[str, StringConstraints(pattern=r"^(de|en)$")] | None = None
    marketing_email: bool | None = None
    push_notifications: bool | None = None


class ThreadCreate(Args):
    thread_id: Id
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    first_message_id: Id | None = None
    body: Text | None = None
    order_id: Id | None = None
    return_id: Id | None = None
    pickup_id: Id | None = None


class MessageSend(Args):
    message_id: Id
    thread_id: Id
    body: Text
    attachment_ids: list[Id] = Field(default_factory=list, max_length=3)


class OrderCancel(Args):
    order_id: Id


class ProblemKind(StrEnum):
    NOT_RECEIVED = "not_received"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"


class OrderReportProblem(Args):
    """Opens a conversation thread linked to the order (the thread id is made by the client)."""

    order_id: Id
    thread_id: Id
    message_id: Id
    kind: ProblemKind
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""
    shipment_id: Id | None = None
    attachment_ids: list[Id] = Field(default_factory=list, max_length=3)


class RefundMethod(StrEnum):
    ORIGINAL_PAYMENT = "original_payment"
    STORE_CREDIT = "store_credit"


class Remedy(StrEnum):
    REPAIR = "repair"
    REPLACEMENT = "replacement"
    REFUND = "refund"


class ReturnLine(Args):
    order_item_id: Id
    quantity: int = Field(ge=1, le=99)
    reason: Annotated[str, StringConstraints(max_length=40)] | None = None
    exchange_variant: Annotated[str, StringConstraints(max_length=80)] | None = None


class ReturnCreate(Args):
    """kind: withdrawal (EU, 14 days, no reason) | return | exchange (goodwill, 30 days) | warranty_claim (2 years)."""

    return_id: Id
    order_id: Id
    kind: Annotated[str, StringConstraints(pattern=r"^(withdrawal|return|exchange|warranty_claim)$")]
    items: list[ReturnLine] = Field(min_length=1, max_length=50)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None = None
    refund_method: RefundMethod | None = None
    remedy: Remedy | None = None
    attachment_ids: list[Id] = Field(default_factory=list, max_length=3)


class FieldChange(Args):
    """Compare-and-set: applied only if the server still holds `from_`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: Any = Field(default=None, alias="from")
    to: Any = None


class ReturnUpdate(Args):
    """Per-field compare-and-set (contract, "Conflict rules"). Fields: comment, refund_method, items."""

    return_id: Id
    changes: dict[Annotated[str, StringConstraints(pattern=r"^(comment|refund_method|items)$")], FieldChange] = Field(
        min_length=1, max_length=3)


class ReturnCancel(Args):
    return_id: Id


class LoyaltyRedeem(Args):
    redemption_id: Id
    reward_id: Id


class AccountDelete(Args):
    confirm: Literal[True]


MUTATION_ARGS: dict[str, type[Args]] = {
    "profile.update": ProfileUpdate,
    "thread.create": ThreadCreate,
    "message.send": MessageSend,
    "order.cancel": OrderCancel,
    "order.report_problem": OrderReportProblem,
    "return.create": ReturnCreate,
    "return.update": ReturnUpdate,
    "return.cancel": ReturnCancel,
    "loyalty.redeem": LoyaltyRedeem,
    "account.delete": AccountDelete,
}
