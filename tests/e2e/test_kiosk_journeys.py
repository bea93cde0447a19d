"""The kiosk in a real browser: scanning in, the shopper's data, the privacy timeout that wipes it,
and "continue on another device" from a phone to the kiosk and to a signed-out laptop.

One API server; the shopper app and the kiosk app are separate processes talking to it (as in a
store). The kiosk's visit ends after a few seconds here (NAHTLOS_KIOSK_IDLE_S), not 60.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, expect

from app.i18n import Translators
from app.protocol import SCHEMA_VERSION
from app.protocol.sync import MutationIn, PullRequest, PushRequest
from services.api_client import ApiClient
from services.qr_read import read_codes
from services.returns_eligibility import parse_instant
from tests.e2e.conftest import (
    CHROMIUM_ARGS,
    DESKTOP,
    FIRST_SYNC_TIMEOUT_MS,
    PHONE,
    REPO,
    TIMEOUT_MS,
    AppPage,
    Process,
    _free_port,
    _uv_run,
    app_env,
    device,
    shared_or_own,
    start_app,
    start_server,
)
from tests.e2e.flows import expect_orders, sign_in_as_anna
from tests.support.fake_camera import code_in_front_of_camera

IDLE_S = 12
WARN_S = 8
ATTRACT = "Scannen Sie Ihre Kundenkarte oder einen Code aus der App"


Store = tuple[Process, Process, Process, Path]


@contextmanager
def open_store(root: Path) -> Iterator[Store]:
    """(server, shopper app, kiosk app, kiosk data dir)."""
    (root / "server").mkdir(parents=True)
    server = start_server(root / "server")
    shopper = kiosk = None
    try:
        shopper = start_app(root / "shopper", "--api", server.url)
        kiosk_dir = root / "kiosk"
        kiosk_dir.mkdir()
        port = _free_port()
        env = {**app_env(kiosk_dir), "NAHTLOS_KIOSK_IDLE_S": str(IDLE_S), "NAHTLOS_KIOSK_WARN_S": str(WARN_S)}
        kiosk = Process.start(_uv_run("main.py", "--web", "--port", str(port), "--api", server.url, "--mode", "kiosk",
                                      "--store", "BER-01"), port, env, kiosk_dir / "app.log")
        yield server, shopper, kiosk, kiosk_dir
    finally:
        for process in (kiosk, shopper, server):
            if process is not None:
                process.stop()


@pytest.fixture(scope="module")
def module_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with open_store(tmp_path_factory.mktemp("kiosk-store")) as store:
        yield store


@pytest.fixture
def store(request: pytest.FixtureRequest, module_store: Store, tmp_path: Path) -> Iterator[Store]:
    """The module's store, or on a rerun one of the test's own (`shared_or_own`)."""
    yield from shared_or_own(request, module_store, lambda: open_store(tmp_path / "rerun"))


def loyalty_token(server: Process) -> str:
    """Anna's loyalty card code, as her phone shows it."""
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as http:
        tokens = http.post("/auth/login", json={"email": "anna@example.com", "password": "demo-anna"}).json()
        card = http.post("/loyalty/card", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    token: str = card["token"]
    return token


def staff_sees_checked_in(server: Process, order_number: str) -> bool:
    """What the Berlin tablet would pull: the pickup of that order, checked in (polled: the kiosk
    syncs its visit's outbox in the background)."""
    with httpx.Client(base_url=server.url + "/api/v1", timeout=30) as http:
        tokens = http.post("/auth/login", json={"email": "staff.ber@example.com", "password": "demo-staff"}).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}", "X-Client-Id": "e2e-staff-check-0001",
                   "X-Schema-Version": str(SCHEMA_VERSION)}
        for _ in range(40):
            page = http.post("/sync/pull", headers=headers, json={"epoch": None, "cursors": {}, "limit": 2000}).json()
            pickups = [c.get("data") or {} for c in page["changes"] if c["entity"] == "pickup"]
            if any(p.get("order_number") == order_number and p.get("status") == "checked_in" for p in pickups):
                return True
            time.sleep(0.5)
    return False


def anna_returns_an_item(server: Process, order_number: str) -> str:
    """Anna withdraws from one item of an order, as her phone would push it (unless a first try of
    the test already did); returns the return's `created_at` as the server stamped it (ISO text)."""
    client_id = f"e2e-anna-{uuid.uuid4().hex[:12]}"
    with httpx.Client(base_url=server.url, timeout=30) as http:
        api = ApiClient(http)
        api.login("anna@example.com", "demo-anna")

        def pulled(entity: str) -> list[dict[str, Any]]:
            changes = api.pull(PullRequest(cursors={}, limit=2000), client_id).changes
            return [c.data for c in changes if c.entity == entity and c.data is not None]

        order = next(o for o in pulled("order") if o["number"] == order_number)
        made = [r for r in pulled("return") if r["order_id"] == order["id"]]
        if not made:
            args = {"return_id": str(uuid.uuid4()), "order_id": order["id"], "kind": "withdrawal",
                    "items": [{"order_item_id": order["items"][0]["id"], "quantity": 1}]}
            answer = api.push(PushRequest(client_id=client_id, mutations=[
                MutationIn(id=1, name="return.create", args=args)]))
            assert answer.results[0].status == "ok", answer.results[0]
            made = [r for r in pulled("return") if r["id"] == args["return_id"]]
        created_at: str = made[0]["created_at"]
        return created_at


def visit_files(kiosk_dir: Path) -> list[Path]:
    return [p for p in kiosk_dir.rglob("kiosk-visit-*")]


def visit_files_left(kiosk_dir: Path, within_s: float = 10.0) -> list[Path]:
    """The visit's files still on disk after `within_s`: the screen forgets the shopper first and
    the cache is deleted a moment later (after one last send of what is queued), so wait for it."""
    deadline = time.monotonic() + within_s
    while (left := visit_files(kiosk_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def read_qr_on_screen(app: AppPage, step: str, besides: str | None = None) -> tuple[Path, str]:
    """Photograph the screen until its QR code is painted and decodes (images paint a moment late;
    `besides`: the code shown before, which may still be on screen for a frame)."""
    for attempt in range(20):
        shot = app.screenshot(f"{step}" if attempt == 0 else f"{step}-retry")
        texts = [t for t in read_codes(shot.read_bytes()).texts if t != besides]
        if texts:
            return shot, texts[0]
        app.page.wait_for_timeout(500)
    raise AssertionError("no readable QR code on the screen")


def scan_with_wedge(kiosk: AppPage, text: str) -> None:
    """A keyboard-wedge scanner: types the code into the focused field and presses Enter."""
    kiosk.fill("Scanner-Eingabe", text)
    kiosk.page.keyboard.press("Enter")


def test_a_loyalty_card_opens_the_visit_and_the_timeout_wipes_it(
        browser: Browser, store: Store) -> None:
    server, _shopper, kiosk_app, kiosk_dir = store
    with device(browser, kiosk_app.url, DESKTOP, "kiosk-timeout") as kiosk:
        kiosk.expect_text(ATTRACT, timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        expect(kiosk.page.get_by_role("button", name="Bild des Codes hochladen")).to_be_visible()
        kiosk.screenshot("attract")

        scan_with_wedge(kiosk, "NTL1.nicht.echt")
        kiosk.expect_text("Dieser Code stammt nicht von uns. Bitte zeigen Sie den Code aus der nahtlos-App.")
        kiosk.screenshot("refused")

        scan_with_wedge(kiosk, loyalty_token(server))
        kiosk.expect_text("Hallo, Anna", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        kiosk.expect_text("Bestellung NA-100231")
        assert visit_files(kiosk_dir), "the visit's cache should exist while the shopper is there"
        kiosk.screenshot("visit")
        kiosk.click("Abholungen")
        expect(kiosk.button("Ich bin da")).to_be_visible(timeout=TIMEOUT_MS)
        kiosk.screenshot("pickups")
        kiosk.click("Ich bin da")  # checked in at the kiosk: the store's tablets list her as waiting
        kiosk.expect_text("Sie sind angemeldet: Unsere Mitarbeitenden bringen Ihre Bestellung.")
        assert staff_sees_checked_in(server, "NA-100252")

        kiosk.expect_text("Noch da?", timeout_ms=(IDLE_S + 5) * 1000)
        kiosk.screenshot("countdown")
        kiosk.expect_text(ATTRACT, timeout_ms=(WARN_S + 10) * 1000)
        expect(kiosk.page.get_by_text("Hallo, Anna")).to_have_count(0)
        assert visit_files_left(kiosk_dir) == []  # every byte of the visit is gone from the kiosk's disk


def test_the_visit_lists_the_shoppers_returns_with_their_orders_and_dates(
        browser: Browser, store: Store) -> None:
    """The returns section shows each of the shopper's returns with its order and the day it was
    made, so two returns can be told apart (the cached row holds that instant as ISO text: the
    kiosk once handed the text to the date formatter, and the section failed to draw as soon as
    the shopper had a return)."""
    server, _shopper, kiosk_app, kiosk_dir = store
    created_at = parse_instant(anna_returns_an_item(server, "NA-100231"))
    assert created_at is not None
    day = Translators(REPO / "locales")("de").date(created_at, format="medium")
    with device(browser, kiosk_app.url, DESKTOP, "kiosk-returns") as kiosk:
        kiosk.expect_text(ATTRACT, timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        scan_with_wedge(kiosk, loyalty_token(server))
        kiosk.expect_text("Hallo, Anna", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        kiosk.click("Retouren")
        kiosk.expect_text("Widerruf")
        kiosk.expect_text(f"Bestellung NA-100231 · {day}")
        kiosk.screenshot("returns")
        kiosk.click("Erledigt")
        kiosk.expect_text(ATTRACT)
        assert visit_files_left(kiosk_dir) == []


def test_the_kiosk_camera_reads_a_loyalty_card(playwright: Playwright, chromium_path: str, tmp_path: Path,
                                               store: Store) -> None:
    """The camera path: Chromium's fake webcam films anna's card; flet-camera's pictures, polled,
    go to the decoder and sign her in, without any typing or upload."""
    server, _shopper, kiosk_app, _kiosk_dir = store
    video = code_in_front_of_camera(loyalty_token(server), tmp_path / "card.y4m")
    camera_browser = playwright.chromium.launch(executable_path=chromium_path, args=[
        *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}"])
    try:
        with device(camera_browser, kiosk_app.url, DESKTOP, "kiosk-camera") as kiosk:
            kiosk.expect_text("Hallo, Anna", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
            kiosk.expect_text("Bestellung NA-100231")
            kiosk.screenshot("camera-visit")
            kiosk.click("Erledigt")  # the visit ends with the card still in front of the camera:
            kiosk.expect_text(ATTRACT)
            kiosk.page.wait_for_timeout(3000)  # several camera pictures later...
            expect(kiosk.page.get_by_text("Hallo, Anna")).to_have_count(0)  # ...she is not signed back in
    finally:
        camera_browser.close()


def test_continue_on_another_device_moves_the_journey_to_the_kiosk(
        browser: Browser, store: Store) -> None:
    _server, shopper_app, kiosk_app, kiosk_dir = store
    with device(browser, shopper_app.url, PHONE, "handoff-phone") as phone, \
            device(browser, kiosk_app.url, DESKTOP, "handoff-kiosk") as kiosk:
        sign_in_as_anna(phone)
        expect_orders(phone)
        phone.click("Auf einem anderen Gerät weitermachen")
        phone.expect_text("Sekunden gültig")
        shot, link = read_qr_on_screen(phone, "continue-qr")  # what the kiosk's camera would read
        assert "/continue?token=NTL1." in link

        kiosk.expect_text(ATTRACT, timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        with kiosk.page.expect_file_chooser() as chooser:
            kiosk.click("Bild des Codes hochladen")
        chooser.value.set_files(str(shot))  # a photo of the phone's screen, via the upload path
        kiosk.expect_text("Hallo, Anna", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        kiosk.expect_text("Bestellung NA-100231")
        kiosk.screenshot("handoff-visit")
        kiosk.click("Erledigt")
        kiosk.expect_text(ATTRACT)
        assert visit_files_left(kiosk_dir) == []

        scan_with_wedge(kiosk, link)  # the same code again: used up
        kiosk.expect_text("Dieser Code wurde bereits verwendet. Bitte öffnen Sie in der App einen neuen.")
        kiosk.screenshot("handoff-used")


def test_continue_on_a_signed_out_laptop(browser: Browser, store: Store) -> None:
    _server, shopper_app, _kiosk_app, _kiosk_dir = store
    with device(browser, shopper_app.url, PHONE, "handoff-phone-2") as phone:
        sign_in_as_anna(phone)
        expect_orders(phone)
        # From a pushed screen, not only a tab: the order she is looking at.
        phone.page.get_by_role("button", name=re.compile(r"^NA-100245\b")).first.click()
        phone.expect_text("Bestellung NA-100245")
        phone.click("Auf einem anderen Gerät weitermachen")
        phone.expect_text("Sekunden gültig")
        _, laptop_link = read_qr_on_screen(phone, "continue-qr-2")
    path = laptop_link[laptop_link.index("/continue"):]
    assert laptop_link.startswith("http://")  # a web address a camera app can open
    # The laptop opens the link straight away, as a camera app or a pasted link does.
    with device(browser, shopper_app.url, DESKTOP, "handoff-laptop", path) as laptop:
        # Signed in as anna, on the screen she came from.
        laptop.expect_text("Bestellung NA-100245", timeout_ms=FIRST_SYNC_TIMEOUT_MS)
        laptop.expect_text("H1004523879012")
        laptop.screenshot("laptop-continued")
    with device(browser, shopper_app.url, DESKTOP, "handoff-laptop-again") as again:
        again.expect_text("Anmelden", timeout_ms=FIRST_SYNC_TIMEOUT_MS)  # the app open, signed out...
        again.open(path)  # ...and the link pasted into the same tab
        # A live region: Flutter names the group with its text rather than exposing a text node.
        expect(again.page.get_by_label("Dieser Link wurde bereits verwendet.")).to_be_visible(timeout=TIMEOUT_MS)
        expect(again.button("Anmelden")).to_be_visible()
        again.screenshot("laptop-used")
