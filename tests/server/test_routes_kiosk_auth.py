"""POST /auth/qr, /auth/handoff, /auth/handoff/redeem, and what a kiosk session may and may not do."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.protocol.codes import CodeKind
from app.protocol.handoff import HANDOFF_TTL_S, KIOSK_SESSION_TTL_S
from server.db import Database
from server.models import HandoffToken
from server.models.base import utcnow
from tests.conftest import TEST_SECRET
from tests.server.conftest import MakeDevice
from tests.server.device import Device
from tests.server.kiosk import (
    handoff,
    loyalty_account_id,
    loyalty_token,
    redeem,
    scan,
    session_device,
    signer,
)
from tests.server.shopper import DELIVERED_5_DAYS, new_id, order_id, rows, withdrawal


@pytest.fixture
def kiosk(device: MakeDevice) -> Device:
    return device("kiosk.ber")


def kiosk_session(kiosk: Device, shopper: Device) -> Device:
    response = scan(kiosk, loyalty_token(shopper))
    assert response.status_code == 200, response.text
    return session_device(kiosk, response.json())


def test_a_loyalty_card_opens_a_limited_session_of_its_holder(kiosk: Device, anna: Device) -> None:
    response = scan(kiosk, loyalty_token(anna))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["id"] == anna.user_id and body["user"]["role"] == "customer"
    assert (body["kiosk_store"], body["route"]) == ("BER-01", None)
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["kiosk"] == "BER-01"
    ends = datetime.fromisoformat(body["session_expires_at"])
    assert abs(ends - datetime.now(UTC) - timedelta(seconds=KIOSK_SESSION_TTL_S)) < timedelta(minutes=1)
    assert claims["exp"] <= ends.timestamp() + 1
    # The session sees the shopper's data (their scope), as their phone does.
    shopper = session_device(kiosk, body)
    assert order_id(DELIVERED_5_DAYS) in rows(shopper, "order")
    assert set(shopper.cursors) == {f"user:{anna.user_id}", "public"}


def test_loyalty_cards_are_not_one_time(kiosk: Device, anna: Device) -> None:
    # A card is shown again and again; each scan opens a new short session.
    token = loyalty_token(anna)
    assert scan(kiosk, token).status_code == 200
    assert scan(kiosk, token).status_code == 200


def test_only_kiosk_devices_exchange_codes(device: MakeDevice, anna: Device, client: TestClient) -> None:
    token = loyalty_token(anna)

    for name in ("anna", "staff.ber", "agent"):
        response = scan(device(name), token)
        assert (response.status_code, response.json()["code"]) == (403, "forbidden"), name
    assert client.post("/api/v1/auth/qr", json={"token": token}).status_code == 401


def test_a_kiosk_session_cannot_open_another_kiosk_session(kiosk: Device, anna: Device) -> None:
    shopper = kiosk_session(kiosk, anna)

    response = scan(shopper, loyalty_token(anna))

    assert (response.status_code, response.json()["code"]) == (403, "kiosk_session_limited")


def test_a_handoff_carries_the_route_and_works_once_at_a_kiosk(kiosk: Device, anna: Device, db: Database) -> None:
    route = f"/orders/{order_id(DELIVERED_5_DAYS)}"
    minted = handoff(anna, route)
    assert minted.status_code == 200, minted.text
    body = minted.json()
    payload = signer(kiosk.http.app).verify(body["token"], CodeKind.HANDOFF)  # type: ignore[arg-type]
    assert payload.x - int(utcnow().timestamp()) in range(HANDOFF_TTL_S - 5, HANDOFF_TTL_S + 1)
    assert body["continue_path"].startswith("/continue?token=NTL1.")

    first = scan(kiosk, body["token"])
    second = scan(kiosk, body["token"])

    assert first.status_code == 200, first.text
    assert (first.json()["route"], first.json()["user"]["id"], first.json()["kiosk_store"]) == (
        route, anna.user_id, "BER-01")
    assert (second.status_code, second.json()["code"]) == (410, "code_already_used")
    with db.read() as session:
        row = session.get(HandoffToken, payload.s)
        assert row is not None and row.used_at is not None and row.used_by == "kiosk:BER-01"


def test_a_scanned_continue_link_works_like_the_bare_code(kiosk: Device, anna: Device) -> None:
    body = handoff(anna, "/returns").json()

    response = scan(kiosk, "https://shop.example" + body["continue_path"])

    assert (response.status_code, response.json()["route"]) == (200, "/returns")


def test_a_handoff_opens_a_full_session_on_a_signed_out_laptop(anna: Device, client: TestClient) -> None:
    body = handoff(anna, "/loyalty").json()

    first = redeem(client, body["token"])
    again = redeem(client, body["token"])

    assert first.status_code == 200, first.text
    laptop = Device(client, first.json())
    assert (first.json()["route"], first.json()["kiosk_store"], laptop.user_id) == ("/loyalty", None, anna.user_id)
    assert laptop.http.get("/api/v1/account/export", headers=laptop.headers()).status_code == 200
    assert (again.status_code, again.json()["code"]) == (410, "code_already_used")


def test_an_expired_handoff_does_nothing_and_says_so(kiosk: Device, anna: Device, app: FastAPI,
                                                     db: Database) -> None:
    body = handoff(anna, "/orders").json()
    subject = signer(app).verify(body["token"], CodeKind.HANDOFF).s
    late = signer(app).issue(CodeKind.HANDOFF, subject, utcnow() - timedelta(seconds=1))  # the same handoff, 2 min on

    assert scan(kiosk, late).json()["code"] == "code_expired"
    assert redeem(kiosk.http, late).json()["code"] == "code_expired"
    with db.write() as session:
        row = session.get(HandoffToken, subject)
        assert row is not None and row.used_at is None  # nothing was used up
        row.expires_at = utcnow() - timedelta(seconds=1)  # the row's own expiry counts too
    assert scan(kiosk, body["token"]).json()["code"] == "code_expired"


@pytest.mark.parametrize("route", ["orders", "https://evil.example/", "/orders?x=<script>", "/" + "a" * 200])
def test_a_handoff_route_must_be_an_app_path(anna: Device, route: str) -> None:
    assert handoff(anna, route).status_code == 422


def test_only_a_shoppers_own_session_mints_handoffs(device: MakeDevice, kiosk: Device, anna: Device) -> None:
    for name in ("staff.ber", "kiosk.ber", "agent"):
        assert handoff(device(name)).json()["code"] == "forbidden", name
    shopper = kiosk_session(kiosk, anna)
    # A kiosk session could otherwise mint codes to extend itself or move to a laptop.
    assert handoff(shopper).json()["code"] == "kiosk_session_limited"


def test_a_kiosk_session_stays_inside_its_scope(kiosk: Device, anna: Device) -> None:
    shopper = kiosk_session(kiosk, anna)

    for method, path in (("GET", "/account/export"), ("POST", "/loyalty/card"), ("POST", "/attachments")):
        response = shopper.http.request(method, "/api/v1" + path, headers=shopper.headers())
        assert (response.status_code, response.json()["code"]) == (403, "kiosk_session_limited"), path

    refusals = {}
    for name, args in (("profile.update", {"locale": "en"}), ("account.delete", {"confirm": True}),
                       ("return.create", withdrawal(new_id())), ("loyalty.redeem", {"redemption_id": new_id(),
                                                                                    "reward_id": "x"}),
                       ("message.send", {"message_id": new_id(), "thread_id": new_id(), "body": "hi"})):
        result = shopper.send(name, args)
        refusals[name] = (result["status"], result["code"])
    assert set(refusals.values()) == {("rejected", "kiosk_session_limited")}, refusals
    # Nothing of it happened: the profile language is unchanged and the account is there.
    assert anna.post("/loyalty/card").status_code == 200
    (profile,) = rows(anna, "profile").values()
    assert profile["locale"] == anna.user["locale"]


def test_a_kiosk_session_refresh_keeps_its_limits_and_its_end(kiosk: Device, anna: Device, client: TestClient) -> None:
    body = scan(kiosk, loyalty_token(anna)).json()

    refreshed = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})

    assert refreshed.status_code == 200, refreshed.text
    claims = jwt.decode(refreshed.json()["access_token"], TEST_SECRET, algorithms=["HS256"])
    refresh_claims = jwt.decode(refreshed.json()["refresh_token"], TEST_SECRET, algorithms=["HS256"])
    ends = datetime.fromisoformat(body["session_expires_at"]).timestamp()
    assert claims["kiosk"] == refresh_claims["kiosk"] == "BER-01"
    assert refresh_claims["exp"] <= ends + 1


def test_signing_out_ends_a_kiosk_session(kiosk: Device, anna: Device, client: TestClient) -> None:
    body = scan(kiosk, loyalty_token(anna)).json()
    shopper = session_device(kiosk, body)

    assert shopper.post("/auth/logout").status_code == 204
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})

    assert (again.status_code, again.json()["code"]) == (401, "token_invalid")


def test_a_deleted_account_cannot_be_continued(kiosk: Device, anna: Device) -> None:
    token = handoff(anna).json()["token"]
    card = loyalty_token(anna)
    assert anna.send("account.delete", {"confirm": True})["status"] == "ok"

    assert scan(kiosk, token).json()["code"] == "not_found"
    assert scan(kiosk, card).json()["code"] in ("not_found", "code_forged")


def test_the_loyalty_account_in_a_code_decides_whose_session_it_is(kiosk: Device, anna: Device, ben: Device,
                                                                   app: FastAPI) -> None:
    bens = signer(app).issue(CodeKind.LOYALTY, loyalty_account_id(ben), utcnow() + timedelta(minutes=5))

    assert scan(kiosk, bens).json()["user"]["id"] == ben.user_id
