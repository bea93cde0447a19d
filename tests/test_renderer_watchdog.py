import subprocess
import sys
import time

from tests.support.renderer_watchdog import RendererWatchdog

# Python processes that look like Chromium renderers by their command line (the flag is an
# ignored argument of the script): one spins, one sleeps.
SPIN = [sys.executable, "-c", "while True: pass", "--type=renderer"]
IDLE = [sys.executable, "-c", "import time; time.sleep(60)", "--type=renderer"]
BUSY_THEN_IDLE = "import time\nt = time.time()\nwhile time.time() - t < 1: pass\ntime.sleep(60)"


def test_a_renderer_that_spins_for_the_window_is_killed_and_an_idle_one_is_left_alone() -> None:
    spinning, idle = subprocess.Popen(SPIN), subprocess.Popen(IDLE)
    watchdog = RendererWatchdog(window_s=1.5, interval_s=0.25)
    watchdog.during = "tests/e2e/test_x.py::test_y"
    watchdog.start()
    try:
        spinning.wait(timeout=10)
        assert spinning.returncode == -9
        assert idle.poll() is None
        assert len(watchdog.killed) == 1 and f"pid {spinning.pid}" in watchdog.killed[0]
        assert watchdog.killed[0].endswith("during tests/e2e/test_x.py::test_y")
    finally:
        watchdog.stop()
        for process in (spinning, idle):
            process.kill()
            process.wait()


def test_a_renderer_busy_for_less_than_the_window_lives() -> None:
    busy = subprocess.Popen([sys.executable, "-c", BUSY_THEN_IDLE, "--type=renderer"])
    watchdog = RendererWatchdog(window_s=2.0, interval_s=0.25).start()
    try:
        time.sleep(3.5)  # a second of work, then idle: the two-second window never fills with work
        assert busy.poll() is None and watchdog.killed == []
    finally:
        watchdog.stop()
        busy.kill()
        busy.wait()
