"""Click & collect on the client: the shopper's pickups and the staff tablet's queue and handover.

Shopper: pickups from the cache with queued writes laid on top, "I'm here" (`pickup.check_in`),
a delegate (`pickup.set_delegate`) and the pickup's signed QR code, fetched while online and
kept in the cache (`pickup_code`) so it still shows in a store without signal.

Staff: the store's queue from the `store:<id>` scope, grouped as the counter works through it;
`pickup.mark_ready`; a scanned or typed code checked *offline* against the cached queue (and the
signature against the server's public key, fetched once and kept); and `pickup.handover`, checked
locally with the server's rules and queued. The server stays the judge: of two tablets that
handed over the same pickup offline, the later one gets `already_handed_over`, and the synced
pickup row then says by whom and when (the rejection and the row arrive in the same pull).
"""

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete, insert, select

from app.protocol.codes import CODE_PREFIX, CodeKind, CodePayload
from app.protocol.entities import PickupStatus
from app.protocol.errors import RejectionCode
from app.protocol.mutations import (
    HandoverSignature,
    PickupCheckIn,
    PickupHandover,
    PickupMarkReady,
    PickupResolveException,
    PickupSetDelegate,
)
from app.protocol.pickups import normalize_short_code, same_person
from app.protocol.sync import Entity
from services.api_client import ApiClient
from services.codes import read_payload
from services.ids import new_id
from services.overlay import Row, apply_overlay, patch
from services.returns_eligibility import parse_instant
from services.storage import outbox as outbox_repo
from services.storage import rejections as rejections_repo
from services.storage.outbox import Pending
from services.storage.rejections import RejectionRecord
from services.storage.tables import SYNCED, local_flag, pickup_code
from services.sync import SyncEngine

MUTATIONS = {"pickup.check_in", "pickup.set_delegate", "pickup.mark_ready", "pickup.handover",
             "pickup.resolve_exception"}
OPEN = frozenset({PickupStatus.READY.value, PickupStatus.CHECKED_IN.value})
_PUBLIC_KEY_FLAG = "codes.public_key"
STORE_TZ = ZoneInfo("Europe/Berlin")


# -- the overlay: what a queued write changes on screen --------------------------------------
def _checked_in(by_id: dict[str, Row], m: Pending) -> None:
    row = by_id.get(m.args["pickup_id"])
    if row is not None and row["status"] == PickupStatus.READY:
        patch(by_id, row["id"], status=PickupStatus.CHECKED_IN.value, checked_in_at=m.created_at)


def _delegate(by_id: dict[str, Row], m: Pending) -> None:
    patch(by_id, m.args["pickup_id"], delegate_name=m.args.get("delegate_name"))


def _ready(by_id: dict[str, Row], m: Pending) -> None:
    row = by_id.get(m.args["pickup_id"])
    if row is not None and row["status"] == PickupStatus.PREPARING:
        patch(by_id, row["id"], status=PickupStatus.READY.value, ready_at=m.created_at)


def _handed_over(by_id: dict[str, Row], m: Pending) -> None:
    row = by_id.get(m.args["pickup_id"])
    if row is not None and row["status"] in OPEN:
        patch(by_id, row["id"], status=PickupStatus.HANDED_OVER.value, handed_over_at=m.created_at,
              handed_over_to=m.args["recipient_name"], _handover_id=m.args["handover_id"])


def _resolved(by_id: dict[str, Row], m: Pending) -> None:
    # Kept on the follow-up list, marked, until the server has the resolution (then it is gone).
    for row in by_id.values():
        exceptions = row.get("exceptions") or []
        if any(e["id"] == m.args["handover_id"] for e in exceptions):
            row["exceptions"] = [{**e, "_resolution": m.args["resolution"]} if e["id"] == m.args["handover_id"]
                                 else e for e in exceptions]


RULES = {"pickup.check_in": _checked_in, "pickup.set_delegate": _delegate, "pickup.mark_ready": _ready,
         "pickup.handover": _handed_over, "pickup.resolve_exception": _resolved}
RESOLUTIONS = ("goods_returned", "paid_at_till", "written_off")


# -- what the screens get ----------------------------------------------------------------------
@dataclass(frozen=True)
class PickupCode:
    pickup_id: str
    token: str
    short_code: str
    issued_at: datetime
    expires_at: datetime

    def valid(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True)
class QueueEntry:
    pickup: Row
    waiting: timedelta | None  # checked in: how long the shopper has been waiting


@dataclass(frozen=True)
class StaffQueue:
    """The store's pickups as the counter works through them."""

    checked_in: tuple[QueueEntry, ...]  # longest waiting first
    ready: tuple[QueueEntry, ...]
    to_prepare: tuple[QueueEntry, ...]
    handed_over_today: tuple[QueueEntry, ...]  # newest first
    follow_up: tuple[QueueEntry, ...]  # handover exceptions

    @property
    def empty(self) -> bool:
        return not (self.checked_in or self.ready or self.to_prepare or self.handed_over_today or self.follow_up)


# Why a scanned or typed code does not open a handover (views translate them).
SCAN_OK = "ok"
SCAN_UNKNOWN = "unknown_code"  # not one of this store's pickups (or a typo)
SCAN_FORGED = "forged"
SCAN_EXPIRED = "expired"
SCAN_WRONG_KIND = "wrong_kind"  # a genuine code of another kind (loyalty card, return)
SCAN_OTHER_STORE = "other_store"
SCAN_ALREADY = "already_handed_over"
SCAN_NOT_READY = "not_ready"
SCAN_CANCELLED = "cancelled"


@dataclass(frozen=True)
class Scan:
    outcome: str
    code: str  # what to send with the handover
    pickup: Row | None = None
    signature_checked: bool = False  # False: no public key on this device yet; the server checks at sync

    @property
    def ok(self) -> bool:
        return self.outcome == SCAN_OK


@dataclass(frozen=True)
class HandoverRefusal:
    """A handover the server refused, with who handed the pickup over instead (from the synced row)."""

    rejection_id: int
    pickup_id: str
    order_number: str | None
    code: str
    by: str | None
    at: datetime | None
    message: str


class HandoverRefused(Exception):
    """A handover this device already knows the server would refuse (code: a RejectionCode)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def may_collect(pickup: Row, recipient_name: str, delegate: bool) -> bool:
    """The server's rule: the shopper, or the delegate the shopper named."""
    expected = pickup.get("delegate_name") if delegate else pickup.get("customer_name")
    return same_person(recipient_name, expected)


def group_queue(rows: Sequence[Row], now: datetime, tz: tzinfo = STORE_TZ) -> StaffQueue:
    today = now.astimezone(tz).date()

    def at(row: Row, field: str) -> datetime:
        return parse_instant(row.get(field)) or now

    checked, ready, prepare, done, follow = [], [], [], [], []
    for row in rows:
        status = row["status"]
        if row.get("exceptions"):
            follow.append(QueueEntry(row, None))
        if status == PickupStatus.CHECKED_IN:
            checked.append(QueueEntry(row, max(timedelta(0), now - at(row, "checked_in_at"))))
        elif status == PickupStatus.READY:
            ready.append(QueueEntry(row, None))
        elif status == PickupStatus.PREPARING:
            prepare.append(QueueEntry(row, None))
        elif status == PickupStatus.HANDED_OVER and at(row, "handed_over_at").astimezone(tz).date() == today:
            done.append(QueueEntry(row, None))
    checked.sort(key=lambda e: e.waiting or timedelta(0), reverse=True)
    ready.sort(key=lambda e: (e.pickup.get("ready_at") or "", e.pickup["order_number"]))
    prepare.sort(key=lambda e: e.pickup["order_number"])
    done.sort(key=lambda e: e.pickup.get("handed_over_at") or "", reverse=True)
    return StaffQueue(tuple(checked), tuple(ready), tuple(prepare), tuple(done), tuple(follow))


def _b64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signature_valid(token: str, public_key: bytes) -> bool:
    """The Ed25519 signature of a code (app.protocol.codes format) against the server's public key."""
    signed, _, signature = token.strip().rpartition(".")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(_b64(signature), signed.encode("ascii"))
    except (InvalidSignature, ValueError, binascii.Error, UnicodeEncodeError):
        return False
    return True


class PickupService:
    def __init__(self, sync: SyncEngine, api: ApiClient, clock: Callable[[], datetime] | None = None) -> None:
        self.sync = sync
        self.api = api
        self._clock = clock or (lambda: datetime.now(UTC))

    # -- reads (blocking: run them off the UI loop) ---------------------------------------
    def pickups(self) -> list[Row]:
        """Every pickup this device syncs (the shopper's own, or the store's), queued writes on top."""
        table = SYNCED[Entity.PICKUP]
        with self.sync.engine.connect() as conn:
            rows = [r.data for r in conn.execute(select(table.c.data))]
            pending = outbox_repo.pending(conn, MUTATIONS)
        return sorted(apply_overlay(rows, pending, RULES), key=lambda r: r["order_number"], reverse=True)

    def get(self, pickup_id: str) -> Row | None:
        return next((p for p in self.pickups() if p["id"] == pickup_id), None)

    def for_order(self, order_id: str) -> Row | None:
        return next((p for p in self.pickups() if p["order_id"] == order_id), None)

    def store(self, store_id: str) -> Row | None:
        table = SYNCED[Entity.STORE]
        with self.sync.engine.connect() as conn:
            row = conn.execute(select(table.c.data).where(table.c.id == store_id)).first()
        return row.data if row is not None else None

    def queue(self, now: datetime | None = None, tz: tzinfo = STORE_TZ) -> StaffQueue:
        return group_queue(self.pickups(), now or self._clock(), tz)

    def rejections(self, unseen_only: bool = True) -> list[RejectionRecord]:
        with self.sync.engine.connect() as conn:
            return rejections_repo.for_mutations(conn, MUTATIONS, unseen_only)

    def refusals(self) -> list[HandoverRefusal]:
        """Refused handovers not yet dismissed, newest first, with the winner's name and time."""
        rows = {p["id"]: p for p in self.pickups()}
        out = []
        for r in self.rejections():
            if r.name != "pickup.handover":
                continue
            row = rows.get(str(r.args.get("pickup_id")), {})
            already = r.code == RejectionCode.ALREADY_HANDED_OVER
            out.append(HandoverRefusal(
                rejection_id=r.id, pickup_id=str(r.args.get("pickup_id")), order_number=row.get("order_number"),
                code=r.code, by=row.get("handed_over_by") if already else None,
                at=parse_instant(row.get("handed_over_at")) if already else None, message=r.message))
        return out

    def dismiss(self, rejection_ids: list[int]) -> None:
        with self.sync.engine.begin() as conn:
            rejections_repo.mark_seen(conn, rejection_ids)

    # -- shopper -------------------------------------------------------------------------------
    def check_in(self, pickup_id: str) -> int:
        """Queue "I'm here"; the store's queue shows it as soon as it syncs."""
        args = PickupCheckIn(pickup_id=pickup_id)
        return self.sync.mutate("pickup.check_in", args.model_dump(), {Entity.PICKUP.value})

    def set_delegate(self, pickup_id: str, name: str | None) -> int | None:
        """Queue the delegate (None or blank: nobody but the shopper). None when nothing changes."""
        clean = " ".join((name or "").split()) or None
        current = self.get(pickup_id)
        if current is not None and current.get("delegate_name") == clean:
            return None
        args = PickupSetDelegate(pickup_id=pickup_id, delegate_name=clean)
        return self.sync.mutate("pickup.set_delegate", args.model_dump(), {Entity.PICKUP.value})

    def code(self, pickup_id: str) -> PickupCode | None:
        """The last signed code this device received for the pickup (maybe expired: check `valid`)."""
        with self.sync.engine.connect() as conn:
            row = conn.execute(select(pickup_code).where(pickup_code.c.pickup_id == pickup_id)).mappings().first()
        if row is None:
            return None
        return PickupCode(pickup_id=row["pickup_id"], token=row["token"], short_code=row["short_code"],
                          issued_at=_instant(row["issued_at"]), expires_at=_instant(row["expires_at"]))

    def refresh_code(self, pickup_id: str, force: bool = False) -> PickupCode | None:
        """Fetch a signed code unless a valid one is held (or `force`). Raises `Offline`, `ApiError`."""
        held = self.code(pickup_id)
        if held is not None and not force and held.valid(self._clock() + timedelta(hours=1)):
            return held
        fresh = self.api.pickup_code(pickup_id)
        with self.sync.engine.begin() as conn:
            conn.execute(delete(pickup_code).where(pickup_code.c.pickup_id == pickup_id))
            conn.execute(insert(pickup_code).values(pickup_id=fresh.pickup_id, token=fresh.token,
                                                    short_code=fresh.short_code, issued_at=fresh.issued_at,
                                                    expires_at=fresh.expires_at))
        return self.code(pickup_id)

    # -- staff ---------------------------------------------------------------------------------
    def mark_ready(self, pickup_id: str) -> int:
        args = PickupMarkReady(pickup_id=pickup_id)
        return self.sync.mutate("pickup.mark_ready", args.model_dump(), {Entity.PICKUP.value})

    def resolve_exception(self, handover_id: str, resolution: str, note: str | None = None) -> int:
        """Queue the follow-up of a handover exception (one of RESOLUTIONS)."""
        args = PickupResolveException(handover_id=handover_id, resolution=resolution,  # type: ignore[arg-type]
                                      note=(note or "").strip() or None)
        return self.sync.mutate("pickup.resolve_exception", args.model_dump(), {Entity.PICKUP.value})

    def public_key(self) -> bytes | None:
        with self.sync.engine.connect() as conn:
            value = conn.scalar(select(local_flag.c.value).where(local_flag.c.key == _PUBLIC_KEY_FLAG))
        return _b64(value) if value else None

    def ensure_public_key(self) -> bytes:
        """Fetch the server's code key once (raises `Offline`); kept for checking codes offline."""
        held = self.public_key()
        if held is not None:
            return held
        key = self.api.codes_public_key().public_key
        with self.sync.engine.begin() as conn:
            conn.execute(delete(local_flag).where(local_flag.c.key == _PUBLIC_KEY_FLAG))
            conn.execute(insert(local_flag).values(key=_PUBLIC_KEY_FLAG, value=key))
        return _b64(key)

    def verify_scan(self, text: str, store_id: str | None, now: datetime | None = None) -> Scan:
        """Check a scanned code or a typed short code against this store's cached queue, offline."""
        text = text.strip()
        now = now or self._clock()
        rows = self.pickups()
        checked = False
        if text.upper().startswith(CODE_PREFIX + "."):
            payload = read_payload(text)
            if payload is None:
                return Scan(SCAN_FORGED, text)
            key = self.public_key()
            if key is not None:
                if not signature_valid(text, key):
                    return Scan(SCAN_FORGED, text)
                checked = True
            failure = _payload_failure(payload, store_id, now)
            if failure is not None:
                return Scan(failure, text, signature_checked=checked)
            row = next((r for r in rows if r["id"] == payload.s), None)
        else:
            short = normalize_short_code(text)
            row = next((r for r in rows if r.get("code") == short), None) if len(short) >= 4 else None
        if row is None:
            return Scan(SCAN_UNKNOWN, text, signature_checked=checked)
        status = row["status"]
        outcome = (SCAN_OK if status in OPEN else SCAN_ALREADY if status == PickupStatus.HANDED_OVER
                   else SCAN_CANCELLED if status == PickupStatus.CANCELLED else SCAN_NOT_READY)
        return Scan(outcome, text, row, signature_checked=checked)

    def handover(self, pickup_id: str, code: str, recipient_name: str, *, delegate: bool = False,
                 age_check_done: bool = False, signature: list[list[tuple[int, int]]] | None = None) -> str:
        """Queue the handover (checked here with the server's rules first). Returns the handover id.

        Raises:
            HandoverRefused: age_check_required | recipient_not_allowed | already_handed_over | not_found.
        """
        row = self.get(pickup_id)
        if row is None:
            raise HandoverRefused(RejectionCode.NOT_FOUND)
        if row["status"] == PickupStatus.HANDED_OVER:
            raise HandoverRefused(RejectionCode.ALREADY_HANDED_OVER)
        if row.get("age_check_required") and not age_check_done:
            raise HandoverRefused(RejectionCode.AGE_CHECK_REQUIRED)
        if not may_collect(row, recipient_name, delegate):
            raise HandoverRefused(RejectionCode.RECIPIENT_NOT_ALLOWED)
        handover_id = new_id()
        args = PickupHandover(
            handover_id=handover_id, pickup_id=pickup_id, code=code, recipient_name=recipient_name,
            delegate=delegate, items_complete=True, age_check_done=age_check_done,
            signature=HandoverSignature(strokes=signature) if signature else None)  # type: ignore[arg-type]
        self.sync.mutate("pickup.handover", args.model_dump(mode="json", exclude_none=True), {Entity.PICKUP.value})
        return handover_id


def _payload_failure(payload: CodePayload, store_id: str | None, now: datetime) -> str | None:
    if payload.k != CodeKind.PICKUP:
        return SCAN_WRONG_KIND
    if payload.x <= int(now.timestamp()):
        return SCAN_EXPIRED
    if payload.t is not None and store_id is not None and payload.t != store_id:
        return SCAN_OTHER_STORE
    return None


def _instant(value: str) -> datetime:
    parsed = parse_instant(value)
    if parsed is None:
        raise ValueError("missing instant")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

