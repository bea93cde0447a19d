"""POST /sync/push: exactly-once effect, replays, gaps, rejections that never block the queue, mutators."""

import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from server.db import Database
from server.models import Message, Order, SyncClient, Thread, User
from server.seed.ids import demo_id
from server.sync.push import _lock_client
from tests.server.dbstate import head, snapshot
from tests.server.device import Device

PROCESSING = demo_id("order", "NA-100271")
SHIPPED = demo_id("order", "NA-100245")
DELIVERED = demo_id("order", "NA-100231")
CLOSED_THREAD = demo_id("thread", "anna-kettle")


def count(db: Database, model: Any, *where: Any) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def last_mutation_id(db: Database, client_id: str) -> int | None:
    with db.read() as session:
        client = session.get(SyncClient, client_id)
        return None if client is None else int(client.last_mutation_id)


def new_thread(device: Device, thread_id: str = "thread-1", message_id: str = "msg-1") -> dict[str, Any]:
    return device.mutation("thread.create", {"thread_id": thread_id, "subject": "Wo ist mein Paket?",
                                             "first_message_id": message_id, "body": "Hallo!"})


def test_contiguous_mutations_apply_in_order(anna: Device, db: Database) -> None:
    seq_before = head(db)[0]

    answer = anna.push(
        anna.mutation("profile.update", {"name": "Anna Schmidt-Meyer"}),
        new_thread(anna),
        anna.mutation("message.send", {"message_id": "msg-2", "thread_id": "thread-1", "body": "Noch da?"}),
    )

    assert answer["last_mutation_id"] == 3
    assert [r["id"] for r in answer["results"]] == [1, 2, 3]
    assert all(r["status"] == "ok" for r in answer["results"])
    seqs = [r["seq"] for r in answer["results"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3 and seqs[0] > seq_before
    # The bot's answer to the thread followed the batch in a transaction of its own (server/bot).
    assert head(db)[0] == seqs[-1] + 1
    assert last_mutation_id(db, anna.client_id) == 3
    assert count(db, Message, Message.thread_id == "thread-1", Message.sender == "customer") == 2


def test_replaying_a_batch_changes_nothing_and_returns_the_stored_results(anna: Device, db: Database) -> None:
    batch = [
        anna.mutation("profile.update", {"name": "Anna S."}),
        new_thread(anna),
        anna.mutation("order.cancel", {"order_id": SHIPPED}),  # a rejection is stored too
        anna.mutation("no.such.mutation", {}),
        anna.mutation("order.cancel", {"order_id": PROCESSING}),
    ]
    first = anna.push(*batch)
    before = snapshot(db)

    replay = anna.push(*batch)
    partial_replay = anna.push(*batch[2:])

    assert snapshot(db) == before
    assert replay == first
    assert partial_replay == {"last_mutation_id": 5, "results": first["results"][2:]}


def test_a_replay_followed_by_new_mutations_applies_only_the_new_ones(anna: Device, db: Database) -> None:
    one = anna.mutation("profile.update", {"name": "Eins"})
    two = anna.mutation("profile.update", {"name": "Zwei"})
    anna.push(one, two)

    answer = anna.push(two, anna.mutation("profile.update", {"name": "Drei"}))

    assert [r["id"] for r in answer["results"]] == [2, 3]
    assert answer["last_mutation_id"] == 3
    with db.read() as session:
        assert session.get_one(User, anna.user_id).name == "Drei"


def test_a_gap_is_refused_with_mutation_gap(anna: Device, db: Database) -> None:
    anna.push(anna.mutation("profile.update", {"name": "Eins"}))
    before = snapshot(db)

    response = anna.push_raw([anna.mutation("profile.update", {"name": "Drei"}, mutation_id=3)])

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "mutation_gap"
    assert body["detail"]["expected"] == 2 and body["detail"]["last_mutation_id"] == 1
    assert snapshot(db) == before


def test_a_first_push_must_start_at_one(anna: Device, db: Database) -> None:
    before = snapshot(db)

    response = anna.push_raw([anna.mutation("profile.update", {"name": "X"}, mutation_id=2)])

    assert response.status_code == 409
    assert response.json()["code"] == "mutation_gap"
    assert snapshot(db) == before


def test_a_gap_inside_a_batch_keeps_what_came_before_it(anna: Device, db: Database) -> None:
    one = anna.mutation("profile.update", {"name": "Eins"})
    two = anna.mutation("profile.update", {"name": "Zwei"})
    four = anna.mutation("profile.update", {"name": "Vier"}, mutation_id=4)

    response = anna.push_raw([one, two, four])
    retry = anna.push(one, two)

    assert response.status_code == 409
    assert response.json()["code"] == "mutation_gap"
    assert last_mutation_id(db, anna.client_id) == 2
    assert [r["status"] for r in retry["results"]] == ["ok", "ok"]


def test_the_same_id_with_other_args_is_client_state_mismatch(anna: Device, db: Database) -> None:
    original = anna.mutation("profile.update", {"name": "Anna"})
    anna.push(original)
    before = snapshot(db)

    changed_args = anna.push_raw([{**original, "args": {"name": "Someone else"}}])
    changed_name = anna.push_raw([{**original, "name": "message.send"}])

    for response in (changed_args, changed_name):
        assert response.status_code == 409
        assert response.json()["code"] == "client_state_mismatch"
    assert snapshot(db) == before


@pytest.mark.parametrize(("name", "args", "code"), [
    ("order.explode", {"order_id": PROCESSING}, "unknown_mutation"),
    ("profile.update", {"name": 42}, "invalid_args"),
    ("profile.update", {"marketing_email": "maybe"}, "invalid_args"),
    ("profile.update", {"locale": "fr"}, "invalid_args"),
    ("profile.update", {"name": "Anna", "is_admin": True}, "invalid_args"),
    ("order.cancel", {}, "invalid_args"),
    ("message.send", {"message_id": "m", "thread_id": CLOSED_THREAD, "body": "   "}, "invalid_args"),
])
def test_a_rejection_never_blocks_the_queue(anna: Device, db: Database, name: str, args: dict[str, Any],
                                           code: str) -> None:
    answer = anna.push(
        anna.mutation(name, args),
        anna.mutation("profile.update", {"name": "Nach der Ablehnung"}),
    )

    rejected, applied = answer["results"]
    assert rejected["status"] == "rejected" and rejected["code"] == code
    assert rejected["message"] and rejected["seq"] is None
    assert applied["status"] == "ok" and applied["seq"] is not None
    assert answer["last_mutation_id"] == 2 == last_mutation_id(db, anna.client_id)
    with db.read() as session:
        assert session.get_one(User, anna.user_id).name == "Nach der Ablehnung"

    page = anna.pull()
    assert page["last_mutation_id"] == 2
    assert [(r["mutation_id"], r["code"]) for r in page["rejections"]] == [(1, code)]
    assert page["rejections"][0]["message"] == rejected["message"]


def test_rejection_details_name_the_bad_fields(anna: Device) -> None:
    result = anna.send("profile.update", {"name": 42, "extra": 1})

    assert result["code"] == "invalid_args"
    assert set(result["result"]["fields"]) == {"name", "extra"}


def test_rejection_messages_follow_accept_language(anna: Device) -> None:
    answer = anna.push_raw([anna.mutation("order.cancel", {"order_id": SHIPPED})],
                           **{"Accept-Language": "de-DE,de;q=0.9"}).json()

    assert answer["results"][0]["code"] == "order_not_cancellable"
    assert "versandt" in answer["results"][0]["message"]


@pytest.mark.parametrize("order", [SHIPPED, DELIVERED])
def test_a_shipped_or_delivered_order_is_not_cancellable(anna: Device, db: Database, order: str) -> None:
    with db.read() as session:
        status_before = session.get_one(Order, order).status
    seq_before = head(db)[0]

    result = anna.send("order.cancel", {"order_id": order})

    assert result["status"] == "rejected"
    assert result["code"] == "order_not_cancellable"
    assert result["result"] == {"status": status_before}
    with db.read() as session:
        assert session.get_one(Order, order).status == status_before
    assert head(db)[0] == seq_before


def test_a_processing_order_is_cancelled(anna: Device, db: Database) -> None:
    anna.pull()

    result = anna.send("order.cancel", {"order_id": PROCESSING})
    again = anna.send("order.cancel", {"order_id": PROCESSING})  # harmless

    assert result["status"] == "ok" and result["result"] == {"status": "cancelled"}
    assert again["status"] == "ok"
    with db.read() as session:
        order = session.get_one(Order, PROCESSING)
        assert order.status == "cancelled" and order.cancelled_at is not None
    changes = anna.pull()["changes"]
    assert [(c["entity"], c["id"], c["data"]["status"]) for c in changes] == [("order", PROCESSING, "cancelled")]
    assert changes[0]["data"]["cancelled_at"].endswith("Z")


def test_cancelling_a_pickup_order_cancels_its_pickup(ben: Device, device: Any) -> None:
    order = demo_id("order", "NA-100268")
    ben.pull()

    ben.send("order.cancel", {"order_id": order})

    changes = {c["entity"]: c["data"] for c in ben.pull()["changes"]}
    assert changes["order"]["status"] == "cancelled"
    assert changes["pickup"]["status"] == "cancelled"


def test_profile_update_changes_the_profile_row(anna: Device, db: Database) -> None:
    anna.pull()

    result = anna.send("profile.update", {"name": "  Anna Schmidt  ", "locale": "en", "marketing_email": False,
                                          "push_notifications": False})

    assert result["status"] == "ok"
    with db.read() as session:
        user = session.get_one(User, anna.user_id)
        assert (user.name, user.locale, user.marketing_email, user.push_notifications) == (
            "Anna Schmidt", "en", False, False)
    [change] = anna.pull()["changes"]
    assert change["entity"] == "profile" and change["id"] == str(anna.user_id)
    assert change["data"] == {"id": str(anna.user_id), "name": "Anna Schmidt", "email": "anna@example.com",
                              "locale": "en", "marketing_email": False, "push_notifications": False}


def test_profile_update_leaves_unnamed_fields_alone(anna: Device, db: Database) -> None:
    anna.send("profile.update", {"locale": "en"})

    with db.read() as session:
        user = session.get_one(User, anna.user_id)
        assert (user.name, user.locale, user.marketing_email) == ("Anna Schmidt", "en", True)


def test_thread_create_and_message_send_show_up_in_the_pull(anna: Device, db: Database) -> None:
    anna.pull()

    answer = anna.push(
        new_thread(anna, "thread-7", "msg-7a"),
        anna.mutation("message.send", {"message_id": "msg-7b", "thread_id": "thread-7", "body": "Sendung 0034"}),
    )

    assert [r["status"] for r in answer["results"]] == ["ok", "ok"]
    changes = anna.pull()["changes"]
    threads = [c for c in changes if c["entity"] == "thread"]
    messages = {c["id"]: c["data"] for c in changes if c["entity"] == "message"}
    assert [t["id"] for t in threads] == ["thread-7"]
    assert threads[0]["data"]["status"] == "bot"
    assert threads[0]["data"]["customer_id"] == str(anna.user_id)
    # The bot answered each message (issue 4, server/bot): its reply is the newest message.
    assert threads[0]["data"]["last_message_preview"] == messages_by_sender(messages, "bot")[-1]["body"][:140]
    assert {m for m, data in messages.items() if data["sender"] == "customer"} == {"msg-7a", "msg-7b"}
    assert messages["msg-7a"]["body"] == "Hallo!" and messages["msg-7a"]["sender"] == "customer"
    assert messages["msg-7b"]["thread_id"] == "thread-7"
    assert messages["msg-7b"]["client_time"] == "2026-01-01T10:00:00+01:00"
    assert all(c["scope"] == anna.scope for c in changes)


def messages_by_sender(messages: dict[str, dict[str, Any]], sender: str) -> list[dict[str, Any]]:
    return sorted((m for m in messages.values() if m["sender"] == sender), key=lambda m: m["position"])


def test_a_message_resent_under_a_new_mutation_id_is_not_duplicated(anna: Device, db: Database) -> None:
    send = {"message_id": "msg-once", "thread_id": "thread-1", "body": "Nur einmal"}
    anna.push(new_thread(anna), anna.mutation("message.send", send))
    anna.pull()
    messages_before = count(db, Message)

    again = anna.send("message.send", send)

    assert again["status"] == "ok"
    assert count(db, Message) == messages_before
    assert count(db, Message, Message.id == "msg-once") == 1
    assert [c for c in anna.pull()["changes"] if c["entity"] == "message"] == []


def test_a_thread_created_twice_is_one_thread(anna: Device, db: Database) -> None:
    anna.push(new_thread(anna))

    again = anna.send("thread.create", {"thread_id": "thread-1", "subject": "Anderer Betreff"})

    assert again["status"] == "ok"
    assert count(db, Thread, Thread.id == "thread-1") == 1
    with db.read() as session:
        assert session.get_one(Thread, "thread-1").subject == "Wo ist mein Paket?"


def test_a_message_into_a_closed_thread_is_rejected(anna: Device, db: Database) -> None:
    result = anna.send("message.send", {"message_id": "late", "thread_id": CLOSED_THREAD, "body": "Noch eine Frage"})

    assert result["code"] == "thread_closed"
    assert count(db, Message, Message.id == "late") == 0


def test_a_thread_about_an_unknown_order_is_rejected(anna: Device, db: Database) -> None:
    result = anna.send("thread.create", {"thread_id": "t-x", "subject": "?", "order_id": "no-such-order"})

    assert result["code"] == "not_found"
    assert count(db, Thread, Thread.id == "t-x") == 0


@pytest.mark.parametrize("field", ["thread_id", "first_message_id", "return_id"])
def test_ids_as_long_as_the_contract_allows_never_crash_the_server(anna: Device, db: Database, field: str) -> None:
    args = {"thread_id": "t-long", "subject": "Lange Id", "first_message_id": "m-long", "body": "Hallo",
            field: "x" * 64}

    answer = anna.push(anna.mutation("thread.create", args),
                       anna.mutation("profile.update", {"name": "Danach"}))

    assert answer["results"][0]["status"] in ("ok", "rejected")
    if answer["results"][0]["status"] == "rejected":
        assert answer["results"][0]["code"] == "invalid_args"
    assert answer["results"][1]["status"] == "ok"


def test_two_devices_of_one_user_have_their_own_queues(anna: Device, device: Any, db: Database) -> None:
    phone, laptop = anna, device("anna")

    phone.send("profile.update", {"name": "Vom Handy"})
    laptop.send("profile.update", {"name": "Vom Laptop"})

    assert last_mutation_id(db, phone.client_id) == last_mutation_id(db, laptop.client_id) == 1
    with db.read() as session:
        assert session.get_one(User, anna.user_id).name == "Vom Laptop"


def test_an_empty_batch_changes_nothing(anna: Device, db: Database) -> None:
    before = snapshot(db)

    answer = anna.push()

    assert answer == {"last_mutation_id": 0, "results": []}
    assert snapshot(db) == before


def test_a_device_row_made_by_a_concurrent_first_push_is_taken_as_it_is(db: Database, anna: Device) -> None:
    """Two first pushes of one device at once (two server processes): the second finds the row the
    first made. On PostgreSQL its INSERT waits for the first transaction, then does nothing."""
    client_id = f"race-{uuid.uuid4().hex}"
    seen: list[int] = []

    def second_push() -> None:
        with db.write() as session:
            seen.append(_lock_client(session, client_id, anna.user_id))

    with db.write() as first:
        assert _lock_client(first, client_id, anna.user_id) == 0  # made, not committed yet
        other = threading.Thread(target=second_push)
        other.start()
        other.join(0.5)  # it waits for this transaction (SQLite: the write lock; PostgreSQL: the row)
        assert other.is_alive()
    other.join(10)

    assert seen == [0]
