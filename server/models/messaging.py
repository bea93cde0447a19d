"""Conversation threads and their messages."""

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant, StrId


class Thread(Base):
    __tablename__ = "thread"
    # The agents' queue: threads waiting for a person, oldest request first.
    __table_args__ = (Index("ix_thread_queue", "status", "human_requested_at"),)

    id: Mapped[StrId]
    customer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[Instant]
    updated_at: Mapped[Instant]
    order_id: Mapped[str | None] = mapped_column(ForeignKey("customer_order.id"))
    return_id: Mapped[str | None] = mapped_column(String(40))
    pickup_id: Mapped[str | None] = mapped_column(String(40))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    human_requested_at: Mapped[Instant | None]
    closed_at: Mapped[Instant | None]
    customer_read_seq: Mapped[int] = mapped_column(default=0)
    last_message_preview: Mapped[str | None] = mapped_column(String(200))
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(2000))
    # Read receipts are message positions: the bot or an agent has read up to here.
    agent_read_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    # Where the shopper started it (FAQ article, search query, proactive-help topic).
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Message(Base):
    __tablename__ = "message"

    id: Mapped[StrId]
    thread_id: Mapped[str] = mapped_column(ForeignKey("thread.id"), index=True)
    sender: Mapped[str] = mapped_column(String(16))
    sender_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    sender_name: Mapped[str | None] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[Instant]
    client_time: Mapped[str | None] = mapped_column(String(64))
    attachment_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # 1, 2, ... within the thread in commit order (assigned under the thread's row lock).
    position: Mapped[int] = mapped_column(default=0, server_default="0")
