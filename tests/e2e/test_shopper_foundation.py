"""A shopper signs in, sees their orders, switches the language and signs out."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import AppPage
from tests.e2e.flows import choose_german, expect_orders, sign_in_as_anna


def test_sign_in_see_orders_switch_language_sign_out(app: AppPage) -> None:
    choose_german(app)
    app.screenshot("1-sign-in")

    app.fill("E-Mail", "anna@example.com")
    app.fill("Passwort", "not-her-password")
    app.click("Anmelden")
    app.expect_text(re.compile("E-Mail-Adresse und Passwort passen nicht zusammen"))
    app.screenshot("2-wrong-password")

    app.fill("Passwort", "demo-anna")
    app.click("Anmelden")
    expect_orders(app)  # her orders, from the local cache after the first pull
    app.expect_text(re.compile(r"Bestellungen, neueste zuerst"))
    app.expect_text(re.compile(r"\d+,\d\d\s€"))  # totals formatted by babel for de
    app.screenshot("3-orders")

    app.open_tab("Konto")
    app.expect_text("anna@example.com")
    # Visited tabs stay mounted but hidden (views.shell): out of sight and out of the
    # accessibility tree, so a screen reader and these lookups see only the current tab.
    expect(app.page.get_by_text(re.compile(r"Bestellungen, neueste zuerst"))).to_have_count(0)
    app.click("English")
    expect(app.button("Sign out")).to_be_visible()
    app.open_tab("Orders")  # the hidden tab followed the language switch
    app.expect_text(re.compile(r"orders, newest first"))
    app.expect_text(re.compile(r"€\d+\.\d\d"))
    expect(app.button("Sign out")).to_have_count(0)
    app.screenshot("4-orders-english")

    app.open_tab("Account")
    app.click("Sign out")
    expect(app.button("Sign in")).to_be_visible()
    expect(app.textbox("Email")).to_be_visible()
    app.screenshot("5-signed-out")


def test_reload_keeps_the_shopper_signed_in(app: AppPage) -> None:
    sign_in_as_anna(app)
    expect_orders(app)
    app.reload()
    expect_orders(app)
    expect(app.button("Anmelden")).to_have_count(0)
