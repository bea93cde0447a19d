"""Argument models of every mutation, by versioned name.

A changed argument shape gets a new name (`message.send` -> `message.send.v2`), so an old
client's queued mutations keep their meaning. Ids of created things are client-made UUIDv7.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

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


class ThreadContext(Args):
    """Where a conversation was started from, so the agent sees it (all optional)."""

    article: Annotated[str, StringConstraints(max_length=80)] | None = None  # an FAQ article slug
    query: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    topic: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None  # e.g. a proactive-help rule


class ThreadCreateV2(ThreadCreate):
    """`thread.create.v2`: `thread.create` plus where it was started from and photos on the first message."""

    context: ThreadContext | None = None
    attachment_ids: list[Id] = Field(default_factory=list, max_length=3)


class ThreadMarkRead(Args):
    """Read receipt: messages up to this `position` were read (the server keeps the maximum)."""

    thread_id: Id
    read_up_to: int = Field(ge=0, le=10_000_000)


class ThreadRef(Args):
    """`thread.request_human`, `thread.close` (shopper or agent) and `agent.take`: just the thread."""

    thread_id: Id


class ThreadRate(Args):
    thread_id: Id
    rating: int = Field(ge=1, le=5)
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class AgentReply(Args):
    thread_id: Id
    message_id: Id
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


class ReturnDropOff(Args):
    """`return.drop_off`: the return's QR (kind "return") was scanned in a store: at the kiosk in the
    shopper's kiosk session, or by staff. The code is checked again on the server."""

    return_id: Id
    code: Annotated[str, StringConstraints(min_length=1, max_length=600)]


# -- click & collect (issue 5) ----------------------------------------------------------------
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
# A signature is drawn as strokes of points on a 1000 x 1000 pad (scaled to any screen); the
# limits keep one handover far below the push size limit.
MAX_SIGNATURE_STROKES = 40
MAX_SIGNATURE_POINTS = 1500
SignaturePoint = tuple[Annotated[int, Field(ge=0, le=1000)], Annotated[int, Field(ge=0, le=1000)]]


class PickupCheckIn(Args):
    """"I'm here": the shopper (own phone or a kiosk session in that store) has arrived."""

    pickup_id: Id


class PickupMarkReady(Args):
    pickup_id: Id


class PickupSetDelegate(Args):
    """Name the person who may collect instead of the shopper (None: nobody but the shopper)."""

    pickup_id: Id
    delegate_name: PersonName | None = None


class HandoverSignature(Args):
    strokes: list[list[SignaturePoint]] = Field(min_length=1, max_length=MAX_SIGNATURE_STROKES)

    @model_validator(mode="after")
    def _bounded(self) -> "HandoverSignature":
        if sum(len(s) for s in self.strokes) > MAX_SIGNATURE_POINTS:
            raise ValueError(f"a signature has at most {MAX_SIGNATURE_POINTS} points")
        return self


class PickupHandover(Args):
    """Staff hand a pickup over. `code` is what was scanned (signed pickup code) or typed (short code)."""

    handover_id: Id
    pickup_id: Id
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=600)]
    recipient_name: PersonName
    delegate: bool = False
    items_complete: Literal[True]
    age_check_done: bool = False
    signature: HandoverSignature | None = None


class PickupResolveException(Args):
    """Staff close the follow-up of a handover exception (goods left for a pickup cancelled meanwhile)."""

    handover_id: Id
    resolution: Literal["goods_returned", "paid_at_till", "written_off"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None


class FaqFeedback(Args):
    """"Was this helpful?" on one FAQ article (one language's row); idempotent by the client-made id.

    `query` is what the shopper had searched for, so unhelpful answers to a search can be found.
    """

    feedback_id: Id
    article_id: Id
    helpful: bool
    query: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


MUTATION_ARGS: dict[str, type[Args]] = {
    "profile.update": ProfileUpdate,
    "thread.create": ThreadCreate,
    "message.send": MessageSend,
    "thread.create.v2": ThreadCreateV2,
    "thread.mark_read": ThreadMarkRead,
    "thread.request_human": ThreadRef,
    "thread.close": ThreadRef,
    "thread.rate": ThreadRate,
    "agent.take": ThreadRef,
    "agent.reply": AgentReply,
    "order.cancel": OrderCancel,
    "order.report_problem": OrderReportProblem,
    "return.create": ReturnCreate,
    "return.update": ReturnUpdate,
    "return.cancel": ReturnCancel,
    "return.drop_off": ReturnDropOff,
    "loyalty.redeem": LoyaltyRedeem,
    "account.delete": AccountDelete,
    "faq.feedback": FaqFeedback,
    "pickup.check_in": PickupCheckIn,
    "pickup.mark_ready": PickupMarkReady,
    "pickup.set_delegate": PickupSetDelegate,
    "pickup.handover": PickupHandover,
    "pickup.resolve_exception": PickupResolveException,
}
