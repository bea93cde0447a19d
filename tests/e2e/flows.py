"""Steps several e2e tests share."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import FIRST_SYNC_TIMEOUT_MS, TIMEOUT_MS, AppPage

ORDER_NUMBER = re.compile(r"NA-\d{6}")


def choose_german(app: AppPage) -> None:
    """Pick German on the sign-in screen; an explicit choice there beats the profile's language."""
    app.click("English")
    expect(app.textbox("Email")).to_be_visible()
    app.click("Deutsch")
    expect(app.textbox("E-Mail")).to_be_visible()


EMPTY_FIELDS = "Bitte geben Sie Ihre E-Mail-Adresse und Ihr Passwort ein."


def sign_in_as_anna(app: AppPage) -> None:
    choose_german(app)
    for attempt in range(3):
        app.fill("E-Mail", "anna@example.com")
        app.fill("Passwort", "demo-anna")
        app.click("Anmelden")
        # On a cold start Flutter can still lose typed text on blur; the app then says a field is
        # empty, and a person would simply type again (that answer itself is tested elsewhere).
        app.page.wait_for_timeout(500)
        refused = app.page.get_by_text(EMPTY_FIELDS).count() + app.page.get_by_label(EMPTY_FIELDS).count()
        if attempt == 2 or not refused:
            return


def expect_orders(app: AppPage) -> None:
    """Orders are on screen (after a first sign-in they arrive with the first pull)."""
    app.expect_text(ORDER_NUMBER, timeout_ms=FIRST_SYNC_TIMEOUT_MS)


def scroll_to(app: AppPage, identifier: str) -> None:
    """Scroll with the mouse wheel until the node is on screen (Flutter draws the page; only
    what is near the viewport is in the semantics tree)."""
    size = app.page.viewport_size or {"width": 400, "height": 800}
    app.page.mouse.move(size["width"] * 0.6, size["height"] / 2)
    for _ in range(8):
        if app.node(identifier).count():
            break
        app.page.mouse.wheel(0, size["height"] * 0.5)
        app.page.wait_for_timeout(250)
    expect(app.node(identifier).first).to_be_visible(timeout=TIMEOUT_MS)
