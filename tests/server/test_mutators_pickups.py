"""Click & collect on the server: check-in, delegate, mark ready (with its notification) and the
handover's rules from the contract's conflict table (first handover wins, cancelled -> exception)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi import FastAPI

from app.protocol.codes import CodeKind
from server.config import ServerSettings
from server.db import Database
from server.mutators.pickups import ready_notification_id
from server.seed.ids import demo_id
from tests.server.conftest import MakeDevice
from tests.server.dbstate import execute, scalar
from tests.server.device import Device
from tests.server.shopper import new_id, order_id, rows

ANNA_PICKUP = demo_id("pickup", "NA-100252")  # ready at BER-01: wine and a knife (age check), tea towels
ANNA_SHORT_CODE = "K7M4Q2"
BEN_PICKUP = demo_id("pickup", "NA-100268")  # being prepared at HAM-01
STAFF_BER = "Jonas Weber"


def handover(pickup_id: str = ANNA_PICKUP, code: str = ANNA_SHORT_CODE, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"handover_id": new_id(), "pickup_id": pickup_id, "code": code,
                            "recipient_name": "Anna Schmidt", "delegate": False, "items_complete": True,
                            "age_check_done": True}
    args.update(overrides)
    return args


def pickup_code(device: Device, pickup_id: str = ANNA_PICKUP) -> str:
    response = device.post(f"/pickups/{pickup_id}/code")
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def test_customers_and_kiosks_cannot_do_staff_work_and_staff_only_in_their_store(
        anna: Device, device: MakeDevice) -> None:
    kiosk, hamburg = device("kiosk.ber"), device("staff.ham")

    assert anna.send("pickup.mark_ready", {"pickup_id": BEN_PICKUP})["code"] == "forbidden"
    assert anna.send("pickup.handover", handover())["code"] == "forbidden"
    assert kiosk.send("pickup.handover", handover())["code"] == "forbidden"
    assert device("staff.ber").send("pickup.check_in", {"pickup_id": ANNA_PICKUP})["code"] == "forbidden"
    # Staff of Hamburg neither close nor prepare a Berlin pickup.
    assert hamburg.send("pickup.handover", handover())["code"] == "forbidden"
    assert device("staff.ber").send("pickup.mark_ready", {"pickup_id": BEN_PICKUP})["code"] == "forbidden"
    assert rows(hamburg, "pickup").keys() == {BEN_PICKUP}  # the store scope holds only its own pickups


def test_check_in_shows_on_the_store_queue_and_only_the_owner_may(anna: Device, ben: Device,
                                                                  device: MakeDevice) -> None:
    staff = device("staff.ber")
    assert rows(staff, "pickup")[ANNA_PICKUP]["status"] == "ready"

    assert ben.send("pickup.check_in", {"pickup_id": ANNA_PICKUP})["code"] == "not_found"
    first = anna.send("pickup.check_in", {"pickup_id": ANNA_PICKUP})
    again = anna.send("pickup.check_in", {"pickup_id": ANNA_PICKUP})

    assert first["status"] == again["status"] == "ok"
    row = rows(staff, "pickup")[ANNA_PICKUP]
    assert row["status"] == "checked_in" and row["checked_in_at"]
    assert rows(anna, "pickup")[ANNA_PICKUP]["status"] == "checked_in"
    # Ben's order is still being prepared: he cannot check in yet.
    assert ben.send("pickup.check_in", {"pickup_id": BEN_PICKUP})["code"] == "pickup_not_ready"


def test_a_kiosk_session_checks_in_only_at_its_own_store(anna: Device, device: MakeDevice,
                                                         settings: ServerSettings) -> None:
    def kiosk_session(store: str) -> Device:
        # The claims a kiosk-limited shopper session carries: the shopper, bound to the kiosk's store.
        now = datetime.now(UTC)
        token = jwt.encode({"sub": str(anna.user_id), "sid": "kiosk", "role": "customer", "store": store,
                            "typ": "access", "iat": now, "exp": now + timedelta(minutes=5)},
                           settings.secret_key, "HS256")
        session = device("anna")
        session.access_token = token
        return session

    assert kiosk_session("HAM-01").send("pickup.check_in", {"pickup_id": ANNA_PICKUP})["code"] == "not_found"
    assert kiosk_session("BER-01").send("pickup.check_in", {"pickup_id": ANNA_PICKUP})["status"] == "ok"
    assert rows(anna, "pickup")[ANNA_PICKUP]["status"] == "checked_in"


def test_mark_ready_notifies_the_shopper_once(ben: Device, device: MakeDevice, db: Database) -> None:
    tablet, other_tablet = device("staff.ham"), device("staff.ham")

    first = tablet.send("pickup.mark_ready", {"pickup_id": BEN_PICKUP})
    second = other_tablet.send("pickup.mark_ready", {"pickup_id": BEN_PICKUP})

    assert first["status"] == second["status"] == "ok"
    pickup = rows(ben, "pickup")[BEN_PICKUP]
    assert pickup["status"] == "ready" and pickup["ready_at"] and pickup["hold_until"]
    assert rows(ben, "order")[order_id("NA-100268")]["status"] == "ready_for_pickup"
    note = rows(ben, "notification")[ready_notification_id(BEN_PICKUP)]
    assert note["kind"] == "pickup_ready" and note["route"] == f"/pickups/{BEN_PICKUP}"
    assert "NA-100268" in note["body"]["en"] and "Hamburg" in note["body"]["de"]
    assert scalar(db, "SELECT count(*) FROM notification WHERE kind = 'pickup_ready' AND user_id = :u",
                  u=ben.user_id) == 1
    assert rows(tablet, "pickup")[BEN_PICKUP]["status"] == "ready"


def test_two_tablets_hand_over_the_same_pickup_first_wins(anna: Device, device: MakeDevice, db: Database) -> None:
    # Both tablets verified the code against their cached queue while offline; both sync later.
    counter, back_office = device("staff.ber"), device("staff.ber")
    token = pickup_code(anna)

    won = counter.send("pickup.handover", handover(code=token))
    lost = back_office.send("pickup.handover", handover(recipient_name="anna  schmidt"))

    assert won["status"] == "ok" and won["result"]["outcome"] == "handed_over", won
    assert (lost["status"], lost["code"]) == ("rejected", "already_handed_over")
    assert lost["result"] == {"by": STAFF_BER, "at": won["result"]["at"]}
    assert scalar(db, "SELECT count(*) FROM pickup_handover WHERE pickup_id = :p", p=ANNA_PICKUP) == 1
    shopper_view = rows(anna, "pickup")[ANNA_PICKUP]
    assert (shopper_view["status"], shopper_view["handed_over_by"]) == ("handed_over", STAFF_BER)
    assert shopper_view["handed_over_to"] == "Anna Schmidt"
    assert rows(anna, "order")[order_id("NA-100252")]["status"] == "collected"
    assert rows(back_office, "pickup")[ANNA_PICKUP]["handed_over_at"] == won["result"]["at"]


def test_the_same_handover_resent_is_answered_not_repeated(device: MakeDevice, db: Database) -> None:
    tablet = device("staff.ber")
    args = handover()
    first = tablet.send("pickup.handover", args)
    # The tablet's queue was renumbered under a new client id after a server restore: same handover id.
    resent = device("staff.ber").send("pickup.handover", args)

    assert first["status"] == resent["status"] == "ok"
    assert resent["result"] == first["result"]
    assert scalar(db, "SELECT count(*) FROM pickup_handover") == 1


def test_a_handover_for_a_cancelled_pickup_is_recorded_as_an_exception(anna: Device, device: MakeDevice,
                                                                      db: Database) -> None:
    tablet = device("staff.ber")
    rows(tablet, "pickup")  # the tablet's cached queue still shows it ready
    execute(db, "UPDATE pickup SET status = 'cancelled' WHERE id = :p", p=ANNA_PICKUP)  # the store cancelled it

    result = tablet.send("pickup.handover", handover(signature={"strokes": [[[10, 20], [30, 40], [50, 45]]]}))

    assert result["status"] == "ok"
    assert (result["result"]["outcome"], result["result"]["reason"]) == ("exception", "cancelled")
    assert scalar(db, "SELECT outcome FROM pickup_handover WHERE pickup_id = :p", p=ANNA_PICKUP) == "exception"
    assert scalar(db, "SELECT status FROM pickup WHERE id = :p", p=ANNA_PICKUP) == "cancelled"
    (exception,) = rows(tablet, "pickup")[ANNA_PICKUP]["exceptions"]
    assert (exception["by"], exception["recipient_name"], exception["reason"]) == (STAFF_BER, "Anna Schmidt",
                                                                                  "cancelled")
    assert rows(anna, "pickup")[ANNA_PICKUP]["exceptions"] == []  # staff business, not the shopper's


def test_staff_of_the_store_resolve_an_exception_once(device: MakeDevice, db: Database) -> None:
    tablet, other_tablet, hamburg = device("staff.ber"), device("staff.ber"), device("staff.ham")
    rows(tablet, "pickup")
    execute(db, "UPDATE pickup SET status = 'cancelled' WHERE id = :p", p=ANNA_PICKUP)
    handover_id = tablet.send("pickup.handover", handover())["result"]["handover_id"]
    resolve = {"handover_id": handover_id, "resolution": "paid_at_till", "note": "  Paid 24,90 EUR cash  "}

    refused = hamburg.send("pickup.resolve_exception", resolve)
    assert (refused["status"], refused["code"]) == ("rejected", "forbidden")
    assert scalar(db, "SELECT resolved_at FROM pickup_handover WHERE id = :h", h=handover_id) is None

    first = tablet.send("pickup.resolve_exception", resolve)
    assert first["status"] == "ok"
    assert (first["result"]["resolution"], first["result"]["by"]) == ("paid_at_till", STAFF_BER)
    assert scalar(db, "SELECT resolution_note FROM pickup_handover WHERE id = :h", h=handover_id) == \
        "Paid 24,90 EUR cash"
    assert rows(tablet, "pickup")[ANNA_PICKUP]["exceptions"] == []  # off the follow-up list
    # The other tablet resolves it too (it had not synced yet): the first resolution stands.
    second = other_tablet.send("pickup.resolve_exception", {**resolve, "resolution": "written_off"})
    assert (second["status"], second["result"]["resolution"]) == ("ok", "paid_at_till")
    assert scalar(db, "SELECT resolution FROM pickup_handover WHERE id = :h", h=handover_id) == "paid_at_till"


def test_only_an_exception_can_be_resolved(device: MakeDevice) -> None:
    tablet = device("staff.ber")
    rows(tablet, "pickup")
    handover_id = tablet.send("pickup.handover", handover())["result"]["handover_id"]  # a normal handover
    normal = tablet.send("pickup.resolve_exception", {"handover_id": handover_id, "resolution": "written_off"})
    assert (normal["status"], normal["code"]) == ("rejected", "conflict")
    unknown = tablet.send("pickup.resolve_exception", {"handover_id": new_id(), "resolution": "written_off"})
    assert (unknown["status"], unknown["code"]) == ("rejected", "not_found")
    bogus = tablet.send("pickup.resolve_exception", {"handover_id": new_id(), "resolution": "lost"})
    assert (bogus["status"], bogus["code"]) == ("rejected", "invalid_args")


def test_age_restricted_items_need_the_id_check(anna: Device, device: MakeDevice, db: Database) -> None:
    tablet = device("staff.ber")
    staff_row = rows(tablet, "pickup")[ANNA_PICKUP]
    assert staff_row["age_check_required"] is True
    assert {i["name"] for i in staff_row["items"] if i["age_restricted"]} == {
        "Spätburgunder trocken 2021", "Santoku-Messer 18 cm"}

    refused = tablet.send("pickup.handover", handover(age_check_done=False))

    assert refused["code"] == "age_check_required"
    assert scalar(db, "SELECT count(*) FROM pickup_handover") == 0
    assert rows(anna, "pickup")[ANNA_PICKUP]["status"] == "ready"
    assert tablet.send("pickup.handover", handover(age_check_done=True))["status"] == "ok"


def test_only_the_shopper_or_the_named_delegate_may_collect(anna: Device, ben: Device, device: MakeDevice) -> None:
    tablet = device("staff.ber")

    assert tablet.send("pickup.handover", handover(recipient_name="Max Mustermann"))["code"] == "recipient_not_allowed"
    no_delegate = tablet.send("pickup.handover", handover(recipient_name="Max Mustermann", delegate=True))
    assert no_delegate["code"] == "recipient_not_allowed"

    assert ben.send("pickup.set_delegate", {"pickup_id": ANNA_PICKUP, "delegate_name": "Max"})["code"] == "not_found"
    named = anna.send("pickup.set_delegate", {"pickup_id": ANNA_PICKUP, "delegate_name": " Max Mustermann "})
    assert named["status"] == "ok" and named["result"] == {"delegate_name": "Max Mustermann"}
    assert rows(tablet, "pickup")[ANNA_PICKUP]["delegate_name"] == "Max Mustermann"

    assert tablet.send("pickup.handover", handover(recipient_name="Erika Mustermann", delegate=True))["code"] == \
        "recipient_not_allowed"
    done = tablet.send("pickup.handover", handover(recipient_name="max mustermann", delegate=True))
    assert done["status"] == "ok", done
    assert rows(anna, "pickup")[ANNA_PICKUP]["handed_over_to"] == "max mustermann"
    late = anna.send("pickup.set_delegate", {"pickup_id": ANNA_PICKUP, "delegate_name": None})
    assert late["code"] == "already_handed_over"


@pytest.mark.parametrize("case", ["wrong_short_code", "other_pickup", "other_kind", "forged", "expired"])
def test_a_code_that_is_not_this_pickups_closes_nothing(case: str, anna: Device, device: MakeDevice,
                                                        app: FastAPI, db: Database) -> None:
    tablet = device("staff.ber")
    codes = app.state.codes
    later = datetime.now(UTC) + timedelta(days=1)
    code = {
        "wrong_short_code": "K7M4Q3",
        "other_pickup": codes.issue(CodeKind.PICKUP, BEN_PICKUP, later, "BER-01"),
        "other_kind": codes.issue(CodeKind.RETURN, ANNA_PICKUP, later),
        "forged": pickup_code(anna)[:-6] + "AAAAAA",
        "expired": codes.issue(CodeKind.PICKUP, ANNA_PICKUP, datetime.now(UTC) - timedelta(days=5), "BER-01"),
    }[case]

    result = tablet.send("pickup.handover", handover(code=code))

    assert (result["status"], result["code"]) == ("rejected", "pickup_code_invalid")
    assert scalar(db, "SELECT status FROM pickup WHERE id = :p", p=ANNA_PICKUP) == "ready"


def test_a_code_of_another_store_is_refused(device: MakeDevice, app: FastAPI, db: Database) -> None:
    execute(db, "UPDATE pickup SET status = 'ready' WHERE id = :p", p=BEN_PICKUP)
    tablet = device("staff.ham")
    berlin_code = app.state.codes.issue(CodeKind.PICKUP, BEN_PICKUP, datetime.now(UTC) + timedelta(days=1), "BER-01")

    result = tablet.send("pickup.handover", handover(pickup_id=BEN_PICKUP, code=berlin_code,
                                                     recipient_name="Ben Carter"))

    assert (result["code"], result["result"]) == ("pickup_code_invalid", {"reason": "other_store"})


def test_a_code_that_expired_after_an_offline_scan_still_counts(device: MakeDevice, app: FastAPI) -> None:
    tablet = device("staff.ber")
    now = datetime.now(UTC)
    code = app.state.codes.issue(CodeKind.PICKUP, ANNA_PICKUP, now - timedelta(hours=2), "BER-01")
    mutation = tablet.mutation("pickup.handover", handover(code=code))
    mutation["client_time"] = (now - timedelta(hours=3)).isoformat()  # scanned while it was valid

    (result,) = tablet.push(mutation)["results"]

    assert result["status"] == "ok" and result["result"]["outcome"] == "handed_over"


def test_the_pickup_code_route_is_the_shoppers_alone(anna: Device, ben: Device, device: MakeDevice,
                                                     app: FastAPI) -> None:
    response = anna.post(f"/pickups/{ANNA_PICKUP}/code")
    assert response.status_code == 200
    body = response.json()
    payload = app.state.codes.verify(body["token"], CodeKind.PICKUP)
    assert (payload.s, payload.t, body["short_code"]) == (ANNA_PICKUP, "BER-01", ANNA_SHORT_CODE)
    assert response.headers["cache-control"] == "no-store"
    assert ben.post(f"/pickups/{ANNA_PICKUP}/code").status_code == 404
    assert device("staff.ber").post(f"/pickups/{ANNA_PICKUP}/code").status_code == 403
    assert anna.post(f"/pickups/{uuid.uuid4()}/code").status_code == 404


def test_invalid_handover_args_are_rejected(device: MakeDevice) -> None:
    tablet = device("staff.ber")
    too_long = {"strokes": [[[1, 1]] * 1000, [[2, 2]] * 1000]}

    assert tablet.send("pickup.handover", handover(items_complete=False))["code"] == "invalid_args"
    assert tablet.send("pickup.handover", handover(signature=too_long))["code"] == "invalid_args"
    assert tablet.send("pickup.handover", handover(signature={"strokes": [[[1, 1001]]]}))["code"] == "invalid_args"
