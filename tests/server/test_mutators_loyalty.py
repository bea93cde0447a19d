"""loyalty.redeem: idempotent by redemption id, checked against the server-side ledger."""

from typing import Any

from server.db import Database
from server.mutators.loyalty import CODE_ALPHABET, CODE_LENGTH
from services.loyalty import redemption_id
from tests.server.conftest import MakeDevice
from tests.server.dbstate import execute, scalar
from tests.server.device import Device
from tests.server.shopper import new_id, reward_id, rows

# anna's seeded ledger adds up to 1173 points; the rewards cost 250, 400, 700 and 900.
ANNA_BALANCE = 1173


def redeem(device: Device, redemption_id: str, slug: str) -> dict[str, Any]:
    return device.send("loyalty.redeem", {"redemption_id": redemption_id, "reward_id": reward_id(slug)})


def balance(device: Device) -> int:
    (account,) = rows(device, "loyalty_account").values()
    points: int = account["balance"]
    return points


def test_a_redemption_writes_a_ledger_entry_with_a_one_time_code(anna: Device) -> None:
    assert balance(anna) == ANNA_BALANCE
    made_id = new_id()

    result = redeem(anna, made_id, "free-express")

    assert result["status"] == "ok", result
    code = result["result"]["code"]
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert result["result"]["balance"] == ANNA_BALANCE - 400
    entry = rows(anna, "loyalty_entry")[made_id]  # the device's optimistic id is the entry's id
    assert (entry["kind"], entry["points"], entry["code"]) == ("redeemed", -400, code)
    assert (entry["reward_id"], entry["redemption_id"]) == (reward_id("free-express"), made_id)
    assert entry["description"]["de"] == "Prämie: Kostenloser Expressversand"
    assert balance(anna) == ANNA_BALANCE - 400


def test_the_same_redemption_twice_is_one_entry(device: MakeDevice, db: Database) -> None:
    # One redemption queued offline and sent by two devices (the outbox of a restored backup).
    phone, laptop = device("anna"), device("anna")
    made_id = new_id()

    first = redeem(phone, made_id, "voucher-5")
    second = redeem(laptop, made_id, "voucher-5")

    assert first["status"] == second["status"] == "ok"
    assert first["result"] == second["result"]
    assert scalar(db, "SELECT count(*) FROM loyalty_entry WHERE redemption_id = :r", r=made_id) == 1
    assert balance(laptop) == ANNA_BALANCE - 250


def test_two_redemptions_beyond_the_balance_second_is_refused(device: MakeDevice) -> None:
    phone, laptop = device("anna"), device("anna")

    first = redeem(phone, new_id(), "tote-bag")
    second = redeem(laptop, new_id(), "tote-bag")

    assert first["status"] == "ok"
    assert (second["status"], second["code"]) == ("rejected", "insufficient_points")
    assert second["result"] == {"balance": ANNA_BALANCE - 900, "cost": 900}
    assert [e["kind"] for e in rows(laptop, "loyalty_entry").values()].count("redeemed") == 2  # seeded one + first
    assert balance(laptop) == ANNA_BALANCE - 900


def test_an_inactive_or_unknown_reward_is_unavailable(anna: Device, db: Database) -> None:
    execute(db, "UPDATE reward SET active = :f WHERE id = :id", f=False, id=reward_id("voucher-5"))

    inactive = redeem(anna, new_id(), "voucher-5")
    unknown = anna.send("loyalty.redeem", {"redemption_id": new_id(), "reward_id": "no-such-reward"})

    assert inactive["code"] == unknown["code"] == "reward_unavailable"
    assert balance(anna) == ANNA_BALANCE


def test_another_customer_cannot_use_up_a_shoppers_next_redemption_id(anna: Device, ben: Device) -> None:
    # Devices derive redemption ids from the account id, which the card's QR shows: ben can work
    # out anna's next one and use it first on his own account.
    (account,) = rows(anna, "loyalty_account").values()
    anna_next = redemption_id(account["id"], reward_id("voucher-5"), 0)
    assert redeem(ben, anna_next, "voucher-5")["status"] == "ok"

    result = redeem(anna, anna_next, "voucher-5")

    assert result["status"] == "ok", result  # her redemption is hers, not "taken"
    entries = [e for e in rows(anna, "loyalty_entry").values() if e.get("redemption_id") == anna_next]
    assert [e["code"] for e in entries] == [result["result"]["code"]]
    assert balance(anna) == ANNA_BALANCE - 250
    assert redeem(anna, anna_next, "voucher-5")["result"] == result["result"]  # still idempotent


def test_staff_cannot_redeem(device: MakeDevice) -> None:
    assert redeem(device("staff.ber"), new_id(), "voucher-5")["code"] == "forbidden"
