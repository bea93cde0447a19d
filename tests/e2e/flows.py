"""Steps several e2e tests share."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import FIRST_SYNC_TIMEOUT_MS, AppPage

ORDER_NUMBER = re.compile(r"NA-\d{6}")


def choose_german(app: AppPage) -> None:
    """Pick German on the sign-in screen; an explicit choice there beats the profile's language."""
    app.click("English")
    expect(app.textbox("Email")).to_be_visible()
    app.click("Deutsch")
    expect(app.textbox("E-Mail")).to_be_visible()


def sign_in_as_anna(app: AppPage) -> None:
    choose_german(app)
    app.fill("E-Mail", "anna@example.com")
    app.fill("Passwort", "demo-anna")
    app.click("Anmelden")


def expect_orders(app: AppPage) -> None:
    """Orders are on screen (after a first sign-in they arrive with the first pull)."""
    app.expect_text(ORDER_NUMBER, timeout_ms=FIRST_SYNC_TIMEOUT_MS)
