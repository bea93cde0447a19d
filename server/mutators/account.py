"""`account.delete`: erase a customer (GDPR art. 17), keeping only what accounting must keep.

Kept, anonymised: orders with their items, prices, numbers and parcels (the name, email and
address become placeholders; the country stays for VAT), returns without their free text,
pickups (staff see the placeholder name). Deleted: conversations, the loyalty account and its
ledger, notifications and uploaded files. The user row stays as an anonymised stub (orders
point at it) with `deleted_at` set and an unusable password; every refresh token is revoked.
Every row of the customer's scope gets a tombstone, so each of their devices drops it on its
next pull, and the change log no longer holds their data.
"""

from typing import Any

from sqlalchemy import delete, select

from app.protocol.auth import Role
from app.protocol.errors import RejectionCode
from app.protocol.mutations import AccountDelete
from app.protocol.sync import Entity
from server.auth import revoke_sessions
from server.errors import Rejected
from server.models import (
    Attachment,
    LoyaltyAccount,
    LoyaltyEntry,
    Message,
    Notification,
    Order,
    Pickup,
    Return,
    SyncLog,
    Thread,
    User,
)
from server.mutators import MutationContext, mutator
from server.projections.pickups import publish_pickup
from server.scopes import AGENT, user_scope
from server.sync.log import stage

DELETED_NAME = "[deleted]"
UNUSABLE_PASSWORD = "!"  # not an argon2 hash: verification always fails


def deleted_email(user_id: int) -> str:
    return f"deleted-{user_id}@deleted.invalid"  # RFC 2606: can never be a real address


def _anonymise_orders(ctx: MutationContext, user: User) -> None:
    for order in ctx.session.scalars(select(Order).where(Order.customer_id == user.id)):
        order.email = deleted_email(user.id)
        if order.address:
            order.address = {"name": DELETED_NAME, "street": "", "postal_code": "", "city": "",
                             "country": order.address.get("country", "")}


def _strip_returns(ctx: MutationContext, user: User) -> None:
    for ret in ctx.session.scalars(select(Return).where(Return.customer_id == user.id)):
        ret.comment = None
        ret.attachment_ids = []
        for event in ret.events:
            event.note = None


def _delete_threads(ctx: MutationContext, user: User) -> list[str]:
    """Delete the customer's conversations; returns the ids of the deleted threads and messages."""
    thread_ids = list(ctx.session.scalars(select(Thread.id).where(Thread.customer_id == user.id)))
    message_ids = list(ctx.session.scalars(select(Message.id).where(Message.thread_id.in_(thread_ids))))
    ctx.session.execute(delete(Message).where(Message.thread_id.in_(thread_ids)))
    ctx.session.execute(delete(Thread).where(Thread.id.in_(thread_ids)))
    return thread_ids + message_ids


def _delete_loyalty(ctx: MutationContext, user: User) -> None:
    account_ids = list(ctx.session.scalars(select(LoyaltyAccount.id).where(LoyaltyAccount.customer_id == user.id)))
    ctx.session.execute(delete(LoyaltyEntry).where(LoyaltyEntry.account_id.in_(account_ids)))
    ctx.session.execute(delete(LoyaltyAccount).where(LoyaltyAccount.id.in_(account_ids)))


def _stage_tombstones(ctx: MutationContext, user: User, conversation_ids: list[str]) -> None:
    scope = user_scope(user.id)
    log = SyncLog.__table__
    rows = list(ctx.session.execute(select(log.c.scope, log.c.entity, log.c.entity_id).where(
        log.c.scope == scope, log.c.op == "U")))
    if conversation_ids:
        rows += ctx.session.execute(select(log.c.scope, log.c.entity, log.c.entity_id).where(
            log.c.scope == AGENT, log.c.op == "U", log.c.entity.in_([Entity.THREAD, Entity.MESSAGE]),
            log.c.entity_id.in_(conversation_ids)))
    for row in rows:
        stage(ctx.session, [row.scope], row.entity, row.entity_id, None)


@mutator("account.delete", roles={Role.CUSTOMER})
def account_delete(ctx: MutationContext, args: AccountDelete) -> dict[str, Any] | None:
    user = ctx.session.scalars(select(User).where(User.id == ctx.principal.user_id).with_for_update()).one_or_none()
    if user is None:
        raise Rejected(RejectionCode.NOT_FOUND)
    if user.deleted_at is not None:
        return {"deleted": True}
    _anonymise_orders(ctx, user)
    _strip_returns(ctx, user)
    conversation_ids = _delete_threads(ctx, user)
    _delete_loyalty(ctx, user)
    ctx.session.execute(delete(Notification).where(Notification.user_id == user.id))
    ctx.session.execute(delete(Attachment).where(Attachment.owner_id == user.id))
    revoke_sessions(ctx.session, user.id)
    user.name = DELETED_NAME
    user.email = deleted_email(user.id)
    user.password_hash = UNUSABLE_PASSWORD
    user.marketing_email = False
    user.push_notifications = False
    user.deleted_at = ctx.now
    for pickup in ctx.session.scalars(select(Pickup).where(Pickup.customer_id == user.id)):
        pickup.delegate_name = None
        publish_pickup(ctx.session, pickup)  # the store keeps the pickup, under the placeholder name
    ctx.session.flush()
    # Last: these tombstones replace anything staged above for the customer's own scope.
    _stage_tombstones(ctx, user, conversation_ids)
    # The agents' snapshot of this shopper (server.projections.agent_context) goes too.
    stage(ctx.session, [AGENT], Entity.CUSTOMER_CONTEXT, str(user.id), None)
    return {"deleted": True}
