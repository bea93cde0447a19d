"""The shopper's conversations from the cache, with queued writes laid on top; every write is a
mutation (`thread.create(.v2)`, `message.send`, `thread.mark_read`, `thread.request_human`,
`thread.close`, `thread.rate`), so all of it works offline and lands exactly once.

Message states for the shopper's own messages: `pending` (still in the outbox), `sent` (the
server has it), `read` (the bot or an agent has read it: its `position` is at most the thread's
`agent_read_seq`). Messages are shown in server order (`position`), pending ones after them in
the order they were written; never by a device clock.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, select

from app.protocol.entities import SenderKind, ThreadStatus
from app.protocol.mutations import (
    MessageSend,
    ThreadContext,
    ThreadCreate,
    ThreadCreateV2,
    ThreadMarkRead,
    ThreadRate,
    ThreadRef,
)
from app.protocol.sync import Entity
from services.ids import new_id
from services.overlay import Row, Rule, add, apply_overlay, patch
from services.storage import outbox as outbox_repo
from services.storage.outbox import Pending
from services.storage.tables import SYNCED
from services.sync import SyncEngine

PENDING, SENT, READ = "pending", "sent", "read"
OPEN_STATUSES = frozenset({ThreadStatus.BOT, ThreadStatus.WAITING_FOR_AGENT, ThreadStatus.WITH_AGENT})
PREVIEW_CHARS = 140
_CHANGES = {Entity.THREAD.value, Entity.MESSAGE.value}


def _thread_created(by_id: dict[str, Row], m: Pending) -> None:
    add(by_id, {"id": m.args["thread_id"], "subject": m.args["subject"], "status": ThreadStatus.BOT.value,
                "created_at": m.created_at, "updated_at": m.created_at, "order_id": m.args.get("order_id"),
                "return_id": m.args.get("return_id"), "pickup_id": m.args.get("pickup_id"),
                "context": m.args.get("context"), "last_message_preview": m.args.get("body"),
                "customer_read_seq": 0, "agent_read_seq": 0, "last_position": 0, "unread_for_customer": 0})


def _preview(by_id: dict[str, Row], m: Pending) -> None:
    patch(by_id, m.args["thread_id"], last_message_preview=m.args["body"][:PREVIEW_CHARS], updated_at=m.created_at)


def _read(by_id: dict[str, Row], m: Pending) -> None:
    row = by_id.get(m.args["thread_id"])
    if row is not None:
        patch(by_id, row["id"], customer_read_seq=max(int(row.get("customer_read_seq") or 0), m.args["read_up_to"]),
              unread_for_customer=0)


def _status(status: ThreadStatus, only_from: frozenset[ThreadStatus] | None = None) -> Rule:
    def rule(by_id: dict[str, Row], m: Pending) -> None:
        row = by_id.get(m.args["thread_id"])
        if row is None or (only_from is not None and row.get("status") not in only_from):
            return
        fields: dict[str, Any] = {"status": status.value}
        if status == ThreadStatus.CLOSED:
            fields["closed_at"] = m.created_at
        patch(by_id, row["id"], **fields)
    return rule


def _rated(by_id: dict[str, Row], m: Pending) -> None:
    patch(by_id, m.args["thread_id"], rating=m.args["rating"], rating_comment=m.args.get("comment"))


def _message(thread_key: str, body_key: str, id_key: str, sender: SenderKind = SenderKind.CUSTOMER) -> Rule:
    def rule(by_id: dict[str, Row], m: Pending) -> None:
        if m.args.get(id_key) and m.args.get(body_key):
            add(by_id, {"id": m.args[id_key], "thread_id": m.args[thread_key], "sender": sender.value,
                        "body": m.args[body_key], "sent_at": m.created_at, "position": 0,
                        "attachment_ids": list(m.args.get("attachment_ids") or [])})
    return rule


THREAD_RULES: dict[str, Rule] = {
    "thread.create": _thread_created,
    "thread.create.v2": _thread_created,
    "message.send": _preview,
    "thread.mark_read": _read,
    "thread.request_human": _status(ThreadStatus.WAITING_FOR_AGENT, frozenset({ThreadStatus.BOT})),
    "thread.close": _status(ThreadStatus.CLOSED),
    "thread.rate": _rated,
}
MESSAGE_RULES: dict[str, Rule] = {
    "message.send": _message("thread_id", "body", "message_id"),
    "thread.create": _message("thread_id", "body", "first_message_id"),
    "thread.create.v2": _message("thread_id", "body", "first_message_id"),
}


def read_threads(engine: Engine, rules: Mapping[str, Rule]) -> list[Row]:
    table = SYNCED[Entity.THREAD]
    with engine.connect() as conn:
        rows = [r.data for r in conn.execute(select(table.c.data))]
        pending = outbox_repo.pending(conn, set(rules))
    return apply_overlay(rows, pending, rules)


def read_messages(engine: Engine, thread_id: str, rules: Mapping[str, Rule]) -> list[Row]:
    """One thread's messages: synced ones by `position` (then seq), pending ones after, in outbox order."""
    table = SYNCED[Entity.MESSAGE]
    with engine.connect() as conn:
        rows = [{**r.data, "_seq": int(r.seq)} for r in conn.execute(
            select(table.c.data, table.c.seq).where(table.c.thread_id == thread_id))]
        pending = outbox_repo.pending(conn, set(rules))
    merged = [r for r in apply_overlay(rows, pending, rules) if r["thread_id"] == thread_id]
    synced = sorted((r for r in merged if not r.get("_pending")),
                    key=lambda r: (int(r.get("position") or 0), r.get("_seq", 0)))
    # The overlay keeps outbox order for added rows (dicts keep insertion order).
    return synced + [r for r in merged if r.get("_pending")]


def message_state(message: Row, thread: Row | None) -> str | None:
    """pending | sent | read for the shopper's own messages; None for everyone else's."""
    if message.get("sender") != SenderKind.CUSTOMER.value:
        return None
    if message.get("_pending"):
        return PENDING
    read_up_to = int((thread or {}).get("agent_read_seq") or 0)
    return READ if 0 < int(message.get("position") or 0) <= read_up_to else SENT


def unread_count(thread: Row) -> int:
    return int(thread.get("unread_for_customer") or 0)


class MessagingService:
    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync

    # -- reading -------------------------------------------------------------------------------
    def threads(self) -> list[Row]:
        """Every thread of the shopper, the most recently active first."""
        return sorted(read_threads(self.sync.engine, THREAD_RULES), key=lambda r: r["updated_at"], reverse=True)

    def thread(self, thread_id: str) -> Row | None:
        return next((t for t in read_threads(self.sync.engine, THREAD_RULES) if t["id"] == thread_id), None)

    def messages(self, thread_id: str) -> list[Row]:
        """The thread's messages, each with `state` (pending/sent/read) on the shopper's own ones."""
        thread = self.thread(thread_id)
        rows = read_messages(self.sync.engine, thread_id, MESSAGE_RULES)
        return [{**m, "state": message_state(m, thread)} for m in rows]

    def unread_total(self) -> int:
        return sum(unread_count(t) for t in self.threads())

    # -- writing (each one a queued mutation) -----------------------------------------------------
    def create_thread(self, subject: str, body: str | None = None, order_id: str | None = None,
                      context: Mapping[str, str] | None = None, attachment_ids: Sequence[str] = (),
                      return_id: str | None = None, pickup_id: str | None = None) -> str:
        """Start a conversation; with a context or photos it is a `thread.create.v2`."""
        thread_id = new_id()
        first = new_id() if body else None
        if context or attachment_ids:
            args: ThreadCreate = ThreadCreateV2(
                thread_id=thread_id, subject=subject, body=body, order_id=order_id, return_id=return_id,
                pickup_id=pickup_id, first_message_id=first,
                context=ThreadContext.model_validate(dict(context)) if context else None,
                attachment_ids=list(attachment_ids))
            self.sync.mutate("thread.create.v2", args.model_dump(exclude_none=True), _CHANGES)
        else:
            args = ThreadCreate(thread_id=thread_id, subject=subject, body=body, order_id=order_id,
                                return_id=return_id, pickup_id=pickup_id, first_message_id=first)
            self.sync.mutate("thread.create", args.model_dump(exclude_none=True), _CHANGES)
        return thread_id

    def send(self, thread_id: str, body: str, attachment_ids: Sequence[str] = ()) -> str:
        message_id = new_id()
        args = MessageSend(message_id=message_id, thread_id=thread_id, body=body, attachment_ids=list(attachment_ids))
        self.sync.mutate("message.send", args.model_dump(), _CHANGES)
        return message_id

    def mark_read(self, thread_id: str) -> bool:
        """Queue a read receipt up to the newest synced message, unless it is read already."""
        thread = self.thread(thread_id)
        if thread is None:
            return False
        newest = int(thread.get("last_position") or 0)
        if newest <= int(thread.get("customer_read_seq") or 0) and not unread_count(thread):
            return False
        args = ThreadMarkRead(thread_id=thread_id, read_up_to=newest)
        self.sync.mutate("thread.mark_read", args.model_dump(), {Entity.THREAD.value})
        return True

    def request_human(self, thread_id: str) -> None:
        self.sync.mutate("thread.request_human", ThreadRef(thread_id=thread_id).model_dump(), _CHANGES)

    def close(self, thread_id: str) -> None:
        self.sync.mutate("thread.close", ThreadRef(thread_id=thread_id).model_dump(), _CHANGES)

    def rate(self, thread_id: str, rating: int, comment: str | None = None) -> None:
        args = ThreadRate(thread_id=thread_id, rating=rating, comment=comment or None)
        self.sync.mutate("thread.rate", args.model_dump(exclude_none=True), {Entity.THREAD.value})
