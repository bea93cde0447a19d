"""Brute-force brakes (server.ratelimit): sign-in and guest lookup, per account and per address."""

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.db import Database
from server.errors import message_for
from server.ratelimit import LOGIN_RULES, LOOKUP_RULES
from tests.server.shopper import GUEST_ORDER

LOGIN = "/api/v1/auth/login"
LOOKUP = "/api/v1/orders/lookup"
ACCOUNT_LIMIT = LOGIN_RULES["account"][0]
ADDRESS_LIMIT = LOGIN_RULES["address"][0]
EMAIL_LIMIT = LOOKUP_RULES["email"][0]
ORDER_LIMIT = LOOKUP_RULES["order"][0]


def from_address(app: FastAPI, address: str) -> TestClient:
    """A client of the same app whose requests come from `address`."""
    return TestClient(app, client=(address, 40000))


def login(http: TestClient, email: str, password: str, **headers: str) -> Any:
    return http.post(LOGIN, json={"email": email, "password": password}, headers=headers)


def lookup(http: TestClient, number: str, email: str) -> Any:
    return http.post(LOOKUP, json={"number": number, "email": email})


def assert_braked(response: Any, locale: str = "en") -> int:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["code"] == "rate_limited"
    assert body["message"] == message_for("rate_limited", locale)
    wait = int(response.headers["retry-after"])
    assert 0 < wait <= 900
    assert body["detail"] == {"retry_after": wait}
    return wait


def test_an_account_is_braked_after_too_many_wrong_passwords_even_for_the_right_one(app: FastAPI) -> None:
    for i in range(ACCOUNT_LIMIT):
        # From different addresses: the account's own window does the braking.
        assert login(from_address(app, f"10.0.0.{i}"), "anna@example.com", f"guess-{i}").status_code == 401

    right = login(from_address(app, "10.0.1.1"), " ANNA@example.com ", "demo-anna")
    german = login(from_address(app, "10.0.1.2"), "anna@example.com", "demo-anna", **{"Accept-Language": "de"})

    assert_braked(right)
    assert_braked(german, "de")
    assert "access_token" not in right.text
    # Another account is not affected.
    assert login(from_address(app, "10.0.1.3"), "ben@example.com", "demo-ben").status_code == 200


def test_an_address_is_braked_after_too_many_failures_over_many_accounts(app: FastAPI) -> None:
    attacker = from_address(app, "192.0.2.7")
    for i in range(ADDRESS_LIMIT):
        assert login(attacker, f"user{i}@example.com", "password").status_code == 401

    assert_braked(login(attacker, "ben@example.com", "demo-ben"))
    # Someone else, at another address, signs in as usual into the same account.
    assert login(from_address(app, "198.51.100.1"), "ben@example.com", "demo-ben").status_code == 200


def test_successful_sign_ins_do_not_count(app: FastAPI) -> None:
    http = from_address(app, "10.9.9.9")
    for _ in range(ACCOUNT_LIMIT + 2):
        assert login(http, "ben@example.com", "demo-ben").status_code == 200
    for _ in range(ACCOUNT_LIMIT - 1):
        assert login(http, "ben@example.com", "nope").status_code == 401
    assert login(http, "ben@example.com", "demo-ben").status_code == 200


def test_apps_share_the_counts_on_postgresql_and_not_on_sqlite(app: FastAPI, make_settings: Any, db: Database) -> None:
    """Apps on one database stand for server processes (and a restarted one): on PostgreSQL they
    brake at one shared total; the embedded SQLite server counts in its own memory."""
    from server.main import create_app

    other = create_app(make_settings(db.url), db=db)
    for i in range(ACCOUNT_LIMIT):  # half of the failures on each
        assert login(from_address(app if i % 2 else other, f"10.0.2.{i}"), "ben@example.com", "x").status_code == 401
    restarted = create_app(make_settings(db.url), db=db)

    expected = 200 if db.is_sqlite else 429
    for server in (app, other, restarted):
        assert login(from_address(server, "10.0.3.1"), "ben@example.com", "demo-ben").status_code == expected


def test_guest_lookup_is_braked_per_email_over_many_order_numbers(app: FastAPI) -> None:
    for i in range(EMAIL_LIMIT):
        http = from_address(app, f"10.1.{i // 200}.{i % 200}")  # new addresses: only the email window counts
        assert lookup(http, f"NA-9{i:05d}", "clara.wagner@example.com").status_code == 404

    braked = lookup(from_address(app, "10.2.0.1"), GUEST_ORDER, "Clara.Wagner@example.com")

    assert_braked(braked)
    assert lookup(from_address(app, "10.2.0.2"), GUEST_ORDER, "anna@example.com").status_code == 404


def test_guest_lookup_is_braked_per_order_number_over_many_emails(app: FastAPI) -> None:
    for i in range(ORDER_LIMIT):
        http = from_address(app, f"10.3.{i // 200}.{i % 200}")
        assert lookup(http, GUEST_ORDER, f"guess{i}@example.com").status_code == 404

    assert_braked(lookup(from_address(app, "10.4.0.1"), GUEST_ORDER, "clara.wagner@example.com"))
    assert lookup(from_address(app, "10.4.0.2"), "NA-100231", "anna@example.com").status_code == 200


def test_guest_lookup_is_still_braked_per_address(app: FastAPI) -> None:
    http = from_address(app, "203.0.113.5")
    for i in range(LOOKUP_RULES["address"][0]):
        assert lookup(http, f"NA-8{i:05d}", f"g{i}@example.com").status_code == 404

    assert lookup(http, GUEST_ORDER, "clara.wagner@example.com").status_code == 429
    assert lookup(from_address(app, "203.0.113.6"), GUEST_ORDER, "clara.wagner@example.com").status_code == 200
