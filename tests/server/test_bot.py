"""The bot's replies: order questions from the shopper's own data (in their language), FAQ
answers that cite the articles, and an honest "I don't know". Plain functions over the seeded
database, plus one round trip through `thread.create`."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_skeleton
from sqlalchemy import select
from sqlalchemy.orm import Session

from server import bot
from server.bot.intents import fold, is_order_question, order_number_in
from server.db import Database
from server.models import FaqArticle, Order, Thread, TrackingEvent, User
from server.seed.ids import demo_id
from tests.server.device import Device
from tests.server.shopper import new_id, rows

LINK = re.compile(r"/help/articles/([a-z0-9-]+)")


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.read() as s:
        yield s


def user(session: Session, email: str) -> User:
    return session.scalars(select(User).where(User.email == email)).one()


def thread_of(customer: User, order_number: str | None = None, context: dict[str, str] | None = None) -> Thread:
    """An unsaved thread: the bot only reads it."""
    return Thread(id=new_id(), customer_id=customer.id, subject="Frage", status="bot", context=context,
                  order_id=demo_id("order", order_number) if order_number else None)


def cited(session: Session, reply: str, locale: str) -> list[str]:
    """The slugs the reply links to; each one is cited with its real title in the reply's language."""
    slugs = LINK.findall(reply)
    for slug in slugs:
        title = session.scalars(select(FaqArticle.title).where(FaqArticle.slug == slug,
                                                               FaqArticle.locale == locale)).one()
        assert f"{title}: /help/articles/{slug}" in reply
    return slugs


def berlin_day(session: Session, event_id: str, locale: str) -> str:
    at = session.get_one(TrackingEvent, event_id).at
    return format_skeleton("MMMEd", at.astimezone(ZoneInfo("Europe/Berlin")), locale=locale)


@pytest.mark.parametrize(("text", "expected"), [
    ("Wo ist mein Paket?", True),
    ("Where is my parcel?", True),
    ("Wann kommt meine Bestellung an?", True),
    ("When will my package arrive?", True),
    ("Status NA-100245", True),
    ("Was kostet der Versand?", False),
    ("Wie kann ich meine Bestellung zurückschicken?", False),
    ("How do I cancel my order?", False),
    ("Kann ich auf Rechnung bezahlen?", False),
])
def test_order_questions_are_told_from_other_questions(text: str, expected: bool) -> None:
    assert is_order_question(text) is expected


def test_order_numbers_and_folding() -> None:
    assert order_number_in("Wo bleibt 100245?") is None
    assert order_number_in("Wo bleibt na 100245?") == "NA-100245"
    assert order_number_in("Wo bleibt NA-100245?") == "NA-100245"
    assert order_number_in("order na100245 please") == "NA-100245"
    assert fold("Rücksendung über die Straße") == "rucksendung uber die strasse"


def test_where_is_my_parcel_on_a_linked_order_gives_its_newest_tracking_event_in_german(session: Session) -> None:
    anna = user(session, "anna@example.com")

    reply = bot.answer(session, anna, thread_of(anna, "NA-100245"), "Wo ist mein Paket?")

    day = berlin_day(session, demo_id("tracking_event", "H1004523879012:2"), "de")
    assert reply.startswith("Ihre Bestellung NA-100245 (bestellt am ")
    assert (f"• Sendung Hermes H1004523879012: „Verzögerung im Paketzentrum wegen hohen Sendungsaufkommens“ – "
            f"{day} um ") in reply
    assert re.search(r"um \d{2}:\d{2} Uhr in Berlin-Schönefeld\.", reply)
    assert "Diese Sendung ist leider verspätet." in reply
    assert "Voraussichtliche Zustellung: " in reply
    assert f"Details: /orders/{demo_id('order', 'NA-100245')}" in reply


def test_without_a_linked_order_the_newest_order_with_a_parcel_on_its_way_is_meant(session: Session) -> None:
    anna = user(session, "anna@example.com")

    reply = bot.answer(session, anna, thread_of(anna), "Wo ist mein Paket?")

    # NA-100271 is newer but not shipped yet; NA-100260 has one parcel delivered and one on its way.
    assert reply.startswith("Ihre Bestellung NA-100260 ")
    assert "„Zugestellt – an Empfänger übergeben“" in reply
    assert "„Im Paketzentrum bearbeitet“" in reply and "in Nürnberg." in reply
    assert set(cited(session, reply, "de")) <= {a.slug for a in session.scalars(select(FaqArticle))}


def test_an_english_shopper_gets_an_english_answer(session: Session) -> None:
    ben = user(session, "ben@example.com")

    reply = bot.answer(session, ben, thread_of(ben), "Where is my parcel?")

    day = berlin_day(session, demo_id("tracking_event", "H1004523879999:1"), "en")
    assert reply.startswith("Your order NA-100262 (placed on ")
    assert f"• Parcel Hermes H1004523879999: “Processed at parcel centre” – {day} at " in reply
    assert re.search(r" at \d{1,2}:\d{2}\s?[AP]M in Hamburg\.", reply)
    assert "Expected delivery: " in reply


def test_an_order_named_by_number_and_one_that_is_not_the_shoppers(session: Session) -> None:
    anna = user(session, "anna@example.com")

    delivered = bot.answer(session, anna, thread_of(anna), "Status von NA-100198?")
    foreign = bot.answer(session, anna, thread_of(anna), "Wo ist NA-100233?")  # ben's order
    pickup = bot.answer(session, anna, thread_of(anna), "Wo ist meine Bestellung NA-100252?")

    assert delivered.startswith("Ihre Bestellung NA-100198 ")
    assert "/help/articles/" not in delivered  # a settled order needs no parcel articles
    assert foreign == "Die Bestellung NA-100233 finde ich in Ihrem Konto nicht."
    assert "Sie liegt zur Abholung in der Filiale bereit." in pickup


def test_a_shopper_without_orders_is_told_so(session: Session) -> None:
    agent = user(session, "agent@example.com")  # any account without orders
    assert session.scalar(select(Order.id).where(Order.customer_id == agent.id)) is None

    reply = bot.answer(session, agent, thread_of(agent), "Wo ist mein Paket?")

    assert reply.startswith("Ich finde in Ihrem Konto keine Bestellungen.")


@pytest.mark.parametrize(("question", "locale", "expected"), [
    ("Ich habe mein Rücksendeetikett verloren", "de", "return-label-lost"),
    ("Kann ich auf Rechnung bezahlen?", "de", "invoice-payment"),
    ("Meine Punkte sind verfallen", "de", "loyalty-points-expired"),
    ("How do I return an item?", "en", "return-how-to"),
])
def test_faq_questions_are_answered_with_cited_articles(session: Session, question: str, locale: str,
                                                         expected: str) -> None:
    shopper = user(session, "anna@example.com" if locale == "de" else "ben@example.com")

    reply = bot.answer(session, shopper, thread_of(shopper), question)

    slugs = cited(session, reply, locale)
    assert expected in slugs
    assert 1 <= len(slugs) <= 3
    intro = "Das habe ich in unserer Hilfe gefunden:" if locale == "de" else "This is what I found in our help centre:"
    assert reply.startswith(intro)


def test_the_article_that_did_not_help_is_not_offered_again(session: Session) -> None:
    anna = user(session, "anna@example.com")
    question = "Ich habe mein Rücksendeetikett verloren"

    reply = bot.answer(session, anna, thread_of(anna, context={"article": "return-label-lost"}), question)

    assert "return-label-lost" not in cited(session, reply, "de")


@pytest.mark.parametrize(("email", "question", "expected"), [
    ("anna@example.com", "Schreiben Sie mir bitte ein Gedicht über Pinguine.",
     "Darauf habe ich leider keine verlässliche Antwort."),
    ("ben@example.com", "What is the meaning of life?", "I'm sorry, I don't have a reliable answer to that."),
    ("ben@example.com", "???", "I'm sorry, I don't have a reliable answer to that."),
])
def test_it_says_when_it_does_not_know(session: Session, email: str, question: str, expected: str) -> None:
    shopper = user(session, email)

    reply = bot.answer(session, shopper, thread_of(shopper), question)

    assert reply.startswith(expected)
    assert "/help/articles/" not in reply and "/orders/" not in reply


def test_the_same_question_gets_the_same_answer(session: Session) -> None:
    anna = user(session, "anna@example.com")
    thread = thread_of(anna)
    answers = {bot.answer(session, anna, thread, q) for q in ["Wo ist mein Paket?"] * 3}
    assert len(answers) == 1


def test_the_reply_arrives_with_the_question(anna: Device) -> None:
    thread_id = new_id()
    anna.send("thread.create", {"thread_id": thread_id, "subject": "Paket", "first_message_id": new_id(),
                                "body": "Wo ist mein Paket?"})

    replies = [m for m in rows(anna, "message").values() if m["thread_id"] == thread_id and m["sender"] == "bot"]

    assert len(replies) == 1
    assert replies[0]["body"].startswith("Ihre Bestellung NA-100260 ")
    assert datetime.fromisoformat(replies[0]["sent_at"]).tzinfo == UTC


def test_the_fallback_search_finds_plain_matches(session: Session) -> None:
    """Used when the help centre's search (server.faq_search) is not installed."""
    from server.bot.faq import _fallback

    assert _fallback(session, "Rücksendeetikett verloren", "de")[0][0] == "return-label-lost"
    assert _fallback(session, "Pinguine", "de") == []
