"""POST /auth/login, /auth/refresh, /auth/logout and the bearer-token check on every sync route."""

import time
from typing import Any

import jwt
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.auth import TokenService
from server.config import ServerSettings
from server.db import Database
from server.main import create_app
from server.models import User
from tests.server.dbstate import execute
from tests.server.device import Device

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
PULL = "/api/v1/sync/pull"

# (email, password, role, store)
DEMO_ACCOUNTS = [
    ("anna@example.com", "demo-anna", "customer", None),
    ("ben@example.com", "demo-ben", "customer", None),
    ("staff.ber@example.com", "demo-staff", "staff", "BER-01"),
    ("staff.ham@example.com", "demo-staff", "staff", "HAM-01"),
    ("agent@example.com", "demo-agent", "agent", None),
    ("kiosk.ber@example.com", "demo-kiosk", "kiosk", "BER-01"),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(client: TestClient, email: str, password: str) -> dict[str, Any]:
    response = client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def pull_status(client: TestClient, token: str) -> tuple[int, dict[str, Any]]:
    response = client.post(PULL, json={}, headers=bearer(token))
    return response.status_code, response.json()


def test_every_demo_role_signs_in(client: TestClient) -> None:
    seen_ids = set()
    for email, password, role, store in DEMO_ACCOUNTS:
        # Emails match whatever their case and surrounding space.
        typed = f" {email.upper()} " if role == "customer" else email
        body = login(client, typed, password)

        assert set(body) == {"access_token", "refresh_token", "expires_in", "user"}
        assert body["user"]["email"] == email
        assert body["user"]["role"] == role
        assert body["user"]["store_id"] == store
        assert body["user"]["name"]
        assert body["expires_in"] > 0
        assert pull_status(client, body["access_token"])[0] == 200
        seen_ids.add(body["user"]["id"])
    assert len(seen_ids) == len(DEMO_ACCOUNTS)


def test_wrong_password_and_unknown_email_get_the_same_answer(client: TestClient) -> None:
    wrong_password = client.post(LOGIN, json={"email": "anna@example.com", "password": "demo-ben"})
    unknown_email = client.post(LOGIN, json={"email": "nobody@example.com", "password": "demo-anna"})

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json()
    assert wrong_password.json()["code"] == "invalid_credentials"
    assert "access_token" not in wrong_password.text


def test_an_expired_access_token_is_token_expired(anna: Device, db: Database, make_settings: Any) -> None:
    settings: ServerSettings = make_settings(db.url, access_token_ttl_s=-1)
    with TestClient(create_app(settings, db=db)) as client:
        # A refresh on a server whose access tokens live -1 s hands out an already expired one.
        refreshed = client.post(REFRESH, json={"refresh_token": anna.refresh_token})
        assert refreshed.status_code == 200

        status, error = pull_status(client, refreshed.json()["access_token"])
        again = client.post(REFRESH, json={"refresh_token": anna.refresh_token})

    assert status == 401
    assert error["code"] == "token_expired"
    assert again.status_code == 200  # an expired access token never blocks a refresh


def test_a_remembered_access_token_is_refused_once_it_expires(anna: Device, db: Database,
                                                              make_settings: Any) -> None:
    """The server remembers verified access tokens (server.auth.TokenService.principal), never past `exp`."""
    settings: ServerSettings = make_settings(db.url, access_token_ttl_s=2)
    with TestClient(create_app(settings, db=db)) as client:
        token = client.post(REFRESH, json={"refresh_token": anna.refresh_token}).json()["access_token"]
        first, _ = pull_status(client, token)
        again, _ = pull_status(client, token)
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        time.sleep(max(0.0, expires - time.time()) + 0.05)
        later, error = pull_status(client, token)

    assert (first, again) == (200, 200)
    assert (later, error["code"]) == (401, "token_expired")


def test_a_garbage_token_is_token_invalid(client: TestClient) -> None:
    for token in ["garbage", "a.b.c", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "x" * 3000]:
        status, error = pull_status(client, token)

        assert (status, error["code"]) == (401, "token_invalid"), token


def test_a_token_signed_with_another_secret_is_token_invalid(anna: Device, db: Database,
                                                             client: TestClient) -> None:
    foreign = TokenService("another-secret-another-secret-another-secret", 3600, 3600)
    with db.write() as session:
        token = foreign.issue(session, session.get_one(User, anna.user_id)).access_token

    status, error = pull_status(client, token)

    assert (status, error["code"]) == (401, "token_invalid")


def test_no_bearer_token_is_not_authenticated(client: TestClient) -> None:
    for header in [None, "", "Bearer", "Bearer ", "Basic YW5uYTpkZW1v"]:
        headers = {} if header is None else {"Authorization": header}

        response = client.post(PULL, json={}, headers=headers)

        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated"), header


def test_refresh_gives_a_working_access_token(ben: Device, client: TestClient) -> None:
    response = client.post(REFRESH, json={"refresh_token": ben.refresh_token})

    assert response.status_code == 200
    fresh = response.json()
    assert fresh["user"] == ben.user
    assert pull_status(client, fresh["access_token"])[0] == 200
    # The refreshed pair belongs to the same session: it refreshes again.
    assert client.post(REFRESH, json={"refresh_token": fresh["refresh_token"]}).status_code == 200


def test_refresh_after_logout_is_refused_and_other_sessions_live_on(anna: Device, client: TestClient,
                                                                   app: FastAPI, db: Database) -> None:
    tokens: TokenService = app.state.tokens
    with db.write() as session:  # a second device of anna's, signed in the way /auth/login does it
        other = tokens.issue(session, session.get_one(User, anna.user_id)).model_dump()

    logout = client.post(LOGOUT, headers=bearer(anna.access_token))
    response = client.post(REFRESH, json={"refresh_token": anna.refresh_token})

    assert logout.status_code == 204
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"
    assert client.post(REFRESH, json={"refresh_token": other["refresh_token"]}).status_code == 200


def test_logout_needs_a_valid_access_token(client: TestClient) -> None:
    response = client.post(LOGOUT, headers=bearer("garbage"))

    assert response.status_code == 401


def test_a_refresh_token_is_not_an_access_token(anna: Device, client: TestClient) -> None:
    status, error = pull_status(client, anna.refresh_token)

    assert (status, error["code"]) == (401, "token_invalid")


def test_an_access_token_is_not_a_refresh_token(anna: Device, client: TestClient) -> None:
    response = client.post(REFRESH, json={"refresh_token": anna.access_token})

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_tokens_of_a_deleted_account_no_longer_refresh(anna: Device, client: TestClient, db: Database) -> None:
    execute(db, "UPDATE app_user SET deleted_at = CURRENT_TIMESTAMP WHERE id = :id", id=anna.user_id)

    refreshed = client.post(REFRESH, json={"refresh_token": anna.refresh_token})
    relogin = client.post(LOGIN, json={"email": "anna@example.com", "password": "demo-anna"})

    assert refreshed.status_code == 401
    assert relogin.status_code == 401
    assert relogin.json()["code"] == "invalid_credentials"
