"""Conversations end to end in Chromium with two apps on one server: the shopper's app and the
support desk (`main.py --mode agent`), each in its own browser context.

The shopper asks the bot (it answers from her own orders), asks for a person and sees her place
in the queue; the agent takes the conversation with her context next to it and replies; the
reply reaches the shopper's open screen live (SSE poke, then pull). Screenshots at 400 and 1280 px.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import (
    DESKTOP,
    FIRST_SYNC_TIMEOUT_MS,
    PHONE,
    TIMEOUT_MS,
    AppPage,
    Process,
    device,
    shared_or_own,
    start_app,
    start_server,
)
from tests.e2e.flows import choose_german, expect_orders, sign_in_as_anna


@dataclass
class Desk:
    """One server process, the shopper app and the agent app in front of it."""

    server: Process
    shopper: Process
    agent: Process

    def stop(self) -> None:
        self.shopper.stop()
        self.agent.stop()
        self.server.stop()


@contextmanager
def open_desk(data: Path) -> Iterator[Desk]:
    data.mkdir(parents=True, exist_ok=True)
    server = start_server(data)
    started: list[Process] = [server]
    try:
        shopper = start_app(data / "shopper", "--api", server.url)
        started.append(shopper)
        agent = start_app(data / "agent", "--api", server.url, "--mode", "agent")
    except BaseException:
        for process in started:
            process.stop()
        raise
    stack = Desk(server, shopper, agent)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def module_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    with open_desk(tmp_path_factory.mktemp("conversations")) as desk:
        yield desk


@pytest.fixture
def desk(request: pytest.FixtureRequest, module_desk: Desk, tmp_path: Path) -> Iterator[Desk]:
    """The module's desk, or on a rerun one of the test's own (`shared_or_own`)."""
    yield from shared_or_own(request, module_desk, lambda: open_desk(tmp_path / "rerun"))


def sign_in_agent(app: AppPage) -> None:
    choose_german(app)
    app.fill("E-Mail", "agent@example.com")
    app.fill("Passwort", "demo-agent")
    app.click("Anmelden")
    app.expect_text(re.compile(r"^Wartend \(\d+\)"), timeout_ms=FIRST_SYNC_TIMEOUT_MS)


def expect_message(app: AppPage, text: str | re.Pattern[str], timeout_ms: int = TIMEOUT_MS) -> None:
    """Text on screen: a bubble or notice is one semantics node (a group named by its text), else plain text."""
    pattern = text if isinstance(text, re.Pattern) else re.compile(re.escape(text))
    locator = app.page.get_by_role("group", name=pattern).or_(app.page.get_by_text(pattern))
    expect(locator.first).to_be_visible(timeout=timeout_ms)


def shots(app: AppPage, step: str) -> None:
    for name, size in (("1280", DESKTOP), ("400", PHONE)):
        app.page.set_viewport_size(size)
        app.page.wait_for_timeout(800)
        app.screenshot(f"{step}-{name}")


def test_the_shopper_asks_the_bot_gets_a_person_and_the_reply_arrives_live(browser: Browser, desk: Desk,
                                                                          tmp_path: Path) -> None:
    photo = tmp_path / "lampe.png"
    Image.new("RGB", (120, 90), (200, 170, 60)).save(photo)
    question = "Wo ist mein Paket? Ich warte schon."
    reply = "Guten Tag, Frau Schmidt! Ich kümmere mich darum."
    with device(browser, desk.shopper.url, PHONE, "conversation-shopper") as shopper, \
            device(browser, desk.agent.url, DESKTOP, "conversation-agent") as agent:
        sign_in_as_anna(shopper)
        expect_orders(shopper)
        shopper.open("/help/conversations")
        shopper.expect_text("Wasserkocher – Rechnung", timeout_ms=FIRST_SYNC_TIMEOUT_MS)  # her earlier thread
        shots(shopper, "list")

        shopper.open("/help/conversations/new")
        shopper.fill("Ihre Frage", question)
        shopper.click("Frage senden")
        # The bot answers from her own orders, with the newest tracking event.
        expect_message(shopper, "Ihre Bestellung NA-100260", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        expect_message(shopper, "Sie schreiben mit unserem Assistenten")
        shopper.click("Mit einem Menschen sprechen")
        expect_message(shopper, re.compile(r"Sie sind Nr\. \d+ in der Warteschlange"), timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        shots(shopper, "thread-queue")
        shopper.page.set_viewport_size(PHONE)

        sign_in_agent(agent)
        agent.page.get_by_text(question).first.click()
        expect_message(agent, "Frühere Unterhaltungen")  # her context next to it
        expect_message(agent, "Wasserkocher – Rechnung")
        agent.click("Unterhaltung übernehmen")
        expect_message(agent, "Bei Ihnen")
        agent.fill("Antwort", reply)
        started = time.monotonic()
        agent.click("Antwort senden")
        expect_message(shopper, reply)
        arrived = time.monotonic() - started
        expect_message(shopper, "Lea Hoffmann aus unserem Team betreut Sie")
        print(f"agent reply visible on the shopper's screen after {arrived:.2f} s")
        assert arrived < 10
        shots(agent, "desk")
        shots(shopper, "thread-agent")

        # She sends a photo; both screens show it as a picture (fetched with each one's token); a
        # thumbnail only becomes a button (tap: enlarge) once its bytes are there.
        with shopper.page.expect_file_chooser() as chooser:
            shopper.click("Foto anhängen")
        chooser.value.set_files(str(photo))
        expect(shopper.button("Foto 1 entfernen")).to_be_visible(timeout=FIRST_SYNC_TIMEOUT_MS)  # uploaded
        shopper.fill("Nachricht", "So sieht die Lampe aus.")
        shopper.click("Senden")
        expect_message(shopper, "So sieht die Lampe aus.")
        expect(shopper.page.get_by_role("button", name="Foto 1 von 1").first).to_be_visible(timeout=TIMEOUT_MS)
        expect_message(agent, "So sieht die Lampe aus.", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        expect(agent.page.get_by_role("button", name="Foto 1 von 1").first).to_be_visible(timeout=FIRST_SYNC_TIMEOUT_MS)
        shots(agent, "desk-photo")
        shopper.page.set_viewport_size(PHONE)

        # The agent closes it; the shopper rates it with five stars and a comment.
        agent.click("Unterhaltung schließen")
        expect_message(shopper, "Diese Unterhaltung ist geschlossen", timeout_ms=TIMEOUT_MS)
        send = shopper.button("Bewertung senden").first
        expect(send).to_be_disabled(timeout=TIMEOUT_MS)  # no stars yet
        # The thread scrolls to its end as the closing messages and the card come in; a tap
        # during that animation lands on whatever passes under it (the button below the card).
        shopper.page.wait_for_timeout(1500)
        shopper.click("5 Sterne")
        expect(send).to_be_enabled(timeout=TIMEOUT_MS)
        shots(shopper, "thread-closed")
        send.click()
        expect_message(shopper, "Vielen Dank für Ihre Bewertung!", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        expect(shopper.button("Bewertung senden")).to_have_count(0)
        shots(shopper, "thread-rated")


def test_the_desk_refuses_a_shopper_account(browser: Browser, desk: Desk, tmp_path: Path) -> None:
    with device(browser, desk.agent.url, PHONE, "desk-shopper") as app:
        choose_german(app)
        app.fill("E-Mail", "ben@example.com")
        app.fill("Passwort", "demo-ben")
        app.click("Anmelden")
        expect_message(app, "Dieser Arbeitsplatz ist für den Kundenservice", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        expect(app.page.get_by_text("Wartend")).to_have_count(0)
