"""Drive the real web app in Debian's Chromium.

Most tests share one app process (``uv run main.py --web``: embedded server with demo data,
a temporary data dir); tests that take the server away start their own pair with
`start_server` and `start_app --api`. One browser per session; every test gets a fresh
browser context, which is a fresh Flet session and a new device (its own SharedPreferences,
so its own device id).

Flutter paints on a canvas; its accessibility tree is what Playwright reads. It is off
until the hidden ``flt-semantics-placeholder`` is clicked, which `AppPage.open` does.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    Locator,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.renderer_watchdog import RendererWatchdog

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
TYPING_SETTLE_MS = 300
CHROMIUM = os.environ.get("NAHTLOS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP_START_TIMEOUT_S = 180  # first start migrates and seeds the demo database
CHROMIUM_WAIT_S = 600  # Chromium may still be being installed by apt in the background
TIMEOUT_MS = 10_000
# A first sign-in verifies the password (argon2) and pulls the whole account: on a busy
# two-core CI machine that alone can take several seconds.
FIRST_SYNC_TIMEOUT_MS = 30_000
SETTLE_MS = 400

PHONE: ViewportSize = {"width": 400, "height": 860}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


def pytest_configure(config: pytest.Config) -> None:
    # Also declared in pyproject.toml; repeated so this folder runs on its own too.
    config.addinivalue_line("markers", "e2e: drives the web app in a real Chromium")


# A browser test gets one more try, and a wall-clock limit. Flutter's web semantics tree and
# headless Chromium have timing of their own: in three full runs on the same tree, one failed an
# assertion the other two passed, and once a renderer spun at 100 % CPU and a new page never
# came up, which stalled the whole suite. A rerun is reported ("R" in the summary, "rerun" in
# the totals), so flakiness stays visible; a test that fails twice still fails the run.
E2E_RERUNS = 1
E2E_TIMEOUT_S = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.flaky(reruns=E2E_RERUNS))
            if item.get_closest_marker("timeout") is None:
                item.add_marker(pytest.mark.timeout(E2E_TIMEOUT_S))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _uv_run(*args: str) -> list[str]:
    uv = shutil.which("uv")
    return [uv, "run", *args] if uv else [sys.executable, *args]


@dataclass
class Process:
    """A child process in its own process group (``uv run`` starts Python as a grandchild)."""

    popen: subprocess.Popen[bytes]
    url: str
    log: Path

    @classmethod
    def start(cls, command: list[str], port: int, env: dict[str, str], log: Path, health: str = "/") -> Process:
        with log.open("wb") as out:
            popen = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        process = cls(popen, f"http://127.0.0.1:{port}", log)
        try:
            process.wait_until_answering(health)
        except BaseException:
            process.stop()
            raise
        return process

    def wait_until_answering(self, path: str) -> None:
        deadline = time.monotonic() + APP_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                pytest.fail(f"{self.log.name}: exited with {self.popen.returncode}:\n{self.output()}")
            try:
                if httpx.get(self.url + path, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        pytest.fail(f"{self.log.name}: no answer on {self.url} in {APP_START_TIMEOUT_S} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


def app_env(data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "NAHTLOS_DATA_DIR": str(data_dir),
        "FLET_WEB_NO_CDN": "1",
        "FLET_FORCE_WEB_SERVER": "1",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("NAHTLOS_API_URL", None)
    return env


def start_app(data_dir: Path, *extra: str) -> Process:
    """``uv run main.py --web`` on a free port (with the embedded server unless ``--api`` is given)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    command = _uv_run("main.py", "--web", "--port", str(port), *extra)
    return Process.start(command, port, app_env(data_dir), data_dir / "app.log")


# Carriers push tracking checkpoints with this bearer token (server.routes.carrier).
CARRIER_TOKEN = "e2e-carrier-token-0123456789"


def start_server(data_dir: Path, port: int | None = None) -> Process:
    """The backend on its own (``python -m server --seed demo``), so a test can take it away
    and bring it back on the same port."""
    port = port or _free_port()
    env = {**app_env(data_dir), "NAHTLOS_DATABASE_URL": f"sqlite:///{data_dir / 'server.sqlite'}",
           "NAHTLOS_CARRIER_WEBHOOK_TOKEN": CARRIER_TOKEN}
    command = _uv_run("python", "-m", "server", "--port", str(port), "--seed", "demo")
    return Process.start(command, port, env, data_dir / f"server-{port}.log", health="/api/v1/health")


@dataclass
class Stack:
    """A server process on a fixed port (so it can come back where the app expects it) and the app."""

    data: Path
    port: int
    server: Process
    app: Process

    def stop_server(self) -> None:
        self.server.stop()

    def start_server(self) -> None:
        self.server = start_server(self.data, self.port)

    def stop(self) -> None:
        self.app.stop()
        self.server.stop()


def make_stack(data: Path) -> Stack:
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    server = start_server(data, port)
    try:
        app = start_app(data / "client", "--api", server.url)
    except BaseException:
        server.stop()
        raise
    return Stack(data, port, server, app)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One app with the embedded server and fresh demo data for a test module's tests."""
    app = start_app(tmp_path_factory.mktemp("nahtlos-data"))
    try:
        yield app.url
    finally:
        app.stop()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; waits while a background ``apt-get install`` is still unpacking it."""
    deadline = time.monotonic() + CHROMIUM_WAIT_S
    while not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        if time.monotonic() > deadline:
            pytest.fail(f"{CHROMIUM} not found: apt-get install chromium")
        time.sleep(2)
    return CHROMIUM


# Module scope, not session: while the sync API is open it keeps an asyncio loop running on the
# main thread, and every later test that calls asyncio.run() (SSE and poke tests) would fail with
# "cannot be called from a running event loop". Closing it after each browser module ends that.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


WATCHDOG = RendererWatchdog()


@pytest.fixture(scope="session", autouse=True)
def renderer_watchdog() -> Iterator[RendererWatchdog]:
    """A wedged renderer would hold its test for the whole per-test limit: kill it after a minute."""
    yield WATCHDOG.start()
    WATCHDOG.stop()


@pytest.fixture(autouse=True)
def name_the_test_for_the_watchdog(request: pytest.FixtureRequest) -> Iterator[None]:
    """A kill's note names the test it happened in: a failed first try in CI is then explained."""
    WATCHDOG.during = request.node.nodeid
    yield
    WATCHDOG.during = ""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for note in WATCHDOG.killed:  # the CI log keeps only the summary
        terminalreporter.write_line(note)


@pytest.fixture
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    """A fresh Chromium per test (about a second): a wedged renderer cannot outlive its test."""
    browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    with suppress(Exception):
        browser.close()


@dataclass
class AppPage:
    """One browser tab on the app, with the few moves a user makes."""

    page: Page
    url: str
    name: str

    def open(self, path: str = "/") -> AppPage:
        self.page.goto(self.url + path)
        placeholder = self.page.locator("flt-semantics-placeholder")
        placeholder.wait_for(state="attached", timeout=30_000)
        placeholder.dispatch_event("click")
        self.page.locator("flt-semantics").first.wait_for(state="attached", timeout=TIMEOUT_MS)
        return self

    def reload(self) -> AppPage:
        return self.open(self.page.url.removeprefix(self.url) or "/")

    def node(self, identifier: str) -> Locator:
        """A control by its semantics identifier (`identifier=` in the view): stable across languages."""
        return self.page.locator(f"flt-semantics[flt-semantics-identifier='{identifier}']")

    def textbox(self, label: str) -> Locator:
        return self.page.get_by_role("textbox", name=label, exact=True)

    def button(self, name: str | re.Pattern[str]) -> Locator:
        if isinstance(name, str):
            return self.page.get_by_role("button", name=name, exact=True)
        return self.page.get_by_role("button", name=name)

    def fill(self, label: str, value: str, until_gone: Locator | None = None) -> None:
        """Type into a TextField: focus first, else Flutter may drop the text.

        Flutter's web semantics sometimes keep (or take back) the focus of the button clicked
        before, so the field never gets it, or the text is dropped: click again, a few times,
        before giving up. `until_gone`: what the app removes once it has the text (a search
        replaces the topics); the <input> can hold the text while Flutter's copy never got it
        (seen once in CI on a loaded machine), so that is the proof the app has it.
        """
        field = self.textbox(label)
        expect(field).to_be_visible(timeout=TIMEOUT_MS)
        attempts = 4
        for attempt in range(attempts):
            last = attempt == attempts - 1
            field.click()
            try:
                self.page.wait_for_function(
                    "document.activeElement && ['INPUT', 'TEXTAREA'].includes(document.activeElement.tagName)",
                    timeout=TIMEOUT_MS if last else 2_500,
                )
                # Typed in as one text input (as a paste or an IME would), not set with `fill`:
                # Flutter keeps its own copy of the text and may never see a value set on its
                # hidden <input>, then restore the old text on blur. One input event, not one
                # per key: screens that search as you type get the whole text at once.
                field.fill("")
                self.page.keyboard.insert_text(value)
                expect(field).to_have_value(value, timeout=TIMEOUT_MS if last else 2_500)
                # The <input> has the text at once; Flutter's own copy follows a frame or two later
                # (more on a cold, busy start). Moving on before that loses the text on blur.
                self.page.wait_for_timeout(TYPING_SETTLE_MS)
                if until_gone is not None:
                    expect(until_gone).to_have_count(0, timeout=TIMEOUT_MS if last else 2_500)
                return
            except (AssertionError, PlaywrightTimeoutError):
                if last:
                    raise

    def click(self, name: str | re.Pattern[str]) -> None:
        target = self.button(name).first
        expect(target).to_be_visible(timeout=TIMEOUT_MS)
        target.click()

    def open_tab(self, label: str) -> None:
        """A navigation destination: a bottom-bar `tab` on phones, a rail button elsewhere."""
        tab = self.page.get_by_role("tab", name=label, exact=True)
        if tab.count():
            tab.first.click()
            return
        # Rail items are named like "Account Tab 5 of 5" (in Flutter's language).
        self.click(re.compile(rf"^{re.escape(label)}\b"))

    def expect_text(self, text: str | re.Pattern[str], timeout_ms: int = TIMEOUT_MS) -> Locator:
        # A Semantics(container=True) merges its texts into the group's label, and whether
        # Flutter emits them as text nodes as well depends on timing: accept either.
        locator = self.page.get_by_text(text).or_(self.page.get_by_label(text)).first
        expect(locator).to_be_visible(timeout=timeout_ms)
        return locator

    def screenshot_failure(self) -> None:
        """What the screen showed when the test gave up: the first thing to look at in CI."""
        with suppress(Exception):
            SCREENSHOTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-FAILED.png"))

    def screenshot(self, step: str) -> Path:
        # Semantics update before the next frame is painted, and page transitions take
        # ~300 ms: let the picture catch up with what the assertions already saw.
        self.page.wait_for_timeout(SETTLE_MS)
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{step}.png"
        self.page.screenshot(path=str(path))
        return path


@contextmanager
def device(browser: Browser, url: str, viewport: ViewportSize, name: str, path: str = "/") -> Iterator[AppPage]:
    """A new device: a fresh browser context (own storage, so own device id) on the app at ``path``."""
    context = browser.new_context(viewport=viewport, locale="de-DE", timezone_id="Europe/Berlin")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    app = AppPage(page, url, re.sub(r"[^\w-]+", "-", name).strip("-"))
    try:
        yield app.open(path)
    except BaseException:
        app.screenshot_failure()
        raise
    finally:
        context.close()


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                               ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Note on the item whether the test body failed, for fixtures that act on it (`app`)."""
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


def is_rerun(request: pytest.FixtureRequest) -> bool:
    """The second try of a browser test (pytest-rerunfailures counts the tries on the item).

    A second try gets data of its own: the first may have got as far as using up what the test
    needs in the module's shared data (a return started for an order cannot be started again),
    and then the rerun could never pass."""
    return int(getattr(request.node, "execution_count", 1)) > 1


def shared_or_own(request: pytest.FixtureRequest, shared: T, open_own: Callable[[], AbstractContextManager[T]]
                  ) -> Iterator[T]:
    """For a function fixture over a module's stack: that stack, or on a rerun one of the test's own."""
    if not is_rerun(request):
        yield shared
        return
    with open_own() as own:
        yield own


@pytest.fixture(params=[pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")])
def app(request: pytest.FixtureRequest, browser: Browser, app_url: str, tmp_path: Path) -> Iterator[AppPage]:
    """A fresh device at phone or desktop width, on the shared app's start page."""
    own = start_app(tmp_path / "rerun-data") if is_rerun(request) else None
    try:
        with device(browser, own.url if own else app_url, request.param, request.node.name) as page:
            yield page
            # A failure in the test body is not raised into a fixture: ask the report.
            if request.node.stash.get(CALL_FAILED, False):
                page.screenshot_failure()
    finally:
        if own is not None:
            own.stop()
