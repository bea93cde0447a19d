"""Order tracking and account journeys in a real browser, at phone and desktop width.

The shared app's demo data is used by every test in the session, so tests that change it
choose orders nobody else reads (anna cancels on the phone, ben on the desktop) and put
what they change back (the profile name).
"""

import json
import re

from playwright.sync_api import expect

from tests.e2e.conftest import FIRST_SYNC_TIMEOUT_MS, TIMEOUT_MS, AppPage
from tests.e2e.flows import expect_orders, sign_in_as_anna


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


def test_cancel_a_processing_order(app: AppPage) -> None:
    phone = app.page.viewport_size is not None and app.page.viewport_size["width"] < 600
    if phone:
        sign_in_as_anna(app)
        number, labels = "NA-100271", {"cancel": "Bestellung stornieren", "confirm": "Ja, Bestellung stornieren",
                                       "done": re.compile(r"Diese Bestellung wurde am .+ storniert")}
    else:  # ben's order, so the two widths don't cancel the same one
        app.click("English")
        app.fill("Email", "ben@example.com")
        app.fill("Password", "demo-ben")
        app.click("Sign in")
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
    app.screenshot("1-exported")


def test_profile_name_change_is_kept_after_reload(app: AppPage) -> None:
    new_name = "Anna Beispiel" if app.page.viewport_size and app.page.viewport_size["width"] < 600 else "Anna Muster"
    sign_in_as_anna(app)
    expect_orders(app)
    open_account(app)
    save(app, new_name)
    app.expect_text("Alle Ihre Änderungen sind synchronisiert.")
    app.screenshot("1-saved")

    app.reload()  # a new Flet session on the same device: the name comes from this device's cache
    expect(app.page.locator("flt-semantics[flt-semantics-identifier='profile-name']")).to_have_text(
        new_name, timeout=TIMEOUT_MS)
    app.screenshot("2-after-reload")

    # Put the demo data back for the session's other tests.
    save(app, "Anna Schmidt")
    # Closing the tab stops syncing: let the queued change reach the server first.
    expect(app.page.get_by_text(re.compile(r"noch nicht synchronisiert"))).to_have_count(0, timeout=TIMEOUT_MS)
    app.page.wait_for_timeout(500)
    app.expect_text("Alle Ihre Änderungen sind synchronisiert.")
