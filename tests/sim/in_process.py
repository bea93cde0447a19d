"""The simulation's default server side: one in-process app on a copy of the seeded SQLite file.

A restart is a new app over the same file (everything committed persists); a snapshot is an
SQLite backup of the file, and a restore puts that copy back and starts a new app on it.
tests/robustness/sim_cluster.py is the other server side: two processes on PostgreSQL.
"""

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx

from server.db import Database
from server.main import create_app
from tests.conftest import SeededTemplate, server_settings
from tests.support.network import Network


class InProcessServer:
    """One example's server: the app behind a `Network`, and the `Database` the checks read."""

    def __init__(self, template: SeededTemplate, directory: Path) -> None:
        self.dir = directory
        self.db_path = directory / "server.sqlite"
        shutil.copy(template.location, self.db_path)
        self.url = f"sqlite:///{self.db_path}"
        self.settings = server_settings(self.url)
        self.db = Database(self.url)
        self.network = Network(create_app(self.settings, db=self.db)).open()
        self.snapshot_path = directory / "snapshot.sqlite"

    @property
    def requests(self) -> int:
        return self.network.requests

    def restart(self, pick: int) -> None:
        """A new server process over the same database file (`pick` chooses nothing: there is one)."""
        old = self.db
        self.db = Database(self.url)
        self.network.restart(create_app(self.settings, db=self.db))
        old.dispose()

    def snapshot(self) -> None:
        self.snapshot_path.unlink(missing_ok=True)
        with closing(sqlite3.connect(self.db_path)) as src, closing(sqlite3.connect(self.snapshot_path)) as dst:
            src.backup(dst)

    def restore(self) -> None:
        """The database file becomes the snapshot again, under a new app; the caller sets a new epoch."""
        self.db.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        shutil.copy(self.snapshot_path, self.db_path)
        self.db = Database(self.url)
        self.network.restart(create_app(self.settings, db=self.db))

    def heal(self) -> None:
        """Nothing to mend: the one app never stays down."""

    still_s = 0.0  # tests/support/network.py waits for the work a push leaves for later

    def observer(self) -> httpx.Client:
        return self.network.client()

    def close(self) -> None:
        self.network.close()
        self.db.dispose()
