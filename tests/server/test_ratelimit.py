"""Brute-force brakes (server.ratelimit): sign-in and guest lookup, per account and per address."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.errors import ApiError, message_for
from server.ratelimit import LOGIN_RULES, LOOKUP_RULES, Guard
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


def test_each_app_has_its_own_windows(app: FastAPI, make_settings: Any, db: Any) -> None:
    from server.main import create_app

    for i in range(ACCOUNT_LIMIT):
        login(from_address(app, f"10.0.2.{i}"), "ben@example.com", "x")
    assert login(from_address(app, "10.0.3.1"), "ben@example.com", "demo-ben").status_code == 429

    other = create_app(make_settings(db.url), db=db)
    assert login(from_address(other, "10.0.3.1"), "ben@example.com", "demo-ben").status_code == 200


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


# --- the sliding window itself (a clock we move by hand) ---------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_the_window_slides_and_retry_after_says_when(clock: Clock) -> None:
    guard = Guard.from_rules({"account": (3, 60.0)}, clock)
    for step in (0, 10, 20):
        clock.now = 1000.0 + step
        guard.check(account="a")
        guard.fail(account="a")

    with pytest.raises(ApiError) as braked:
        guard.check(account="a")
    assert braked.value.headers == {"Retry-After": "41"}  # the first failure (t=0) leaves at t=60; now t=20

    clock.now = 1059.5
    with pytest.raises(ApiError):
        guard.check(account="a")
    clock.now = 1060.0
    guard.check(account="a")  # the oldest failure left the window
    guard.fail(account="a")
    with pytest.raises(ApiError) as again:
        guard.check(account="a")
    assert again.value.headers == {"Retry-After": "11"}  # next to leave: t=10, at t=70
    guard.check(account="b")


def test_the_longest_wait_of_all_keys_is_reported(clock: Clock) -> None:
    guard = Guard.from_rules({"account": (1, 100.0), "address": (1, 500.0)}, clock)
    guard.fail(account="a", address="x")

    with pytest.raises(ApiError) as braked:
        guard.check(account="b", address="x")
    assert braked.value.headers == {"Retry-After": "501"}
    with pytest.raises(ApiError) as by_account:
        guard.check(account="a", address="y")
    assert by_account.value.headers == {"Retry-After": "101"}
