"""POST /loyalty/card: a signed, expiring token for the card QR, verifiable with the published key."""

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.protocol.codes import CodeFailure, CodeKind
from app.protocol.loyalty import LOYALTY_CARD_TTL_S, LoyaltyCardPublic
from server.codes import CodeError, CodeSigner
from tests.server.conftest import MakeDevice
from tests.server.device import Device
from tests.server.shopper import rows

CARD = "/api/v1/loyalty/card"


def card(device: Device) -> tuple[int, dict[str, object]]:
    response = device.http.post(CARD, headers={"Authorization": f"Bearer {device.access_token}"})
    return response.status_code, response.json()


def test_the_card_carries_a_signed_token_not_the_card_number(anna: Device, app: FastAPI) -> None:
    status, body = card(anna)

    assert status == 200, body
    issued = LoyaltyCardPublic.model_validate(body)
    (account,) = rows(anna, "loyalty_account").values()
    assert (issued.account_id, issued.card_number) == (account["id"], "7301 0042 1187")
    assert "7301" not in issued.token
    signer: CodeSigner = app.state.codes
    payload = signer.verify(issued.token, CodeKind.LOYALTY)
    assert payload.s == account["id"]
    expires = datetime.fromisoformat(issued.expires_at)
    assert payload.x == int(expires.timestamp())
    assert abs(expires - datetime.now(UTC) - timedelta(seconds=LOYALTY_CARD_TTL_S)) < timedelta(minutes=1)
    try:
        signer.verify(issued.token, CodeKind.RETURN)
    except CodeError as error:
        assert error.code == CodeFailure.WRONG_KIND
    else:
        raise AssertionError("a loyalty token passed as a return code")


def test_each_request_gives_a_new_token(anna: Device) -> None:
    assert card(anna)[1]["token"] != card(anna)[1]["token"]


def test_only_customers_with_an_account_get_a_card(device: MakeDevice, client: TestClient) -> None:
    status, body = card(device("staff.ber"))

    assert (status, body["code"]) == (403, "forbidden")
    assert client.post(CARD).status_code == 401


def test_a_deleted_account_gets_no_card(anna: Device) -> None:
    assert anna.send("account.delete", {"confirm": True})["status"] == "ok"

    status, body = card(anna)

    assert (status, body["code"]) == (401, "token_invalid")
