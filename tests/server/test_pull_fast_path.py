"""The pull fast path (server/pull_fast_path.py): it answers orderly pulls byte for byte as the
route would, and hands everything else to the route.

Two ways in: the whole app, where a pull sent as `application/vnd.nahtlos+json` goes to the route
(FastAPI reads any `+json` body; the fast path takes plain `application/json` only), so both
answers can be compared; and the layer around an app that only says "route" (status 299), to see
which requests it leaves alone.
"""

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from app.protocol import API_PREFIX
from server.pull_fast_path import PullFastPath
from tests.server.device import Device
from tests.server.shopper import new_id

ROUTE = 299


async def route(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands for the FastAPI route: says it was reached and echoes the body it was given."""
    message = await receive()
    await send({"type": "http.response.start", "status": ROUTE, "headers": []})
    await send({"type": "http.response.body", "body": message.get("body", b"")})


@pytest.fixture
def layer(app: FastAPI) -> TestClient:
    return TestClient(PullFastPath(route, tokens=app.state.tokens, db=app.state.db))


def test_an_orderly_pull_is_answered_as_the_route_answers_it(anna: Device) -> None:
    anna.send("thread.create", {"thread_id": new_id(), "subject": "Paket", "first_message_id": new_id(),
                                "body": "Wo ist mein Paket?"})
    body = json.dumps({"epoch": None, "cursors": {}, "limit": 50}).encode()

    fast = anna.http.post(API_PREFIX + "/sync/pull", content=body,
                          headers=anna.headers(**{"Content-Type": "application/json"}))
    routed = anna.http.post(API_PREFIX + "/sync/pull", content=body,
                            headers=anna.headers(**{"Content-Type": "application/vnd.nahtlos+json"}))

    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json"
    assert json.loads(fast.content)["more"] is True


def test_the_layer_answers_an_orderly_pull_itself(layer: TestClient, anna: Device) -> None:
    answer = layer.post(API_PREFIX + "/sync/pull", json={"epoch": None, "cursors": {}}, headers=anna.headers())

    assert answer.status_code == 200
    assert answer.json()["cursors"].keys() >= {anna.scope}


@pytest.mark.parametrize("change", [
    {"Authorization": "Bearer forged"},
    {"Authorization": "Basic YW5uYTp4"},
    {"X-Schema-Version": "2"},
    {"X-Client-Id": "x" * 65},
    {"Content-Type": "text/plain"},
])
def test_anything_out_of_order_goes_to_the_route_with_its_body(layer: TestClient, anna: Device,
                                                               change: dict[str, str]) -> None:
    body = json.dumps({"epoch": None, "cursors": {}}).encode()
    headers = {**anna.headers(), "Content-Type": "application/json", **change}

    answer = layer.post(API_PREFIX + "/sync/pull", content=body, headers=headers)

    assert (answer.status_code, answer.content) == (ROUTE, body)


@pytest.mark.parametrize("body", [b"{", b'{"epoch": null, "cursors": {"user:1": "many"}}', b'{"limit": -1}',
                                  b'{"epoch": "from-another-server", "cursors": {}}'])
def test_a_body_the_pull_refuses_goes_to_the_route(layer: TestClient, anna: Device, body: bytes) -> None:
    answer = layer.post(API_PREFIX + "/sync/pull", content=body,
                        headers={**anna.headers(), "Content-Type": "application/json"})

    assert (answer.status_code, answer.content) == (ROUTE, body)


def test_other_requests_pass_by(layer: TestClient, anna: Device) -> None:
    assert layer.post(API_PREFIX + "/sync/push", json={}, headers=anna.headers()).status_code == ROUTE
    assert layer.get(API_PREFIX + "/sync/pull", headers=anna.headers()).status_code == ROUTE
