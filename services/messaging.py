"""Threads and messages from the cache; `thread.create` and `message.send` work offline."""

from sqlalchemy import select

from app.protocol.entities import SenderKind, ThreadStatus
from app.protocol.mutations import MessageSend, ThreadCreate
from app.protocol.sync import Entity
from services.ids import new_id
from services.overlay import Row, add, apply_overlay
from services.storage import outbox as outbox_repo
from services.storage.outbox import Pending
from services.storage.tables import SYNCED
from services.sync import SyncEngine


def _thread_created(by_id: dict[str, Row], m: Pending) -> None:
    add(by_id, {"id": m.args["thread_id"], "subject": m.args["subject"], "status": ThreadStatus.BOT.value,
                "created_at": m.created_at, "updated_at": m.created_at, "order_id": m.args.get("order_id"),
                "last_message_preview": m.args.get("body")})


def _message(thread_key: str, body_key: str, id_key: str):  # type: ignore[no-untyped-def]
    def rule(by_id: dict[str, Row], m: Pending) -> None:
        if m.args.get(id_key) and m.args.get(body_key):
            add(by_id, {"id": m.args[id_key], "thread_id": m.args[thread_key], "sender": SenderKind.CUSTOMER.value,
                        "body": m.args[body_key], "sent_at": m.created_at, "attachment_ids": []})
    return rule


THREAD_RULES = {"thread.create": _thread_created}
MESSAGE_RULES = {"message.send": _message("thread_id", "body", "message_id"),
                 "thread.create": _message("thread_id", "body", "first_message_id")}


class MessagingService:
    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync

    def threads(self) -> list[Row]:
        table = SYNCED[Entity.THREAD]
        with self.sync.engine.connect() as conn:
            rows = [r.data for r in conn.execute(select(table.c.data))]
            pending = outbox_repo.pending(conn, set(THREAD_RULES))
        return sorted(apply_overlay(rows, pending, THREAD_RULES), key=lambda r: r["updated_at"], reverse=True)

    def messages(self, thread_id: str) -> list[Row]:
        table = SYNCED[Entity.MESSAGE]
        with self.sync.engine.connect() as conn:
            rows = [r.data for r in conn.execute(select(table.c.data).where(table.c.thread_id == thread_id)
                                                 .order_by(table.c.seq, table.c.sent_at))]
            pending = outbox_repo.pending(conn, set(MESSAGE_RULES))
        merged = [r for r in apply_overlay(rows, pending, MESSAGE_RULES) if r["thread_id"] == thread_id]
        # Synced messages in server order (seq); pending ones after them, in the order they were
        # written (the outbox order; the overlay keeps it). Never by a device clock: it may be wrong.
        return sorted(merged, key=lambda r: bool(r.get("_pending")))

    def create_thread(self, subject: str, body: str | None = None, order_id: str | None = None) -> str:
        thread_id = new_id()
        args = ThreadCreate(thread_id=thread_id, subject=subject, body=body, order_id=order_id,
                            first_message_id=new_id() if body else None)
        self.sync.mutate("thread.create", args.model_dump(exclude_none=True), {Entity.THREAD.value, Entity.MESSAGE.value})
        return thread_id

    def send(self, thread_id: str, body: str) -> str:
        message_id = new_id()
        args = MessageSend(message_id=message_id, thread_id=thread_id, body=body)
        self.sync.mutate("message.send", args.model_dump(), {Entity.MESSAGE.value, Entity.THREAD.value})
        return message_id
