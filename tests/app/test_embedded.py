"""The embedded server is shared by the app processes on one data folder (shopper, kiosk and staff
started side by side), so a poke from one reaches the others; a stale address is not trusted."""

import subprocess
import sys
from pathlib import Path

import httpx

from app.embedded import MARKER

ROOT = Path(__file__).resolve().parents[2]
SERVE = ("import sys\nfrom pathlib import Path\nfrom app.embedded import start_or_join_embedded_server\n"
         "print(start_or_join_embedded_server(Path(sys.argv[1])), flush=True)\nsys.stdin.read()\n")


def app_process(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """A process that starts or joins the embedded server and keeps it until its stdin closes."""
    proc = subprocess.Popen([sys.executable, "-c", SERVE, str(data_dir)], cwd=ROOT, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def stop(proc: subprocess.Popen[str]) -> None:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.close()
    proc.wait(timeout=30)
    proc.stdout.close()


def test_a_second_app_joins_the_first_ones_server_and_a_dead_one_is_replaced(tmp_path: Path) -> None:
    first, url = app_process(tmp_path)
    try:
        second, joined = app_process(tmp_path)
        stop(second)
        assert joined == url  # the kiosk or the tablet talks to the same server as the shopper app
        assert (tmp_path / MARKER).read_text(encoding="utf-8").strip() == url
    finally:
        stop(first)

    third, fresh = app_process(tmp_path)  # the first app is gone, its address is stale
    try:
        assert httpx.get(f"{fresh}/api/v1/health", timeout=5).status_code == 200
        assert (tmp_path / MARKER).read_text(encoding="utf-8").strip() == fresh
    finally:
        stop(third)
