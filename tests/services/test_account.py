""""My data" and "this device": export, account deletion, cache contents, clearing the cache."""

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app.protocol.account import EXPORT_FORMAT, AccountExport
from server.db import Database
from server.models import User
from services.account import Deletion
from services.client import AccountSession, ClientCore
from services.errors import Offline
from tests.support.network import Network

PROCESSING = "NA-100271"


def signed_in(network: Network, tmp_path: Path, device: str = "phone") -> tuple[ClientCore, AccountSession]:
    core = ClientCore("http://testserver", tmp_path / "client", device, http=network.client())
    account = core.sign_in("anna@example.com", "demo-anna")
    account.sync.sync_once()
    return core, account


def test_export_is_the_servers_json_file_about_me(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    export = account.account.export()

    assert export.filename.startswith("nahtlos-data-") and export.filename.endswith(".json")
    data = json.loads(export.content)
    AccountExport.model_validate(data)
    assert data["format"] == EXPORT_FORMAT
    assert data["profile"]["email"] == "anna@example.com"
    assert len(data["orders"]) == 7 and data["shipments"] and data["loyalty"]["account"]["card_number"]
    assert {o["number"] for o in data["orders"]} >= {"NA-100245", "NA-100260", PROCESSING}
    assert "ben@example.com" not in export.content.decode()


def test_export_needs_the_network(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    network.online = False
    with pytest.raises(Offline):
        account.account.export()


def test_device_info_counts_rows_pending_changes_and_last_sync(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    info = account.account.device_info()
    assert info.rows["order"] == 7 and info.rows["shipment"] >= 5 and info.rows["profile"] == 1
    assert info.cache_bytes > 0 and info.last_synced_at is not None and info.client_id
    assert info.pending == ()

    network.online = False
    account.profile.update(name="Anna S.")
    with pytest.raises(Offline):
        account.sync.sync_once()
    info = account.account.device_info()
    assert [(p.name, p.status) for p in info.pending] == [("profile.update", "pending")]
    assert info.pending[0].created_at is not None


def test_clear_cache_keeps_the_outbox_and_pulls_again(network: Network, tmp_path: Path,
                                                     server: tuple[FastAPI, Database]) -> None:
    _, account = signed_in(network, tmp_path)
    network.online = False
    account.profile.update(name="Anna Offline")

    assert account.account.clear_cache() is False  # no network: it waits for the next sync
    info = account.account.device_info()
    assert info.rows == {} and [p.name for p in info.pending] == ["profile.update"]
    assert account.orders.list_orders() == []

    network.online = True
    account.sync.sync_once()
    assert len(account.orders.list_orders()) == 7
    assert account.account.device_info().pending == ()
    _, db = server
    with db.read() as session:
        assert session.scalar(select(User.name).where(User.email == "anna@example.com")) == "Anna Offline"


def test_clear_cache_online_refills_at_once(network: Network, tmp_path: Path) -> None:
    _, account = signed_in(network, tmp_path)
    assert account.account.clear_cache() is True
    assert len(account.orders.list_orders()) == 7


def test_delete_account_removes_it_from_server_and_device(network: Network, tmp_path: Path,
                                                         server: tuple[FastAPI, Database]) -> None:
    core, account = signed_in(network, tmp_path)
    assert account.cache_path.exists()

    assert account.account.delete_account() is Deletion.DONE

    assert not account.cache_path.exists()
    assert core.restore() is None  # signed out: the tokens are gone too
    _, db = server
    with db.read() as session:
        user = session.scalar(select(User).where(User.name == "[deleted]"))
        assert user is not None and user.deleted_at is not None


def test_delete_offline_is_queued_and_finished_later(network: Network, tmp_path: Path) -> None:
    core, account = signed_in(network, tmp_path)
    network.online = False
    assert account.account.delete_account() is Deletion.QUEUED
    assert account.account.deletion() is Deletion.QUEUED
    assert account.cache_path.exists()
    assert [p.name for p in account.account.device_info().pending] == ["account.delete"]

    network.online = True
    account.sync.sync_once()  # the background engine sends it with the next sync
    assert account.account.deletion() is Deletion.DONE
    assert account.account.finish_deletion() is True
    assert not account.cache_path.exists() and core.restore() is None
