"""One SQLite file per signed-in account, in WAL mode so reads never wait for a sync write."""

import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from services.storage.tables import metadata


def open_cache(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Create the file once, then open it read-write only ("mode=rw"): a late read after sign-out or
    # account deletion then fails instead of silently creating an empty cache file again.
    sqlite3.connect(path).close()
    engine = create_engine(f"sqlite:///file:{quote(str(path))}?mode=rw&uri=true", poolclass=QueuePool,
                           pool_size=4, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # IMMEDIATE for every transaction: writers (UI outbox, sync applier) never deadlock
        # upgrading a read lock; readers are not blocked in WAL mode anyway.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    metadata.create_all(engine)
    return engine


def remove_cache(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        candidate.unlink(missing_ok=True)
