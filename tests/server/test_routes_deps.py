"""server.routes.deps: where a read runs (event loop on SQLite, thread pool on PostgreSQL)."""

import asyncio
import threading

import pytest

from server.db import Database
from server.routes.deps import run_read
from server.sync.log import current_head
from tests.server.dbstate import head


def _head_and_thread(db: Database) -> tuple[tuple[int, str], str]:
    with db.read() as session:
        return current_head(session), threading.current_thread().name


def test_a_read_runs_on_the_loop_for_sqlite_and_in_the_pool_for_postgresql(db: Database) -> None:
    async def run() -> tuple[tuple[int, str], str, str]:
        result, thread = await run_read(db, _head_and_thread, db)
        return result, thread, threading.current_thread().name

    result, read_thread, loop_thread = asyncio.run(run())

    assert result == head(db)
    assert (read_thread == loop_thread) is db.is_sqlite  # a PostgreSQL read waits on the network


def test_an_error_in_the_read_reaches_the_route_as_raised(db: Database) -> None:
    def refuse(_db: Database) -> None:
        raise LookupError("refused")

    async def run() -> None:
        await run_read(db, refuse, db)

    with pytest.raises(LookupError, match="refused"):
        asyncio.run(run())
