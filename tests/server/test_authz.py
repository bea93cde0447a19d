"""Role and owner checks: scopes come from the token, mutators check the owner, devices belong to one user."""

import json
from typing import Any

import pytest
from sqlalchemy import select

from server.db import Database
from server.models import Message, Order, Pickup
from server.seed.ids import demo_id
from tests.server.dbstate import head, snapshot
from tests.server.device import Device

BEN_PROCESSING = demo_id("order", "NA-100268")  # a pickup order at HAM-01
ANNA_PICKUP_ORDER = demo_id("order", "NA-100252")  # ready at BER-01

CUSTOMER_MUTATIONS: list[tuple[str, dict[str, Any]]] = [
    ("profile.update", {"name": "Staff"}),
    ("order.cancel", {"order_id": BEN_PROCESSING}),
    ("thread.create", {"thread_id": "t-staff", "subject": "Hallo"}),
    ("message.send", {"message_id": "m-staff", "thread_id": demo_id("thread", "anna-kettle"), "body": "Hallo"}),
]


def orders_of(db: Database, user_id: int) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(Order.id).where(Order.customer_id == user_id)))


def give_ben_a_thread(ben: Device) -> None:
    result = ben.send("thread.create", {"thread_id": "ben-thread", "subject": "Rain jacket",
                                        "first_message_id": "ben-msg-1", "body": "Where is my jacket?"})
    assert result["status"] == "ok"


def test_anna_never_pulls_anything_of_bens(anna: Device, ben: Device, db: Database) -> None:
    give_ben_a_thread(ben)
    ben.send("profile.update", {"name": "Ben C."})
    ben_orders = orders_of(db, ben.user_id)
    assert len(ben_orders) == 3

    pages = anna.pull_all(limit=7)
    # Asking for ben's scope by name changes nothing: scopes come from the token.
    sneaky = anna.pull_raw({"epoch": anna.epoch, "cursors": {ben.scope: 0, anna.scope: 0, "public": 0}}).json()
    first_pull = anna.pull_raw({"cursors": {ben.scope: 0}}).json()

    for page in [*pages, sneaky, first_pull]:
        assert ben.scope not in page["cursors"]
        for change in page["changes"]:
            assert change["scope"] in (anna.scope, "public")
            assert change["id"] not in ben_orders | {"ben-thread", "ben-msg-1", str(ben.user_id)}
            assert change["data"].get("order_id") not in ben_orders
        text = json.dumps(page)
        assert "ben@example.com" not in text and "Ben C" not in text and "Rain jacket" not in text
    assert ben.scope in sneaky["scopes_removed"]


def test_cancelling_someone_elses_order_is_not_found(anna: Device, ben: Device, db: Database) -> None:
    ben.pull()
    with db.read() as session:
        before = session.get_one(Order, BEN_PROCESSING).status
    seq = head(db)[0]

    result = anna.send("order.cancel", {"order_id": BEN_PROCESSING})

    assert result["status"] == "rejected"
    assert result["code"] == "not_found"  # the same answer as for an order that doesn't exist
    assert result["result"] is None
    missing = anna.send("order.cancel", {"order_id": "no-such-order"})
    assert (missing["code"], missing["message"]) == (result["code"], result["message"])
    with db.read() as session:
        assert session.get_one(Order, BEN_PROCESSING).status == before == "processing"
    assert head(db)[0] == seq
    assert ben.pull()["changes"] == []


def test_writing_into_someone_elses_thread_is_not_found(anna: Device, ben: Device, db: Database) -> None:
    give_ben_a_thread(ben)
    ben.pull()
    with db.read() as session:
        messages_before = len(session.scalars(select(Message.id)).all())

    into_thread = anna.send("message.send", {"message_id": "anna-msg", "thread_id": "ben-thread", "body": "Hi Ben"})
    about_order = anna.send("thread.create", {"thread_id": "anna-t", "subject": "?", "order_id": BEN_PROCESSING})
    reuse_message_id = anna.push(
        anna.mutation("thread.create", {"thread_id": "anna-own", "subject": "Meins"}),
        anna.mutation("message.send", {"message_id": "ben-msg-1", "thread_id": "anna-own", "body": "Kopie"}),
    )["results"][1]

    assert into_thread["code"] == "not_found"
    assert about_order["code"] == "not_found"
    assert reuse_message_id["status"] == "rejected"
    with db.read() as session:
        assert len(session.scalars(select(Message.id)).all()) == messages_before
        assert session.get_one(Message, "ben-msg-1").body == "Where is my jacket?"
    assert ben.pull()["changes"] == []


@pytest.mark.parametrize(("staff", "own", "other"), [("staff.ber", "BER-01", "HAM-01"),
                                                     ("staff.ham", "HAM-01", "BER-01"),
                                                     ("kiosk.ber", "BER-01", "HAM-01")])
def test_store_devices_see_only_their_stores_pickups(device: Any, db: Database, staff: str, own: str,
                                                     other: str) -> None:
    with db.read() as session:
        pickups = {p.id: p.store_id for p in session.scalars(select(Pickup))}
    assert set(pickups.values()) == {"BER-01", "HAM-01"}

    changes = device(staff).changes(limit=7)

    seen = {c["id"] for c in changes if c["entity"] == "pickup"}
    assert seen == {pid for pid, store in pickups.items() if store == own}
    assert all(c["data"]["store_id"] == own for c in changes if c["entity"] == "pickup")
    assert {c["scope"] for c in changes} == {f"store:{own}", "public"}
    assert not [c for c in changes if c["entity"] in ("order", "profile", "thread", "message", "loyalty_account")]
    assert f"store:{other}" not in json.dumps(changes)


def test_store_staff_get_the_pickup_changes_of_their_store_only(device: Any, ben: Device) -> None:
    ber, ham = device("staff.ber"), device("staff.ham")
    ber.pull()
    ham.pull()

    ben.send("order.cancel", {"order_id": BEN_PROCESSING})

    assert ber.pull()["changes"] == []
    assert [(c["entity"], c["data"]["status"]) for c in ham.pull()["changes"]] == [("pickup", "cancelled")]


def test_an_agent_sees_threads_that_had_an_agent_and_no_orders(device: Any) -> None:
    changes = device("agent").changes()

    assert {c["scope"] for c in changes} == {"agent", "public"}
    # The shopper's context next to the conversation (issue 4: server/projections/agent_context.py).
    assert {c["entity"] for c in changes if c["scope"] == "agent"} == {"thread", "message", "customer_context"}
    assert [c["id"] for c in changes if c["entity"] == "thread"] == [demo_id("thread", "anna-kettle")]


@pytest.mark.parametrize("role", ["staff.ber", "agent", "kiosk.ber"])
def test_customer_mutations_are_forbidden_to_other_roles(device: Any, db: Database, role: str) -> None:
    worker = device(role)
    before = snapshot(db)

    answer = worker.push(*[worker.mutation(name, args) for name, args in CUSTOMER_MUTATIONS])

    assert [r["code"] for r in answer["results"]] == ["forbidden"] * len(CUSTOMER_MUTATIONS)
    assert answer["last_mutation_id"] == len(CUSTOMER_MUTATIONS)
    after = snapshot(db)
    assert {t: rows for t, rows in after.items() if t not in ("sync_client", "sync_mutation")} == {
        t: rows for t, rows in before.items() if t not in ("sync_client", "sync_mutation")}
    assert len(after["sync_mutation"]) == len(before["sync_mutation"]) + len(CUSTOMER_MUTATIONS)


def test_a_client_id_belongs_to_the_user_who_registered_it(anna: Device, ben: Device, db: Database) -> None:
    anna.push(anna.mutation("order.explode", {}))  # a stored rejection on anna's device
    before = snapshot(db)

    response = ben.push_raw([ben.mutation("profile.update", {"name": "Hijack"})], client_id=anna.client_id)
    replay = ben.push_raw([anna.mutation("order.explode", {}, mutation_id=1)], client_id=anna.client_id)
    page = ben.pull_raw({}, **{"X-Client-Id": anna.client_id}).json()

    assert response.status_code == replay.status_code == 403
    assert response.json()["code"] == "client_id_taken"
    assert snapshot(db) == before
    # A pull under someone else's client id learns nothing about that device.
    assert page["last_mutation_id"] == 0 and page["rejections"] == []
