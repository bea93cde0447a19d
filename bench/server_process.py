"""The server under test, as its own process: `python -m server --port P` on a prepared SQLite file.

`prepare_database` copies a migrated database with the demo data (seeded the way
`python -m server --seed demo` does, once per day and source version: `seeded_template`);
benchmarks then add their synthetic rows with `bench.synthetic` before the server answers. `ServerProcess` starts it, waits for `/health`, reports its CPU time from /proc (all
threads), and stops it by its own pid.
"""

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from app.embedded import free_port
from server.db import Database
from server.migrate import upgrade
from server.seed import seed_demo

ROOT = Path(__file__).resolve().parent.parent
_TICK = os.sysconf("SC_CLK_TCK")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


# What the seeded demo database depends on: a change to any of these files builds a new template.
_TEMPLATE_SOURCES = ("server/migrations", "server/models", "server/seed", "server/projections", "server/sync",
                     "server/demo_data", "app/protocol")


def _template_key() -> str:
    digest = hashlib.sha256(datetime.now(UTC).date().isoformat().encode())  # the demo's dates are relative to today
    for folder in _TEMPLATE_SOURCES:
        for file in sorted((ROOT / folder).rglob("*")):
            if file.is_file() and file.suffix in (".py", ".json", ".mako"):
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def seeded_template(path: Path | None = None) -> Path:
    """A migrated demo database to copy from: seeding hashes six passwords and runs the migrations,
    seconds that a quick run cannot spare. Kept in the temp folder, keyed by today and the sources."""
    if path is None:
        cache = Path(tempfile.gettempdir()) / "nahtlos-bench-cache"
        cache.mkdir(exist_ok=True)
        path = cache / f"demo-{_template_key()}.sqlite"
        if path.exists():
            return path
    building = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    db = Database(sqlite_url(building))
    upgrade(db.engine)
    seed_demo(db)
    checkpoint(db)
    db.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    os.replace(building, path)  # atomic: a concurrent run sees the old file or the whole new one
    return path


def prepare_database(path: Path, template: Path | None = None) -> Database:
    """A migrated database with the demo data (a copy of the template); the caller adds rows and disposes it."""
    shutil.copyfile(template or seeded_template(), path)
    return Database(sqlite_url(path))


def checkpoint(db: Database) -> None:
    """Fold the WAL into the main file so the server starts on a compact database."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


class ServerProcess:
    """`python -m server` on `db_path`; its output goes to `log_path` (no access log: `--access-log` is off)."""

    def __init__(self, db_path: Path, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.db_path = db_path
        self.log_path = log_path
        self.extra_env = env or {}
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def launch(self) -> Self:
        """Start the process and return at once (it imports and migrates for a few seconds)."""
        self.port = free_port()
        # `python -m server` migrates before it builds the app; the app need not check again.
        env = {**os.environ, "NAHTLOS_DATABASE_URL": sqlite_url(self.db_path), "NAHTLOS_AUTO_MIGRATE": "false",
               **self.extra_env}
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child from here on
        self.proc = subprocess.Popen([sys.executable, "-m", "server", "--port", str(self.port)],
                                     cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    def start(self, timeout: float = 90.0) -> Self:
        """Launch (unless launched) and wait until `/health` answers."""
        if self.proc is None:
            self.launch()
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not answer /health within {timeout} s; see {self.log_path}")
            time.sleep(0.05)

    def health(self) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=5) as response:
            data: dict[str, object] = json.loads(response.read())
            return data

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far (every thread)."""
        with open(f"/proc/{self.pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
