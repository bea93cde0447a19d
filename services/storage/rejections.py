"""Reading the mutations the server refused (`rejection` table), so features can explain them."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from services.storage.tables import rejection


@dataclass(frozen=True)
class RejectionRecord:
    id: int
    mutation_id: int
    name: str
    code: str
    message: str  # the server's text in the language of the push; views translate `code` instead
    args: dict[str, Any]
    seen: bool


def for_mutations(conn: Connection, names: set[str], unseen_only: bool = False) -> list[RejectionRecord]:
    """Rejections of mutations named `names`, newest first."""
    stmt = select(rejection).where(rejection.c.name.in_(names)).order_by(rejection.c.id.desc())
    if unseen_only:
        stmt = stmt.where(rejection.c.seen == 0)
    return [RejectionRecord(r.id, r.mutation_id, r.name or "", r.code, r.message, dict(r.args or {}), bool(r.seen))
            for r in conn.execute(stmt)]


def mark_seen(conn: Connection, ids: list[int]) -> None:
    if ids:
        conn.execute(update(rejection).where(rejection.c.id.in_(ids)).values(seen=1))
