"""Returns on the client: the eligibility preview explains what the server will decide; every
kind is created offline-first and lands once; refusals and edit conflicts are kept and readable."""

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import func, select

from app.protocol.returns import MAX_ATTACHMENT_BYTES
from server.db import Database
from server.models import Return
from services.client import AccountSession, ClientCore
from services.errors import ApiError, AttachmentRefused, Offline
from services.returns import LineDraft, timeline
from tests.server.shopper import item_id, order_id
from tests.support.network import Network

NA_5_DAYS = order_id("NA-100231")  # shirt (3 exchange variants) + chinos, delivered 5 days ago
NA_40_DAYS = order_id("NA-100198")  # kettle + merino pullover, delivered 40 days ago
NA_CANCELLED = order_id("NA-100240")
NA_TWO_PARCELS = order_id("NA-100260")  # cushions x2 + keyring delivered; lamp in transit
SHIRT, CHINOS = item_id("NA-100231", 0), item_id("NA-100231", 1)
KETTLE, PULLOVER = item_id("NA-100198", 0), item_id("NA-100198", 1)


def sign_in(network: Network, tmp_path: Path, device: str = "phone") -> AccountSession:
    core = ClientCore("http://testserver", tmp_path / "client", device, http=network.client())
    account = core.sign_in("anna@example.com", "demo-anna")
    account.sync.sync_once()
    return account


def png(width: int = 32, height: int = 24) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 90)).save(out, format="PNG")
    return out.getvalue()


def berlin_today() -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Europe/Berlin")).date()


def test_preview_explains_each_window_like_the_server(network: Network, tmp_path: Path) -> None:
    account = sign_in(network, tmp_path)

    recent = account.returns.preview(NA_5_DAYS)
    assert recent is not None and recent.number == "NA-100231"
    shirt = next(i for i in recent.items if i.id == SHIRT)
    withdrawal = shirt.checks["withdrawal"]
    assert withdrawal.allowed and withdrawal.last_day is not None
    assert withdrawal.last_day == shirt.delivered_on + timedelta(days=14)  # type: ignore[operator]
    assert withdrawal.days_left == (withdrawal.last_day - berlin_today()).days
    assert shirt.allows("return") and shirt.allows("exchange") and shirt.allows("warranty_claim")
    assert shirt.exchange_variants == ("Hellblau, S", "Hellblau, L", "Weiß, M")
    assert shirt.reasons[:2] == ("too_small", "too_large")
    assert recent.summary("withdrawal").allowed

    old = account.returns.preview(NA_40_DAYS)
    assert old is not None
    assert not old.allows("withdrawal") and old.summary("withdrawal").code == "withdrawal_period_expired"
    assert old.summary("return").code == "return_period_expired"
    assert [i.id for i in old.items_for("warranty_claim")] == [KETTLE, PULLOVER]

    cancelled = account.returns.preview(NA_CANCELLED)
    assert cancelled is not None and cancelled.summary("warranty_claim").code == "order_not_returnable"

    split = account.returns.preview(NA_TWO_PARCELS)
    assert split is not None
    by_name = {i.name: i for i in split.items}
    assert by_name["Stehlampe Messing"].checks["return"].code == "not_delivered"
    keyring = next(i for i in split.items if not i.returnable)
    assert keyring.checks["withdrawal"].code == "item_not_returnable"
    assert keyring.allows("warranty_claim")
    # The withdrawal period starts with the last parcel: it has not started, so there is no deadline yet.
    cushions = by_name["Sofakissen Bouclé 50×50"]
    assert cushions.allows("withdrawal") and cushions.checks["withdrawal"].last_day is None


def test_withdrawal_offline_shows_pending_then_lands_once_with_a_qr(
        network: Network, tmp_path: Path, server: tuple[FastAPI, Database]) -> None:
    account = sign_in(network, tmp_path)
    network.online = False
    return_id = account.returns.create(NA_5_DAYS, "withdrawal", [LineDraft(SHIRT, 1), LineDraft(CHINOS, 1)])

    pending = account.returns.get(return_id)
    assert pending is not None and pending["_pending"] and pending["status"] == "requested"
    assert pending["_declared_at"]  # the moment the shopper pressed the button, on this device
    again = account.returns.preview(NA_5_DAYS)
    assert again is not None and again.summary("withdrawal").code == "duplicate_return"
    with pytest.raises(Offline):
        account.sync.sync_once()

    network.online = True
    account.sync.sync_once()
    account.sync.sync_once()
    synced = account.returns.get(return_id)
    assert synced is not None and not synced.get("_pending")
    assert (synced["kind"], synced["status"], synced["refund_method"]) == ("withdrawal", "qr_issued", "original_payment")
    assert synced["qr_token"].startswith("NTL1.")
    assert [s.status for s in timeline(synced)] == [
        "requested", "approved", "qr_issued", "dropped_off", "received", "refunded"]
    assert [s.state for s in timeline(synced)][:4] == ["done", "done", "current", "upcoming"]
    _, db = server
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Return).where(Return.id == return_id)) == 1


def test_return_with_exchange_and_refund_method(network: Network, tmp_path: Path) -> None:
    account = sign_in(network, tmp_path)
    exchange_id = account.returns.create(NA_5_DAYS, "exchange", [
        LineDraft(SHIRT, 1, reason="too_small", exchange_variant="Hellblau, L")], comment="Eine Nummer größer, bitte")
    return_id = account.returns.create(NA_5_DAYS, "return", [LineDraft(CHINOS, 1, reason="quality")],
                                       refund_method="store_credit")
    account.sync.sync_once()

    exchange = account.returns.get(exchange_id)
    assert exchange is not None and exchange["status"] == "qr_issued"
    assert exchange["items"][0]["exchange_variant"] == "Hellblau, L"
    assert exchange["comment"] == "Eine Nummer größer, bitte"
    refund = account.returns.get(return_id)
    assert refund is not None and refund["refund_method"] == "store_credit"
    assert account.returns.rejections() == []


def test_warranty_claim_with_a_photo(network: Network, tmp_path: Path) -> None:
    account = sign_in(network, tmp_path)
    photo = account.attachments.upload("defect.png", png())
    assert photo.content_type == "image/png" and (photo.width, photo.height) == (32, 24)

    claim_id = account.returns.create(NA_40_DAYS, "warranty_claim", [LineDraft(KETTLE, 1)],
                                      comment="Schaltet sich nach einer Minute ab.", remedy="repair",
                                      attachment_ids=[photo.id])
    account.sync.sync_once()
    claim = account.returns.get(claim_id)
    assert claim is not None
    assert (claim["kind"], claim["status"], claim["remedy"]) == ("warranty_claim", "requested", "repair")
    assert claim["attachment_ids"] == [photo.id]
    assert claim["qr_token"] is None  # a person looks at a claim before anything is sent back


def test_attachments_refuse_wrong_type_and_size_before_uploading(network: Network, tmp_path: Path) -> None:
    account = sign_in(network, tmp_path)
    before = network.requests
    with pytest.raises(AttachmentRefused) as wrong:
        account.attachments.upload("invoice.pdf", b"%PDF-1.7 not an image")
    assert wrong.value.code == "unsupported_media_type"
    with pytest.raises(AttachmentRefused) as big:
        account.attachments.upload("huge.png", b"\x89PNG\r\n\x1a\n" + bytes(MAX_ATTACHMENT_BYTES))
    assert big.value.code == "payload_too_large"
    assert network.requests == before  # refused on the device, no upload tried
    # A file that only looks like a PNG is refused by the server, with the same kind of answer.
    with pytest.raises(AttachmentRefused) as broken:
        account.attachments.upload("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    assert broken.value.code == "unsupported_media_type"
    network.online = False
    with pytest.raises(Offline):
        account.attachments.upload("defect.png", png())


def test_a_refused_return_is_recorded_and_readable(network: Network, tmp_path: Path) -> None:
    account = sign_in(network, tmp_path)
    # The preview would not offer it; a device with a stale cache might still send it.
    return_id = account.returns.create(NA_40_DAYS, "withdrawal", [LineDraft(KETTLE, 1)])
    account.sync.sync_once()

    assert account.returns.get(return_id) is None  # refused: it never existed
    (refusal,) = account.returns.rejections()
    assert (refusal.name, refusal.code) == ("return.create", "withdrawal_period_expired")
    assert refusal.args["return_id"] == return_id and refusal.args["order_id"] == NA_40_DAYS
    assert refusal.message  # the server's own words, as a fallback for unknown codes
    account.returns.dismiss([refusal.id])
    assert account.returns.rejections() == []
    assert len(account.returns.rejections(unseen_only=False)) == 1


def test_second_return_for_the_same_item_from_another_device_is_a_duplicate(network: Network, tmp_path: Path) -> None:
    phone, laptop = sign_in(network, tmp_path, "phone"), sign_in(network, tmp_path, "laptop")
    network.online = False
    phone.returns.create(NA_5_DAYS, "return", [LineDraft(SHIRT, 1, reason="too_large")])
    laptop.returns.create(NA_5_DAYS, "withdrawal", [LineDraft(SHIRT, 1)])
    network.online = True
    phone.sync.sync_once()
    laptop.sync.sync_once()

    (refusal,) = laptop.returns.rejections()
    assert refusal.code == "duplicate_return"
    assert [r["kind"] for r in laptop.returns.list_returns()] == ["return"]  # the phone's, synced


def test_edits_on_two_devices_conflict_visibly_and_comments_keep_history(network: Network, tmp_path: Path) -> None:
    phone, laptop = sign_in(network, tmp_path, "phone"), sign_in(network, tmp_path, "laptop")
    return_id = phone.returns.create(NA_5_DAYS, "return", [LineDraft(SHIRT, 1, reason="too_large")],
                                     comment="Zu weit")
    phone.sync.sync_once()
    laptop.sync.sync_once()

    # Both devices show "original payment"; the laptop changes it first.
    laptop.returns.update(return_id, refund_method="store_credit", comment="Zu weit an den Schultern")
    network.online = False
    phone.returns.update(return_id, refund_method="store_credit", comment="Ärmel zu lang")
    shown = phone.returns.get(return_id)
    assert shown is not None and shown["_pending"] and shown["comment"] == "Ärmel zu lang"
    network.online = True
    laptop.sync.sync_once()
    phone.sync.sync_once()

    (conflict,) = phone.returns.rejections()
    assert (conflict.name, conflict.code) == ("return.update", "conflict")
    assert conflict.args["changes"]["refund_method"] == {"from": "original_payment", "to": "store_credit"}
    final = phone.returns.get(return_id)
    assert final is not None and not final.get("_pending")
    # The refused edit changed nothing (one conflict refuses the whole edit); the laptop's stands.
    assert (final["refund_method"], final["comment"]) == ("store_credit", "Zu weit an den Schultern")
    edits = [e for e in final["events"] if e["kind"] == "comment"]
    assert [e["note"] for e in edits] == ["Zu weit"]  # the text it replaced is kept

    # A comment alone is free text: the last arrival wins, no conflict.
    phone.returns.update(return_id, comment="Ärmel zu lang")
    phone.sync.sync_once()
    latest = phone.returns.get(return_id)
    assert latest is not None and latest["comment"] == "Ärmel zu lang"
    assert len(phone.returns.rejections()) == 1


def test_cancel_shows_pending_then_cancelled(network: Network, tmp_path: Path) -> None:
    account = sign_in(network, tmp_path)
    return_id = account.returns.create(NA_5_DAYS, "return", [LineDraft(CHINOS, 1, reason="changed_mind")])
    account.sync.sync_once()
    row = account.returns.get(return_id)
    assert row is not None and account.returns.can_edit(row)

    network.online = False
    account.returns.cancel(return_id)
    row = account.returns.get(return_id)
    assert row is not None and row["status"] == "cancel_pending"
    assert timeline(row)[-1].status == "cancel_pending"
    network.online = True
    account.sync.sync_once()
    row = account.returns.get(return_id)
    assert row is not None and row["status"] == "cancelled" and row["qr_token"] is None
    assert not account.returns.can_edit(row)
    # The item is free again for another return.
    assert account.returns.preview(NA_5_DAYS).items[1].allows("return")  # type: ignore[union-attr]


def test_update_without_changes_queues_nothing(network: Network, tmp_path: Path) -> None:
    account = sign_in(network, tmp_path)
    return_id = account.returns.create(NA_5_DAYS, "return", [LineDraft(CHINOS, 1, reason="quality")])
    account.sync.sync_once()
    assert account.returns.update(return_id, refund_method="original_payment", comment="") is None
    assert account.sync.status.pending == 0


def test_timeline_of_a_refunded_return() -> None:
    row = {"id": "r", "status": "refunded", "created_at": "2026-03-01T10:00:00Z", "refunded_at": "2026-03-09T08:00:00Z",
           "events": [{"at": "2026-03-01T10:00:00Z", "status": s, "kind": "status"}
                      for s in ("requested", "approved", "qr_issued")]
           + [{"at": "2026-03-03T10:00:00Z", "status": "dropped_off", "kind": "status"},
              {"at": "2026-03-05T10:00:00Z", "status": "received", "kind": "status"},
              {"at": "2026-03-09T08:00:00Z", "status": "refunded", "kind": "status"}]}
    steps = timeline(row)
    assert [s.state for s in steps] == ["done"] * 6
    assert steps[-1].at == datetime(2026, 3, 9, 8, tzinfo=UTC)


def test_photos_are_fetched_once_kept_for_offline_and_deleted_at_sign_out(network: Network, tmp_path: Path) -> None:
    phone = sign_in(network, tmp_path, "phone")
    sent = png(40, 30)
    photo = phone.attachments.upload("defect.png", sent)
    assert phone.attachments.photo(photo.id) == sent  # sent from here: shown without a download

    laptop = sign_in(network, tmp_path, "laptop")
    before = network.requests
    assert laptop.attachments.photo(photo.id) == sent  # from the server, with the account's token
    assert network.requests == before + 1
    network.online = False
    assert laptop.attachments.photo(photo.id) == sent  # kept: offline it still shows
    network.online = True

    ben = ClientCore("http://testserver", tmp_path / "ben", "ben-phone", http=network.client()).sign_in(
        "ben@example.com", "demo-ben")
    with pytest.raises(ApiError) as foreign:
        ben.attachments.photo(photo.id)  # someone else's photo: not found, nothing kept
    assert foreign.value.code == "not_found"
    assert not any(ben.photo_dir.glob("*"))

    laptop.sign_out()
    assert not laptop.photo_dir.exists()
