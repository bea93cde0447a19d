"""Engine and sessions.

Writers use `Database.write()`: on SQLite the transaction starts with BEGIN IMMEDIATE, so
write transactions are serialised and commit order equals seq order; on PostgreSQL the
row lock on `sync_counter` does the same. Readers use `Database.read()`: one consistent
snapshot (REPEATABLE READ on PostgreSQL, a deferred WAL read transaction on SQLite), so a
pull sees `sync_log`, `sync_counter` and `last_mutation_id` as of one instant.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def _make_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    # As many pooled connections as FastAPI's thread pool has threads (anyio's default: 40):
    # a smaller pool opens and closes connections (and runs the PRAGMAs below) under load.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=40,
                           max_overflow=10)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so we can say BEGIN IMMEDIATE ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """Owns the engine and hands out sessions for one unit of work each."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind: Engine  # an OptionEngine (a copy with options) or the engine itself
        if self.is_sqlite:
            write_bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
            read_bind = self.engine
        else:
            write_bind = self.engine
            read_bind = self.engine.execution_options(isolation_level="REPEATABLE READ")
        self._writer = sessionmaker(write_bind, expire_on_commit=False)
        self._reader = sessionmaker(read_bind, expire_on_commit=False)
        self._read_bind = read_bind

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction, committed on success and rolled back on any error."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read snapshot. Ending it commits nothing (nothing was written) and keeps loaded rows usable."""
        with self._reader() as session, session.begin():
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """`read()` without the ORM, for hot paths that run Core statements only (pull, /health):
        a Session's setup and teardown cost more than such a read itself."""
        with self._read_bind.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
