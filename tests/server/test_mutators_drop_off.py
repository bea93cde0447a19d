"""`return.drop_off`: the return's QR scanned at the kiosk (in the shopper's kiosk session) or by staff."""

from datetime import timedelta

import pytest
from fastapi import FastAPI

from app.protocol.codes import CodeKind
from server.models.base import utcnow
from tests.server.conftest import MakeDevice
from tests.server.device import Device
from tests.server.kiosk import loyalty_token, scan, session_device, signer
from tests.server.shopper import new_id, rows, withdrawal


@pytest.fixture
def kiosk(device: MakeDevice) -> Device:
    return device("kiosk.ber")


def open_return(anna: Device) -> dict[str, object]:
    return_id = new_id()
    assert anna.send("return.create", withdrawal(return_id))["status"] == "ok"
    ret = rows(anna, "return")[return_id]
    assert ret["status"] == "qr_issued" and ret["qr_token"]
    return ret


def at_kiosk(kiosk: Device, anna: Device) -> Device:
    return session_device(kiosk, scan(kiosk, loyalty_token(anna)).json())


def test_scanning_the_return_code_at_the_kiosk_drops_it_off(kiosk: Device, anna: Device) -> None:
    ret = open_return(anna)
    shopper = at_kiosk(kiosk, anna)

    result = shopper.send("return.drop_off", {"return_id": ret["id"], "code": ret["qr_token"]})
    again = shopper.send("return.drop_off", {"return_id": ret["id"], "code": ret["qr_token"]})

    assert (result["status"], result["result"]["status"]) == ("ok", "dropped_off")
    assert (again["status"], again["result"]["status"]) == ("ok", "dropped_off")
    seen = rows(anna, "return")[str(ret["id"])]  # the shopper's phone sees it
    assert (seen["status"], seen["qr_token"]) == ("dropped_off", None)
    assert [e["status"] for e in seen["events"] if e["kind"] == "status"][-1] == "dropped_off"


def test_staff_can_drop_off_a_return_too(device: MakeDevice, anna: Device) -> None:
    ret = open_return(anna)

    result = device("staff.ber").send("return.drop_off", {"return_id": ret["id"], "code": ret["qr_token"]})

    assert result["status"] == "ok"


def test_not_from_the_sofa(anna: Device) -> None:
    ret = open_return(anna)

    result = anna.send("return.drop_off", {"return_id": ret["id"], "code": ret["qr_token"]})

    assert (result["status"], result["code"]) == ("rejected", "forbidden")
    assert rows(anna, "return")[str(ret["id"])]["status"] == "qr_issued"


def test_bad_codes_drop_off_nothing(kiosk: Device, anna: Device, app: FastAPI) -> None:
    ret = open_return(anna)
    other = open_return_of_other_item(anna)
    shopper = at_kiosk(kiosk, anna)
    codes = signer(app)
    cases = {
        "code_forged": str(ret["qr_token"])[:-4] + "AAAA",
        "code_wrong_kind": loyalty_token(anna),
        "code_expired": codes.issue(CodeKind.RETURN, str(ret["id"]), utcnow() - timedelta(seconds=1)),
        "not_found": other["qr_token"],  # a genuine code, for another return
    }
    for expected, code in cases.items():
        result = shopper.send("return.drop_off", {"return_id": ret["id"], "code": code})
        assert (result["status"], result["code"]) == ("rejected", expected)
    assert rows(anna, "return")[str(ret["id"])]["status"] == "qr_issued"


def open_return_of_other_item(anna: Device) -> dict[str, object]:
    return_id = new_id()
    assert anna.send("return.create", withdrawal(return_id, position=1))["status"] == "ok"
    return rows(anna, "return")[return_id]


def test_a_cancelled_return_cannot_be_dropped_off(kiosk: Device, anna: Device) -> None:
    ret = open_return(anna)
    assert anna.send("return.cancel", {"return_id": ret["id"]})["status"] == "ok"
    shopper = at_kiosk(kiosk, anna)

    result = shopper.send("return.drop_off", {"return_id": ret["id"], "code": ret["qr_token"]})

    assert (result["status"], result["code"]) == ("rejected", "return_not_droppable")


def test_only_the_holder_drops_off_at_the_kiosk(kiosk: Device, anna: Device, ben: Device) -> None:
    ret = open_return(anna)
    bens = at_kiosk(kiosk, ben)

    result = bens.send("return.drop_off", {"return_id": ret["id"], "code": ret["qr_token"]})

    assert (result["status"], result["code"]) == ("rejected", "not_found")

