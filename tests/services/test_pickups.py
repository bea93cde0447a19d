"""Click & collect on the client, against the real server: two staff tablets hand over the same
pickup offline (one handover, the other learns by whom and when), the shopper's "I'm here" and
delegate, the signed pickup code offline, and scans checked against the cached queue."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import func, select

from app.protocol.codes import CodeKind
from server.db import Database
from server.models import PickupHandover
from server.seed.ids import demo_id
from services.client import AccountSession, ClientCore
from services.errors import Offline
from services.pickups import (
    SCAN_ALREADY,
    SCAN_EXPIRED,
    SCAN_FORGED,
    SCAN_NOT_READY,
    SCAN_OK,
    SCAN_OTHER_STORE,
    SCAN_UNKNOWN,
    SCAN_WRONG_KIND,
    HandoverRefused,
)
from tests.support.network import Network

ANNA_PICKUP = demo_id("pickup", "NA-100252")
BEN_PICKUP = demo_id("pickup", "NA-100268")
ANNA_ORDER = demo_id("order", "NA-100252")


def sign_in(network: Network, tmp_path: Path, email: str, device: str) -> AccountSession:
    password = {"anna@example.com": "demo-anna", "ben@example.com": "demo-ben"}.get(email, "demo-staff")
    core = ClientCore("http://testserver", tmp_path / "client", device, http=network.client())
    account = core.sign_in(email, password)
    account.sync.sync_once()
    return account


def test_two_tablets_offline_hand_over_the_same_pickup_once(
        network: Network, tmp_path: Path, server: tuple[FastAPI, Database]) -> None:
    counter = sign_in(network, tmp_path, "staff.ber@example.com", "counter")
    back = sign_in(network, tmp_path, "staff.ber@example.com", "back-office")
    anna = sign_in(network, tmp_path, "anna@example.com", "phone")
    network.online = False

    for tablet in (counter, back):
        scan = tablet.pickups.verify_scan("k7m-4q2", "BER-01")
        assert scan.outcome == SCAN_OK and scan.pickup is not None and scan.pickup["id"] == ANNA_PICKUP
        tablet.pickups.handover(ANNA_PICKUP, scan.code, "Anna Schmidt", age_check_done=True,
                                signature=[[(10, 10), (200, 120)]])
        # Queued, and shown at once: the pickup moves to "handed over today" on this tablet.
        queue = tablet.pickups.queue()
        assert [e.pickup["id"] for e in queue.handed_over_today] == [ANNA_PICKUP]
        assert queue.handed_over_today[0].pickup["_pending"] is True
        assert tablet.sync.status.pending == 1

    network.online = True
    counter.sync.sync_once()
    back.sync.sync_once()
    anna.sync.sync_once()

    _, db = server
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(PickupHandover)) == 1
    (refusal,) = back.pickups.refusals()
    assert refusal.code == "already_handed_over" and refusal.order_number == "NA-100252"
    assert refusal.by == "Jonas Weber" and refusal.at is not None
    assert counter.pickups.refusals() == []
    for tablet in (counter, back):
        row = tablet.pickups.get(ANNA_PICKUP)
        assert row is not None and row["status"] == "handed_over" and "_pending" not in row
        assert tablet.sync.status.pending == 0
    shopper_row = anna.pickups.get(ANNA_PICKUP)
    assert shopper_row is not None and shopper_row["status"] == "handed_over"
    assert anna.orders.detail(ANNA_ORDER).status == "collected"  # type: ignore[union-attr]
    back.pickups.dismiss([refusal.rejection_id])
    assert back.pickups.refusals() == []


def test_the_shoppers_check_in_and_delegate_reach_the_store_queue(network: Network, tmp_path: Path) -> None:
    anna = sign_in(network, tmp_path, "anna@example.com", "phone")
    tablet = sign_in(network, tmp_path, "staff.ber@example.com", "tablet")
    assert [e.pickup["id"] for e in tablet.pickups.queue().ready] == [ANNA_PICKUP]
    network.online = False

    anna.pickups.check_in(ANNA_PICKUP)
    anna.pickups.set_delegate(ANNA_PICKUP, "  Max   Mustermann ")
    assert anna.pickups.set_delegate(ANNA_PICKUP, "Max Mustermann") is None  # no change, nothing queued
    row = anna.pickups.get(ANNA_PICKUP)
    assert row is not None and (row["status"], row["delegate_name"], row["_pending"]) == (
        "checked_in", "Max Mustermann", True)

    network.online = True
    anna.sync.sync_once()
    tablet.sync.sync_once()
    later = datetime.now(UTC) + timedelta(minutes=7)
    queue = tablet.pickups.queue(later)
    (waiting,) = queue.checked_in
    assert waiting.pickup["delegate_name"] == "Max Mustermann"
    assert waiting.waiting is not None and timedelta(minutes=6) < waiting.waiting < timedelta(minutes=8)
    assert queue.ready == ()
    # The named delegate may collect, anyone else may not (checked on the tablet before queueing).
    try:
        tablet.pickups.handover(ANNA_PICKUP, "K7M4Q2", "Erika Mustermann", delegate=True, age_check_done=True)
    except HandoverRefused as exc:
        assert exc.code == "recipient_not_allowed"
    else:
        raise AssertionError("a stranger was allowed to collect")
    try:
        tablet.pickups.handover(ANNA_PICKUP, "K7M4Q2", "Max Mustermann", delegate=True)
    except HandoverRefused as exc:
        assert exc.code == "age_check_required"
    else:
        raise AssertionError("age-restricted items went without an ID check")
    tablet.pickups.handover(ANNA_PICKUP, "K7M4Q2", "max mustermann", delegate=True, age_check_done=True)
    tablet.sync.sync_once()
    anna.sync.sync_once()
    assert anna.pickups.get(ANNA_PICKUP)["handed_over_to"] == "max mustermann"  # type: ignore[index]


def test_the_signed_code_is_kept_for_offline_and_checked_on_the_tablet(
        network: Network, tmp_path: Path, server: tuple[FastAPI, Database]) -> None:
    anna = sign_in(network, tmp_path, "anna@example.com", "phone")
    tablet = sign_in(network, tmp_path, "staff.ber@example.com", "tablet")
    hamburg = sign_in(network, tmp_path, "staff.ham@example.com", "hamburg")
    assert anna.pickups.code(ANNA_PICKUP) is None
    code = anna.pickups.refresh_code(ANNA_PICKUP)
    assert code is not None and code.short_code == "K7M4Q2" and code.valid(datetime.now(UTC))
    tablet.pickups.ensure_public_key()
    hamburg.pickups.ensure_public_key()

    network.online = False
    assert anna.pickups.refresh_code(ANNA_PICKUP) == code  # still valid: no network needed
    try:
        anna.pickups.refresh_code(ANNA_PICKUP, force=True)
    except Offline:
        pass
    else:
        raise AssertionError("a fresh code without a network")
    assert anna.pickups.code(ANNA_PICKUP) == code

    scan = tablet.pickups.verify_scan(code.token, "BER-01")
    assert (scan.outcome, scan.signature_checked) == (SCAN_OK, True)
    assert scan.pickup is not None and scan.pickup["customer_name"] == "Anna Schmidt"
    assert hamburg.pickups.verify_scan(code.token, "HAM-01").outcome == SCAN_OTHER_STORE
    forged = code.token[:-8] + ("A" * 8 if not code.token.endswith("A" * 8) else "B" * 8)
    assert tablet.pickups.verify_scan(forged, "BER-01").outcome == SCAN_FORGED
    app, _ = server
    later = datetime.now(UTC) + timedelta(days=1)
    loyalty = app.state.codes.issue(CodeKind.LOYALTY, "some-account", later)
    assert tablet.pickups.verify_scan(loyalty, "BER-01").outcome == SCAN_WRONG_KIND
    expired = app.state.codes.issue(CodeKind.PICKUP, ANNA_PICKUP, datetime.now(UTC) - timedelta(minutes=1), "BER-01")
    assert tablet.pickups.verify_scan(expired, "BER-01").outcome == SCAN_EXPIRED
    assert tablet.pickups.verify_scan("ZZZZZZ", "BER-01").outcome == SCAN_UNKNOWN
    assert hamburg.pickups.verify_scan("b3x9t5", "HAM-01").outcome == SCAN_NOT_READY

    tablet.pickups.handover(ANNA_PICKUP, scan.code, "Anna Schmidt", age_check_done=True)
    assert tablet.pickups.verify_scan("K7M4Q2", "BER-01").outcome == SCAN_ALREADY  # this tablet already did
    network.online = True
    tablet.sync.sync_once()
    assert tablet.pickups.refusals() == []
    assert tablet.pickups.get(ANNA_PICKUP)["status"] == "handed_over"  # type: ignore[index]


def test_mark_ready_reaches_the_shopper_as_a_notification(network: Network, tmp_path: Path) -> None:
    ben = sign_in(network, tmp_path, "ben@example.com", "phone")
    tablet = sign_in(network, tmp_path, "staff.ham@example.com", "tablet")
    before = {n["id"] for n in ben.notifications.list()}
    (entry,) = tablet.pickups.queue().to_prepare
    assert entry.pickup["id"] == BEN_PICKUP

    tablet.pickups.mark_ready(BEN_PICKUP)
    assert [e.pickup["id"] for e in tablet.pickups.queue().ready] == [BEN_PICKUP]  # at once, offline or not
    tablet.sync.sync_once()
    ben.sync.sync_once()

    new = [n for n in ben.notifications.list() if n["id"] not in before]
    assert len(new) == 1 and new[0]["kind"] == "pickup_ready" and new[0]["route"] == f"/pickups/{BEN_PICKUP}"
    assert ben.notifications.list()[0]["id"] == new[0]["id"]  # newest first
    assert ben.pickups.get(BEN_PICKUP)["status"] == "ready"  # type: ignore[index]
