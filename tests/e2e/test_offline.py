"""Offline is a normal state: the orders stay on screen, the indicator says so, a reload still works."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, ViewportSize, expect

from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    TIMEOUT_MS,
    AppPage,
    Process,
    device,
    start_app,
    start_server,
)
from tests.e2e.flows import ORDER_NUMBER, expect_orders, sign_in_as_anna


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Process]:
    process = start_server(tmp_path)
    yield process
    process.stop()


@pytest.fixture
def remote_app(tmp_path: Path, server: Process) -> Iterator[Process]:
    """The app as deployed: talking to a separate API process the test can stop."""
    app = start_app(tmp_path / "client", "--api", server.url)
    yield app
    app.stop()


@pytest.mark.parametrize("viewport", [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")])
def test_orders_stay_readable_when_the_server_goes_away(
    browser: Browser, server: Process, remote_app: Process, viewport: ViewportSize, request: pytest.FixtureRequest
) -> None:
    with device(browser, remote_app.url, viewport, request.node.name) as app:
        sign_in_as_anna(app)
        expect_orders(app)
        status = sync_status(app)
        expect(status).to_have_accessible_name(re.compile("Synchronisiert"), timeout=TIMEOUT_MS)

        server.stop()
        status.click()  # "sync now": the attempt finds no server
        expect(status).to_have_accessible_name(re.compile("^Offline"), timeout=TIMEOUT_MS)
        app.expect_text(ORDER_NUMBER)
        app.expect_text(re.compile(r"Sie sind offline\. Zuletzt synchronisiert"))
        app.screenshot("1-offline")

        app.reload()  # a new Flet session restores the account from this device's storage
        app.expect_text(ORDER_NUMBER)
        expect(sync_status(app)).to_have_accessible_name(re.compile("^Offline"), timeout=TIMEOUT_MS)
        expect(app.button("Anmelden")).to_have_count(0)
        app.screenshot("2-offline-after-reload")


def sync_status(app: AppPage) -> Locator:
    return app.page.locator("flt-semantics[flt-semantics-identifier='sync-status']")
