"""Conversations on real devices (client core + cache + outbox) against the real in-process server:
offline send delivered once, two devices of one shopper, read receipts and message states, the
handover to the agent desk, and a reply arriving live over SSE."""

from functools import partial
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from server.db import Database
from server.models import Message
from services.client import AccountSession, ClientCore
from services.errors import Offline
from services.messaging import PENDING, READ, SENT
from services.overlay import Row
from tests.services.test_realtime import wait_for
from tests.support.live_server import live_server
from tests.support.network import Network


def signed_in(network: Network, tmp_path: Path, device: str, email: str = "anna@example.com",
              password: str = "demo-anna") -> AccountSession:
    core = ClientCore("http://testserver", tmp_path / "client", device, http=network.client())
    account = core.sign_in(email, password)
    account.sync.sync_once()
    return account


def thread(account: AccountSession, thread_id: str) -> Row:
    """The shopper's thread from the device's cache (the test made it, so it is there)."""
    row = account.messaging.thread(thread_id)
    assert row is not None, thread_id
    return row


def desk_thread(account: AccountSession, thread_id: str) -> Row:
    """The thread as the agent desk's cache holds it."""
    row = account.agent_desk.thread(thread_id)
    assert row is not None, thread_id
    return row


def customer_bodies(account: AccountSession, thread_id: str) -> list[str]:
    return [m["body"] for m in account.messaging.messages(thread_id) if m["sender"] == "customer"]


def test_an_offline_message_is_shown_pending_then_delivered_once(network: Network, tmp_path: Path,
                                                                  server: tuple[FastAPI, Database]) -> None:
    phone = signed_in(network, tmp_path, "phone")
    network.online = False

    thread_id = phone.messaging.create_thread("Lieferung", body="Wo ist mein Paket?")
    phone.messaging.send(thread_id, "Die Sendung aus Nürnberg")
    with pytest.raises(Offline):
        phone.sync.sync_once()

    shown = phone.messaging.messages(thread_id)
    assert [(m["body"], m["state"]) for m in shown] == [("Wo ist mein Paket?", PENDING),
                                                        ("Die Sendung aus Nürnberg", PENDING)]
    assert thread(phone, thread_id)["last_message_preview"] == "Die Sendung aus Nürnberg"

    network.online = True
    network.lose_next_response("/sync/push")  # the server commits; the answer is lost
    with pytest.raises(Offline):
        phone.sync.sync_once()
    phone.sync.sync_once()
    phone.sync.sync_once()

    shown = phone.messaging.messages(thread_id)
    # Written offline, the two arrive in one push: the bot answers them once, having read both.
    assert [m["sender"] for m in shown] == ["customer", "customer", "bot"]
    assert [m["state"] for m in shown if m["sender"] == "customer"] == [READ, READ]
    assert [m["position"] for m in shown] == [1, 2, 3]
    assert phone.sync.status.pending == 0
    _, db = server
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.thread_id == thread_id)) == 3


def test_two_devices_of_one_shopper_share_the_thread_and_its_read_state(network: Network, tmp_path: Path) -> None:
    phone, laptop = signed_in(network, tmp_path, "phone"), signed_in(network, tmp_path, "laptop")

    thread_id = phone.messaging.create_thread("Größe", body="Fällt das Hemd klein aus?")
    phone.sync.sync_once()
    laptop.sync.sync_once()

    assert customer_bodies(laptop, thread_id) == ["Fällt das Hemd klein aus?"]
    assert [m["id"] for m in laptop.messaging.messages(thread_id)] == [m["id"] for m in phone.messaging.messages(thread_id)]
    assert thread(laptop, thread_id)["unread_for_customer"] == 1  # the bot's answer
    assert laptop.messaging.unread_total() == 1

    assert laptop.messaging.mark_read(thread_id)
    assert thread(laptop, thread_id)["unread_for_customer"] == 0  # at once, before any sync
    assert not laptop.messaging.mark_read(thread_id)  # nothing new: no second receipt
    laptop.sync.sync_once()
    phone.sync.sync_once()

    assert phone.messaging.unread_total() == 0
    assert thread(phone, thread_id)["customer_read_seq"] == 2


def test_handover_offline_then_the_agent_desk_takes_replies_and_closes(network: Network, tmp_path: Path) -> None:
    phone = signed_in(network, tmp_path, "phone")
    desk = signed_in(network, tmp_path, "desk", "agent@example.com", "demo-agent")
    earlier = phone.messaging.create_thread("Rechnung", body="Schicken Sie mir die Rechnung?")
    thread_id = phone.messaging.create_thread("Paket", body="Wo ist mein Paket?")
    phone.sync.sync_once()
    phone.messaging.request_human(earlier)
    phone.sync.sync_once()

    network.online = False
    phone.messaging.request_human(thread_id)
    assert thread(phone, thread_id)["status"] == "waiting_for_agent"  # shown at once
    network.online = True
    phone.sync.sync_once()
    assert thread(phone, thread_id)["queue_position"] == 2
    assert thread(phone, thread_id)["expected_wait_minutes"] == 8

    desk.sync.sync_once()
    board = desk.agent_desk.desk()
    assert [t["id"] for t in board.queue] == [earlier, thread_id]  # oldest request first
    context = desk.agent_desk.context(board.queue[1]["customer_id"])
    assert context is not None and context["name"] == "Anna Schmidt"
    assert {t["id"] for t in context["threads"]} >= {earlier, thread_id}

    desk.agent_desk.take(thread_id)
    assert [t["id"] for t in desk.agent_desk.desk().mine] == [thread_id]  # before the server answered
    desk.agent_desk.reply(thread_id, "Ihr Paket ist in Nürnberg, morgen ist es da.")
    assert desk.agent_desk.messages(thread_id)[-1]["_pending"] is True
    desk.sync.sync_once()
    phone.sync.sync_once()

    last = phone.messaging.messages(thread_id)[-1]
    assert (last["sender"], last["sender_name"], last["body"]) == (
        "agent", "Lea Hoffmann", "Ihr Paket ist in Nürnberg, morgen ist es da.")
    assert thread(phone, earlier)["queue_position"] == 1
    assert desk.agent_desk.unread(desk_thread(desk, thread_id)) == 0

    phone.messaging.send(thread_id, "Danke!")
    phone.sync.sync_once()
    desk.sync.sync_once()
    assert desk.agent_desk.unread(desk_thread(desk, thread_id)) == 1
    assert desk.agent_desk.mark_read(thread_id)
    desk.agent_desk.close(thread_id)
    desk.sync.sync_once()
    phone.sync.sync_once()

    mine = [m for m in phone.messaging.messages(thread_id) if m["sender"] == "customer"]
    assert mine[-1]["state"] == READ
    assert thread(phone, thread_id)["status"] == "closed"
    assert [t["id"] for t in desk.agent_desk.desk().closed][:1] == [thread_id]
    phone.messaging.rate(thread_id, 5, "Sehr hilfreich")
    phone.sync.sync_once()
    assert thread(phone, thread_id)["rating"] == 5


def test_a_message_waiting_in_the_queue_is_sent_not_read(network: Network, tmp_path: Path) -> None:
    phone = signed_in(network, tmp_path, "phone")
    thread_id = phone.messaging.create_thread("Frage", body="Hallo")
    phone.sync.sync_once()
    phone.messaging.request_human(thread_id)
    phone.messaging.send(thread_id, "Ist jemand da?")
    phone.sync.sync_once()

    last = phone.messaging.messages(thread_id)[-1]
    assert (last["body"], last["state"]) == ("Ist jemand da?", SENT)
    assert [m["sender"] for m in phone.messaging.messages(thread_id)].count("bot") == 1  # silent after handover


def test_an_agent_reply_reaches_every_open_device_of_the_shopper_live(server: tuple[FastAPI, Database],
                                                                      tmp_path: Path) -> None:
    app, _ = server
    with live_server(app) as url:
        cores = {name: ClientCore(url, tmp_path, name) for name in ("phone", "laptop", "desk")}
        phone = cores["phone"].sign_in("anna@example.com", "demo-anna")
        laptop = cores["laptop"].sign_in("anna@example.com", "demo-anna")
        desk = cores["desk"].sign_in("agent@example.com", "demo-agent")
        accounts = (phone, laptop, desk)
        for account in accounts:
            account.sync.start()
        try:
            wait_for(lambda: all(a.sync.status.connectivity == "online" for a in accounts))
            thread_id = phone.messaging.create_thread("Umtausch", body="Kann ich tauschen?")
            wait_for(lambda: any(m["sender"] == "bot" for m in phone.messaging.messages(thread_id)))
            phone.messaging.request_human(thread_id)
            wait_for(lambda: any(t["id"] == thread_id for t in desk.agent_desk.desk().queue))

            desk.agent_desk.reply(thread_id, "Ja, gern!")

            def shows_the_reply(account: AccountSession) -> bool:
                return any(m["body"] == "Ja, gern!" for m in account.messaging.messages(thread_id))

            arrived = [wait_for(partial(shows_the_reply, a)) for a in (phone, laptop)]

            assert max(arrived) < 5
            assert thread(laptop, thread_id)["status"] == "with_agent"
        finally:
            for account in accounts:
                account.close()
            for core in cores.values():
                core.close()
