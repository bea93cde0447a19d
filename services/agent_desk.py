"""The support agent's desk from the cache (`agent` scope): the queue of conversations that asked
for a human (oldest first), the agent's own conversations, their messages, and each shopper's
context. Writes are mutations: `agent.take`, `agent.reply`, `thread.close`, `thread.mark_read`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.protocol.entities import SenderKind, ThreadStatus
from app.protocol.mutations import AgentReply, ThreadMarkRead, ThreadRef
from app.protocol.sync import Entity
from services.ids import new_id
from services.messaging import PREVIEW_CHARS, read_messages, read_threads
from services.overlay import Row, Rule, patch
from services.storage.outbox import Pending
from services.storage.tables import SYNCED
from services.sync import SyncEngine

_CHANGES = {Entity.THREAD.value, Entity.MESSAGE.value}


@dataclass(frozen=True)
class Desk:
    """What the desk shows: waiting (oldest first), mine (newest activity first), closed (recent first)."""

    queue: list[Row]
    mine: list[Row]
    closed: list[Row]


def _rules(agent_id: str, agent_name: str) -> tuple[dict[str, Rule], dict[str, Rule]]:
    def take(by_id: dict[str, Row], m: Pending) -> None:
        row = by_id.get(m.args["thread_id"])
        if row is not None and row.get("status") == ThreadStatus.WAITING_FOR_AGENT.value:
            patch(by_id, row["id"], status=ThreadStatus.WITH_AGENT.value, agent_id=agent_id, agent_name=agent_name,
                  queue_position=None)

    def reply_thread(by_id: dict[str, Row], m: Pending) -> None:
        take(by_id, m)
        patch(by_id, m.args["thread_id"], last_message_preview=m.args["body"][:PREVIEW_CHARS], updated_at=m.created_at)

    def close(by_id: dict[str, Row], m: Pending) -> None:
        patch(by_id, m.args["thread_id"], status=ThreadStatus.CLOSED.value, closed_at=m.created_at)

    def read(by_id: dict[str, Row], m: Pending) -> None:
        row = by_id.get(m.args["thread_id"])
        if row is not None:
            patch(by_id, row["id"], agent_read_seq=max(int(row.get("agent_read_seq") or 0), m.args["read_up_to"]))

    def reply_message(by_id: dict[str, Row], m: Pending) -> None:
        if m.args["message_id"] not in by_id:
            by_id[m.args["message_id"]] = {
                "id": m.args["message_id"], "thread_id": m.args["thread_id"], "sender": SenderKind.AGENT.value,
                "sender_name": agent_name, "body": m.args["body"], "sent_at": m.created_at, "position": 0,
                "attachment_ids": list(m.args.get("attachment_ids") or []), "_pending": True}

    threads: dict[str, Rule] = {"agent.take": take, "agent.reply": reply_thread, "thread.close": close,
                               "thread.mark_read": read}
    return threads, {"agent.reply": reply_message}


class AgentDeskService:
    def __init__(self, sync: SyncEngine, agent_id: str, agent_name: str) -> None:
        self.sync = sync
        self.agent_id = str(agent_id)
        self._thread_rules, self._message_rules = _rules(self.agent_id, agent_name)

    # -- reading -------------------------------------------------------------------------------
    def threads(self) -> list[Row]:
        return read_threads(self.sync.engine, self._thread_rules)

    def desk(self) -> Desk:
        rows = self.threads()
        queue = sorted((t for t in rows if t["status"] == ThreadStatus.WAITING_FOR_AGENT.value),
                       key=lambda t: (t.get("human_requested_at") or t["created_at"], t["id"]))
        mine = sorted((t for t in rows if t["status"] == ThreadStatus.WITH_AGENT.value
                       and str(t.get("agent_id")) == self.agent_id), key=lambda t: t["updated_at"], reverse=True)
        closed = sorted((t for t in rows if t["status"] == ThreadStatus.CLOSED.value),
                        key=lambda t: t.get("closed_at") or t["updated_at"], reverse=True)
        return Desk(queue=queue, mine=mine, closed=closed)

    def thread(self, thread_id: str) -> Row | None:
        return next((t for t in self.threads() if t["id"] == thread_id), None)

    def messages(self, thread_id: str) -> list[Row]:
        return read_messages(self.sync.engine, thread_id, self._message_rules)

    def context(self, customer_id: str) -> dict[str, Any] | None:
        """The shopper's orders, returns, loyalty tier and earlier threads (a server-made snapshot)."""
        table = SYNCED[Entity.CUSTOMER_CONTEXT]
        with self.sync.engine.connect() as conn:
            row = conn.execute(select(table.c.data).where(table.c.id == str(customer_id))).first()
        return dict(row.data) if row is not None else None

    def unread(self, thread: Row) -> int:
        """Messages from the shopper the desk has not read yet."""
        return max(0, int(thread.get("last_position") or 0) - int(thread.get("agent_read_seq") or 0))

    # -- writing -------------------------------------------------------------------------------
    def take(self, thread_id: str) -> None:
        self.sync.mutate("agent.take", ThreadRef(thread_id=thread_id).model_dump(), _CHANGES)

    def reply(self, thread_id: str, body: str, attachment_ids: Sequence[str] = ()) -> str:
        message_id = new_id()
        args = AgentReply(thread_id=thread_id, message_id=message_id, body=body, attachment_ids=list(attachment_ids))
        self.sync.mutate("agent.reply", args.model_dump(), _CHANGES)
        return message_id

    def close(self, thread_id: str) -> None:
        self.sync.mutate("thread.close", ThreadRef(thread_id=thread_id).model_dump(), _CHANGES)

    def mark_read(self, thread_id: str) -> bool:
        thread = self.thread(thread_id)
        if thread is None or not self.unread(thread):
            return False
        args = ThreadMarkRead(thread_id=thread_id, read_up_to=int(thread.get("last_position") or 0))
        self.sync.mutate("thread.mark_read", args.model_dump(), {Entity.THREAD.value})
        return True
