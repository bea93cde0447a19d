"""Work a push leaves for a moment later (server.sync.follow_ups): the bot's answer follows the push's
answer after the delay, with a seq and a poke of its own; pushes to one thread within the delay get
one answer; a failing piece of work is logged and the queue goes on; stopping the app gives what is
queued. (tests/server/device.py settles this work after every push; these tests do not.)"""

import asyncio
import logging
import time
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from server.config import ServerSettings
from server.db import Database
from server.main import create_app
from server.models import Message
from server.models.base import utcnow
from server.mutators.messaging import answer_pending
from server.sync.follow_ups import FollowUps
from server.sync.pokes import PokeHub
from tests.server.dbstate import scalar
from tests.server.device import Device
from tests.server.shopper import new_id
from tests.server.test_mutators_messaging import unanswered

QUESTION = "Wo ist mein Paket?"


def bot_answers(db: Database, thread_id: str) -> int:
    return int(scalar(db, "SELECT count(*) FROM message WHERE thread_id = :t AND sender = 'bot'", t=thread_id))


def send_unsettled(device: Device, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A push as a device makes it, without waiting for the server's work after it."""
    response = device.post("/sync/push", {"client_id": device.client_id, "mutations": [device.mutation(name, args)]})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["results"][0]
    assert result["status"] == "ok", result
    return result


def open_thread(device: Device) -> str:
    thread_id = new_id()
    send_unsettled(device, "thread.create", {"thread_id": thread_id, "subject": "Frage"})
    return thread_id


def test_the_push_is_answered_first_and_the_bot_answers_after_the_delay(
        settings: ServerSettings, db: Database, demo_sessions: dict[str, dict[str, Any]]) -> None:
    delay = 1.0
    with TestClient(create_app(settings.model_copy(update={"follow_up_delay_s": delay}), db=db)) as http:
        anna = Device(http, demo_sessions["anna"])
        thread_id = open_thread(anna)
        sent = time.monotonic()
        result = send_unsettled(anna, "message.send", {"message_id": new_id(), "thread_id": thread_id,
                                                        "body": QUESTION})
        assert bot_answers(db, thread_id) == 0  # answered without waiting for the bot

        deadline = sent + 30
        while bot_answers(db, thread_id) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        answered = time.monotonic()

    assert bot_answers(db, thread_id) == 1
    assert answered - sent >= delay
    answer_seq = scalar(db, "SELECT max(seq) FROM sync_log WHERE entity = 'message' AND scope = :s", s=anna.scope)
    assert answer_seq > result["seq"]  # a transaction of its own, after the shopper's


def test_pushes_to_one_thread_within_the_delay_get_one_answer_to_all_of_them(
        settings: ServerSettings, db: Database, demo_sessions: dict[str, dict[str, Any]]) -> None:
    app = create_app(settings.model_copy(update={"follow_up_delay_s": 60.0}), db=db)
    with TestClient(app) as http:
        phone, laptop = Device(http, demo_sessions["anna"]), Device(http, demo_sessions["anna"])
        thread_id = open_thread(phone)
        send_unsettled(phone, "message.send", {"message_id": new_id(), "thread_id": thread_id, "body": QUESTION})
        send_unsettled(laptop, "message.send", {"message_id": new_id(), "thread_id": thread_id,
                                                "body": "Die Sendung aus Nürnberg"})
        assert app.state.follow_ups.pending == 1

        assert app.state.follow_ups.settle()

        assert bot_answers(db, thread_id) == 1
        senders = [m["sender"] for m in sorted(
            (c["data"] for c in phone.changes() if c["entity"] == "message" and c["data"]["thread_id"] == thread_id),
            key=lambda m: m["position"])]
        assert senders == ["customer", "customer", "bot"]


def test_stopping_the_app_gives_the_answers_still_queued(
        settings: ServerSettings, db: Database, demo_sessions: dict[str, dict[str, Any]]) -> None:
    with TestClient(create_app(settings.model_copy(update={"follow_up_delay_s": 60.0}), db=db)) as http:
        anna = Device(http, demo_sessions["anna"])
        thread_id = open_thread(anna)
        send_unsettled(anna, "message.send", {"message_id": new_id(), "thread_id": thread_id, "body": QUESTION})
        assert bot_answers(db, thread_id) == 0

    assert bot_answers(db, thread_id) == 1  # the lifespan's shutdown ran it


def test_failing_work_is_logged_and_takes_only_its_own_changes(
        anna: Device, db: Database, caplog: pytest.LogCaptureFixture) -> None:
    thread_id = new_id()
    anna.send("thread.create", {"thread_id": thread_id, "subject": "Frage"})
    unanswered(db, thread_id, QUESTION, at_minutes_ago=0)

    def broken(session: Session) -> None:
        session.add(Message(id=new_id(), thread_id=thread_id, sender="system", body="half done", sent_at=utcnow(),
                            attachment_ids=[], position=99))
        session.flush()
        raise RuntimeError("the FAQ index is gone")

    async def run() -> int:
        hub = PokeHub()
        pokes = hub.subscribe([anna.scope])
        follow_ups = FollowUps(db, hub, delay_s=0.0)
        # Both due at once: one transaction, a savepoint each.
        follow_ups.add({"broken": broken, f"bot:{thread_id}": partial(answer_pending, thread_id=thread_id)})
        poke = await asyncio.wait_for(pokes.get(), 30)
        await asyncio.to_thread(follow_ups.close)
        return poke.seq

    with caplog.at_level(logging.ERROR, logger="server.sync.follow_ups"):
        seq = asyncio.run(run())

    assert "the FAQ index is gone" in caplog.text
    assert bot_answers(db, thread_id) == 1
    assert scalar(db, "SELECT count(*) FROM message WHERE thread_id = :t AND body = 'half done'", t=thread_id) == 0
    assert seq == scalar(db, "SELECT seq FROM sync_counter")
    assert [c["data"]["sender"] for c in anna.changes() if c["entity"] == "message"
            and c["data"]["thread_id"] == thread_id] == ["customer", "bot"]


def test_work_added_after_close_runs_at_once(db: Database) -> None:
    ran: list[str] = []
    follow_ups = FollowUps(db, PokeHub(), delay_s=60.0)
    follow_ups.add({"first": lambda session: ran.append("first")})
    follow_ups.close()
    assert ran == ["first"]

    follow_ups.add({"late": lambda session: ran.append("late")})

    assert ran == ["first", "late"]
    assert follow_ups.pending == 0


def test_work_the_database_was_too_busy_for_is_tried_again(db: Database) -> None:
    ran: list[str] = []

    def busy_once(session: Session) -> None:
        ran.append("try")
        if len(ran) == 1:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    follow_ups = FollowUps(db, PokeHub(), delay_s=0.0)
    follow_ups.add({"answer": busy_once})

    assert follow_ups.settle()
    assert ran == ["try", "try"]


def test_work_the_database_never_takes_is_given_up_at_shutdown(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    tries: list[float] = []

    def always_busy(session: Session) -> None:
        tries.append(time.monotonic())
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    follow_ups = FollowUps(db, PokeHub(), delay_s=0.0)
    follow_ups.add({"answer": always_busy})
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="server.sync.follow_ups"):
        follow_ups.close(timeout=1.5)

    assert time.monotonic() - started < 5
    assert follow_ups.pending == 0
    assert 2 <= len(tries) <= 4  # about one try a second, then one more at shutdown: no busy loop
    assert any("given up at shutdown: answer" in r.getMessage() for r in caplog.records)
