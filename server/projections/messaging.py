"""The `thread` and `message` entities.

Every thread is in its shopper's `user:<id>` scope. A thread that asked for a human (waiting,
with an agent, or closed by one) is also in the `agent` scope, with its messages and a
snapshot of the shopper's context (`server.projections.agent_context`).

Read receipts and ordering use the message `position` (1, 2, ... per thread), never a
scope's `seq`: a message copied into the agent scope later gets a newer seq there.
"""

from sqlalchemy import and_, bindparam, func, inspect, or_, select
from sqlalchemy.orm import Session

from app.protocol.entities import MessagePublic, SenderKind, ThreadPublic, ThreadStatus
from app.protocol.sync import Entity
from server.models import Message, Thread, User
from server.models.base import iso
from server.projections.agent_context import publish_customer_context
from server.scopes import AGENT, user_scope
from server.sync.log import stage

# The expected wait shown to a waiting shopper: queue position times this (a plain estimate
# until the desk measures its own handling times).
MINUTES_PER_CONVERSATION_AHEAD = 4
HUMAN_STATUSES = (ThreadStatus.WAITING_FOR_AGENT, ThreadStatus.WITH_AGENT)


def in_agent_scope(thread: Thread) -> bool:
    return thread.status in HUMAN_STATUSES or thread.agent_id is not None


def thread_scopes(thread: Thread) -> list[str]:
    scopes = [user_scope(thread.customer_id)]
    if in_agent_scope(thread):
        scopes.append(AGENT)
    return scopes


def queue_position(session: Session, thread: Thread) -> int | None:
    """1 for the oldest request; None unless the thread waits for an agent."""
    if thread.status != ThreadStatus.WAITING_FOR_AGENT or thread.human_requested_at is None:
        return None
    ahead = session.scalar(select(func.count()).select_from(Thread).where(
        Thread.status == ThreadStatus.WAITING_FOR_AGENT,
        or_(Thread.human_requested_at < thread.human_requested_at,
            and_(Thread.human_requested_at == thread.human_requested_at, Thread.id < thread.id))))
    return int(ahead or 0) + 1


_LAST_POSITION = select(func.coalesce(func.max(Message.position), 0)).where(Message.thread_id == bindparam("thread"))
_NEWEST_WRITTEN = "nahtlos_newest_written"


def note_written(session: Session, message: Message) -> None:
    """Remember the newest message this transaction wrote to its (locked) thread: its position is
    the thread's last, so the thread's projection and the next message need not ask again."""
    session.info.setdefault(_NEWEST_WRITTEN, {})[message.thread_id] = message


def last_position(session: Session, thread_id: str) -> int:
    newest: Message | None = session.info.get(_NEWEST_WRITTEN, {}).get(thread_id)
    # Only while its row stands: a refused mutation's savepoint takes the row (it turns transient).
    if newest is not None and inspect(newest).persistent:
        return newest.position
    return int(session.scalar(_LAST_POSITION, {"thread": thread_id}) or 0)


def thread_payload(thread: Thread, session: Session | None = None) -> dict[str, object]:
    """The wire form; without a session (the account export) the derived fields stay at their defaults."""
    derived: dict[str, object] = {}
    if session is not None:
        position = queue_position(session, thread)
        unread = session.scalar(select(func.count()).select_from(Message).where(
            Message.thread_id == thread.id, Message.sender.in_((SenderKind.BOT, SenderKind.AGENT)),
            Message.position > thread.customer_read_seq))
        agent = session.get(User, thread.agent_id) if thread.agent_id else None
        derived = {"unread_for_customer": int(unread or 0), "last_position": last_position(session, thread.id),
                   "agent_name": agent.name if agent else None, "queue_position": position,
                   "expected_wait_minutes": position * MINUTES_PER_CONVERSATION_AHEAD if position else None}
    return ThreadPublic(
        id=thread.id, customer_id=str(thread.customer_id), subject=thread.subject, status=ThreadStatus(thread.status),
        created_at=iso(thread.created_at) or "", updated_at=iso(thread.updated_at) or "",
        order_id=thread.order_id, return_id=thread.return_id, pickup_id=thread.pickup_id,
        agent_id=str(thread.agent_id) if thread.agent_id else None,
        last_message_preview=thread.last_message_preview,
        customer_read_seq=thread.customer_read_seq, rating=thread.rating, rating_comment=thread.rating_comment,
        agent_read_seq=thread.agent_read_seq, human_requested_at=iso(thread.human_requested_at),
        closed_at=iso(thread.closed_at),
        context={k: str(v) for k, v in thread.context.items() if v} if thread.context else None,
        **derived,  # type: ignore[arg-type]
    ).model_dump(mode="json")


def message_payload(message: Message) -> dict[str, object]:
    return MessagePublic(
        id=message.id, thread_id=message.thread_id, sender=SenderKind(message.sender), sender_name=message.sender_name,
        body=message.body, sent_at=iso(message.sent_at) or "", client_time=message.client_time,
        attachment_ids=list(message.attachment_ids or []), position=message.position,
    ).model_dump(mode="json")


def publish_thread(session: Session, thread: Thread, with_context: bool = True) -> None:
    """Stage the thread for its shopper (and the agents); the agents also get the shopper's context."""
    session.flush()
    scopes = thread_scopes(thread)
    stage(session, scopes, Entity.THREAD, thread.id, thread_payload(thread, session))
    if with_context and AGENT in scopes:
        publish_customer_context(session, thread.customer_id)


def publish_message(session: Session, thread: Thread, message: Message) -> None:
    stage(session, thread_scopes(thread), Entity.MESSAGE, message.id, message_payload(message))


def publish_history_to_agents(session: Session, thread: Thread) -> None:
    """The thread just asked for a human: the agents get every earlier message too.

    Staged in the agent scope only, so the shopper's copies keep their seq (and their order)."""
    session.flush()
    for message in session.scalars(select(Message).where(Message.thread_id == thread.id)
                                   .order_by(Message.position)):
        stage(session, [AGENT], Entity.MESSAGE, message.id, message_payload(message))


def publish_queue(session: Session) -> None:
    """The queue moved (a thread joined, was taken or closed): every waiting shopper's position changes."""
    session.flush()
    for thread in session.scalars(select(Thread).where(Thread.status == ThreadStatus.WAITING_FOR_AGENT)):
        publish_thread(session, thread, with_context=False)
