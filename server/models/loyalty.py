"""Loyalty accounts, their ledger (the balance is always the ledger's sum) and rewards."""

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Instant, StrId


class LoyaltyAccount(Base):
    __tablename__ = "loyalty_account"

    id: Mapped[StrId]
    customer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), unique=True)
    card_number: Mapped[str] = mapped_column(String(24), unique=True)


class LoyaltyEntry(Base):
    __tablename__ = "loyalty_entry"
    # A redemption id is unique per account only: devices derive it from what the shopper saw,
    # and another shopper who can work it out must not be able to take it away (a DoS on her
    # next redemption).
    __table_args__ = (UniqueConstraint("account_id", "redemption_id"),)

    id: Mapped[StrId]
    account_id: Mapped[str] = mapped_column(ForeignKey("loyalty_account.id"), index=True)
    at: Mapped[Instant]
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[int]
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("customer_order.id"))
    redemption_id: Mapped[str | None] = mapped_column(String(40))
    reward_id: Mapped[str | None] = mapped_column(ForeignKey("reward.id"))
    code: Mapped[str | None] = mapped_column(String(24))


class Reward(Base):
    __tablename__ = "reward"

    id: Mapped[StrId]
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    cost: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
