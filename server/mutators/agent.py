"""The support desk's mutations: `agent.take` (a conversation from the queue) and `agent.reply`.

Agents close conversations with `thread.close` and send read receipts with `thread.mark_read`
(`server.mutators.messaging`). A conversation belongs to the agent who took it: another agent's
take or reply is refused with `thread_taken`.
"""

from typing import Any

from app.protocol.auth import Role
from app.protocol.entities import SenderKind, ThreadStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import AgentReply, ThreadRef
from server.bot.texts import say
from server.errors import Rejected
from server.models import Message, Thread, User
from server.mutators import MutationContext, mutator, require_row_ids
from server.mutators.messaging import (
    agent_visible_thread,
    check_attachments,
    server_message_id,
    write_message,
)
from server.projections.messaging import publish_queue, publish_thread


def take(ctx: MutationContext, thread: Thread) -> User:
    """Make the caller the thread's agent (a no-op if it already is); a note tells the shopper who joined."""
    agent = ctx.session.get_one(User, ctx.principal.user_id)
    if thread.agent_id is not None and thread.agent_id != agent.id:
        raise Rejected(RejectionCode.THREAD_TAKEN)
    if thread.status == ThreadStatus.CLOSED:
        raise Rejected(RejectionCode.THREAD_CLOSED)
    if thread.agent_id == agent.id:
        return agent
    customer = ctx.session.get_one(User, thread.customer_id)
    thread.agent_id = agent.id
    thread.status = ThreadStatus.WITH_AGENT
    write_message(ctx, thread, server_message_id(thread.id, "joined", str(agent.id)), SenderKind.SYSTEM,
                  say("agent_joined", customer.locale, agent=agent.name))
    publish_queue(ctx.session)  # everyone behind it moves up
    return agent


@mutator("agent.take", roles={Role.AGENT})
def agent_take(ctx: MutationContext, args: ThreadRef) -> dict[str, Any] | None:
    thread = agent_visible_thread(ctx, args.thread_id)
    take(ctx, thread)
    publish_thread(ctx.session, thread)
    return {"status": thread.status}


@mutator("agent.reply", roles={Role.AGENT})
def agent_reply(ctx: MutationContext, args: AgentReply) -> dict[str, Any] | None:
    """Reply in a conversation; replying to one still in the queue takes it."""
    require_row_ids(message_id=args.message_id)
    thread = agent_visible_thread(ctx, args.thread_id)
    existing = ctx.session.get(Message, args.message_id)
    if existing is not None:
        if existing.thread_id != thread.id or existing.sender_user_id != ctx.principal.user_id:
            raise Rejected(RejectionCode.CONFLICT, {"message_id": args.message_id})
        return None  # idempotent by message id
    agent = take(ctx, thread)
    attachments = check_attachments(ctx, list(args.attachment_ids))
    write_message(ctx, thread, args.message_id, SenderKind.AGENT, args.body, sender_user_id=agent.id,
                  sender_name=agent.name, attachment_ids=attachments)
    return None
