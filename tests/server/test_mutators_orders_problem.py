"""order.report_problem: a conversation linked to the order, waiting for a person; idempotent by thread id."""

from fastapi.testclient import TestClient

from server.db import Database
from tests.server.conftest import MakeDevice
from tests.server.dbstate import scalar
from tests.server.device import Device
from tests.server.shopper import (
    DELIVERED_5_DAYS,
    PROCESSING,
    new_id,
    order_id,
    rows,
    uploaded,
)


def report(device: Device, number: str, kind: str, **extra: object) -> tuple[str, str, dict[str, object]]:
    thread_id, message_id = new_id(), new_id()
    args = {"order_id": order_id(number), "thread_id": thread_id, "message_id": message_id, "kind": kind, **extra}
    return thread_id, message_id, device.send("order.report_problem", args)


def test_a_damaged_item_opens_a_conversation_for_an_agent(device: MakeDevice) -> None:
    anna, agent = device("anna"), device("agent")
    photo = uploaded(anna)
    shipment_id = next(s["id"] for s in rows(anna, "shipment").values() if s["order_id"] == order_id(DELIVERED_5_DAYS))

    thread_id, message_id, result = report(anna, DELIVERED_5_DAYS, "damaged", description="Die Naht ist gerissen.",
                                           shipment_id=shipment_id, attachment_ids=[photo])

    assert result["status"] == "ok", result
    assert result["result"] == {"thread_id": thread_id}
    thread = rows(anna, "thread")[thread_id]
    assert (thread["order_id"], thread["status"]) == (order_id(DELIVERED_5_DAYS), "waiting_for_agent")
    assert thread["subject"] == "Problem mit Bestellung NA-100231"  # anna's language is German
    message = rows(anna, "message")[message_id]
    assert message["sender"] == "customer"
    assert message["body"] == ("Ein Artikel ist beschädigt angekommen.\n\n"
                               "Sendung: DHL 00340434161234567890\n\nDie Naht ist gerissen.")
    assert message["attachment_ids"] == [photo]
    assert thread_id in rows(agent, "thread")


def test_the_first_message_is_in_the_shoppers_language(ben: Device) -> None:
    thread_id, message_id, result = report(ben, "NA-100262", "not_received")

    assert result["status"] == "ok"
    assert rows(ben, "thread")[thread_id]["subject"] == "Problem with order NA-100262"
    assert rows(ben, "message")[message_id]["body"] == "My order has not arrived."


def test_a_report_is_idempotent_by_thread_id(anna: Device, db: Database) -> None:
    thread_id, message_id = new_id(), new_id()
    args = {"order_id": order_id(DELIVERED_5_DAYS), "thread_id": thread_id, "message_id": message_id,
            "kind": "wrong_item"}

    first = anna.send("order.report_problem", args)
    second = anna.send("order.report_problem", args)

    assert first["result"] == second["result"] == {"thread_id": thread_id}
    assert scalar(db, "SELECT count(*) FROM message WHERE thread_id = :t", t=thread_id) == 1


def test_refusals(anna: Device, ben: Device) -> None:
    assert report(anna, PROCESSING, "damaged")[2]["code"] == "not_delivered"
    assert report(anna, PROCESSING, "not_received")[2]["status"] == "ok"
    assert report(ben, DELIVERED_5_DAYS, "damaged")[2]["code"] == "not_found"
    assert report(anna, DELIVERED_5_DAYS, "damaged", shipment_id="nope")[2]["code"] == "not_found"
    foreign = uploaded(ben)
    refusal = report(anna, DELIVERED_5_DAYS, "damaged", attachment_ids=[foreign])[2]
    assert (refusal["code"], refusal["result"]) == ("attachment_invalid", {"attachment_id": foreign})


def test_the_agent_can_fetch_the_photo(device: MakeDevice, client: TestClient) -> None:
    anna, agent = device("anna"), device("agent")
    photo = uploaded(anna)
    report(anna, DELIVERED_5_DAYS, "damaged", attachment_ids=[photo])

    response = client.get(f"/api/v1/attachments/{photo}", headers={"Authorization": f"Bearer {agent.access_token}"})

    assert response.status_code == 200
