"""The overlay: synced rows with the pending outbox laid on top, as a pure function.

Synced rows are never edited locally, so wiping and re-pulling the cache is always safe.
Each feature declares `Rule`s: how a pending mutation changes the rows of one entity
(patch an existing row, or add an optimistic one). A row touched by a pending mutation
gets `_pending: True` so the UI can mark it.
"""

import copy
from collections.abc import Callable, Mapping
from typing import Any

from services.storage.outbox import Pending

Row = dict[str, Any]
# rows by id (copies, safe to change), the pending mutation -> None (change rows in place)
Rule = Callable[[dict[str, Row], Pending], None]


def apply_overlay(rows: list[Row], pending: list[Pending], rules: Mapping[str, Rule]) -> list[Row]:
    by_id: dict[str, Row] = {row["id"]: copy.deepcopy(row) for row in rows}
    for mutation in pending:
        if mutation.status == "rejected":
            continue  # refused by the server: the user sees the rejection, not the change
        rule = rules.get(mutation.name)
        if rule is not None:
            rule(by_id, mutation)
    return list(by_id.values())


def patch(by_id: dict[str, Row], row_id: str, **fields: Any) -> None:
    row = by_id.get(row_id)
    if row is not None:
        row.update(fields, _pending=True)


def add(by_id: dict[str, Row], row: Row) -> None:
    if row["id"] not in by_id:  # the synced row wins once it arrives
        by_id[row["id"]] = {**row, "_pending": True}
