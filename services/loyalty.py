"""The loyalty account from the cache, `loyalty.redeem`, and the card's signed QR token.

Redemptions. The server is authoritative: it checks the balance from its ledger and is
idempotent by `redemption_id`. A device makes the redemption id *deterministically* from what
the shopper saw: the account, the reward and how many redemptions of that reward this device
knows of (uuid5). Two devices that both show "€5 voucher, not yet redeemed" and are both
tapped offline therefore queue the same redemption id, and the server makes one redemption of
it, whose one-time code both devices then show. Once a redemption has synced, the count moves
on, so redeeming the same reward again later is a new redemption. A device that queued one
for a reward does not queue a second until it is answered. Whatever ids devices make, the
server's balance check still refuses spending points twice.

The card. A device cannot sign; it asks `POST /loyalty/card` for a token whenever it is online
and the one it holds is older than LOYALTY_CARD_REFRESH_AFTER_S, and keeps it in the cache, so
the card works offline until the token expires.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select

from app.protocol.loyalty import LOYALTY_CARD_REFRESH_AFTER_S
from app.protocol.mutations import LoyaltyRedeem
from app.protocol.sync import Entity
from services.api_client import ApiClient
from services.overlay import Row
from services.returns_eligibility import parse_instant
from services.storage import outbox as outbox_repo
from services.storage import rejections as rejections_repo
from services.storage.outbox import Pending
from services.storage.rejections import RejectionRecord
from services.storage.tables import SYNCED, loyalty_card
from services.sync import SyncEngine

_REDEMPTION_NS = uuid.UUID("0d3a3c1e-5b8e-4c0a-9a52-6c6f79616c74")
MUTATIONS = {"loyalty.redeem"}


def redemption_id(account_id: str, reward_id: str, known: int) -> str:
    """The id of "the (known+1)-th redemption of this reward" on this account: equal on every device."""
    return str(uuid.uuid5(_REDEMPTION_NS, f"{account_id}:{reward_id}:{known}"))


@dataclass(frozen=True)
class CardToken:
    account_id: str
    card_number: str
    token: str
    issued_at: datetime
    expires_at: datetime

    def valid(self, now: datetime) -> bool:
        return now < self.expires_at

    def stale(self, now: datetime) -> bool:
        return now - self.issued_at >= timedelta(seconds=LOYALTY_CARD_REFRESH_AFTER_S) or not self.valid(now)


@dataclass(frozen=True)
class Progress:
    tier: str
    next_tier: str | None
    points_12m: int
    next_tier_points: int | None
    to_go: int  # points still to earn for the next tier (0 at the top)
    fraction: float  # 0..1 towards the next tier (1 at the top)


@dataclass(frozen=True)
class Entry:
    id: str
    at: datetime
    kind: str  # earned | redeemed | expired | adjusted
    points: int
    description: dict[str, str]
    reward_id: str | None
    code: str | None
    pending: bool


@dataclass(frozen=True)
class Offer:
    id: str
    title: dict[str, str]
    description: dict[str, str]
    cost: int
    affordable: bool
    pending: bool  # a redemption of it is queued on this device
    last_code: str | None  # the code of its newest redemption, to show again
    last_redeemed_at: datetime | None


# Tier floors (points earned in 12 months), as the server computes tiers.
TIER_FLOORS = {"bronze": 0, "silver": 500, "gold": 1500}


def progress(account: Row) -> Progress:
    earned = int(account.get("points_12m") or 0)
    nxt = account.get("next_tier")
    target = account.get("next_tier_points")
    if not nxt or target is None:
        return Progress(account["tier"], None, earned, None, 0, 1.0)
    floor = TIER_FLOORS.get(account["tier"], 0)
    span = max(1, int(target) - floor)
    return Progress(account["tier"], nxt, earned, int(target), max(0, int(target) - earned),
                    min(1.0, max(0.0, (earned - floor) / span)))


def balance_by_month(entries: list[Entry], balance: int, now: datetime, months: int = 12) -> list[tuple[date, int]]:
    """The balance at the end of each of the last `months` months (oldest first), from the ledger.

    Walks back from today's balance, so it agrees with the account even when older entries
    are not in the cache.
    """
    ends: list[date] = []
    year, month = now.year, now.month
    for _ in range(months):
        ends.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    ends.reverse()  # first day of each month, oldest first
    series: list[tuple[date, int]] = []
    for start in ends:
        following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        cutoff = datetime(following.year, following.month, 1, tzinfo=UTC)
        later = sum(e.points for e in entries if e.at >= cutoff)
        series.append((start, balance - later))
    return series


class LoyaltyService:
    def __init__(self, sync: SyncEngine, api: ApiClient) -> None:
        self.sync = sync
        self.api = api

    # -- reads (blocking: run them off the UI loop) ---------------------------------------
    def _rows(self, entity: Entity) -> list[Row]:
        table = SYNCED[entity]
        with self.sync.engine.connect() as conn:
            return [r.data for r in conn.execute(select(table.c.data))]

    def _pending(self) -> list[Pending]:
        with self.sync.engine.connect() as conn:
            return [p for p in outbox_repo.pending(conn, MUTATIONS) if p.status != "rejected"]

    def rewards_by_id(self) -> dict[str, Row]:
        return {r["id"]: r for r in self._rows(Entity.REWARD)}

    def account(self) -> Row | None:
        """The account with queued redemptions taken off the balance (marked `_pending`)."""
        rows = self._rows(Entity.LOYALTY_ACCOUNT)
        if not rows:
            return None
        account = dict(rows[0])
        synced = {e.get("redemption_id") for e in self._rows(Entity.LOYALTY_ENTRY)}
        rewards = self.rewards_by_id()
        held = [p for p in self._pending() if p.args["redemption_id"] not in synced]
        if held:
            account["balance"] -= sum(int(rewards.get(p.args["reward_id"], {}).get("cost", 0)) for p in held)
            account["_pending"] = True
        return account

    def history(self) -> list[Entry]:
        """Ledger entries newest first, queued redemptions on top (without a code yet)."""
        rows = self._rows(Entity.LOYALTY_ENTRY)
        entries = [_entry(r, pending=False) for r in rows]
        synced = {r.get("redemption_id") for r in rows}
        rewards = self.rewards_by_id()
        for p in self._pending():
            if p.args["redemption_id"] in synced:
                continue  # the server's entry is here: it wins
            reward = rewards.get(p.args["reward_id"], {})
            title = reward.get("title") or {}
            entries.append(Entry(
                id=p.args["redemption_id"], at=parse_instant(p.created_at) or datetime.now(UTC), kind="redeemed",
                points=-int(reward.get("cost", 0)), reward_id=p.args["reward_id"], code=None, pending=True,
                description={lang: text for lang, text in title.items()}))
        return sorted(entries, key=lambda e: e.at, reverse=True)

    def offers(self) -> list[Offer]:
        """Active rewards, cheapest first, with what this device knows about redeeming them."""
        account = self.account()
        balance = int(account["balance"]) if account else 0
        history = self.history()
        out = []
        for reward in sorted(self._rows(Entity.REWARD), key=lambda r: (r["cost"], r["id"])):
            if not reward.get("active", True):
                continue
            mine = [e for e in history if e.reward_id == reward["id"] and e.kind == "redeemed"]
            pending = any(e.pending for e in mine)
            done = [e for e in mine if not e.pending]
            last = done[0] if done else None
            out.append(Offer(id=reward["id"], title=reward["title"], description=reward["description"],
                             cost=int(reward["cost"]), affordable=balance >= int(reward["cost"]), pending=pending,
                             last_code=last.code if last else None, last_redeemed_at=last.at if last else None))
        return out

    # -- redeeming -----------------------------------------------------------------------
    def next_redemption_id(self, reward_id: str) -> str:
        account = self._rows(Entity.LOYALTY_ACCOUNT)
        if not account:
            raise LookupError("no loyalty account in the cache yet")
        known = sum(1 for e in self._rows(Entity.LOYALTY_ENTRY)
                    if e.get("reward_id") == reward_id and e.get("kind") == "redeemed")
        return redemption_id(account[0]["id"], reward_id, known)

    def redeem(self, reward_id: str) -> str:
        """Queue `loyalty.redeem` (or return the one already queued for this reward)."""
        for p in self._pending():
            if p.args["reward_id"] == reward_id:
                return str(p.args["redemption_id"])
        rid = self.next_redemption_id(reward_id)
        args = LoyaltyRedeem(redemption_id=rid, reward_id=reward_id)
        self.sync.mutate("loyalty.redeem", args.model_dump(),
                         {Entity.LOYALTY_ENTRY.value, Entity.LOYALTY_ACCOUNT.value})
        return rid

    def rejections(self, unseen_only: bool = True) -> list[RejectionRecord]:
        with self.sync.engine.connect() as conn:
            return rejections_repo.for_mutations(conn, MUTATIONS, unseen_only)

    def dismiss(self, rejection_ids: list[int]) -> None:
        with self.sync.engine.begin() as conn:
            rejections_repo.mark_seen(conn, rejection_ids)

    # -- the card --------------------------------------------------------------------------
    def card(self) -> CardToken | None:
        """The last token this device received (maybe expired: check `valid`)."""
        with self.sync.engine.connect() as conn:
            row = conn.execute(select(loyalty_card)).mappings().first()
        if row is None:
            return None
        return CardToken(account_id=row["account_id"], card_number=row["card_number"], token=row["token"],
                         issued_at=_instant(row["issued_at"]), expires_at=_instant(row["expires_at"]))

    def refresh_card(self, now: datetime | None = None, force: bool = False) -> CardToken | None:
        """Fetch a new token if the held one is stale (or `force`). Raises `Offline`."""
        held = self.card()
        if held is not None and not force and not held.stale(now or datetime.now(UTC)):
            return held
        fresh = self.api.loyalty_card()
        with self.sync.engine.begin() as conn:
            conn.execute(delete(loyalty_card))
            conn.execute(insert(loyalty_card).values(id=1, account_id=fresh.account_id, card_number=fresh.card_number,
                                                     token=fresh.token, issued_at=fresh.issued_at,
                                                     expires_at=fresh.expires_at))
        return self.card()


def _instant(value: str) -> datetime:
    parsed = parse_instant(value)
    if parsed is None:
        raise ValueError("missing instant")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _entry(row: dict[str, Any], pending: bool) -> Entry:
    return Entry(id=row["id"], at=parse_instant(row["at"]) or datetime.now(UTC), kind=row["kind"],
                 points=int(row["points"]), description=row.get("description") or {},
                 reward_id=row.get("reward_id"), code=row.get("code"), pending=pending)
