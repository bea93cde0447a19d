"""Write while the network is down, see the overlay, reconnect, sync: outbox empty, server has it once."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.protocol.sync import Poke, PullResponse
from server.db import Database
from server.models import Message, Order, SyncMutation
from services.client import ClientCore
from services.errors import InvalidCredentials, Offline
from services.sync import cursors_after, poke_seen
from tests.support.network import Network


def signed_in(network: Network, tmp_path: Path, device: str = "phone", email: str = "anna@example.com",
              password: str = "demo-anna"):  # type: ignore[no-untyped-def]
    core = ClientCore("http://testserver", tmp_path / "client", device, http=network.client())
    account = core.sign_in(email, password)
    account.sync.sync_once()
    return core, account


def test_first_sync_fills_the_cache_and_orders_render_newest_first(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    orders = account.orders.list_orders()
    assert len(orders) == 7
    assert [o.placed_at for o in orders] == sorted((o.placed_at for o in orders), reverse=True)
    assert account.sync.status.connectivity == "online"
    assert account.sync.status.pending == 0
    assert account.sync.status.last_synced_at is not None


def test_cache_renders_offline_after_one_sync(network: Network, tmp_path: Path) -> None:
    core, account = signed_in(network, tmp_path)
    account.engine.dispose()
    network.online = False
    restored = core.restore()
    assert restored is not None
    assert len(restored.orders.list_orders()) == 7
    with pytest.raises(Offline):
        restored.sync.sync_once()
    assert restored.sync.status.connectivity == "offline"


def test_offline_write_overlays_then_lands_exactly_once(network: Network, tmp_path: Path,
                                                       server: tuple[FastAPI, Database]) -> None:
    _, account = signed_in(network, tmp_path)
    processing = next(o for o in account.orders.list_orders() if o.status == "processing")
    network.online = False

    account.orders.cancel(processing.id)
    thread_id = account.messaging.create_thread("Lieferadresse", body="Bitte an die Packstation liefern.")
    account.messaging.send(thread_id, "Packstation 123, Berlin")
    with pytest.raises(Offline):
        account.sync.sync_once()

    mine = next(o for o in account.orders.list_orders() if o.id == processing.id)
    assert (mine.status, mine.pending) == ("cancel_pending", True)
    assert [m["body"] for m in account.messaging.messages(thread_id)] == [
        "Bitte an die Packstation liefern.", "Packstation 123, Berlin"]
    assert account.sync.status.pending == 3

    network.online = True
    account.sync.sync_once()
    account.sync.sync_once()  # a second round must change nothing

    mine = next(o for o in account.orders.list_orders() if o.id == processing.id)
    assert (mine.status, mine.pending) == ("cancelled", False)
    # The shopper's two messages (the bot answers each one: issue 4, server/bot).
    messages = [m for m in account.messaging.messages(thread_id) if m["sender"] == "customer"]
    assert [m.get("_pending", False) for m in messages] == [False, False]
    assert account.sync.status.pending == 0
    _, db = server
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.thread_id == thread_id,
                                                                        Message.sender == "customer")) == 2
        assert s.get_one(Order, processing.id).status == "cancelled"
        assert s.scalar(select(func.count()).select_from(SyncMutation)) == 3


def test_lost_response_is_deduplicated_on_retry(network: Network, tmp_path: Path,
                                                server: tuple[FastAPI, Database]) -> None:
    _, account = signed_in(network, tmp_path)
    thread_id = account.messaging.create_thread("Frage")
    network.lose_next_response("/sync/push")  # the push commits, its answer is lost
    with pytest.raises(Offline):
        account.sync.sync_once()
    assert account.sync.status.pending == 1
    account.sync.sync_once()
    _, db = server
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(SyncMutation)) == 1
    assert [t["id"] for t in account.messaging.threads() if t["id"] == thread_id] == [thread_id]


def test_wrong_password_is_a_clear_error(network: Network, tmp_path: Path) -> None:
    core = ClientCore("http://testserver", tmp_path / "client", "phone", http=network.client())
    with pytest.raises(InvalidCredentials) as err:
        core.sign_in("anna@example.com", "wrong")
    assert err.value.code == "invalid_credentials"


def test_sign_out_removes_the_cache(network: Network, tmp_path: Path) -> None:
    core, account = signed_in(network, tmp_path)
    assert account.cache_path.exists()
    account.sign_out()
    assert not account.cache_path.exists()
    assert core.restore() is None


def test_the_page_fetched_ahead_uses_the_cursors_the_applied_page_leaves() -> None:
    page = PullResponse(epoch="e", changes=[], cursors={"user:1": 40, "public": 7}, more=True, last_mutation_id=0,
                        scopes_removed=["store:BER-01"])
    held = {"user:1": 12, "public": 9, "store:BER-01": 5, "agent": 3}

    assert cursors_after(held, page) == {"user:1": 40, "public": 9, "agent": 3}


def test_a_poke_for_what_the_cache_already_pulled_needs_no_sync() -> None:
    held = {"user:1": 40, "public": 9}
    assert poke_seen(held, Poke(scopes=["user:1"], seq=40))  # our own write, pulled after its push
    assert not poke_seen(held, Poke(scopes=["user:1"], seq=41))
    assert not poke_seen(held, Poke(scopes=["user:1", "agent"], seq=12))  # a scope never pulled
    assert not poke_seen(held, Poke(scopes=[], seq=1))
