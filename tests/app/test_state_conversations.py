"""The conversation screens' state, driven as the views drive it, against the real server:
list with unread counts, a thread with day separators and message states, "Talk to a person",
closing and rating; the agent desk taking and answering it; pure helpers."""

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from app.state.agent_desk import AgentDeskState
from app.state.conversations import (
    EMPTY_MESSAGE,
    ConversationsState,
    ConversationState,
    MessageView,
    Segment,
    by_day,
    segments,
)
from app.state.session import SessionState
from services.client import ClientCore
from tests.app.test_state import eventually, new_session, run

MakeCore = Callable[..., ClientCore]


def message(at: datetime, body: str = "x") -> MessageView:
    return MessageView(id=body, sender="customer", sender_name=None, body=body, sent_at=at, state="sent")


def test_day_separators_follow_the_local_calendar_day() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    late = message(datetime(2026, 3, 9, 22, 30, tzinfo=UTC), "a")  # 23:30 in Berlin, still the 9th
    after_midnight = message(datetime(2026, 3, 9, 23, 30, tzinfo=UTC), "b")  # 00:30 on the 10th
    noon = message(datetime(2026, 3, 10, 11, 0, tzinfo=UTC), "c")

    days = by_day([late, after_midnight, noon], berlin)

    assert [(d.day.isoformat(), [m.body for m in d.messages]) for d in days] == [
        ("2026-03-09", ["a"]), ("2026-03-10", ["b", "c"])]


def test_cited_articles_and_orders_become_links() -> None:
    body = ("Das habe ich gefunden:\n• Ich habe mein Rücksendeetikett verloren: /help/articles/return-label-lost\n"
            "Details: /orders/ad47-11\nZeit: 14:30")
    assert segments(body) == (
        Segment("Das habe ich gefunden:"),
        Segment("Ich habe mein Rücksendeetikett verloren", "/help/articles/return-label-lost"),
        Segment("Details", "/orders/ad47-11"),
        Segment("Zeit: 14:30"),
    )


async def signed_in(make_core: MakeCore, device: str, email: str, password: str) -> SessionState:
    session = new_session(make_core(device))
    assert await session.sign_in(email, password)
    return session


def bound(session: SessionState, thread_id: str) -> ConversationState:
    account = session.account
    assert account is not None
    state = ConversationState(thread_id=thread_id)
    state.bind(account.messaging, account.attachments, account.sync, session.dispatcher)
    return state


def test_a_conversation_from_the_first_question_to_the_rating(make_core: MakeCore) -> None:
    async def scenario() -> None:
        anna = await signed_in(make_core, "phone", "anna@example.com", "demo-anna")
        account = anna.account
        assert account is not None
        conversations = ConversationsState()
        conversations.bind(account.messaging, account.sync, anna.dispatcher)
        await conversations.refresh()
        await eventually(lambda: any(t.subject == "Wasserkocher – Rechnung" for t in conversations.threads))

        assert await conversations.start("", "   ") is None
        assert conversations.error == EMPTY_MESSAGE
        thread_id = await conversations.start("", "Wo ist mein Paket?")
        assert thread_id is not None
        assert conversations.threads[0].id == thread_id and conversations.threads[0].pending
        assert conversations.threads[0].subject == "Wo ist mein Paket?"

        # The bot's answer arrives; the list counts it as unread until the thread is opened.
        await eventually(lambda: conversations.unread == 1)
        thread = bound(anna, thread_id)
        await thread.refresh()
        assert [m.sender for m in thread.messages] == ["customer", "bot"]
        assert thread.messages[0].state == "read"  # the bot read it
        assert thread.messages[1].lines[0].text.startswith("Ihre Bestellung NA-100260")
        await eventually(lambda: conversations.unread == 0)  # opening it marked it read

        assert await thread.request_human()
        assert thread.thread is not None and thread.thread.waiting
        await eventually(lambda: thread.thread is not None and thread.thread.queue_position == 1)
        assert await thread.send("Danke, ich warte.")
        await eventually(lambda: thread.messages[-1].state == "sent")

        desk_session = await signed_in(make_core, "desk", "agent@example.com", "demo-agent")
        assert desk_session.account is not None
        desk = AgentDeskState()
        desk.bind(desk_session.account.agent_desk, desk_session.account.sync, desk_session.dispatcher)
        await desk.refresh()
        await eventually(lambda: [t.id for t in desk.queue] == [thread_id])
        assert desk.queue[0].customer_name == "Anna Schmidt"
        await desk.select(thread_id)
        assert desk.context is not None and desk.context["loyalty_tier"]
        assert await desk.take()
        assert [t.id for t in desk.mine] == [thread_id] and desk.queue == []
        assert await desk.reply("Guten Tag! Ich sehe nach.")
        assert desk.messages[-1].body == "Guten Tag! Ich sehe nach."
        await eventually(lambda: desk.selected is not None and not desk.selected.pending)

        await eventually(lambda: thread.messages[-1].sender == "agent")
        await eventually(lambda: [m.state for m in thread.messages if m.mine][-1] == "read")
        assert thread.thread is not None and thread.thread.agent_name == "Lea Hoffmann"

        assert await desk.close()
        await eventually(lambda: thread.thread is not None and not thread.thread.open)
        assert not await thread.send("Noch etwas")
        assert await thread.rate(5, "  Schnell und freundlich ")
        await eventually(lambda: thread.thread is not None and thread.thread.rating == 5 and not thread.thread.pending)
        assert thread.thread.rating_comment == "Schnell und freundlich"
        thread.unbind()
        await anna.close()
        await desk_session.close()

    run(scenario)
