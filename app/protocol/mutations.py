"""Argument models of every mutation, by versioned name.

A changed argument shape gets a new name (`message.send` -> `message.send.v2`), so an old
client's queued mutations keep their meaning. Ids of created things are client-made UUIDv7.
"""

from typing import Annotated

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


MUTATION_ARGS: dict[str, type[Args]] = {
    "profile.update": ProfileUpdate,
    "thread.create": ThreadCreate,
    "message.send": MessageSend,
    "order.cancel": OrderCancel,
}
