"""The shopper's in-app notifications (`notification` entity), newest first, from the cache.

Read-only on the client: the server writes them (e.g. `pickup.mark_ready` announces a pickup),
and each carries the in-app route it is about.
"""

from sqlalchemy import select

from app.protocol.sync import Entity
from services.overlay import Row
from services.storage.tables import SYNCED
from services.sync import SyncEngine


class NotificationsService:
    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync

    def list(self, limit: int = 50) -> list[Row]:
        """Blocking: run it off the UI loop."""
        table = SYNCED[Entity.NOTIFICATION]
        with self.sync.engine.connect() as conn:
            rows = [r.data for r in conn.execute(select(table.c.data).order_by(table.c.at.desc(), table.c.id)
                                                 .limit(limit))]
        return rows
