"""Order tracking and account journeys in a real browser, at phone and desktop width.

The shared app's demo data is used by every test in the session, so tests that change it
choose orders nobody else reads (anna cancels on the phone, ben on the desktop) and put
what they change back (the profile name).
"""

import datetime as dt
import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import (
    CARRIER_TOKEN,
    DESKTOP,
    FIRST_SYNC_TIMEOUT_MS,
    PHONE,
    TIMEOUT_MS,
    AppPage,
    device,
    make_stack,
)
from tests.e2e.flows import ORDER_NUMBER, choose_german, expect_orders

MISSING_FIELDS = re.compile(r"^(Bitte geben Sie Ihre E-Mail-Adresse|Please enter your email address)")


def sign_in(app: AppPage, email: str = "anna@example.com", password: str = "demo-anna",
            german: bool = True) -> None:
    """Sign in and wait for the orders. Under load the app may see the click before the typed
    password arrives ("please enter ..."): then type it again and retry, once."""
    if german:
        choose_german(app)
    else:
        app.click("English")
    labels = ("E-Mail", "Passwort", "Anmelden") if german else ("Email", "Password", "Sign in")
    for attempt in (1, 2):
        app.fill(labels[0], email)
        app.fill(labels[1], password)
        app.click(labels[2])
        missing = app.page.get_by_text(MISSING_FIELDS)
        orders = app.page.get_by_text(ORDER_NUMBER)
        expect(missing.or_(orders).first).to_be_visible(timeout=FIRST_SYNC_TIMEOUT_MS)
        if not missing.count() or attempt == 2:
            break
    expect_orders(app)


def sign_in_as_anna(app: AppPage) -> None:
    sign_in(app)


def order_card(app: AppPage, number: str):  # type: ignore[no-untyped-def]
    """An order in the list: one button whose name starts with the order number."""
    return app.page.get_by_role("button", name=re.compile(rf"^{number}\b"))


def open_order(app: AppPage, number: str) -> None:
    order_card(app, number).first.click()
    app.expect_text(re.compile(rf"(Bestellung|Order) {number}"))


def open_account(app: AppPage) -> None:
    """By URL: after a click on the navigation tab, Flutter's web semantics keep focus on the tab and
    take it back from a text field clicked next (the account tab has one); a URL avoids that."""
    app.open("/account")
    app.expect_text("anna@example.com")


def scroll(app: AppPage, screens: float) -> None:
    """Scroll the content with the mouse wheel (Flutter draws it; the DOM does not scroll)."""
    size = app.page.viewport_size or {"width": 400, "height": 800}
    app.page.mouse.move(size["width"] * 0.6, size["height"] / 2)
    app.page.mouse.wheel(0, size["height"] * screens)


def save(app: AppPage, name: str) -> None:
    """Change the profile name; the header above the form shows it at once."""
    app.fill("Name", name)
    button = app.button("Änderungen speichern")
    expect(button).to_be_enabled(timeout=TIMEOUT_MS)  # enabled once the app has seen the edit
    button.click()
    header = app.page.locator("flt-semantics[flt-semantics-identifier='profile-name']")
    expect(header).to_have_text(name, timeout=TIMEOUT_MS)


def test_track_a_delayed_order_and_one_with_two_parcels(app: AppPage) -> None:
    sign_in_as_anna(app)
    expect_orders(app)
    app.page.get_by_role("checkbox", name=re.compile(r"^Offen \(\d+\)$")).click()
    expect(order_card(app, "NA-100245")).to_be_visible()
    expect(order_card(app, "NA-100198")).to_have_count(0)  # delivered weeks ago
    app.expect_text("Verspätet")  # the list flags the late parcel already
    app.screenshot("1-open-orders")

    open_order(app, "NA-100245")
    app.expect_text("Dieses Paket verspätet sich")
    # Proactive help in place: an offer to look into it, before she has to ask.
    expect(app.node("help-offer-parcel_delayed")).to_be_visible()
    app.expect_text("Ihre Sendung zur Bestellung NA-100245 verspätet sich")
    app.expect_text(re.compile(r"^Voraussichtlich "))
    app.expect_text("H1004523879012")
    expect(app.button("Sendungsnummer kopieren")).to_be_visible()
    # The checkpoint timeline, newest first.
    newest = app.expect_text("Verzögerung im Paketzentrum wegen hohen Sendungsaufkommens")
    oldest = app.expect_text("Sendungsdaten übermittelt")
    assert newest.bounding_box()["y"] < oldest.bounding_box()["y"]  # type: ignore[index]
    expect(app.button("Bestellung stornieren")).to_have_count(0)  # shipped: the reason instead
    app.expect_text(re.compile("kann nicht mehr storniert werden"))
    app.screenshot("2-delayed-order")

    app.click("Zurück")
    open_order(app, "NA-100260")
    app.expect_text("Paket 1 von 2 · DHL")
    app.expect_text("Paket 2 von 2 · DHL")
    app.expect_text("00340434161234560261")
    app.screenshot("3-two-parcels")

    # One parcel arrived, so damage can be reported; it opens a conversation with the team.
    app.click("Problem melden")
    app.page.get_by_role("radio", name="Etwas ist beschädigt").click()
    app.fill("Beschreibung (optional)", "Die Lampe hat einen Kratzer am Fuß.")
    app.screenshot("4-report-problem")
    app.click("Meldung senden")
    app.expect_text("Wir haben eine Unterhaltung zu dieser Bestellung eröffnet")
    app.expect_text("Problem mit Bestellung NA-100260")  # the conversation, once the server made it
    app.screenshot("5-problem-reported")


def test_cancel_a_processing_order(app: AppPage) -> None:
    phone = app.page.viewport_size is not None and app.page.viewport_size["width"] < 600
    labels: dict[str, str | re.Pattern[str]]
    if phone:
        sign_in_as_anna(app)
        number, labels = "NA-100271", {"cancel": "Bestellung stornieren", "confirm": "Ja, Bestellung stornieren",
                                       "done": re.compile(r"Diese Bestellung wurde am .+ storniert")}
    else:  # ben's order, so the two widths don't cancel the same one
        sign_in(app, "ben@example.com", "demo-ben", german=False)
        number, labels = "NA-100268", {"cancel": "Cancel order", "confirm": "Yes, cancel order",
                                       "done": re.compile(r"This order was cancelled on ")}
    app.expect_text(number, timeout_ms=FIRST_SYNC_TIMEOUT_MS)
    open_order(app, number)
    app.click(labels["cancel"])
    expect(app.button(labels["confirm"])).to_be_visible()
    app.screenshot("1-confirm")
    app.click(labels["confirm"])
    app.expect_text(labels["done"])
    expect(app.button(labels["cancel"])).to_have_count(0)
    app.screenshot("2-cancelled")


def test_guest_lookup_with_right_and_wrong_email(app: AppPage) -> None:
    app.click("English")
    app.click("Deutsch")
    app.click("Bestellung ohne Konto verfolgen")
    app.fill("Bestellnummer", "NA-100280")
    app.fill("E-Mail", "anna@example.com")  # a real address, but not this order's
    app.click("Bestellung verfolgen")
    message = "Wir haben diese Bestellung nicht gefunden"
    app.expect_text(message)
    app.screenshot("1-not-found")

    app.fill("Bestellnummer", "NA-999999")  # no such order: the very same answer
    app.fill("E-Mail", "clara.wagner@example.com")
    app.click("Bestellung verfolgen")
    app.expect_text(message)

    app.fill("Bestellnummer", "NA-100280")
    app.click("Bestellung verfolgen")
    app.expect_text("Bestellung NA-100280")
    app.expect_text("Wollschal Fischgrat")
    app.expect_text("00340434161234580280")
    app.expect_text("In Zustellung")
    expect(app.page.get_by_text("Am Markt 3")).to_have_count(0)  # the reduced view: no address
    app.screenshot("2-found")

    app.click("Zurück")
    expect(app.button("Anmelden")).to_be_visible()


def test_export_my_data(app: AppPage) -> None:
    sign_in_as_anna(app)
    expect_orders(app)
    open_account(app)
    with app.page.expect_download(timeout=TIMEOUT_MS) as info:
        app.click("Meine Daten herunterladen")
    download = info.value
    assert re.fullmatch(r"nahtlos-data-\d{4}-\d{2}-\d{2}\.json", download.suggested_filename)
    data = json.loads(download.path().read_text(encoding="utf-8"))
    assert data["profile"]["email"] == "anna@example.com" and len(data["orders"]) >= 7
    app.expect_text("Ihre Daten sind heruntergeladen")
    app.expect_text(f"Gespeichert als {download.suggested_filename}.")
    scroll(app, 0.4)  # the confirmation sits under the button
    app.screenshot("1-exported")


def test_profile_name_change_is_kept_after_reload(app: AppPage) -> None:
    new_name = "Anna Beispiel" if app.page.viewport_size and app.page.viewport_size["width"] < 600 else "Anna Muster"
    sign_in_as_anna(app)
    expect_orders(app)
    open_account(app)
    save(app, new_name)
    app.expect_text("Alle Ihre Änderungen sind synchronisiert.")
    app.screenshot("1-saved")

    app.reload()
    expect(app.page.locator("flt-semantics[flt-semantics-identifier='profile-name']")).to_have_text(
        new_name, timeout=TIMEOUT_MS)
    expect(app.page.locator("flt-semantics[flt-semantics-identifier='sync-status']")).to_have_accessible_name(
        re.compile("Synchronisiert"), timeout=TIMEOUT_MS)
    app.page.wait_for_timeout(1000)  # the reconnect overlay fades out
    app.screenshot("2-after-reload")

    # Put the demo data back for the session's other tests.
    save(app, "Anna Schmidt")
    # Closing the tab stops syncing: let the queued change reach the server first.
    expect(app.page.get_by_text(re.compile(r"noch nicht synchronisiert"))).to_have_count(0, timeout=TIMEOUT_MS)
    app.page.wait_for_timeout(500)
    app.expect_text("Alle Ihre Änderungen sind synchronisiert.")


def test_a_link_to_an_order_that_is_not_here_explains_itself(app: AppPage) -> None:
    sign_in_as_anna(app)
    app.open("/orders/0192b3c4-0000-7abc-9def-000000000000")  # e.g. a link from another account
    app.expect_text("Diese Bestellung ist nicht auf diesem Gerät")
    app.screenshot("missing-order")
    app.click("Zurück zu den Bestellungen")
    expect_orders(app)


def test_a_new_checkpoint_appears_on_the_open_order_without_a_reload(
        browser: Browser, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The carrier reports a checkpoint; the open order screen shows it via poke and pull."""
    stack = make_stack(tmp_path / "stack")
    try:
        with device(browser, stack.app.url, PHONE, request.node.name) as app:
            sign_in_as_anna(app)
            open_order(app, "NA-100260")
            app.expect_text("00340434161234560261")
            checkpoint = {"event_id": "e2e-1", "tracking_number": "00340434161234560261",
                          "status": "out_for_delivery", "at": dt.datetime.now(dt.UTC).isoformat(),
                          "location": "Berlin-Mitte",
                          "description": {"de": "Der Fahrer ist mit Ihrem Paket unterwegs",
                                          "en": "The driver is on the way with your parcel"}}
            response = httpx.post(f"{stack.server.url}/api/v1/carrier/events", json=checkpoint,
                                  headers={"Authorization": f"Bearer {CARRIER_TOKEN}"}, timeout=10)
            assert response.status_code == 200, response.text
            app.expect_text("Der Fahrer ist mit Ihrem Paket unterwegs")  # no reload, no tap
            app.expect_text("In Zustellung")
            app.screenshot("1-live-checkpoint-400")
            app.page.set_viewport_size(DESKTOP)
            app.page.wait_for_timeout(800)
            app.screenshot("2-live-checkpoint-1280")
    finally:
        stack.stop()
