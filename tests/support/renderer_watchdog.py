"""Kill a Chromium renderer of this test run that has spun on the CPU for a minute.

Now and then (about once in a few dozen page loads on these machines) a headless Chromium
renderer running Flutter's web engine spins at 100 % CPU and never comes back. A Playwright call
waiting on that page then does not return at all, whatever its own timeout says: the browser
tests sat out their whole 300 s limit, and a benchmark run waited 19 minutes. Killing the
renderer process makes the waiting call fail at once ("Target crashed"), so the test fails fast
and its rerun, in a fresh Chromium, goes on. No page of ours keeps a renderer busy for more than
a few seconds (a first load takes about one second of CPU), so a minute of it is a wedge.

Only renderers descended from this process are watched: another test run or a benchmark on the
same machine is left alone.
"""

import os
import signal
import threading
import time
from collections import deque
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _is_renderer(pid: int) -> bool:
    try:
        return b"--type=renderer" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _descends_from(pid: int, ancestor: int) -> bool:
    for _ in range(32):  # pytest -> node driver -> chromium -> zygote -> renderer: a few hops
        stat = _stat(pid)
        if stat is None or stat[0] <= 1:
            return False
        if stat[0] == ancestor:
            return True
        pid = stat[0]
    return False


class RendererWatchdog:
    """A daemon thread sampling this run's renderers every `interval_s`; a renderer that used at
    least `busy_share` of a core over the last `window_s` is killed and noted in `killed`."""

    def __init__(self, window_s: float = 60.0, interval_s: float = 5.0, busy_share: float = 0.9) -> None:
        self.window_s, self.interval_s, self.busy_share = window_s, interval_s, busy_share
        self.killed: list[str] = []
        self.during = ""  # what runs now (a test's node id), named in a kill's note
        self._samples: dict[int, deque[tuple[float, float]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="renderer-watchdog", daemon=True)
        self._root = os.getpid()

    def start(self) -> "RendererWatchdog":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval_s + 1)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.check()

    def check(self) -> None:
        now = time.monotonic()
        renderers = [int(p) for p in os.listdir("/proc") if p.isdigit() and _is_renderer(int(p))]
        alive = set()
        for pid in renderers:
            if not _descends_from(pid, self._root):
                continue
            stat = _stat(pid)
            if stat is None:
                continue
            alive.add(pid)
            samples = self._samples.setdefault(pid, deque())
            samples.append((now, stat[1]))
            while len(samples) > 1 and now - samples[1][0] >= self.window_s:
                samples.popleft()  # keep the oldest sample that still spans the window
            first_t, first_cpu = samples[0]
            if now - first_t >= self.window_s and stat[1] - first_cpu >= self.busy_share * (now - first_t):
                self._kill(pid, stat[1] - first_cpu, now - first_t)
        for gone in set(self._samples) - alive:
            del self._samples[gone]

    def _kill(self, pid: int, cpu_s: float, wall_s: float) -> None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        self._samples.pop(pid, None)
        during = f" during {self.during}" if self.during else ""
        note = f"killed a wedged Chromium renderer (pid {pid}: {cpu_s:.0f} s of CPU in {wall_s:.0f} s){during}"
        self.killed.append(note)
