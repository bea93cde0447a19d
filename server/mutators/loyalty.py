"""`loyalty.redeem`: spend points on a reward; idempotent by the client-made redemption id.

The balance is the ledger's sum on the server, never a number a device sends. The account row
is locked first, so two devices redeeming at once are serialised and cannot both spend the
same points (SQLite serialises all writers anyway; on PostgreSQL the row lock does it).
"""

import secrets
import uuid
from typing import Any

from sqlalchemy import select

from app.protocol.auth import Role
from app.protocol.errors import RejectionCode
from app.protocol.mutations import LoyaltyRedeem
from server.errors import Rejected
from server.models import LoyaltyAccount, LoyaltyEntry, Reward
from server.mutators import MutationContext, mutator, require_row_ids
from server.projections.loyalty import (
    balance,
    publish_loyalty_account,
    publish_loyalty_entry,
)

# No 0/O, 1/I/L: a cashier types the code from a phone screen.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


def new_redemption_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _answer(entry: LoyaltyEntry, points: int) -> dict[str, Any]:
    return {"entry_id": entry.id, "code": entry.code, "balance": points}


_ENTRY_NS = uuid.UUID("5d1e7f0a-6c2b-4e8d-9f3a-72656465656d")


@mutator("loyalty.redeem", roles={Role.CUSTOMER})
def loyalty_redeem(ctx: MutationContext, args: LoyaltyRedeem) -> dict[str, Any] | None:
    require_row_ids(redemption_id=args.redemption_id)
    account = ctx.session.scalars(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == ctx.principal.user_id)
                                  .with_for_update()).one_or_none()
    if account is None:
        raise Rejected(RejectionCode.NOT_FOUND)
    done = ctx.session.scalars(select(LoyaltyEntry).where(LoyaltyEntry.account_id == account.id,
                                                         LoyaltyEntry.redemption_id == args.redemption_id)).first()
    if done is not None:
        return _answer(done, balance(ctx.session, account.id))  # the same redemption, sent again
    # The entry's id is the redemption id (the device's optimistic row and the synced one are then
    # the same row), unless that id is taken by another account's entry: redemption ids can be
    # worked out from the card, so someone may have used this one first on purpose.
    entry_id = args.redemption_id
    if ctx.session.get(LoyaltyEntry, entry_id) is not None:
        entry_id = str(uuid.uuid5(_ENTRY_NS, f"{account.id}:{args.redemption_id}"))
    reward = ctx.session.get(Reward, args.reward_id)
    if reward is None or not reward.active:
        raise Rejected(RejectionCode.REWARD_UNAVAILABLE, {"reward_id": args.reward_id})
    points = balance(ctx.session, account.id)
    if points < reward.cost:
        raise Rejected(RejectionCode.INSUFFICIENT_POINTS, {"balance": points, "cost": reward.cost})
    entry = LoyaltyEntry(id=entry_id, account_id=account.id, at=ctx.now, kind="redeemed",
                         points=-reward.cost, reward_id=reward.id, redemption_id=args.redemption_id,
                         code=new_redemption_code(),
                         description={"de": f"Prämie: {reward.title.get('de', '')}",
                                      "en": f"Reward: {reward.title.get('en', '')}"})
    ctx.session.add(entry)
    ctx.session.flush()
    publish_loyalty_entry(ctx.session, account, entry)
    publish_loyalty_account(ctx.session, account)
    return _answer(entry, points - reward.cost)
