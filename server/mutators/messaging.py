"""The shopper's conversation mutations: `thread.create` (and `.v2`), `message.send`,
`thread.mark_read`, `thread.request_human`, `thread.close`, `thread.rate`.

Everything is idempotent by the client-made ids; a message gets its `position` in the thread
under the thread's row lock. While a thread is in `bot` status, the bot (`server.bot`)
answers the shopper's messages shortly after the push batch commits, in a transaction of its own
(`answer_pending`, run by server.sync.follow_ups): once per thread, to everything the shopper wrote
since its last answer, read together, as a person reads a burst of lines written offline before
answering (online, a message travels alone and gets its own answer). Neither the shopper's message
nor the push's answer waits for the bot: the other devices get the message with the batch's poke. After
`thread.request_human` the bot never answers again. `thread.mark_read` and `thread.close` also
serve agents (their side of the receipt, closing a conversation they look after); the agent-only
mutations are in `server.mutators.agent`.
"""

import uuid
from datetime import datetime, timedelta
from functools import partial
from itertools import takewhile
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.protocol.auth import Role
from app.protocol.entities import SenderKind, ThreadStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import (
    MessageSend,
    ThreadCreate,
    ThreadCreateV2,
    ThreadMarkRead,
    ThreadRate,
    ThreadRef,
)
from server import bot
from server.bot.texts import say
from server.errors import Rejected
from server.models import Attachment, Message, Order, Thread, User
from server.models.base import utcnow
from server.mutators import MutationContext, mutator, require_row_ids
from server.projections.messaging import (
    HUMAN_STATUSES,
    in_agent_scope,
    last_position,
    note_written,
    publish_history_to_agents,
    publish_message,
    publish_queue,
    publish_thread,
)

PREVIEW_CHARS = 140
# Ids of the messages the server writes itself (bot replies, system notes) derive from the message
# or event they answer, so a replayed transaction writes the same rows.
_SERVER_IDS = uuid.UUID("0c6f3b1e-5a7d-4c2b-9e1f-3d2a8b6c4e10")

# Built once: every message runs them (twice with the bot's answer), and building a statement
# costs about as much as running such a small one.
_LOCK_THREAD = (select(Thread).where(Thread.id == bindparam("id")).with_for_update()
                .execution_options(populate_existing=True))
# The bot reads at most this many of the shopper's newest unanswered lines.
UNANSWERED_READ = 20
_NEWEST = (select(Message).where(Message.thread_id == bindparam("thread")).order_by(Message.position.desc())
           .limit(UNANSWERED_READ))


def server_message_id(*parts: str) -> str:
    return str(uuid.uuid5(_SERVER_IDS, ":".join(parts)))


def locked_thread(ctx: MutationContext, thread_id: str) -> Thread | None:
    """The thread with its row locked until commit (message positions are assigned under it)."""
    return lock_thread(ctx.session, thread_id)


def lock_thread(session: Session, thread_id: str) -> Thread | None:
    return session.scalars(_LOCK_THREAD, {"id": thread_id}).one_or_none()


def owned_thread(ctx: MutationContext, thread_id: str) -> Thread:
    thread = locked_thread(ctx, thread_id)
    if thread is None or thread.customer_id != ctx.principal.user_id:
        raise Rejected(RejectionCode.NOT_FOUND)
    return thread


def check_attachments(ctx: MutationContext, attachment_ids: list[str]) -> list[str]:
    """The caller's own uploads only (`attachment_invalid` otherwise), without duplicates."""
    wanted = list(dict.fromkeys(attachment_ids))
    if not wanted:
        return []
    owned = set(ctx.session.scalars(select(Attachment.id).where(Attachment.id.in_(wanted),
                                                                Attachment.owner_id == ctx.principal.user_id)))
    for attachment_id in wanted:
        if attachment_id not in owned:
            raise Rejected(RejectionCode.ATTACHMENT_INVALID, {"attachment_id": attachment_id})
    return wanted


def next_position(ctx: MutationContext, thread: Thread) -> int:
    return _next_position(ctx.session, thread)


def _next_position(session: Session, thread: Thread) -> int:
    session.flush()
    return last_position(session, thread.id) + 1


def write_message(ctx: MutationContext, thread: Thread, message_id: str, sender: SenderKind, body: str,
                  sender_user_id: int | None = None, sender_name: str | None = None,
                  attachment_ids: list[str] | None = None, publish: bool = True) -> Message:
    """Append a message to a locked thread and publish both (the thread's preview, time and receipts).

    `publish=False` leaves the thread to the caller, which publishes it once at the end of the
    batch: its projection costs several queries."""
    return append_message(ctx.session, ctx.now, thread, message_id, sender, body, sender_user_id=sender_user_id,
                          sender_name=sender_name, attachment_ids=attachment_ids, publish=publish,
                          client_time=ctx.client_time if sender_user_id is not None else None)


def append_message(session: Session, now: datetime, thread: Thread, message_id: str, sender: SenderKind,
                   body: str, *, sender_user_id: int | None = None, sender_name: str | None = None,
                   attachment_ids: list[str] | None = None, publish: bool = True,
                   client_time: str | None = None) -> Message:
    """`write_message` outside a mutation (the bot's answer after the batch's commit)."""
    message = Message(id=message_id, thread_id=thread.id, sender=sender, sender_user_id=sender_user_id,
                      sender_name=sender_name, body=body, sent_at=now, client_time=client_time,
                      attachment_ids=list(attachment_ids or []), position=_next_position(session, thread))
    session.add(message)
    note_written(session, message)
    thread.updated_at = now
    thread.last_message_preview = body[:PREVIEW_CHARS]
    if sender in (SenderKind.AGENT, SenderKind.BOT):
        # Whoever answers has read everything before their answer.
        thread.agent_read_seq = max(thread.agent_read_seq, message.position)
    publish_message(session, thread, message)
    if publish:
        publish_thread(session, thread)
    return message


def add_message(ctx: MutationContext, thread: Thread, message_id: str, body: str,
                attachment_ids: list[str]) -> Message:
    """The shopper's message (idempotent by id); `order.report_problem` uses it too."""
    message, _ = add_customer_message(ctx, thread, message_id, body, attachment_ids)
    return message


def add_customer_message(ctx: MutationContext, thread: Thread, message_id: str, body: str,
                         attachment_ids: list[str], publish: bool = True) -> tuple[Message, bool]:
    """Returns the message and whether it is new (a resend under a new mutation id is not)."""
    existing = ctx.session.get(Message, message_id)
    if existing is not None:
        if existing.thread_id != thread.id or existing.sender_user_id != ctx.principal.user_id:
            raise Rejected(RejectionCode.CONFLICT, {"message_id": message_id})
        return existing, False
    user = ctx.session.get_one(User, ctx.principal.user_id)
    message = write_message(ctx, thread, message_id, SenderKind.CUSTOMER, body, sender_user_id=user.id,
                            sender_name=user.name, attachment_ids=attachment_ids, publish=publish)
    return message, True


def queue_bot_reply(ctx: MutationContext, thread: Thread, question: Message) -> None:
    """Publish the thread once at the end of the push batch (the work holds the row, so the session
    keeps it between the batch's mutations) and, while the bot looks after it, leave its answer for
    after the commit."""
    ctx.after_batch(f"thread:{thread.id}", partial(_publish_last, ctx.session), thread)
    if thread.status == ThreadStatus.BOT:
        ctx.after_commit(f"bot:{thread.id}", partial(answer_pending, thread_id=thread.id))


def _publish_last(session: Session, threads: list[Thread]) -> None:
    publish_thread(session, threads[-1])


def answer_pending(session: Session, thread_id: str) -> bool:
    """The bot answers the shopper's lines since the last answer or note, if the thread is still
    the bot's (not when the shopper asked for a person, even later in the same batch), and
    publishes the thread. Returns whether it answered. Safe to call twice: under the thread's lock
    the second call finds the answer newest. The answer's id derives from the last line read."""
    thread = lock_thread(session, thread_id)
    if thread is None or thread.status != ThreadStatus.BOT:
        return False
    newest = session.scalars(_NEWEST, {"thread": thread_id}).all()
    lines = list(takewhile(lambda m: m.sender == SenderKind.CUSTOMER, newest))[::-1]
    if not lines:
        return False
    customer = session.get_one(User, thread.customer_id)
    question = "\n".join(m.body for m in lines)
    append_message(session, utcnow(), thread, server_message_id(lines[-1].id, "bot"), SenderKind.BOT,
                   bot.answer(session, customer, thread, question), sender_name=bot.sender_name(customer.locale))
    return True


def answer_recent(session: Session, window: timedelta) -> int:
    """Answer what a process that died between a push's commit and the bot's answer left
    unanswered: bot threads written to within `window`. Returns how many got an answer."""
    since = utcnow() - window
    recent = session.scalars(select(Thread.id).where(Thread.status == ThreadStatus.BOT, Thread.updated_at >= since)
                             .order_by(Thread.updated_at)).all()
    return sum(answer_pending(session, thread_id) for thread_id in recent)


def _create(ctx: MutationContext, args: ThreadCreate, context: dict[str, str] | None,
            attachment_ids: list[str]) -> dict[str, Any] | None:
    require_row_ids(thread_id=args.thread_id, first_message_id=args.first_message_id,
                    return_id=args.return_id, pickup_id=args.pickup_id)
    existing = ctx.session.get(Thread, args.thread_id)
    if existing is not None:
        if existing.customer_id != ctx.principal.user_id:
            raise Rejected(RejectionCode.CONFLICT, {"thread_id": args.thread_id})
        return None  # idempotent by thread id
    if args.order_id is not None:
        order = ctx.session.get(Order, args.order_id)
        if order is None or order.customer_id != ctx.principal.user_id:
            raise Rejected(RejectionCode.NOT_FOUND, {"order_id": args.order_id})
    attachments = check_attachments(ctx, attachment_ids)
    thread = Thread(id=args.thread_id, customer_id=ctx.principal.user_id, subject=args.subject,
                    status=ThreadStatus.BOT, created_at=ctx.now, updated_at=ctx.now, order_id=args.order_id,
                    return_id=args.return_id, pickup_id=args.pickup_id, context=context or None)
    ctx.session.add(thread)
    ctx.session.flush()
    if args.body and args.first_message_id:
        message, new = add_customer_message(ctx, thread, args.first_message_id, args.body, attachments,
                                            publish=False)
        if new:
            queue_bot_reply(ctx, thread, message)  # publishes the thread at the end of the batch
            return None
    publish_thread(ctx.session, thread)
    return None


@mutator("thread.create", roles={Role.CUSTOMER})
def thread_create(ctx: MutationContext, args: ThreadCreate) -> dict[str, Any] | None:
    return _create(ctx, args, None, [])


@mutator("thread.create.v2", roles={Role.CUSTOMER})
def thread_create_v2(ctx: MutationContext, args: ThreadCreateV2) -> dict[str, Any] | None:
    context = args.context.model_dump(exclude_none=True) if args.context else None
    return _create(ctx, args, context, list(args.attachment_ids))


@mutator("message.send", roles={Role.CUSTOMER})
def message_send(ctx: MutationContext, args: MessageSend) -> dict[str, Any] | None:
    require_row_ids(message_id=args.message_id)
    thread = owned_thread(ctx, args.thread_id)
    # A resend of a message the thread already has is answered as before, even once closed.
    if thread.status == ThreadStatus.CLOSED and ctx.session.get(Message, args.message_id) is None:
        raise Rejected(RejectionCode.THREAD_CLOSED)
    attachments = check_attachments(ctx, list(args.attachment_ids))
    message, new = add_customer_message(ctx, thread, args.message_id, args.body, attachments, publish=False)
    if new:
        queue_bot_reply(ctx, thread, message)  # publishes the thread once, with the answer in its preview
    return None


def agent_visible_thread(ctx: MutationContext, thread_id: str) -> Thread:
    """A thread in the agents' scope (it asked for a human); `not_found` for anything else."""
    thread = locked_thread(ctx, thread_id)
    if thread is None or not in_agent_scope(thread):
        raise Rejected(RejectionCode.NOT_FOUND)
    return thread


@mutator("thread.mark_read", roles={Role.CUSTOMER, Role.AGENT})
def thread_mark_read(ctx: MutationContext, args: ThreadMarkRead) -> dict[str, Any] | None:
    """Read receipts only move forward (`max(old, new)`), capped at the newest message."""
    if ctx.principal.role is Role.AGENT:
        thread = agent_visible_thread(ctx, args.thread_id)
    else:
        thread = owned_thread(ctx, args.thread_id)
    newest = next_position(ctx, thread) - 1
    up_to = min(args.read_up_to, newest)
    if ctx.principal.role is Role.AGENT:
        if up_to <= thread.agent_read_seq:
            return {"read_up_to": thread.agent_read_seq}
        thread.agent_read_seq = up_to
    else:
        if up_to <= thread.customer_read_seq:
            return {"read_up_to": thread.customer_read_seq}
        thread.customer_read_seq = up_to
    publish_thread(ctx.session, thread)
    return {"read_up_to": up_to}


@mutator("thread.request_human", roles={Role.CUSTOMER})
def thread_request_human(ctx: MutationContext, args: ThreadRef) -> dict[str, Any] | None:
    """Hand the thread to the agents' queue; the bot never answers in it again."""
    thread = owned_thread(ctx, args.thread_id)
    if thread.status in HUMAN_STATUSES:
        return {"status": thread.status}  # asked twice (two devices): one request
    if thread.status == ThreadStatus.CLOSED:
        raise Rejected(RejectionCode.THREAD_CLOSED)
    customer = ctx.session.get_one(User, thread.customer_id)
    thread.status = ThreadStatus.WAITING_FOR_AGENT
    thread.human_requested_at = ctx.now
    write_message(ctx, thread, server_message_id(thread.id, "handover"), SenderKind.SYSTEM,
                  say("handover", customer.locale))
    publish_history_to_agents(ctx.session, thread)
    publish_thread(ctx.session, thread)
    return {"status": thread.status}


@mutator("thread.close", roles={Role.CUSTOMER, Role.AGENT})
def thread_close(ctx: MutationContext, args: ThreadRef) -> dict[str, Any] | None:
    """The shopper closes their own thread; an agent closes one in the queue or their own."""
    if ctx.principal.role is Role.AGENT:
        thread = agent_visible_thread(ctx, args.thread_id)
        if thread.agent_id is not None and thread.agent_id != ctx.principal.user_id:
            raise Rejected(RejectionCode.THREAD_TAKEN)
    else:
        thread = owned_thread(ctx, args.thread_id)
    if thread.status == ThreadStatus.CLOSED:
        return {"status": thread.status}
    was_waiting = thread.status == ThreadStatus.WAITING_FOR_AGENT
    thread.status = ThreadStatus.CLOSED
    thread.closed_at = ctx.now
    if ctx.principal.role is Role.AGENT:
        agent = ctx.session.get_one(User, ctx.principal.user_id)
        customer = ctx.session.get_one(User, thread.customer_id)
        thread.agent_id = agent.id
        write_message(ctx, thread, server_message_id(thread.id, "closed"), SenderKind.SYSTEM,
                      say("agent_closed", customer.locale, agent=agent.name))
    publish_thread(ctx.session, thread)
    if was_waiting:
        publish_queue(ctx.session)
    return {"status": thread.status}


@mutator("thread.rate", roles={Role.CUSTOMER})
def thread_rate(ctx: MutationContext, args: ThreadRate) -> dict[str, Any] | None:
    """1-5 stars and a comment, once the conversation is closed (rating again replaces it)."""
    thread = owned_thread(ctx, args.thread_id)
    if thread.status != ThreadStatus.CLOSED:
        raise Rejected(RejectionCode.THREAD_NOT_CLOSED)
    thread.rating = args.rating
    thread.rating_comment = args.comment or None
    publish_thread(ctx.session, thread)
    return None
