"""The `thread` and `message` entities. Threads that asked for a human are also in the `agent` scope."""

from sqlalchemy.orm import Session

from app.protocol.entities import MessagePublic, ThreadPublic, ThreadStatus
from app.protocol.sync import Entity
from server.models import Message, Thread
from server.models.base import iso
from server.scopes import AGENT, user_scope
from server.sync.log import stage


def thread_scopes(thread: Thread) -> list[str]:
    scopes = [user_scope(thread.customer_id)]
    if thread.status in (ThreadStatus.WAITING_FOR_AGENT, ThreadStatus.WITH_AGENT) or thread.agent_id:
        scopes.append(AGENT)
    return scopes


def thread_payload(thread: Thread) -> dict[str, object]:
    return ThreadPublic(
        id=thread.id, customer_id=str(thread.customer_id), subject=thread.subject, status=thread.status,
        created_at=iso(thread.created_at) or "", updated_at=iso(thread.updated_at) or "",
        order_id=thread.order_id, return_id=thread.return_id, pickup_id=thread.pickup_id,
        agent_id=str(thread.agent_id) if thread.agent_id else None,
        last_message_preview=thread.last_message_preview, customer_read_seq=thread.customer_read_seq,
        rating=thread.rating, rating_comment=thread.rating_comment,
    ).model_dump(mode="json")


def message_payload(message: Message) -> dict[str, object]:
    return MessagePublic(
        id=message.id, thread_id=message.thread_id, sender=message.sender, sender_name=message.sender_name,
        body=message.body, sent_at=iso(message.sent_at) or "", client_time=message.client_time,
        attachment_ids=list(message.attachment_ids or []),
    ).model_dump(mode="json")


def publish_thread(session: Session, thread: Thread) -> None:
    stage(session, thread_scopes(thread), Entity.THREAD, thread.id, thread_payload(thread))


def publish_message(session: Session, thread: Thread, message: Message) -> None:
    stage(session, thread_scopes(thread), Entity.MESSAGE, message.id, message_payload(message))
