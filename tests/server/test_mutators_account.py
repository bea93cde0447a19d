"""account.delete: orders kept anonymised for accounting, everything else gone, devices told by tombstones."""

import json

from fastapi.testclient import TestClient

from server.db import Database
from tests.server.conftest import MakeDevice
from tests.server.dbstate import scalar, snapshot
from tests.server.device import Device
from tests.server.shopper import (
    DELIVERED_5_DAYS,
    DELIVERED_40_DAYS,
    new_id,
    order_id,
    rows,
    uploaded,
    withdrawal,
)

ANNA_TRACES = ("anna@example.com", "Anna Schmidt", "Kastanienallee", "10435", "7301 0042 1187")
USER_ENTITIES = ("profile", "order", "shipment", "return", "loyalty_account", "loyalty_entry", "thread", "message",
                 "pickup", "notification")


def delete_account(device: Device) -> dict[str, object]:
    result = device.send("account.delete", {"confirm": True})
    assert result["status"] == "ok", result
    return result


def test_confirm_is_required(anna: Device) -> None:
    assert anna.send("account.delete", {"confirm": False})["code"] == "invalid_args"
    assert anna.send("account.delete", {})["code"] == "invalid_args"


def test_delete_keeps_orders_anonymised_and_erases_the_rest(device: MakeDevice, db: Database) -> None:
    phone = device("anna")
    # Give the account one of everything: a return with free text, a photo, a redemption.
    return_id = new_id()
    phone.send("return.create", {**withdrawal(return_id), "comment": "Passt nicht – Anna Schmidt"})
    uploaded(phone)
    phone.send("loyalty.redeem", {"redemption_id": new_id(), "reward_id": rows(phone, "reward").popitem()[0]})
    orders_before = scalar(db, "SELECT count(*) FROM customer_order WHERE customer_id = :id", id=phone.user_id)
    total = scalar(db, "SELECT total FROM customer_order WHERE id = :id", id=order_id(DELIVERED_40_DAYS))

    assert delete_account(phone)["result"] == {"deleted": True}

    uid = phone.user_id
    assert scalar(db, "SELECT count(*) FROM customer_order WHERE customer_id = :id", id=uid) == orders_before
    assert scalar(db, "SELECT total FROM customer_order WHERE id = :id", id=order_id(DELIVERED_40_DAYS)) == total
    assert scalar(db, "SELECT count(*) FROM order_item WHERE order_id = :id", id=order_id(DELIVERED_5_DAYS)) == 2
    email = scalar(db, "SELECT email FROM customer_order WHERE id = :id", id=order_id(DELIVERED_5_DAYS))
    assert email == f"deleted-{uid}@deleted.invalid"
    address = scalar(db, "SELECT address FROM customer_order WHERE id = :id", id=order_id(DELIVERED_5_DAYS))
    address = json.loads(address) if isinstance(address, str) else address
    assert address == {"name": "[deleted]", "street": "", "postal_code": "", "city": "", "country": "DE"}
    assert scalar(db, "SELECT comment FROM customer_return WHERE id = :id", id=return_id) is None
    for table, column in [("thread", "customer_id"), ("notification", "user_id"), ("attachment", "owner_id"),
                          ("loyalty_account", "customer_id")]:
        assert scalar(db, f"SELECT count(*) FROM {table} WHERE {column} = :id", id=uid) == 0, table
    assert scalar(db, "SELECT count(*) FROM message WHERE sender_user_id = :id", id=uid) == 0
    assert scalar(db, "SELECT count(*) FROM loyalty_entry") == scalar(
        db, "SELECT count(*) FROM loyalty_entry e JOIN loyalty_account a ON a.id = e.account_id")
    assert scalar(db, "SELECT count(*) FROM auth_session WHERE user_id = :id AND revoked_at IS NULL", id=uid) == 0
    assert scalar(db, "SELECT deleted_at FROM app_user WHERE id = :id", id=uid) is not None
    # Nothing that names anna is left anywhere: not in the domain tables, not in the change log.
    everything = json.dumps(snapshot(db), ensure_ascii=False)
    for trace in ANNA_TRACES:
        assert trace not in everything, trace


def test_every_device_drops_the_accounts_rows(device: MakeDevice) -> None:
    phone, laptop = device("anna"), device("anna")
    phone.send("return.create", withdrawal(new_id()))  # the demo data has no return yet
    before = {entity: rows(laptop, entity) for entity in USER_ENTITIES}
    assert all(before.values()), [e for e, r in before.items() if not r]

    delete_account(phone)

    after = {entity: rows(laptop, entity) for entity in USER_ENTITIES}
    assert after == {entity: {} for entity in USER_ENTITIES}
    assert rows(laptop, "store") and rows(laptop, "faq_article")  # the public scope stays


def test_the_agent_and_the_store_see_no_personal_data_any_more(device: MakeDevice) -> None:
    anna, agent, staff = device("anna"), device("agent"), device("staff.ber")
    assert rows(agent, "thread")  # anna's closed conversation with the agent
    pickups = rows(staff, "pickup")
    assert [p["customer_name"] for p in pickups.values()] == ["Anna Schmidt"]

    delete_account(anna)

    assert rows(agent, "thread") == {} and rows(agent, "message") == {}
    assert [p["customer_name"] for p in rows(staff, "pickup").values()] == ["[deleted]"]


def test_after_deletion_sign_in_fails_and_changes_are_refused(anna: Device, client: TestClient) -> None:
    delete_mutation = anna.mutation("account.delete", {"confirm": True})
    assert anna.push(delete_mutation)["results"][0]["status"] == "ok"

    login = client.post("/api/v1/auth/login", json={"email": "anna@example.com", "password": "demo-anna"})
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": anna.refresh_token})
    replay = anna.push_raw([delete_mutation])
    later = anna.push_raw([anna.mutation("profile.update", {"name": "Anna"})])

    assert (login.status_code, login.json()["code"]) == (401, "invalid_credentials")
    assert (refresh.status_code, refresh.json()["code"]) == (401, "token_invalid")
    assert replay.status_code == 200 and replay.json()["results"][0]["status"] == "ok"  # a lost answer, resent
    assert (later.status_code, later.json()["code"]) == (401, "token_invalid")


def test_other_customers_are_untouched(anna: Device, ben: Device) -> None:
    before = {entity: rows(ben, entity) for entity in USER_ENTITIES}

    delete_account(anna)

    assert {entity: rows(ben, entity) for entity in USER_ENTITIES} == before
    assert ben.send("profile.update", {"name": "Ben C."})["status"] == "ok"
