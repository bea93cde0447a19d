"""`thread.create` and `message.send` (idempotent by the client-made ids)."""

from typing import Any

from app.protocol.auth import Role
from app.protocol.entities import SenderKind, ThreadStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import MessageSend, ThreadCreate
from server.errors import Rejected
from server.models import Message, Order, Thread, User
from server.mutators import MutationContext, mutator, require_row_ids
from server.projections.messaging import publish_message, publish_thread

PREVIEW_CHARS = 140


def owned_thread(ctx: MutationContext, thread_id: str) -> Thread:
    thread = ctx.session.get(Thread, thread_id)
    if thread is None or thread.customer_id != ctx.principal.user_id:
        raise Rejected(RejectionCode.NOT_FOUND)
    return thread


def add_message(ctx: MutationContext, thread: Thread, message_id: str, body: str,
                attachment_ids: list[str]) -> Message:
    existing = ctx.session.get(Message, message_id)
    if existing is not None:
        # Idempotent by message id: a resend under a new mutation id is the same message.
        if existing.thread_id != thread.id or existing.sender_user_id != ctx.principal.user_id:
            raise Rejected(RejectionCode.CONFLICT, {"message_id": message_id})
        return existing
    user = ctx.session.get_one(User, ctx.principal.user_id)
    message = Message(id=message_id, thread_id=thread.id, sender=SenderKind.CUSTOMER, sender_user_id=user.id,
                      sender_name=user.name, body=body, sent_at=ctx.now, client_time=ctx.client_time,
                      attachment_ids=attachment_ids)
    ctx.session.add(message)
    thread.updated_at = ctx.now
    thread.last_message_preview = body[:PREVIEW_CHARS]
    publish_message(ctx.session, thread, message)
    publish_thread(ctx.session, thread)
    return message


@mutator("thread.create", roles={Role.CUSTOMER})
def thread_create(ctx: MutationContext, args: ThreadCreate) -> dict[str, Any] | None:
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
    thread = Thread(id=args.thread_id, customer_id=ctx.principal.user_id, subject=args.subject,
                    status=ThreadStatus.BOT, created_at=ctx.now, updated_at=ctx.now, order_id=args.order_id,
                    return_id=args.return_id, pickup_id=args.pickup_id)
    ctx.session.add(thread)
    ctx.session.flush()
    if args.body and args.first_message_id:
        add_message(ctx, thread, args.first_message_id, args.body, [])
    publish_thread(ctx.session, thread)
    return None


@mutator("message.send", roles={Role.CUSTOMER})
def message_send(ctx: MutationContext, args: MessageSend) -> dict[str, Any] | None:
    require_row_ids(message_id=args.message_id)
    thread = owned_thread(ctx, args.thread_id)
    if thread.status == ThreadStatus.CLOSED:
        raise Rejected(RejectionCode.THREAD_CLOSED)
    add_message(ctx, thread, args.message_id, args.body, list(args.attachment_ids))
    return None
