"""Reading the server database directly, to check what a request did or did not change."""

from typing import Any

from sqlalchemy import text

from server.db import Database
from server.models import Base


def snapshot(db: Database) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table (as sorted reprs): equal snapshots mean nothing changed at all."""
    state: dict[str, list[tuple[str, ...]]] = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            # Raw driver values: no JSON or datetime decoding needed to tell whether a row changed.
            rows = conn.exec_driver_sql(f'SELECT * FROM "{table.name}"').all()
            state[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
        conn.rollback()
    return state


def row_counts(db: Database) -> dict[str, int]:
    return {name: len(rows) for name, rows in snapshot(db).items()}


def head(db: Database) -> tuple[int, str]:
    """(seq, epoch) of sync_counter."""
    with db.read() as session:
        row = session.execute(text("SELECT seq, epoch FROM sync_counter WHERE id = 1")).one()
    return int(row.seq), str(row.epoch)


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.read() as session:
        return session.execute(text(sql), params).scalar()


def execute(db: Database, sql: str, **params: Any) -> None:
    with db.write() as session:
        session.execute(text(sql), params)
