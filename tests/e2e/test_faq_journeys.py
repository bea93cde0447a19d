"""The Help tab end to end in Chromium, in German, at phone and desktop width: search with a
typo, open the article, answer "no" to "Was this helpful?", land on a new conversation with
the article and the search attached."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import FIRST_SYNC_TIMEOUT_MS, TIMEOUT_MS, AppPage
from tests.e2e.flows import expect_orders, scroll_to, sign_in_as_anna


def dismiss_toasts(app: AppPage) -> None:
    """A notification toast (views.notifications) may cover the bottom of a phone screen."""
    banner = app.node("notification-banner")
    if banner.count():
        app.page.get_by_role("button", name="Schließen", exact=True).first.click()
        expect(banner).to_have_count(0)


def test_search_with_a_typo_open_the_article_and_ask_us(app: AppPage) -> None:
    sign_in_as_anna(app)
    expect_orders(app)
    app.open_tab("Hilfe")
    # The topics arrive with the first pull (the `public` scope).
    expect(app.node("faq-category-returns")).to_be_visible(timeout=FIRST_SYNC_TIMEOUT_MS)
    app.screenshot("help-topics")

    topics = app.node("faq-category-returns")  # a search replaces them
    app.fill("Hilfe durchsuchen", "Rucksendeetiket verloren", until_gone=topics)  # no umlaut, one letter missing
    scroll_to(app, "faq-result-return-label-lost")  # below offers of help on a phone
    app.screenshot("help-results")
    result = app.node("faq-result-return-label-lost")

    result.click()
    app.expect_text("Ich habe mein Rücksendeetikett verloren")
    app.screenshot("help-article")
    scroll_to(app, "faq-feedback")
    expect(app.page.get_by_role("group", name=re.compile("War das hilfreich"))).to_be_visible()
    expect(app.button("Ja")).to_be_visible()
    scroll_to(app, "faq-related-return-without-printer")
    app.screenshot("help-article-end")

    dismiss_toasts(app)
    app.click("Nein")
    expect(app.page.get_by_role("group", name=re.compile("Schade, dass das nicht geholfen hat"))).to_be_visible()
    app.screenshot("help-not-helpful")
    app.click("Unterhaltung beginnen")
    expect(app.page).to_have_url(re.compile(
        r"/help/conversations/new\?article=return-label-lost&q=Rucksendeetiket\+verloren$"), timeout=TIMEOUT_MS)


def test_no_results_offers_to_ask_us(app: AppPage) -> None:
    sign_in_as_anna(app)
    expect_orders(app)
    app.open_tab("Hilfe")
    expect(app.node("faq-category-returns")).to_be_visible(timeout=FIRST_SYNC_TIMEOUT_MS)

    app.fill("Hilfe durchsuchen", "Quantenphysik", until_gone=app.node("faq-category-returns"))
    scroll_to(app, "faq-ask-us")
    app.expect_text("Keine Antworten zu „Quantenphysik“")
    app.screenshot("help-no-results")
    dismiss_toasts(app)
    app.node("faq-ask-us").click()  # not the offer of help above (views.conversations)
    expect(app.page).to_have_url(re.compile(r"/help/conversations/new\?q=Quantenphysik$"), timeout=TIMEOUT_MS)
