"""Returns from the cache (pending writes laid on top), and `return.create/update/cancel`.

Every kind starts the same way: a client-made UUIDv7 return id and a queued `return.create`,
so a withdrawal pressed offline is on screen at once and lands exactly once. Edits are per-field
compare-and-set (`{field: {from, to}}`, from the value this device shows); the server answers a
stale `from` with `conflict`, which is kept in the `rejection` table and shown, never dropped.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from app.protocol.entities import ReturnKind, ReturnStatus
from app.protocol.mutations import (
    RefundMethod,
    Remedy,
    ReturnCancel,
    ReturnCreate,
    ReturnLine,
    ReturnUpdate,
)
from app.protocol.sync import Entity
from services.ids import new_id
from services.overlay import Row, add, apply_overlay, patch
from services.returns_eligibility import OrderPreview, parse_instant, preview
from services.storage import outbox as outbox_repo
from services.storage import rejections as rejections_repo
from services.storage.outbox import Pending
from services.storage.rejections import RejectionRecord
from services.storage.tables import SYNCED
from services.sync import SyncEngine

CANCEL_PENDING = "cancel_pending"
MUTATIONS = {"return.create", "return.update", "return.cancel"}
# The shopper may change or cancel a return until the parcel is handed in (server policy).
EDITABLE = frozenset({ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.QR_ISSUED})
# The steps every return may pass through, in order; a warranty claim waits at "requested"
# until a person has looked at it.
STEPS: tuple[str, ...] = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.QR_ISSUED,
                          ReturnStatus.DROPPED_OFF, ReturnStatus.RECEIVED, ReturnStatus.REFUNDED)


def _created(by_id: dict[str, Row], m: Pending) -> None:
    a = m.args
    add(by_id, {"id": a["return_id"], "order_id": a["order_id"], "kind": a["kind"],
                "status": ReturnStatus.REQUESTED.value, "created_at": m.created_at, "items": a["items"],
                "comment": a.get("comment"), "refund_method": a.get("refund_method"), "remedy": a.get("remedy"),
                "attachment_ids": a.get("attachment_ids", []), "refund_amount": None, "refunded_at": None,
                "qr_token": None, "events": [], "_declared_at": m.created_at})


def _updated(by_id: dict[str, Row], m: Pending) -> None:
    patch(by_id, m.args["return_id"], **{field: change["to"] for field, change in m.args["changes"].items()})


def _cancelled(by_id: dict[str, Row], m: Pending) -> None:
    row = by_id.get(m.args["return_id"])
    if row is not None and row["status"] != ReturnStatus.CANCELLED:
        patch(by_id, row["id"], status=CANCEL_PENDING)


RULES = {"return.create": _created, "return.update": _updated, "return.cancel": _cancelled}


@dataclass(frozen=True)
class Step:
    status: str
    at: datetime | None  # when it was reached (None: not yet)
    state: str  # "done" | "current" | "upcoming"


def timeline(row: Row) -> list[Step]:
    """The return's progress: every step with the time it was reached; a terminal state last.

    A cancelled or rejected return shows the steps it reached, then that outcome.
    """
    reached: dict[str, datetime] = {}
    for event in row.get("events") or []:
        if event.get("kind", "status") == "status" and event["status"] not in reached:
            at = parse_instant(event["at"])
            if at is not None:
                reached[event["status"]] = at
    status = row["status"]
    if status == ReturnStatus.REQUESTED and ReturnStatus.REQUESTED not in reached:
        reached[ReturnStatus.REQUESTED] = parse_instant(row.get("created_at")) or datetime.now(UTC)
    if status in (ReturnStatus.REFUNDED,) and row.get("refunded_at"):
        reached.setdefault(ReturnStatus.REFUNDED, parse_instant(row["refunded_at"]) or datetime.now(UTC))
    terminal = status in (ReturnStatus.CANCELLED, ReturnStatus.REJECTED, CANCEL_PENDING)
    current_index = max((i for i, s in enumerate(STEPS) if s in reached), default=0)
    if status in STEPS:
        current_index = max(current_index, STEPS.index(status))
    steps: list[Step] = []
    for i, step in enumerate(STEPS):
        if terminal and step not in reached:
            continue
        state = "done" if i < current_index or (i == current_index and (terminal or step == STEPS[-1])) else (
            "current" if i == current_index else "upcoming")
        steps.append(Step(step, reached.get(step), state))
    if terminal:
        at = reached.get(status) if status != CANCEL_PENDING else None
        steps.append(Step(status, at, "current"))
    return steps


@dataclass(frozen=True)
class LineDraft:
    """One line of a new return, as the shopper chose it."""

    order_item_id: str
    quantity: int
    reason: str | None = None
    exchange_variant: str | None = None


class ReturnsService:
    def __init__(self, sync: SyncEngine, clock: Any = None) -> None:
        self.sync = sync
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- reads (blocking: run them off the UI loop) ------------------------------------
    def _synced(self, entity: Entity, **where: str) -> list[Row]:
        table = SYNCED[entity]
        stmt = select(table.c.data)
        for col, value in where.items():
            stmt = stmt.where(table.c[col] == value)
        with self.sync.engine.connect() as conn:
            return [r.data for r in conn.execute(stmt)]

    def list_returns(self) -> list[Row]:
        """All the shopper's returns, newest first; queued ones carry `_pending`."""
        table = SYNCED[Entity.RETURN]
        with self.sync.engine.connect() as conn:
            rows = [r.data for r in conn.execute(select(table.c.data))]
            pending = outbox_repo.pending(conn, MUTATIONS)
        merged = apply_overlay(rows, pending, RULES)
        return sorted(merged, key=lambda r: r["created_at"], reverse=True)

    def get(self, return_id: str) -> Row | None:
        return next((r for r in self.list_returns() if r["id"] == return_id), None)

    def orders(self) -> list[Row]:
        """Cached orders (for order numbers, item names and the "start a return" picker)."""
        return sorted(self._synced(Entity.ORDER), key=lambda o: o["placed_at"], reverse=True)

    def order(self, order_id: str) -> Row | None:
        return next(iter(self._synced_by_id(Entity.ORDER, order_id)), None)

    def _synced_by_id(self, entity: Entity, row_id: str) -> list[Row]:
        table = SYNCED[entity]
        with self.sync.engine.connect() as conn:
            return [r.data for r in conn.execute(select(table.c.data).where(table.c.id == row_id))]

    def preview(self, order_id: str, now: datetime | None = None) -> OrderPreview | None:
        """What may be started for each item of the order, from the cache (None: unknown order)."""
        order = self.order(order_id)
        if order is None:
            return None
        shipments = self._synced(Entity.SHIPMENT, order_id=order_id)
        returns = [r for r in self.list_returns() if r["order_id"] == order_id]
        return preview(order, shipments, returns, now or self._clock())

    def previews(self, now: datetime | None = None) -> list[OrderPreview]:
        """Every cached order's preview, newest order first (for "start a return")."""
        orders = self.orders()
        shipments = self._synced(Entity.SHIPMENT)
        returns = self.list_returns()
        moment = now or self._clock()
        return [preview(o, shipments, returns, moment) for o in orders]

    # -- writes ----------------------------------------------------------------------------
    def create(self, order_id: str, kind: str, lines: Sequence[LineDraft], *, comment: str | None = None,
               refund_method: str | None = None, remedy: str | None = None,
               attachment_ids: Sequence[str] = ()) -> str:
        """Queue `return.create`; returns the new return's id (it shows at once, pending)."""
        return_id = new_id()
        args = ReturnCreate(
            return_id=return_id, order_id=order_id, kind=ReturnKind(kind).value,
            items=[ReturnLine(order_item_id=line.order_item_id, quantity=line.quantity, reason=line.reason,
                              exchange_variant=line.exchange_variant) for line in lines],
            comment=(comment or "").strip() or None,
            refund_method=RefundMethod(refund_method) if refund_method else None,
            remedy=Remedy(remedy) if remedy else None, attachment_ids=list(attachment_ids))
        self.sync.mutate("return.create", args.model_dump(mode="json", exclude_none=True), {Entity.RETURN.value})
        return return_id

    def update(self, return_id: str, *, comment: str | None = None, refund_method: str | None = None,
               items: Sequence[LineDraft] | None = None) -> int | None:
        """Queue `return.update` for the fields given, compared against what this device shows.

        Returns the mutation id, or None when nothing changed.
        """
        row = self.get(return_id)
        if row is None:
            raise LookupError(return_id)
        changes: dict[str, dict[str, Any]] = {}
        if comment is not None and (comment.strip() or None) != row.get("comment"):
            changes["comment"] = {"from": row.get("comment"), "to": comment.strip() or None}
        if refund_method is not None and refund_method != row.get("refund_method"):
            changes["refund_method"] = {"from": row.get("refund_method"), "to": refund_method}
        if items is not None:
            wanted = [{"order_item_id": i.order_item_id, "quantity": i.quantity, "reason": i.reason,
                       "exchange_variant": i.exchange_variant} for i in items]
            current = [{k: line.get(k) for k in ("order_item_id", "quantity", "reason", "exchange_variant")}
                       for line in row.get("items") or []]
            if _sorted_lines(wanted) != _sorted_lines(current):
                changes["items"] = {"from": current, "to": wanted}
        if not changes:
            return None
        args = ReturnUpdate.model_validate({"return_id": return_id, "changes": changes})
        return self.sync.mutate("return.update", args.model_dump(mode="json", by_alias=True), {Entity.RETURN.value})

    def cancel(self, return_id: str) -> int:
        args = ReturnCancel(return_id=return_id)
        return self.sync.mutate("return.cancel", args.model_dump(), {Entity.RETURN.value})

    @staticmethod
    def can_edit(row: Row) -> bool:
        return row["status"] in EDITABLE and not row.get("_pending")

    # -- refusals ----------------------------------------------------------------------------
    def rejections(self, unseen_only: bool = True) -> list[RejectionRecord]:
        """Refused return mutations, newest first (their args say which return and order)."""
        with self.sync.engine.connect() as conn:
            return rejections_repo.for_mutations(conn, MUTATIONS, unseen_only)

    def dismiss(self, rejection_ids: list[int]) -> None:
        with self.sync.engine.begin() as conn:
            rejections_repo.mark_seen(conn, rejection_ids)


def _sorted_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(lines, key=lambda line: str(line["order_item_id"]))
