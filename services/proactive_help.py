"""What proactive help reads and remembers on this device: the cached parcels and pickups it
looks at, and which offers the shopper dismissed (kept in `local_flag`, never synced, so a
dismissed offer stays dismissed on this device, offline too)."""

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert

from app.protocol.sync import Entity
from services.overlay import Row
from services.storage.tables import SYNCED, local_flag
from services.sync import SyncEngine

PREFIX = "help_offer:"


class ProactiveHelpService:
    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync

    def shipments(self) -> list[Row]:
        return self._rows(Entity.SHIPMENT)

    def pickups(self) -> list[Row]:
        return self._rows(Entity.PICKUP)

    def orders(self) -> list[Row]:
        return self._rows(Entity.ORDER)

    def _rows(self, entity: Entity) -> list[Row]:
        table = SYNCED[entity]
        with self.sync.engine.connect() as conn:
            return [dict(r.data) for r in conn.execute(select(table.c.data))]

    def dismissed(self) -> set[str]:
        with self.sync.engine.connect() as conn:
            keys = conn.execute(select(local_flag.c.key).where(local_flag.c.key.startswith(PREFIX)))
            return {k[len(PREFIX):] for (k,) in keys}

    def dismiss(self, key: str) -> None:
        stmt = insert(local_flag).values(key=(PREFIX + key)[:64], value="dismissed")
        with self.sync.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))

    def forget_dismissals(self) -> None:
        with self.sync.engine.begin() as conn:
            conn.execute(delete(local_flag).where(local_flag.c.key.startswith(PREFIX)))
