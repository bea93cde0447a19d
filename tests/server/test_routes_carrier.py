"""POST /carrier/events: a carrier's checkpoint reaches the shopper's scope once, with a poke."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.config import ServerSettings
from server.db import Database
from server.main import create_app
from tests.server.device import Device

EVENTS = "/api/v1/carrier/events"
TOKEN = "carrier-test-token-0123456789"
LAMP_PARCEL = "00340434161234560261"  # anna's NA-100260: the lamp, still in transit


@pytest.fixture
def carrier_app(settings: ServerSettings, db: Database) -> FastAPI:
    return create_app(settings.model_copy(update={"carrier_webhook_token": TOKEN}), db=db)


@pytest.fixture
def carrier_client(carrier_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(carrier_app) as http:
        yield http


def checkpoint(**overrides: Any) -> dict[str, Any]:
    return {"event_id": "evt-1", "tracking_number": LAMP_PARCEL, "status": "out_for_delivery",
            "at": "2030-01-01T07:12:00Z", "location": "Berlin",
            "description": {"de": "Das Paket ist in Zustellung", "en": "The parcel is out for delivery"}} | overrides


def lamp_shipment(anna: Device) -> dict[str, Any]:
    shipments = [c["data"] for c in anna.changes() if c["entity"] == "shipment" and c["data"]]
    return next(s for s in shipments if s["tracking_number"] == LAMP_PARCEL)


def post(client: TestClient, body: dict[str, Any], token: str = TOKEN) -> Any:
    return client.post(EVENTS, json=body, headers={"Authorization": f"Bearer {token}"})


def test_a_checkpoint_lands_in_the_shoppers_scope_once(carrier_client: TestClient,
                                                         demo_sessions: dict[str, dict[str, Any]]) -> None:
    anna = Device(carrier_client, demo_sessions["anna"])
    before = lamp_shipment(anna)

    first = post(carrier_client, checkpoint())
    again = post(carrier_client, checkpoint())  # the carrier redelivers after a timeout

    assert first.status_code == 200, first.text
    assert first.json()["duplicate"] is False and again.json()["duplicate"] is True
    assert first.json()["event_id"] == again.json()["event_id"]
    after = lamp_shipment(Device(carrier_client, demo_sessions["anna"]))
    assert after["status"] == "out_for_delivery"
    assert len(after["events"]) == len(before["events"]) + 1
    newest = after["events"][0]  # newest first
    assert (newest["status"], newest["location"]) == ("out_for_delivery", "Berlin")


def test_an_older_checkpoint_joins_the_timeline_without_rolling_the_status_back(
        carrier_client: TestClient, demo_sessions: dict[str, dict[str, Any]]) -> None:
    post(carrier_client, checkpoint())  # out for delivery, the newest checkpoint
    post(carrier_client, checkpoint(event_id="late", status="delayed", at="2000-01-01T00:00:00Z"))

    shipment = lamp_shipment(Device(carrier_client, demo_sessions["anna"]))
    assert shipment["status"] == "out_for_delivery"
    assert shipment["events"][-1]["at"].startswith("2000-01-01")  # oldest last


def test_delivery_of_the_last_parcel_delivers_the_order(carrier_client: TestClient,
                                                        demo_sessions: dict[str, dict[str, Any]]) -> None:
    post(carrier_client, checkpoint(event_id="done", status="delivered"))

    changes = Device(carrier_client, demo_sessions["anna"]).changes()
    order = next(c["data"] for c in changes if c["entity"] == "order" and c["data"]["number"] == "NA-100260")
    assert order["status"] == "delivered" and order["delivered_at"].startswith("2030-01-01")


def test_the_push_pokes_the_shoppers_scope(carrier_app: FastAPI, carrier_client: TestClient,
                                           demo_sessions: dict[str, dict[str, Any]]) -> None:
    hub = carrier_app.state.hub
    anna_scope = Device(carrier_client, demo_sessions["anna"]).scope

    async def listen() -> Any:
        queue = hub.subscribe([anna_scope])
        try:
            await asyncio.to_thread(post, carrier_client, checkpoint(event_id="poke"))
            return await asyncio.wait_for(queue.get(), timeout=5)
        finally:
            hub.unsubscribe(queue)

    poke = asyncio.run(listen())
    assert anna_scope in poke.scopes and poke.seq > 0


@pytest.mark.parametrize(("token", "status", "code"), [("wrong", 401, "token_invalid"), ("", 401, "token_invalid")])
def test_a_wrong_token_is_refused(carrier_client: TestClient, token: str, status: int, code: str) -> None:
    response = post(carrier_client, checkpoint(), token=token)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_unknown_parcels_and_bad_bodies_get_clear_answers(carrier_client: TestClient) -> None:
    unknown = post(carrier_client, checkpoint(tracking_number="NOPE"))
    bad_status = post(carrier_client, checkpoint(status="teleported"))
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert (bad_status.status_code, bad_status.json()["code"]) == (422, "invalid_request")


def test_without_a_configured_token_the_route_is_not_there(client: TestClient) -> None:
    response = post(client, checkpoint(), token="")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
