"""Conversations through the real push and pull: thread.create(.v2), message.send, thread.mark_read,
thread.request_human, thread.close, thread.rate, agent.take, agent.reply. Idempotency, the bot
falling silent after the handover, the queue, roles and ownership."""

from datetime import timedelta
from typing import Any

from server.config import ServerSettings
from server.db import Database
from server.main import create_app
from server.models import Message, Thread
from server.models.base import utcnow
from server.projections.messaging import publish_message, publish_thread
from server.seed.ids import demo_id
from server.sync.log import commit_seq
from tests.server.conftest import MakeDevice
from tests.server.dbstate import execute, scalar
from tests.server.device import Device
from tests.server.shopper import DELIVERED_5_DAYS, new_id, order_id, rows, uploaded


def open_thread(device: Device, body: str | None = "Wie lange dauert der Versand?", **extra: Any) -> str:
    thread_id = new_id()
    args: dict[str, Any] = {"thread_id": thread_id, "subject": "Frage", **extra}
    if body is not None:
        args |= {"body": body, "first_message_id": new_id()}
    result = device.send("thread.create", args)
    assert result["status"] == "ok", result
    return thread_id


def messages(device: Device, thread_id: str) -> list[dict[str, Any]]:
    return sorted((m for m in rows(device, "message").values() if m["thread_id"] == thread_id),
                  key=lambda m: m["position"])


def senders(device: Device, thread_id: str) -> list[str]:
    return [m["sender"] for m in messages(device, thread_id)]


def test_a_new_thread_gets_the_bots_answer(anna: Device, db: Database) -> None:
    thread_id = open_thread(anna)

    shown = messages(anna, thread_id)
    assert [(m["sender"], m["position"]) for m in shown] == [("customer", 1), ("bot", 2)]
    assert shown[1]["sender_name"] == "nahtlos Assistent"
    thread = rows(anna, "thread")[thread_id]
    assert thread["status"] == "bot"
    # The bot read the question (the shopper's message shows "read"); the reply is unread for the shopper.
    assert (thread["agent_read_seq"], thread["last_position"], thread["unread_for_customer"]) == (2, 2, 1)
    assert thread["queue_position"] is None
    assert scalar(db, "SELECT count(*) FROM sync_log WHERE scope = 'agent' AND entity_id = :t", t=thread_id) == 0


def test_a_resent_message_is_stored_once_and_answered_once(anna: Device, db: Database) -> None:
    thread_id = open_thread(anna, body=None)
    args = {"message_id": new_id(), "thread_id": thread_id, "body": "Wo ist mein Paket?"}

    first = anna.send("message.send", args)
    second = anna.send("message.send", args)  # the same message under a new mutation id (a lost answer)

    assert first["status"] == second["status"] == "ok"
    assert scalar(db, "SELECT count(*) FROM message WHERE thread_id = :t", t=thread_id) == 2
    assert senders(anna, thread_id) == ["customer", "bot"]


def test_a_replayed_mutation_changes_nothing(anna: Device, db: Database) -> None:
    thread_id = open_thread(anna, body=None)
    mutation = anna.mutation("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "Hallo?"})

    anna.push(mutation)
    seq = scalar(db, "SELECT seq FROM sync_counter")
    anna.push(mutation)

    assert scalar(db, "SELECT seq FROM sync_counter") == seq
    assert scalar(db, "SELECT count(*) FROM message WHERE thread_id = :t", t=thread_id) == 2


def test_after_the_handover_the_bot_stays_silent_and_the_agent_sees_everything(device: MakeDevice) -> None:
    anna, agent = device("anna"), device("agent")
    thread_id = open_thread(anna, order_id=order_id(DELIVERED_5_DAYS))

    result = anna.send("thread.request_human", {"thread_id": thread_id})
    again = anna.send("thread.request_human", {"thread_id": thread_id})
    anna.send("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "Wo ist mein Paket?"})
    anna.send("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "Hallo?"})

    assert result["result"] == again["result"] == {"status": "waiting_for_agent"}
    assert senders(anna, thread_id) == ["customer", "bot", "system", "customer", "customer"]
    thread = rows(anna, "thread")[thread_id]
    assert thread["status"] == "waiting_for_agent"
    assert (thread["queue_position"], thread["expected_wait_minutes"]) == (1, 4)
    # The agent gets the thread with its whole history, and the shopper's context next to it.
    assert senders(agent, thread_id) == ["customer", "bot", "system", "customer", "customer"]
    assert rows(agent, "thread")[thread_id]["status"] == "waiting_for_agent"
    context = rows(agent, "customer_context")[str(anna.user_id)]
    assert context["name"] == "Anna Schmidt"
    assert context["loyalty_tier"] in ("bronze", "silver", "gold")
    assert any(o["number"] == DELIVERED_5_DAYS for o in context["orders"])
    assert {t["id"] for t in context["threads"]} >= {thread_id, demo_id("thread", "anna-kettle")}


def test_the_queue_is_oldest_first_and_moves_up_when_an_agent_takes_one(device: MakeDevice) -> None:
    anna, ben, agent = device("anna"), device("ben"), device("agent")
    first, second = open_thread(anna), open_thread(ben, body="Where is my parcel?")
    anna.send("thread.request_human", {"thread_id": first})
    ben.send("thread.request_human", {"thread_id": second})
    assert rows(ben, "thread")[second]["queue_position"] == 2

    taken = agent.send("agent.take", {"thread_id": first})

    assert taken["result"] == {"status": "with_agent"}
    assert rows(ben, "thread")[second]["queue_position"] == 1
    mine = rows(anna, "thread")[first]
    assert (mine["status"], mine["agent_name"], mine["queue_position"]) == ("with_agent", "Lea Hoffmann", None)
    assert messages(anna, first)[-1]["body"] == "Lea Hoffmann aus unserem Team ist der Unterhaltung beigetreten."
    assert messages(ben, second)[-1]["body"].startswith("I've passed your conversation")  # ben reads English
    assert agent.send("agent.take", {"thread_id": first})["status"] == "ok"  # taking twice: harmless
    assert senders(anna, first).count("system") == 2


def test_an_agent_reply_reaches_the_shopper_and_takes_a_waiting_thread(device: MakeDevice) -> None:
    anna, agent = device("anna"), device("agent")
    thread_id = open_thread(anna)
    anna.send("thread.request_human", {"thread_id": thread_id})
    reply = {"thread_id": thread_id, "message_id": new_id(), "body": "Guten Tag, ich sehe nach."}

    assert agent.send("agent.reply", reply)["status"] == "ok"
    assert agent.send("agent.reply", reply)["status"] == "ok"  # resent: one message

    shown = messages(anna, thread_id)
    assert [m["sender"] for m in shown].count("agent") == 1
    assert (shown[-1]["sender"], shown[-1]["sender_name"], shown[-1]["body"]) == (
        "agent", "Lea Hoffmann", "Guten Tag, ich sehe nach.")
    thread = rows(anna, "thread")[thread_id]
    assert (thread["status"], thread["agent_read_seq"], thread["unread_for_customer"]) == ("with_agent", 5, 2)


def test_read_receipts_only_move_forward(device: MakeDevice) -> None:
    anna, agent = device("anna"), device("agent")
    thread_id = open_thread(anna)

    assert anna.send("thread.mark_read", {"thread_id": thread_id, "read_up_to": 99})["result"] == {"read_up_to": 2}
    assert anna.send("thread.mark_read", {"thread_id": thread_id, "read_up_to": 1})["result"] == {"read_up_to": 2}
    thread = rows(anna, "thread")[thread_id]
    assert (thread["customer_read_seq"], thread["unread_for_customer"]) == (2, 0)

    anna.send("thread.request_human", {"thread_id": thread_id})
    anna.send("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "Noch da?"})
    assert agent.send("thread.mark_read", {"thread_id": thread_id, "read_up_to": 4})["result"] == {"read_up_to": 4}
    assert rows(anna, "thread")[thread_id]["agent_read_seq"] == 4
    # An agent cannot mark a thread that never asked for a human.
    other = open_thread(anna)
    assert agent.send("thread.mark_read", {"thread_id": other, "read_up_to": 1})["code"] == "not_found"


def test_close_then_rate(device: MakeDevice) -> None:
    anna = device("anna")
    thread_id = open_thread(anna)
    assert anna.send("thread.rate", {"thread_id": thread_id, "rating": 5})["code"] == "thread_not_closed"

    assert anna.send("thread.close", {"thread_id": thread_id})["result"] == {"status": "closed"}
    assert anna.send("thread.close", {"thread_id": thread_id})["result"] == {"status": "closed"}
    refused = anna.send("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "Noch was"})
    assert refused["code"] == "thread_closed"
    assert anna.send("thread.request_human", {"thread_id": thread_id})["code"] == "thread_closed"
    assert anna.send("thread.rate", {"thread_id": thread_id, "rating": 6})["code"] == "invalid_args"
    assert anna.send("thread.rate", {"thread_id": thread_id, "rating": 4, "comment": " Schnell! "})["status"] == "ok"

    thread = rows(anna, "thread")[thread_id]
    assert (thread["status"], thread["rating"], thread["rating_comment"]) == ("closed", 4, "Schnell!")
    assert thread["closed_at"]


def test_an_agent_closes_a_conversation_and_the_queue_moves(device: MakeDevice) -> None:
    anna, ben, agent = device("anna"), device("ben"), device("agent")
    first, second = open_thread(anna), open_thread(ben, body="Hello")
    anna.send("thread.request_human", {"thread_id": first})
    ben.send("thread.request_human", {"thread_id": second})

    assert agent.send("thread.close", {"thread_id": first})["result"] == {"status": "closed"}

    assert rows(ben, "thread")[second]["queue_position"] == 1
    closed = rows(anna, "thread")[first]
    assert (closed["status"], closed["agent_name"]) == ("closed", "Lea Hoffmann")
    assert messages(anna, first)[-1]["body"].startswith("Lea Hoffmann hat die Unterhaltung geschlossen.")
    assert rows(agent, "thread")[first]["status"] == "closed"  # stays on the desk as history
    assert anna.send("thread.rate", {"thread_id": first, "rating": 5})["status"] == "ok"


def test_a_thread_another_agent_took_is_refused(device: MakeDevice, db: Database) -> None:
    anna, agent, staff = device("anna"), device("agent"), device("staff.ber")
    thread_id = open_thread(anna)
    anna.send("thread.request_human", {"thread_id": thread_id})
    # A colleague took it (any other user id stands in for a second agent).
    execute(db, "UPDATE thread SET agent_id = :other, status = 'with_agent' WHERE id = :t",
            other=staff.user_id, t=thread_id)

    reply = {"thread_id": thread_id, "message_id": new_id(), "body": "Ich übernehme."}
    assert agent.send("agent.reply", reply)["code"] == "thread_taken"
    assert agent.send("agent.take", {"thread_id": thread_id})["code"] == "thread_taken"
    assert agent.send("thread.close", {"thread_id": thread_id})["code"] == "thread_taken"


def test_roles_and_ownership(device: MakeDevice) -> None:
    anna, ben, agent, staff = device("anna"), device("ben"), device("agent"), device("staff.ber")
    thread_id = open_thread(anna)

    reply = {"thread_id": thread_id, "message_id": new_id(), "body": "Hallo"}
    assert anna.send("agent.reply", reply)["code"] == "forbidden"
    assert staff.send("thread.mark_read", {"thread_id": thread_id, "read_up_to": 1})["code"] == "forbidden"
    assert agent.send("thread.request_human", {"thread_id": thread_id})["code"] == "forbidden"
    assert agent.send("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "x"})["code"] == "forbidden"
    # A bot thread is the shopper's own business until they ask for a person.
    assert agent.send("agent.reply", reply)["code"] == "not_found"
    assert agent.send("agent.take", {"thread_id": thread_id})["code"] == "not_found"
    mutations: list[tuple[str, dict[str, Any]]] = [
        ("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "x"}),
        ("thread.request_human", {"thread_id": thread_id}),
        ("thread.close", {"thread_id": thread_id}),
        ("thread.mark_read", {"thread_id": thread_id, "read_up_to": 1})]
    for name, args in mutations:
        assert ben.send(name, args)["code"] == "not_found", name
    assert thread_id not in rows(ben, "thread")


def test_photos_on_messages_must_be_the_senders_own(device: MakeDevice) -> None:
    anna, ben = device("anna"), device("ben")
    thread_id = open_thread(anna, body=None)
    mine, foreign = uploaded(anna), uploaded(ben)

    sent = anna.send("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "Foto",
                                      "attachment_ids": [mine, mine]})
    refused = anna.send("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "Foto",
                                         "attachment_ids": [foreign]})

    assert sent["status"] == "ok"
    assert messages(anna, thread_id)[0]["attachment_ids"] == [mine]
    assert (refused["code"], refused["result"]) == ("attachment_invalid", {"attachment_id": foreign})


def test_a_thread_started_from_an_article_keeps_its_context(device: MakeDevice) -> None:
    anna, agent = device("anna"), device("agent")
    thread_id = new_id()
    args = {"thread_id": thread_id, "subject": "Rücksendung", "first_message_id": new_id(),
            "body": "Wie funktioniert die Rücksendung ohne Drucker?",
            "context": {"article": "return-without-printer", "query": "rücksendung drucker"}}

    assert anna.send("thread.create.v2", args)["status"] == "ok"
    anna.send("thread.request_human", {"thread_id": thread_id})

    assert rows(anna, "thread")[thread_id]["context"] == {"article": "return-without-printer",
                                                          "query": "rücksendung drucker"}
    assert rows(agent, "thread")[thread_id]["context"]["article"] == "return-without-printer"
    bot = next(m for m in messages(anna, thread_id) if m["sender"] == "bot")
    assert "/help/articles/return-without-printer" not in bot["body"]  # not the article that did not help
    bad = anna.send("thread.create.v2", {**args, "thread_id": new_id(), "context": {"topic": "Not A Topic"}})
    assert bad["code"] == "invalid_args"


def test_anna_sees_her_settled_demo_thread_as_read(anna: Device) -> None:
    thread = rows(anna, "thread")[demo_id("thread", "anna-kettle")]
    assert (thread["status"], thread["unread_for_customer"], thread["last_position"]) == ("closed", 0, 4)
    assert [m["position"] for m in messages(anna, thread["id"])] == [1, 2, 3, 4]


def burst(device: Device, thread_id: str, *bodies: str) -> list[dict[str, Any]]:
    """Several messages in one push, as a phone sends what was written offline."""
    answer = device.push(*(device.mutation("message.send", {"message_id": new_id(), "thread_id": thread_id,
                                                            "body": body}) for body in bodies))
    results: list[dict[str, Any]] = answer["results"]
    return results


def test_a_burst_written_offline_gets_one_answer_that_reads_all_of_it(anna: Device, db: Database) -> None:
    thread_id = open_thread(anna, body=None)

    results = burst(anna, thread_id, "Hallo!", "Wo ist mein Paket?", "Danke schon mal.")

    assert [r["status"] for r in results] == ["ok"] * 3
    shown = messages(anna, thread_id)
    assert [m["sender"] for m in shown] == ["customer", "customer", "customer", "bot"]
    assert shown[-1]["body"].startswith("Ihre Bestellung NA-100260 ")  # the question in the middle was read
    # The thread as devices see it was published after the answer: preview, receipts and counts include it.
    thread = rows(anna, "thread")[thread_id]
    assert thread["last_message_preview"] == shown[-1]["body"][:140]
    assert (thread["last_position"], thread["agent_read_seq"], thread["unread_for_customer"]) == (4, 4, 1)
    assert scalar(db, "SELECT count(*) FROM message WHERE thread_id = :t AND sender = 'bot'", t=thread_id) == 1


def test_each_thread_of_a_batch_gets_its_own_answer(anna: Device) -> None:
    first, second = open_thread(anna, body=None), open_thread(anna, body=None)
    mutations = [anna.mutation("message.send", {"message_id": new_id(), "thread_id": thread, "body": body})
                 for thread, body in [(first, "Wo ist mein Paket?"), (second, "Wie lange dauert der Versand?"),
                                      (first, "Hallo?")]]

    anna.push(*mutations)

    assert senders(anna, first) == ["customer", "customer", "bot"]
    assert senders(anna, second) == ["customer", "bot"]


def test_a_handover_later_in_the_same_batch_keeps_the_bot_silent(anna: Device) -> None:
    thread_id = open_thread(anna, body=None)
    anna.push(anna.mutation("message.send", {"message_id": new_id(), "thread_id": thread_id,
                                             "body": "Wo ist mein Paket?"}),
              anna.mutation("thread.request_human", {"thread_id": thread_id}))

    assert senders(anna, thread_id) == ["customer", "system"]
    assert rows(anna, "thread")[thread_id]["status"] == "waiting_for_agent"


def test_a_message_refused_after_it_was_written_leaves_no_answer_behind(anna: Device) -> None:
    """PostgreSQL refuses a NUL byte only when the message row is flushed, after the mutator queued
    the bot's answer: the refusal must take the queued answer with it (SQLite stores the text)."""
    thread_id = open_thread(anna, body=None)

    first, second = burst(anna, thread_id, "Hallo\x00?", "Noch da?")

    assert second["status"] == "ok"
    if first["status"] == "ok":
        assert senders(anna, thread_id) == ["customer", "customer", "bot"]
    else:
        assert first["code"] == "invalid_args"
        assert senders(anna, thread_id) == ["customer", "bot"]


def test_the_shoppers_message_commits_before_the_bots_answer(anna: Device, db: Database) -> None:
    """Other devices get the message with the batch's own seq (and poke); the answer follows."""
    thread_id = open_thread(anna, body=None)

    result = anna.send("message.send", {"message_id": new_id(), "thread_id": thread_id, "body": "Wo ist mein Paket?"})

    shown = messages(anna, thread_id)
    seq_of = {m["sender"]: scalar(db, "SELECT seq FROM sync_log WHERE entity = 'message' AND entity_id = :m",
                                  m=m["id"]) for m in shown}
    assert seq_of["customer"] == result["seq"]
    assert seq_of["bot"] == result["seq"] + 1


def unanswered(db: Database, thread_id: str, body: str, at_minutes_ago: int) -> None:
    """What a process that died between a push's commit and the bot's answer leaves behind: the
    shopper's message written and published, no answer."""
    at = utcnow() - timedelta(minutes=at_minutes_ago)
    with db.write() as session:
        thread = session.get_one(Thread, thread_id)
        message = Message(id=new_id(), thread_id=thread_id, sender="customer", sender_user_id=thread.customer_id,
                          sender_name="Anna", body=body, sent_at=at, attachment_ids=[], position=1)
        session.add(message)
        thread.updated_at = at
        publish_message(session, thread, message)
        publish_thread(session, thread)
        commit_seq(session)


def test_a_question_a_crash_left_unanswered_is_answered_when_the_server_starts(
        anna: Device, db: Database, settings: ServerSettings) -> None:
    recent, old = open_thread(anna, body=None), open_thread(anna, body=None)
    unanswered(db, recent, "Wo ist mein Paket?", at_minutes_ago=1)
    unanswered(db, old, "Wo ist mein Paket?", at_minutes_ago=90)  # a late answer would only confuse

    create_app(settings, db=db)  # the restart
    create_app(settings, db=db)  # a second process starting as well answers nothing twice

    assert senders(anna, recent) == ["customer", "bot"]
    assert messages(anna, recent)[1]["body"].startswith("Ihre Bestellung NA-100260 ")
    assert rows(anna, "thread")[recent]["last_message_preview"] == messages(anna, recent)[1]["body"][:140]
    assert senders(anna, old) == ["customer"]
