"""Orders from the cache (newest first, pending writes laid on top) and `order.cancel`."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.protocol.entities import OrderStatus
from app.protocol.mutations import OrderCancel
from app.protocol.sync import Entity
from services.overlay import Row, apply_overlay, patch
from services.storage import outbox as outbox_repo
from services.storage.outbox import Pending
from services.storage.tables import SYNCED
from services.sync import SyncEngine

CANCEL_PENDING = "cancel_pending"


@dataclass(frozen=True)
class OrderSummary:
    id: str
    number: str
    status: str
    placed_at: datetime
    total: int
    currency: str
    item_count: int
    first_item_name: str
    thumbnail: str | None
    pending: bool


def _cancel(by_id: dict[str, Row], mutation: Pending) -> None:
    patch(by_id, mutation.args["order_id"], status=CANCEL_PENDING)


RULES = {"order.cancel": _cancel}


def summarize(row: dict[str, Any]) -> OrderSummary:
    items = row.get("items") or []
    return OrderSummary(
        id=row["id"], number=row["number"], status=row["status"],
        placed_at=datetime.fromisoformat(row["placed_at"].replace("Z", "+00:00")), total=row["total"],
        currency=row["currency"], item_count=sum(i["quantity"] for i in items),
        first_item_name=items[0]["name"] if items else "", thumbnail=items[0].get("image") if items else None,
        pending=bool(row.get("_pending")),
    )


class OrdersService:
    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync

    def _rows(self) -> list[Row]:
        table = SYNCED[Entity.ORDER]
        with self.sync.engine.connect() as conn:
            rows = [r.data for r in conn.execute(select(table.c.data))]
            pending = outbox_repo.pending(conn, set(RULES))
        return apply_overlay(rows, pending, RULES)

    def list_orders(self) -> list[OrderSummary]:
        """Blocking: run it off the UI loop."""
        summaries = [summarize(r) for r in self._rows()]
        return sorted(summaries, key=lambda s: s.placed_at, reverse=True)

    def get(self, order_id: str) -> Row | None:
        return next((r for r in self._rows() if r["id"] == order_id), None)

    def can_cancel(self, row: Row) -> bool:
        return row["status"] in (OrderStatus.PLACED, OrderStatus.PROCESSING)

    def cancel(self, order_id: str) -> int:
        args = OrderCancel(order_id=order_id).model_dump()
        return self.sync.mutate("order.cancel", args, {Entity.ORDER.value})
