"""A delta pull costs O(changes), not O(data), measured without clocks.

SQLite: count virtual-machine steps (`set_progress_handler(handler, 1)`) spent by the server
while it answers a one-row delta pull, with 10k and then 100k older rows in the user's scope.
PostgreSQL: re-run the statements that pull executed under EXPLAIN ANALYZE and count the rows
each plan touched (returned plus filtered away), at 10k and 100k rows.
Both counts must not grow with the data.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Integer,
    String,
    cast,
    event,
    insert,
    literal,
    select,
    text,
    update,
)

from server.db import Database
from server.models import SyncCounter, SyncLog
from server.models.base import UtcDateTime
from tests.server.dbstate import head
from tests.server.device import Device

SMALL, LARGE = 10_000, 100_000


def add_history(db: Database, scope: str, start: int, count: int, first_seq: int, seqs: int) -> None:
    """`count` synthetic notification rows in `scope`, spread over `seqs` old seqs from `first_seq`.

    One Core INSERT ... SELECT over a recursive counter, so the database makes the rows itself:
    100k rows in a fraction of a second on either backend.
    """
    n = select(literal(start, Integer).label("i")).cte("n", recursive=True)
    n = n.union_all(select(n.c.i + 1).where(n.c.i < start + count - 1))
    rows = select(literal(scope, String), literal("notification", String),
                  literal("synthetic-", String) + cast(n.c.i, String), literal(first_seq, Integer) + n.c.i % seqs,
                  literal("U", String), literal({"kind": "promo"}, JSON), literal(datetime.now(UTC), UtcDateTime()))
    columns = ["scope", "entity", "entity_id", "seq", "op", "payload", "changed_at"]
    with db.engine.begin() as conn:
        conn.execute(insert(SyncLog).from_select(columns, rows))
        conn.execute(update(SyncCounter).where(SyncCounter.id == 1)
                     .values(seq=max(first_seq + seqs - 1, head(db)[0])))


def scope_rows(db: Database, scope: str) -> int:
    with db.read() as session:
        return int(session.execute(text("SELECT count(*) FROM sync_log WHERE scope = :s"), {"s": scope}).scalar_one())


class StepCounter:
    """Counts SQLite VM steps on every pooled connection while `counting()` is active."""

    def __init__(self, db: Database) -> None:
        self.steps = 0
        self.active = False
        event.listen(db.engine, "checkout", self._on_checkout)

    def _tick(self) -> int:
        self.steps += 1
        return 0  # 0 = go on

    def _on_checkout(self, dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.set_progress_handler(self._tick if self.active else None, 1)

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.steps = 0
        self.active = True
        try:
            yield
        finally:
            self.active = False


def caught_up(device: Device, db: Database) -> None:
    """Cursors at the head, as after pulling all pages (without shipping 100k rows through JSON)."""
    seq, epoch = head(db)
    device.epoch = epoch
    device.cursors = {device.scope: seq, "public": seq}


def one_row_delta(anna: Device, n: int) -> dict[str, Any]:
    result = anna.send("profile.update", {"name": f"Anna {n}"})
    assert result["status"] == "ok"
    return result


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_sqlite_vm_steps_of_a_one_row_delta_pull_do_not_grow_with_the_data(device: Any, db: Database) -> None:
    scope = device("anna").scope
    base = head(db)[0] + 1
    add_history(db, scope, 0, SMALL, base, seqs=SMALL)
    counter = StepCounter(db)

    steps = []
    for size in (SMALL, LARGE):
        if size == LARGE:
            add_history(db, scope, SMALL, LARGE - SMALL, base, seqs=SMALL)
        # A new device per round, so each pull looks back on exactly one mutation of its own; its
        # client id sorts after every other one, so that index scan always stops at the table's end.
        anna = device("anna", client_id=f"complexity-{size}")
        caught_up(anna, db)
        assert scope_rows(db, scope) > size
        change = one_row_delta(anna, size)
        with counter.counting():
            page = anna.pull()
        assert [(c["entity"], c["seq"]) for c in page["changes"]] == [("profile", change["seq"])]
        steps.append(counter.steps)

    small, large = steps
    assert small > 0, "the progress handler never ran: the pull did not use the counted connections"
    assert large <= small, f"a one-row delta pull took {small} VM steps at {SMALL} rows and {large} at {LARGE}"


class StatementRecorder:
    """Records the statements (with parameters) the server runs while `recording()` is active."""

    def __init__(self, db: Database) -> None:
        self.statements: list[tuple[str, Any]] = []
        self.active = False
        event.listen(db.engine, "before_cursor_execute", self._on_execute)

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                    executemany: bool) -> None:
        if self.active and statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))

    @contextmanager
    def recording(self) -> Iterator[None]:
        self.statements = []
        self.active = True
        try:
            yield
        finally:
            self.active = False


def rows_touched(plan: dict[str, Any]) -> int:
    """Rows every node of an EXPLAIN ANALYZE plan produced or filtered away, over all its loops."""
    loops = int(plan.get("Actual Loops", 1))
    own = (int(plan.get("Actual Rows", 0)) + int(plan.get("Rows Removed by Filter", 0))
           + int(plan.get("Rows Removed by Index Recheck", 0))) * loops
    return own + sum(rows_touched(child) for child in plan.get("Plans", []))


def seq_scans(plan: dict[str, Any]) -> list[str]:
    found = [plan.get("Relation Name", "?")] if plan.get("Node Type") == "Seq Scan" else []
    return found + [name for child in plan.get("Plans", []) for name in seq_scans(child)]


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_postgres_rows_touched_by_a_one_row_delta_pull_do_not_grow_with_the_data(device: Any,
                                                                                  db: Database) -> None:
    scope = device("anna").scope
    base = head(db)[0] + 1
    add_history(db, scope, 0, SMALL, base, seqs=SMALL)
    recorder = StatementRecorder(db)

    touched = []
    for size in (SMALL, LARGE):
        if size == LARGE:
            add_history(db, scope, SMALL, LARGE - SMALL, base, seqs=SMALL)
        # A new device per round, so each pull looks back on exactly one mutation of its own; its
        # client id sorts after every other one, so that index scan always stops at the table's end.
        anna = device("anna", client_id=f"complexity-{size}")
        caught_up(anna, db)
        with db.engine.connect() as conn:
            conn.execute(text("ANALYZE sync_log"))  # what autovacuum does after a bulk load
            conn.commit()
        change = one_row_delta(anna, size)
        with recorder.recording():
            page = anna.pull()
        assert [(c["entity"], c["seq"]) for c in page["changes"]] == [("profile", change["seq"])]
        total = 0
        with db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            cursor = raw.cursor()
            try:
                for statement, parameters in recorder.statements:
                    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters)
                    explained = cursor.fetchone()
                    assert explained is not None
                    plan = explained[0][0]["Plan"]
                    if "sync_log" in statement:
                        assert seq_scans(plan) == [], f"a full scan in the pull: {statement}"
                    total += rows_touched(plan)
            finally:
                cursor.close()
            raw.rollback()
        assert recorder.statements
        touched.append(total)

    small, large = touched
    assert large <= small, f"a one-row delta pull touched {small} rows at {SMALL} rows and {large} at {LARGE}"
