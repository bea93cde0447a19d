"""The shopper's profile from the cache, and `profile.update`."""

from sqlalchemy import select

from app.protocol.mutations import ProfileUpdate
from app.protocol.sync import Entity
from services.overlay import Row, apply_overlay
from services.storage import outbox as outbox_repo
from services.storage.outbox import Pending
from services.storage.tables import SYNCED
from services.sync import SyncEngine


def _update(by_id: dict[str, Row], mutation: Pending) -> None:
    for row in by_id.values():  # there is one profile row
        row.update({k: v for k, v in mutation.args.items() if v is not None}, _pending=True)


RULES = {"profile.update": _update}


class ProfileService:
    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync

    def get(self) -> Row | None:
        table = SYNCED[Entity.PROFILE]
        with self.sync.engine.connect() as conn:
            rows = [r.data for r in conn.execute(select(table.c.data))]
            pending = outbox_repo.pending(conn, set(RULES))
        merged = apply_overlay(rows, pending, RULES)
        return merged[0] if merged else None

    def update(self, **fields: object) -> int:
        args = ProfileUpdate.model_validate(fields).model_dump(exclude_none=True)
        return self.sync.mutate("profile.update", args, {Entity.PROFILE.value})
