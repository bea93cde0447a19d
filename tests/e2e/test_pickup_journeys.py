"""Click & collect end to end in Chromium: a staff tablet (`--mode staff`) and a shopper's phone on
one server.

- staff mark Ben's pickup ready; his app shows the notification live (banner + list)
- Anna opens her pickup; staff type its short code, check ID, record the handover; her screen
  changes to "collected" without a reload

Screenshots of the staff queue, the handover steps and the shopper's pickup at 400 and 1280 px.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from server.seed.ids import demo_id
from tests.e2e.conftest import (
    DESKTOP,
    FIRST_SYNC_TIMEOUT_MS,
    PHONE,
    AppPage,
    device,
    shared_or_own,
    start_app,
    start_server,
)
from tests.e2e.flows import choose_german, expect_orders

ANNA_PICKUP = demo_id("pickup", "NA-100252")


@dataclass(frozen=True)
class Apps:
    shopper: str
    staff: str


@contextmanager
def open_apps(data: Path) -> Iterator[Apps]:
    (data / "server").mkdir(parents=True)
    server = start_server(data / "server")
    shopper = staff = None
    try:
        shopper = start_app(data / "shopper", "--api", server.url)
        staff = start_app(data / "staff", "--api", server.url, "--mode", "staff")
        yield Apps(shopper.url, staff.url)
    finally:
        for process in (staff, shopper, server):
            if process is not None:
                process.stop()


@pytest.fixture(scope="module")
def module_apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Apps]:
    with open_apps(tmp_path_factory.mktemp("pickups")) as apps:
        yield apps


@pytest.fixture
def apps(request: pytest.FixtureRequest, module_apps: Apps, tmp_path: Path) -> Iterator[Apps]:
    """The module's apps, or on a rerun one of the test's own (`shared_or_own`)."""
    yield from shared_or_own(request, module_apps, lambda: open_apps(tmp_path / "rerun"))


def sign_in(app: AppPage, email: str, password: str) -> None:
    choose_german(app)
    app.fill("E-Mail", email)
    app.fill("Passwort", password)
    app.click("Anmelden")


def test_mark_ready_shows_a_notification_on_the_shoppers_phone(browser: Browser, apps: Apps) -> None:
    with device(browser, apps.staff, DESKTOP, "staff-ham") as staff, \
            device(browser, apps.shopper, PHONE, "shopper-ben") as ben:
        sign_in(ben, "ben@example.com", "demo-ben")
        expect_orders(ben)
        sign_in(staff, "staff.ham@example.com", "demo-staff")
        staff.expect_text("Vorzubereiten (1)", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        staff.expect_text("Ben Carter")
        staff.screenshot("queue-to-prepare")
        staff.fill("Abholcode", "ZZZZZZ")
        staff.click("Code prüfen")
        staff.expect_text("Keine Abholung mit diesem Code")
        staff.screenshot("scan-unknown")

        staff.click("Als bereit markieren")
        staff.expect_text("Bereit (1)")

        # Ben chose German on the sign-in screen: the notification is shown in his language.
        banner = ben.node("notification-banner")
        expect(banner).to_contain_text("Ihre Bestellung liegt bereit", timeout=FIRST_SYNC_TIMEOUT_MS)
        ben.screenshot("notification-banner")
        ben.click("Anzeigen")
        ben.expect_text("Abholung NA-100268")
        ben.expect_text("Abholcode")
        ben.screenshot("pickup-ready")


def test_staff_hand_over_by_short_code_while_the_shopper_watches(browser: Browser, apps: Apps) -> None:
    with device(browser, apps.shopper, PHONE, "shopper-anna") as anna, \
            device(browser, apps.staff, PHONE, "staff-ber") as staff:
        sign_in(anna, "anna@example.com", "demo-anna")
        expect_orders(anna)
        anna.open(f"/pickups/{ANNA_PICKUP}")
        # The short code is selectable text (a read-only field for screen readers), read out with its label.
        expect(anna.page.get_by_role("textbox", name="Abholcode K7M 4Q2")).to_be_visible(
            timeout=FIRST_SYNC_TIMEOUT_MS)
        expect(anna.node("pickup-qr")).to_be_visible()
        anna.screenshot("pickup-code")
        anna.click("Ich bin da")
        anna.expect_text("Wir haben der Filiale gesagt, dass Sie da sind")

        sign_in(staff, "staff.ber@example.com", "demo-staff")
        staff.expect_text("Angemeldet (1)", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        staff.screenshot("queue-checked-in")
        staff.fill("Abholcode", "K7M4Q2")  # the field types capitals, as the code is printed
        staff.click("Code prüfen")

        staff.expect_text("Übergabe NA-100252")
        staff.expect_text("Santoku-Messer 18 cm")
        staff.screenshot("handover-items")
        staff.click("Artikel sind da, weiter")
        staff.expect_text("Diese Bestellung enthält altersbeschränkte Artikel")
        staff.page.get_by_role("checkbox", name="Ausweis geprüft: Die Person ist mindestens 18 Jahre alt").click()
        staff.click("Weiter")
        # The recipient's name comes prefilled (Flutter fills the hidden <input> only on focus, so the
        # confirmation below is what proves it).
        expect(staff.textbox("Name laut Ausweis")).to_be_visible()
        staff.page.get_by_role("checkbox", name="Artikel vollständig übergeben").click()
        staff.screenshot("handover-proof")
        staff.click("Übergabe abschließen")
        staff.expect_text("Ausgehändigt an Anna Schmidt")

        expect(anna.node("pickup-status")).to_have_text("Abgeholt", timeout=FIRST_SYNC_TIMEOUT_MS)
        anna.expect_text("Abgeholt von Anna Schmidt am", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        anna.screenshot("pickup-collected")
        staff.click("Zurück zur Liste")
        staff.expect_text("Heute ausgehändigt (1)")
        staff.screenshot("queue-handed-over")
