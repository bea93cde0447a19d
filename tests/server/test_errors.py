"""Bad input: every refusal is a JSON ErrorBody with a stable code, in the caller's language,
never a 500, and never a change to the database."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.protocol.sync import MAX_MUTATIONS_PER_PUSH, MAX_PUSH_BYTES
from server.db import Database
from server.errors import message_for
from tests.server.dbstate import snapshot
from tests.server.device import Device

API = "/api/v1"
JSON = {"Content-Type": "application/json"}


def big_push(client_id: str) -> bytes:
    """A well-formed push just over the body limit."""
    mutation = {"id": 1, "name": "profile.update", "args": {"name": "x" * (MAX_PUSH_BYTES + 1024)}}
    return json.dumps({"client_id": client_id, "mutations": [mutation]}).encode()


def in_chunks(body: bytes, size: int = 16 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


def many_mutations(client_id: str) -> dict[str, Any]:
    mutations = [{"id": n, "name": "profile.update", "args": {"name": f"Anna {n}"}}
                 for n in range(1, MAX_MUTATIONS_PER_PUSH + 2)]
    return {"client_id": client_id, "mutations": mutations}


@dataclass(frozen=True)
class Bad:
    """One bad request: how to send it (with extra headers) and the answer it must get."""

    send: Callable[[TestClient, Device, dict[str, str]], Any]
    status: int
    code: str


def post(path: str, signed_in: bool = True, headers: dict[str, str] | None = None,
         **kwargs: Any) -> Callable[[TestClient, Device, dict[str, str]], Any]:
    def send(client: TestClient, device: Device, extra: dict[str, str]) -> Any:
        base = device.headers() if signed_in else {}
        return client.post(API + path, headers={**base, **(headers or {}), **extra}, **kwargs)
    return send


def push_of(body: Callable[[Device], Any], **kwargs: Any) -> Callable[[TestClient, Device, dict[str, str]], Any]:
    def send(client: TestClient, device: Device, extra: dict[str, str]) -> Any:
        return client.post(API + "/sync/push", headers={**device.headers(), **JSON, **extra},
                           **{key: value(device) for key, value in kwargs.items()}, **body(device))
    return send


CASES: dict[str, Bad] = {
    "push: malformed json": Bad(post("/sync/push", content=b'{"client_id": "abcdefgh", "mutations": [', headers=JSON),
                                400, "malformed_json"),
    "pull: malformed json": Bad(post("/sync/pull", content=b"{'epoch': None}", headers=JSON), 400, "malformed_json"),
    "login: malformed json": Bad(post("/auth/login", signed_in=False, content=b'{"email":', headers=JSON),
                                 400, "malformed_json"),
    "push: wrong field types": Bad(post("/sync/push", json={"client_id": 12345678, "mutations": "all of them"}),
                                   422, "invalid_request"),
    "push: mutation id zero": Bad(post("/sync/push", json={"client_id": "abcdefgh", "mutations": [
        {"id": 0, "name": "profile.update", "args": {}}]}), 422, "invalid_request"),
    "push: args not an object": Bad(post("/sync/push", json={"client_id": "abcdefgh", "mutations": [
        {"id": 1, "name": "profile.update", "args": ["name", "x"]}]}), 422, "invalid_request"),
    "push: missing body": Bad(post("/sync/push"), 422, "invalid_request"),
    "pull: wrong limit type": Bad(post("/sync/pull", json={"limit": "many"}), 422, "invalid_request"),
    "pull: limit zero": Bad(post("/sync/pull", json={"limit": 0}), 422, "invalid_request"),
    "pull: limit over the maximum": Bad(post("/sync/pull", json={"limit": 5001}), 422, "invalid_request"),
    "pull: cursor not a number": Bad(post("/sync/pull", json={"epoch": "e", "cursors": {"public": "x"}}),
                                     422, "invalid_request"),
    "login: wrong field types": Bad(post("/auth/login", signed_in=False, json={"email": ["a"], "password": 1}),
                                    422, "invalid_request"),
    "login: json array": Bad(post("/auth/login", signed_in=False, json=[1, 2]), 422, "invalid_request"),
    "push: over 256 KiB with Content-Length": Bad(push_of(lambda d: {"content": big_push(d.client_id)}),
                                                  413, "payload_too_large"),
    "push: over 256 KiB streamed (chunked)": Bad(push_of(lambda d: {"content": in_chunks(big_push(d.client_id))}),
                                                 413, "payload_too_large"),
    "login: over 256 KiB streamed (chunked)": Bad(
        lambda c, d, extra: c.post(API + "/auth/login", headers={**JSON, **extra}, content=in_chunks(
            json.dumps({"email": "a@b.c", "password": "x" * MAX_PUSH_BYTES}).encode())),
        413, "payload_too_large"),
    "push: more than 100 mutations": Bad(push_of(lambda d: {"json": many_mutations(d.client_id)}),
                                         413, "too_many_mutations"),
    "unknown route": Bad(lambda c, d, extra: c.get(API + "/no/such/route", headers=extra), 404, "not_found"),
    "unknown route outside the api": Bad(lambda c, d, extra: c.post("/wp-login.php", headers=extra), 404, "not_found"),
    "wrong method": Bad(lambda c, d, extra: c.get(API + "/sync/push", headers={**d.headers(), **extra}),
                        405, "method_not_allowed"),
    "pull: wrong X-Schema-Version": Bad(post("/sync/pull", json={}, headers={"X-Schema-Version": "2"}),
                                        400, "schema_unsupported"),
    "push: wrong X-Schema-Version": Bad(post("/sync/push", json={"client_id": "abcdefgh", "mutations": [
        {"id": 1, "name": "profile.update", "args": {"name": "Neu"}}]}, headers={"X-Schema-Version": "0"}),
        400, "schema_unsupported"),
    "pull: X-Schema-Version not a number": Bad(post("/sync/pull", json={}, headers={"X-Schema-Version": "v1"}),
                                               400, "schema_unsupported"),
    "push: not signed in": Bad(post("/sync/push", signed_in=False, json={"client_id": "abcdefgh", "mutations": []}),
                               401, "not_authenticated"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_requests_get_a_localised_error_and_change_nothing(client: TestClient, anna: Device, db: Database,
                                                              case: str) -> None:
    bad = CASES[case]
    before = snapshot(db)

    english = bad.send(client, anna, {})
    german = bad.send(client, anna, {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})

    for response in (english, german):
        assert response.status_code == bad.status, response.text
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert body["code"] == bad.code
        assert isinstance(body["message"], str) and body["message"]
    assert english.json()["message"] == message_for(bad.code, "en")
    assert german.json()["message"] == message_for(bad.code, "de") != english.json()["message"]
    assert snapshot(db) == before


def test_invalid_request_names_the_bad_fields(anna: Device) -> None:
    response = anna.post("/sync/pull", {"limit": "many", "cursors": {"public": "x"}})

    assert response.status_code == 422
    assert response.json()["detail"]["fields"] == ["cursors.public", "limit"]


def test_too_many_mutations_says_the_maximum(anna: Device) -> None:
    response = anna.post("/sync/push", many_mutations(anna.client_id))

    assert response.status_code == 413
    assert response.json()["detail"] == {"max": MAX_MUTATIONS_PER_PUSH}


def test_exactly_the_limits_are_accepted(anna: Device) -> None:
    # Cheap mutations (an unknown name is a rejection): this is about the batch size only.
    mutations = [{"id": n, "name": "noop.v0", "args": {}} for n in range(1, MAX_MUTATIONS_PER_PUSH + 1)]

    response = anna.post("/sync/push", {"client_id": anna.client_id, "mutations": mutations})

    assert response.status_code == 200
    assert response.json()["last_mutation_id"] == MAX_MUTATIONS_PER_PUSH


def test_a_body_just_under_the_limit_is_read(anna: Device) -> None:
    body = json.dumps({"client_id": anna.client_id, "mutations": [
        {"id": 1, "name": "profile.update", "args": {"name": "Anna", "padding": "x" * (MAX_PUSH_BYTES - 200)}}]})
    assert len(body) <= MAX_PUSH_BYTES

    response = anna.http.post(API + "/sync/push", content=in_chunks(body.encode()),
                              headers={**anna.headers(), **JSON})

    assert response.status_code == 200
    assert response.json()["results"][0]["code"] == "invalid_args"  # "padding" is not an argument


def test_the_error_language_falls_back_to_english(client: TestClient) -> None:
    for header in ("fr-FR", "", "*", "de;q=oops", "xx,de"):
        response = client.get(API + "/nope", headers={"Accept-Language": header})

        expected = "de" if header in ("de;q=oops", "xx,de") else "en"
        assert response.json()["message"] == message_for("not_found", expected), header


@pytest.mark.parametrize("field", ["name", "body"])
def test_nul_characters_never_crash_the_server(anna: Device, field: str) -> None:
    # PostgreSQL text can't hold NUL; SQLite can. Either way: applied or rejected, and the queue moves on.
    if field == "name":
        first = anna.mutation("profile.update", {"name": "An\u0000na"})
    else:
        first = anna.mutation("thread.create", {"thread_id": "t-nul", "subject": "Null", "first_message_id": "m-nul",
                                                "body": "a\u0000b"})

    answer = anna.push(first, anna.mutation("profile.update", {"name": "Anna"}))

    assert answer["results"][0]["status"] == "ok" or answer["results"][0]["code"] == "invalid_args"
    assert answer["results"][1]["status"] == "ok"


def test_nul_characters_in_login_or_client_id_are_refused_cleanly(client: TestClient, anna: Device) -> None:
    login = client.post(API + "/auth/login", json={"email": "anna\u0000@example.com", "password": "demo-anna"})
    push = anna.push_raw([], client_id="device\u0000id")

    assert login.status_code in (401, 422)
    assert push.status_code in (200, 422)
