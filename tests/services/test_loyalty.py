"""Loyalty on the client: balance, tier progress and history from the cache; one redemption
from two offline devices; the card's signed token stays fresh online and usable offline."""

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from PIL import Image
from pyzbar.pyzbar import ZBarSymbol, decode  # type: ignore[import-untyped]
from sqlalchemy import func, select

from app.protocol.codes import CodeKind
from app.protocol.loyalty import LOYALTY_CARD_REFRESH_AFTER_S, LOYALTY_CARD_TTL_S
from server.db import Database
from server.models import LoyaltyEntry
from services.client import AccountSession, ClientCore
from services.codes import expires_at, qr_png, read_payload
from services.errors import Offline
from services.loyalty import balance_by_month, progress
from tests.server.shopper import reward_id
from tests.support.network import Network

ANNA_BALANCE = 1173  # her seeded ledger


@pytest.fixture
def card_server(server: tuple[FastAPI, Database]) -> Iterator[tuple[FastAPI, Database]]:
    yield server  # the real server has POST /loyalty/card (server/routes/loyalty.py)


def sign_in(network: Network, tmp_path: Path, device: str = "phone") -> AccountSession:
    core = ClientCore("http://testserver", tmp_path / "client", device, http=network.client())
    account = core.sign_in("anna@example.com", "demo-anna")
    account.sync.sync_once()
    return account


def test_account_progress_history_and_offers_from_the_cache(network: Network, tmp_path: Path) -> None:
    account = sign_in(network, tmp_path)
    row = account.loyalty.account()
    assert row is not None and row["balance"] == ANNA_BALANCE and row["card_number"] == "7301 0042 1187"
    tier = progress(row)
    assert tier.tier == row["tier"] and 0.0 <= tier.fraction <= 1.0
    if tier.next_tier_points is not None:
        assert tier.to_go == tier.next_tier_points - tier.points_12m

    history = account.loyalty.history()
    assert [e.at for e in history] == sorted((e.at for e in history), reverse=True)
    assert {e.kind for e in history} >= {"earned", "redeemed", "expired"}
    assert sum(e.points for e in history) == ANNA_BALANCE
    old = next(e for e in history if e.kind == "redeemed")
    assert old.code and old.reward_id == reward_id("voucher-5")

    offers = account.loyalty.offers()
    assert [o.cost for o in offers] == [250, 400, 700, 900]
    assert all(o.affordable for o in offers)
    assert offers[0].last_code == old.code  # her earlier €5 voucher, shown again

    series = balance_by_month(history, ANNA_BALANCE, datetime.now(UTC))
    assert len(series) == 12 and series[-1][1] == ANNA_BALANCE


def test_redeeming_twice_on_two_offline_devices_is_one_redemption(
        network: Network, tmp_path: Path, server: tuple[FastAPI, Database]) -> None:
    phone, laptop = sign_in(network, tmp_path, "phone"), sign_in(network, tmp_path, "laptop")
    network.online = False
    voucher = reward_id("voucher-15")

    on_phone = phone.loyalty.redeem(voucher)
    on_laptop = laptop.loyalty.redeem(voucher)
    assert on_phone == on_laptop  # the same intent, made on two devices, has the same id
    assert phone.loyalty.redeem(voucher) == on_phone  # a second tap queues nothing new
    assert phone.sync.status.pending == 1
    # Each device shows it at once: points taken off, a pending entry without a code yet.
    assert phone.loyalty.account()["balance"] == ANNA_BALANCE - 700  # type: ignore[index]
    (queued,) = [e for e in phone.loyalty.history() if e.pending]
    assert (queued.id, queued.points, queued.code) == (on_phone, -700, None)
    assert next(o for o in phone.loyalty.offers() if o.id == voucher).pending

    network.online = True
    phone.sync.sync_once()
    laptop.sync.sync_once()
    phone.sync.sync_once()

    _, db = server
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(LoyaltyEntry).where(LoyaltyEntry.redemption_id == on_phone)) == 1
        assert s.scalar(select(func.count()).select_from(LoyaltyEntry).where(LoyaltyEntry.reward_id == voucher)) == 1
    for device in (phone, laptop):
        row = device.loyalty.account()
        assert row is not None and row["balance"] == ANNA_BALANCE - 700 and not row.get("_pending")
        assert device.loyalty.rejections() == []
    codes = {next(e.code for e in d.loyalty.history() if e.id == on_phone) for d in (phone, laptop)}
    assert len(codes) == 1 and None not in codes  # both show the one one-time code

    # Redeeming the same reward again later is a new redemption (and the server checks the balance).
    again = phone.loyalty.redeem(voucher)
    assert again != on_phone
    phone.sync.sync_once()
    (refusal,) = phone.loyalty.rejections()
    assert (refusal.code, refusal.args["redemption_id"]) == ("insufficient_points", again)
    assert phone.loyalty.account()["balance"] == ANNA_BALANCE - 700  # type: ignore[index]


def test_different_rewards_offline_beyond_the_balance_second_is_refused(network: Network, tmp_path: Path) -> None:
    phone, laptop = sign_in(network, tmp_path, "phone"), sign_in(network, tmp_path, "laptop")
    network.online = False
    phone.loyalty.redeem(reward_id("tote-bag"))  # 900
    laptop.loyalty.redeem(reward_id("voucher-15"))  # 700: together more than 1173
    network.online = True
    phone.sync.sync_once()
    laptop.sync.sync_once()

    (refusal,) = laptop.loyalty.rejections()
    assert refusal.code == "insufficient_points"
    assert laptop.loyalty.account()["balance"] == ANNA_BALANCE - 900  # type: ignore[index]
    assert all(not e.pending for e in laptop.loyalty.history())
    laptop.loyalty.dismiss([refusal.id])
    assert laptop.loyalty.rejections() == []


def test_card_token_is_fetched_kept_refreshed_and_works_offline(
        network: Network, tmp_path: Path, card_server: tuple[FastAPI, Database]) -> None:
    account = sign_in(network, tmp_path)
    assert account.loyalty.card() is None
    now = datetime.now(UTC)
    card = account.loyalty.refresh_card(now)
    assert card is not None and card.card_number == "7301 0042 1187"
    app, _ = card_server
    payload = app.state.codes.verify(card.token, CodeKind.LOYALTY)  # genuine, signed by the server
    assert payload.s == card.account_id
    assert abs((card.expires_at - card.issued_at).total_seconds() - LOYALTY_CARD_TTL_S) < 2
    assert expires_at(card.token) == card.expires_at

    requests = network.requests
    assert account.loyalty.refresh_card(now + timedelta(minutes=5)) == card  # fresh enough: kept
    assert network.requests == requests
    later = now + timedelta(seconds=LOYALTY_CARD_REFRESH_AFTER_S + 60)
    renewed = account.loyalty.refresh_card(later)
    assert renewed is not None and renewed.token != card.token and network.requests == requests + 1

    network.online = False
    with pytest.raises(Offline):
        account.loyalty.refresh_card(later + timedelta(hours=1))
    kept = account.loyalty.card()  # offline: the last token still shows, valid until it expires
    assert kept == renewed and kept.valid(later + timedelta(hours=1))
    assert not kept.valid(kept.expires_at + timedelta(seconds=1))
    assert kept.stale(kept.expires_at)


def test_the_card_qr_scans_back_to_the_token() -> None:
    token = "NTL1.eyJrIjoibG95YWx0eSIsInMiOiJhY2N0IiwieCI6NDEwMjQ0NDgwMCwidCI6bnVsbCwibiI6ImFiYyJ9.c2ln"
    image = Image.open(io.BytesIO(qr_png(token, box_size=4)))
    (symbol,) = decode(image, symbols=[ZBarSymbol.QRCODE])
    assert symbol.data.decode("ascii") == token
    assert image.getpixel((0, 0)) == 255 and image.size[0] >= 4 * (4 * 2 + 21)  # a quiet zone, all white
    payload = read_payload(token)
    assert payload is not None and (payload.k, payload.s) == ("loyalty", "acct")
    assert read_payload("7301 0042 1187") is None
