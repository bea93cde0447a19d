"""Applying a delta page costs the same at 10k and at 100k cached rows (O(changes), not O(data)).

Measured without a clock: SQLite calls the progress handler once per virtual machine instruction,
so the count is exact and machine-independent. B-tree depth is hidden inside single instructions
(a seek is one step), so a page that uses the indexes costs the same number of steps at any size,
while a scan would grow tenfold.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from app.protocol.sync import Change, Entity, Op, PullResponse
from services.storage.cache import apply_page
from services.storage.engine import open_cache

SCOPE = "user:1"
EPOCH = "e1"


def _filled_cache(path: Path, rows: int) -> Engine:
    """A cache holding `rows` messages in 100 threads, with cursors at the last seq."""
    engine = open_cache(path)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
            "INSERT INTO synced_message (id, scope, seq, data, thread_id, sent_at) "
            "SELECT printf('m%07d', i), ?, i, json_object('id', printf('m%07d', i), 'thread_id', printf('t%03d', i % 100),"
            " 'body', 'hello ' || i, 'sent_at', printf('2026-01-01T00:00:%07dZ', i)),"
            " printf('t%03d', i % 100), printf('2026-01-01T00:00:%07dZ', i) FROM n",
            (rows, SCOPE))
        conn.exec_driver_sql("INSERT INTO sync_cursor (scope, cursor) VALUES (?, ?), ('public', ?)", (SCOPE, rows, rows))
    return engine


def _message(n: int, seq: int, body: str) -> Change:
    message_id = f"m{n:07d}"
    data = {"id": message_id, "thread_id": f"t{n % 100:03d}", "sender": "customer", "body": body,
            "sent_at": f"2026-01-02T00:00:{n:07d}Z", "attachment_ids": []}
    return Change(scope=SCOPE, entity=Entity.MESSAGE, id=message_id, seq=seq, op=Op.UPSERT, data=data)


def _page(change: Change, head: int) -> PullResponse:
    return PullResponse(epoch=EPOCH, changes=[change], cursors={SCOPE: head, "public": head}, more=False,
                        last_mutation_id=0)


def _steps(engine: Engine, page: PullResponse) -> int:
    """VM instructions SQLite runs to apply `page` (BEGIN and COMMIT included)."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0  # go on

    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        raw.set_progress_handler(count, 1)
        try:
            with conn.begin():
                apply_page(conn, page)
        finally:
            raw.set_progress_handler(None, 1)
    return steps


def _costs(engine: Engine, rows: int) -> dict[str, int]:
    head = rows
    # Warm up: the connection prepares its statements once (preparing runs no VM steps, but
    # keep both sizes on the same footing).
    head += 1
    _steps(engine, _page(_message(rows + 1, head, "warm up"), head))
    costs = {}
    head += 1
    costs["insert"] = _steps(engine, _page(_message(rows + 2, head, "a new message"), head))
    head += 1
    costs["update"] = _steps(engine, _page(_message(rows // 2, head, "an edited message"), head))
    head += 1
    stale = _message(rows // 3, 1, "older than the cached row: ignored")
    costs["stale"] = _steps(engine, _page(stale, head))
    head += 1
    tombstone = Change(scope=SCOPE, entity=Entity.MESSAGE, id=f"m{rows // 4:07d}", seq=head, op=Op.DELETE)
    costs["delete"] = _steps(engine, _page(tombstone, head))
    return costs


@pytest.fixture
def caches(tmp_path: Path) -> Iterator[dict[int, Engine]]:
    engines = {rows: _filled_cache(tmp_path / f"cache-{rows}.sqlite", rows) for rows in (10_000, 100_000)}
    yield engines
    for engine in engines.values():
        engine.dispose()


def test_one_row_delta_costs_the_same_at_10k_and_100k_rows(caches: dict[int, Engine]) -> None:
    small = _costs(caches[10_000], 10_000)
    large = _costs(caches[100_000], 100_000)
    assert all(steps > 0 for steps in small.values())
    assert large == small, f"VM steps grow with the cache: 10k {small}, 100k {large}"
