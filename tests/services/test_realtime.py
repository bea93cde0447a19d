"""Real time over real HTTP: a write on one device reaches another device's cache through an
SSE poke and a pull, without anyone asking it to sync."""

import time
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from server.db import Database
from services.client import ClientCore
from services.sync import SyncStatus
from tests.support.live_server import live_server


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
    return time.monotonic() - start


def test_message_from_one_device_appears_on_the_other(server: tuple[FastAPI, Database], tmp_path: Path) -> None:
    app, _ = server
    with live_server(app) as url:
        phone_core, laptop_core = ClientCore(url, tmp_path, "phone"), ClientCore(url, tmp_path, "laptop")
        phone = phone_core.sign_in("anna@example.com", "demo-anna")
        laptop = laptop_core.sign_in("anna@example.com", "demo-anna")
        phone.sync.start()
        laptop.sync.start()
        try:
            wait_for(lambda: phone.sync.status.connectivity == "online" and laptop.sync.status.connectivity == "online")
            statuses: list[SyncStatus] = []
            laptop.sync.on_status(statuses.append)
            changes: list[set[str]] = []
            laptop.sync.on_changes(changes.append)

            thread_id = phone.messaging.create_thread("Umtausch", body="Kann ich die Größe tauschen?")
            waited = wait_for(lambda: any(t["id"] == thread_id for t in laptop.messaging.threads()))
            assert waited < 5
            shown = laptop.messaging.messages(thread_id)
            assert [m["body"] for m in shown if m["sender"] == "customer"] == ["Kann ich die Größe tauschen?"]
            assert any("message" in c for c in changes)
            assert any(s.syncing for s in statuses)
            wait_for(lambda: phone.sync.status.pending == 0)
        finally:
            for account, core in ((phone, phone_core), (laptop, laptop_core)):
                account.close()
                core.close()
