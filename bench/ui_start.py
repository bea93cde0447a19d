"""`ui_start`: from process start to the first interactive screen, and from a tap to the updated screen.

The app is the real one: `uv run main.py --web` (embedded server with demo data, a temporary
data dir, `FLET_WEB_NO_CDN=1`), opened in Debian's headless Chromium (Playwright,
`/usr/bin/chromium`, launched before the app so its own start is not counted), 400x860 (phone).

Times come from inside the page where they can: an init script stamps `performance.now()` when
Flutter's first frame is out (`flutter-first-frame`), when its semantics placeholder appears (it
is clicked at once, as a screen reader would, so the accessibility tree exists), and when the
sign-in screen's email field is in that tree. A MutationObserver sees the tree change in the
microtask after Flutter updates it, i.e. with the frame that shows it.

Figures:
- `start_to_page_load`: process start -> the page's load event (includes the app process's start:
  imports, migrations, the demo seed on a fresh data dir); `start_to_http`: -> the app answers.
- `page_load_to_interactive` (target <= 1.5 s): load event -> email field in the tree; its parts
  `..._first_frame` and `..._semantics`. Repeated in fresh browser contexts (cold HTTP cache, new
  session, app process warm): `page_load_to_interactive_repeat_p50`. The field is then proved
  usable (focused, typed into).
- `tab_tap_p50`/`_p95` and `chip_tap_p50`/`_p95` (target <= 100 ms): signed in as anna, a tap on a
  bottom-bar tab (orders, returns, help, loyalty, account, in turn) or an orders filter chip
  (all, open, delivered, returns) -> the first tree update that holds the new screen's marker
  (a tab: a text only that screen shows; a chip: it is checked and the list summary says its
  count). The tap's time is the `pointerdown` event's own timestamp. The first round is a
  warm-up (first visits build screens and import modules) reported as `tab_first_visit_max`.
- `--restart`: the same app started again on the same data dir (no seeding): `restart_to_page_load`.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from bench.cli import main
from bench.profiling import ServerProfile
from bench.report import Reporter, percentile
from bench.server_process import ROOT
from tests.support.renderer_watchdog import RendererWatchdog

CHROMIUM = os.environ.get("NAHTLOS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 400, "height": 860}
TARGET_INTERACTIVE_MS = "<= 1500"
TARGET_TAP_MS = "<= 100"

# Stamps in the page's own clock (performance.now(), 0 = navigation start) and the tap probe.
INIT_SCRIPT = r"""
(() => {
  const ui = window.__ui = {marks: {}, probe: null};
  const mark = (name) => { if (!(name in ui.marks)) ui.marks[name] = performance.now(); };
  window.addEventListener('flutter-first-frame', () => mark('first_frame'));
  // The Flet session's WebSocket: when it opens, when Python's first answer (the page) arrives,
  // and, during a tap probe, when the event leaves and Python's update comes back.
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => mark('ws_open'));
      this.addEventListener('message', (event) => {
        const now = performance.now();
        mark('ws_first_message');
        if (!('field' in ui.marks)) { ui.marks.ws_last_message = now; ui.marks.ws_messages = (ui.marks.ws_messages || 0) + 1;
          ui.marks.ws_bytes = (ui.marks.ws_bytes || 0) + (event.data.size || event.data.byteLength || event.data.length || 0); }
        const probe = ui.probe;
        if (probe && probe.sent !== null && probe.seen === null) { probe.reply = now; probe.messages += 1; }
      });
    }
    send(data) {
      const probe = ui.probe;
      if (probe && probe.down !== null && probe.sent === null) probe.sent = performance.now();
      return super.send(data);
    }
  };
  const ownText = (el) => {
    let text = '';
    for (const node of el.childNodes) {
      if (node.nodeType === 3) text += node.textContent;
      else if (node.tagName === 'SPAN') text += node.textContent;
    }
    return text;
  };
  const holds = (probe) => {
    if (probe.input && !document.querySelector(`input[aria-label="${probe.input}"]`)) return false;
    if (probe.checked && !document.querySelector(`[role="checkbox"][aria-label="${probe.checked}"][aria-checked="true"]`)) return false;
    if (probe.text) {
      const found = Array.from(document.querySelectorAll('flt-semantics')).some((el) => ownText(el).includes(probe.text));
      if (!found) return false;
    }
    return true;
  };
  ui.holds = holds;
  const watch = () => {
    const placeholder = document.querySelector('flt-semantics-placeholder');
    if (placeholder && !('placeholder' in ui.marks)) {
      mark('placeholder');
      placeholder.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true, composed: true}));
    }
    if (!('field' in ui.marks) && document.querySelector('input[aria-label="E-Mail"], input[aria-label="Email"]')) mark('field');
    const probe = ui.probe;
    if (probe && probe.down !== null && probe.seen === null && holds(probe)) probe.seen = performance.now();
  };
  new MutationObserver(watch).observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
  window.addEventListener('pointerdown', (event) => {
    if (ui.probe && ui.probe.down === null) ui.probe.down = event.timeStamp;
  }, true);
})();
"""

TABS = [("Returns", {"text": "Choose the order"}), ("Help", {"input": "Search help"}),
        ("Loyalty", {"text": "Your points"}), ("Account", {"text": "App language"}),
        ("Orders", {"text": "orders, newest first"})]
CHIPS = ["Open", "Delivered", "Returns", "All"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class App:
    """`uv run main.py --web` in its own process group (uv starts Python as a grandchild)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        """Start and wait until the web app answers; returns the wall time of the process start."""
        env = {**os.environ, "NAHTLOS_DATA_DIR": str(self.data_dir), "FLET_WEB_NO_CDN": "1",
               "FLET_FORCE_WEB_SERVER": "1", "PYTHONUNBUFFERED": "1"}
        env.pop("NAHTLOS_API_URL", None)
        uv = shutil.which("uv")
        command = [uv, "run", "main.py"] if uv else ["python", "main.py"]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "app.log", "ab") as log:
            self.started_at = time.time()
            self.proc = subprocess.Popen([*command, "--web", "--port", str(self.port)], cwd=ROOT, env=env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the app exited with {self.proc.returncode}; see {self.data_dir / 'app.log'}")
            try:
                with urllib.request.urlopen(self.url, timeout=1) as response:
                    if response.status == 200:
                        return time.time() - self.started_at
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not answer within 300 s")
            time.sleep(0.02)

    def python_pid(self) -> int:
        """The app's Python process (under `uv run` it is uv's child), for py-spy."""
        assert self.proc is not None
        # Any of uv's threads may have started it: each lists its own children.
        children = [pid for task in Path(f"/proc/{self.proc.pid}/task").iterdir()
                    for pid in (task / "children").read_text().split()]
        return int(children[0]) if children else self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def open_page(browser: Any, url: str) -> tuple[Any, Any, dict[str, float]]:
    """A fresh context (cold cache, new session) on the app; waits for the email field. Times in ms."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => 'field' in window.__ui.marks", timeout=120_000, polling=50)
    stamps: dict[str, float] = page.evaluate(
        "() => ({...window.__ui.marks, load: performance.getEntriesByType('navigation')[0].loadEventEnd,"
        " origin: performance.timeOrigin})")
    return context, page, stamps


def breakdown(stamps: dict[str, float]) -> dict[str, float | None]:
    """ms after the load event: Flutter's first frame, the session's socket open, Python's first and last
    messages before the field was there (the page), and how many and how big they were."""
    parts: dict[str, float | None] = {
        f"{name}_ms": round(stamps[name] - stamps["load"], 1) if name in stamps else None
        for name in ("placeholder", "first_frame", "ws_open", "ws_first_message", "ws_last_message")}
    parts["ws_messages"] = stamps.get("ws_messages")
    parts["ws_kib"] = round(stamps["ws_bytes"] / 1024, 1) if stamps.get("ws_bytes") else None
    return parts


def prove_usable(page: Any) -> None:
    """The field takes focus and text: the screen is interactive, not only painted."""
    field = page.locator('input[aria-label="E-Mail"], input[aria-label="Email"]').first
    field.click()
    page.wait_for_function("() => document.activeElement && document.activeElement.tagName === 'INPUT'",
                           timeout=30_000)
    page.keyboard.type("anna@example.com")
    page.wait_for_function("() => document.activeElement.value === 'anna@example.com'", timeout=30_000)


def sign_in(page: Any) -> None:
    page.get_by_role("button", name="English", exact=True).click()
    page.wait_for_selector('input[aria-label="Email"]', state="attached", timeout=30_000)
    for label, value in (("Email", "anna@example.com"), ("Password", "demo-anna")):
        field = page.get_by_role("textbox", name=label, exact=True)
        field.click()
        page.wait_for_function("() => document.activeElement && document.activeElement.tagName === 'INPUT'",
                               timeout=30_000)
        field.fill("")
        page.keyboard.type(value)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text(re.compile(r"NA-\d{6}")).first.wait_for(timeout=120_000)
    page.wait_for_timeout(1500)  # the first sync settles (badges, counts)


def tap(page: Any, locator: Any, probe: dict[str, str], parts: list[tuple[float, float, float]] | None = None) -> float:
    """Tap `locator`; ms from its pointerdown to the first tree update where `probe` holds.

    `parts` gets (pointerdown -> event sent on the WebSocket, -> Python's last message before the
    update, -> the tree update) for the breakdown."""
    if page.evaluate("(probe) => window.__ui.holds(probe)", probe):
        raise RuntimeError(f"{probe} holds before the tap")
    page.evaluate("(probe) => { window.__ui.probe = {...probe, down: null, sent: null, reply: null, messages: 0, seen: null}; }",
                  probe)
    locator.click()
    page.wait_for_function("() => window.__ui.probe.seen !== null", timeout=30_000, polling=20)
    result: dict[str, float] = page.evaluate("() => window.__ui.probe")
    page.wait_for_timeout(150)  # let the screen settle before the next tap
    if parts is not None and result["sent"] is not None and result["reply"] is not None:
        parts.append((result["sent"] - result["down"], result["reply"] - result["sent"], result["seen"] - result["reply"]))
    return float(result["seen"]) - float(result["down"])


def tap_parts_p50(parts: list[tuple[float, float, float]]) -> dict[str, float | None]:
    """Medians of the three legs of a tap: Flutter to the socket, Python's answer, Flutter's frame."""
    if not parts:
        return {}
    return {f"{leg}_p50_ms": round(percentile([p[i] for p in parts], 50), 1)
            for i, leg in enumerate(("to_socket", "python_reply", "render"))}


def chip_probe(page: Any, name: str) -> tuple[Any, dict[str, str]]:
    chip = page.get_by_role("checkbox", name=re.compile(rf"^{name} \(\d+\)$"))
    label = str(chip.get_attribute("aria-label"))
    count = int(label.rsplit("(", 1)[1].rstrip(")"))
    return chip, {"checked": label, "text": f"{count} order"}  # "4 orders, newest first", "1 order, ..."


def run(out: Reporter, args: argparse.Namespace, tmp: Path) -> None:
    rounds = args.rounds or (2 if args.quick else 6)
    repeats = 1 if args.quick else 3
    # A wedged renderer would hold the waiting Playwright call forever: kill it after a minute,
    # so the run fails with a note instead of hanging (tests/support/renderer_watchdog.py).
    watchdog = RendererWatchdog().start()
    try:
        _measure(out, args, tmp, rounds, repeats)
    finally:
        watchdog.stop()
        if watchdog.killed:
            out.note(renderer_watchdog=watchdog.killed)
    out.note(load_avg_1m_at_end=round(os.getloadavg()[0], 1))


def _measure(out: Reporter, args: argparse.Namespace, tmp: Path, rounds: int, repeats: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        app = App(tmp / "data")
        try:
            to_http = app.start()
            context, page, stamps = open_page(browser, app.url)
            load_wall = (stamps["origin"] + stamps["load"]) / 1000 - app.started_at
            out.note(app="uv run main.py --web (embedded server, fresh data dir: migrate + seed)",
                     viewport=VIEWPORT, rounds=rounds, load_avg_1m=round(os.getloadavg()[0], 1))
            out.figure("start_to_http", to_http, "s", None)
            out.figure("start_to_page_load", load_wall, "s", None)
            out.figure("page_load_to_interactive", stamps["field"] - stamps["load"], "ms", TARGET_INTERACTIVE_MS,
                       **breakdown(stamps))
            out.figure("start_to_interactive", (stamps["origin"] + stamps["field"]) / 1000 - app.started_at, "s", None)
            prove_usable(page)
            context.close()
            again: list[float] = []
            again_parts: list[dict[str, float | None]] = []
            for _ in range(repeats):
                context, page, stamps = open_page(browser, app.url)
                again.append(stamps["field"] - stamps["load"])
                again_parts.append(breakdown(stamps))
                context.close()
            out.figure("page_load_to_interactive_repeat_p50", percentile(again, 50), "ms", TARGET_INTERACTIVE_MS,
                       samples=[round(v, 1) for v in again], parts=again_parts,
                       note="fresh contexts, app process already running")

            context, page, _ = open_page(browser, app.url)
            sign_in(page)
            first: dict[str, float] = {}
            tabs: list[float] = []
            by_tab: dict[str, list[float]] = {}
            chips: list[float] = []
            tab_parts: list[tuple[float, float, float]] = []
            chip_parts: list[tuple[float, float, float]] = []
            for name, probe in TABS:  # warm-up: first visits build screens and import modules
                first[name] = tap(page, page.get_by_role("tab", name=name, exact=True), probe)
            for name in CHIPS:
                first[f"chip {name}"] = tap(page, *chip_probe(page, name))
            with ServerProfile(app.python_pid(), tmp / "app-profile.txt", args.profile) as profile:
                for _ in range(rounds):
                    for name, probe in TABS:
                        tabs.append(tap(page, page.get_by_role("tab", name=name, exact=True), probe, tab_parts))
                        by_tab.setdefault(name, []).append(tabs[-1])
                    for name in CHIPS:
                        chips.append(tap(page, *chip_probe(page, name), chip_parts))
            if args.profile:
                out.note(app_profile=profile.summary)
            context.close()
            out.figure("tab_first_visit_max", max(v for k, v in first.items() if not k.startswith("chip")), "ms", None,
                       first_visits={k: round(v, 1) for k, v in first.items()})
            out.figure("tab_tap_p50", percentile(tabs, 50), "ms", TARGET_TAP_MS, taps=len(tabs), **tap_parts_p50(tab_parts),
                       p50_by_tab={name: round(percentile(v, 50), 1) for name, v in by_tab.items()})
            out.figure("tab_tap_p95", percentile(tabs, 95), "ms", TARGET_TAP_MS, max_ms=round(max(tabs), 1))
            out.figure("chip_tap_p50", percentile(chips, 50), "ms", TARGET_TAP_MS, taps=len(chips),
                       **tap_parts_p50(chip_parts))
            out.figure("chip_tap_p95", percentile(chips, 95), "ms", TARGET_TAP_MS, max_ms=round(max(chips), 1))
        finally:
            app.stop()
        if args.restart:
            app = App(tmp / "data")
            try:
                to_http = app.start()
                context, page, stamps = open_page(browser, app.url)
                out.figure("restart_to_http", to_http, "s", None)
                out.figure("restart_to_page_load", (stamps["origin"] + stamps["load"]) / 1000 - app.started_at, "s",
                           None, note="same data dir: no seeding")
                out.figure("restart_page_load_to_interactive", stamps["field"] - stamps["load"], "ms",
                           TARGET_INTERACTIVE_MS)
                context.close()
            finally:
                app.stop()
        browser.close()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=0, help="measured rounds of taps (default 6, quick 2)")
    parser.add_argument("--restart", action="store_true", help="also start the app again on the same data dir")


if __name__ == "__main__":
    raise SystemExit(main("ui_start", run, configure))
