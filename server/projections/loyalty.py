"""The `loyalty_account`, `loyalty_entry` and `reward` entities. Balances come from the ledger."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.protocol.entities import LoyaltyAccountPublic, LoyaltyEntryPublic, RewardPublic
from app.protocol.sync import Entity
from server.models import LoyaltyAccount, LoyaltyEntry, Reward
from server.models.base import iso, utcnow
from server.scopes import PUBLIC, user_scope
from server.sync.log import stage

# Points earned in the last 12 months needed for each tier, lowest first.
TIERS: list[tuple[str, int]] = [("bronze", 0), ("silver", 500), ("gold", 1500)]


def balance(session: Session, account_id: str) -> int:
    total = session.scalar(select(func.coalesce(func.sum(LoyaltyEntry.points), 0))
                           .where(LoyaltyEntry.account_id == account_id))
    return int(total or 0)


def points_last_12_months(session: Session, account_id: str) -> int:
    since = utcnow() - timedelta(days=365)
    total = session.scalar(select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(
        LoyaltyEntry.account_id == account_id, LoyaltyEntry.kind == "earned", LoyaltyEntry.at >= since))
    return int(total or 0)


def account_payload(session: Session, account: LoyaltyAccount) -> dict[str, object]:
    earned = points_last_12_months(session, account.id)
    tier = [name for name, floor in TIERS if earned >= floor][-1]
    upper = [(name, floor) for name, floor in TIERS if floor > earned]
    return LoyaltyAccountPublic(
        id=account.id, card_number=account.card_number, tier=tier, balance=balance(session, account.id),
        points_12m=earned, next_tier=upper[0][0] if upper else None, next_tier_points=upper[0][1] if upper else None,
    ).model_dump(mode="json")


def entry_payload(entry: LoyaltyEntry) -> dict[str, object]:
    return LoyaltyEntryPublic(
        id=entry.id, account_id=entry.account_id, at=iso(entry.at) or "", kind=entry.kind,
        points=entry.points, description=entry.description, order_id=entry.order_id,
        reward_id=entry.reward_id, redemption_id=entry.redemption_id, code=entry.code,
    ).model_dump(mode="json")


def publish_loyalty_account(session: Session, account: LoyaltyAccount) -> None:
    stage(session, [user_scope(account.customer_id)], Entity.LOYALTY_ACCOUNT, account.id,
          account_payload(session, account))


def publish_loyalty_entry(session: Session, account: LoyaltyAccount, entry: LoyaltyEntry) -> None:
    stage(session, [user_scope(account.customer_id)], Entity.LOYALTY_ENTRY, entry.id, entry_payload(entry))


def publish_reward(session: Session, reward: Reward) -> None:
    payload = RewardPublic(id=reward.id, title=reward.title, description=reward.description,
                           cost=reward.cost, active=reward.active).model_dump(mode="json")
    stage(session, [PUBLIC], Entity.REWARD, reward.id, payload)
