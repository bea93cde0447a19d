"""The conversation bot: answers a shopper's message in a thread that has not asked for a human.

It runs on the server, in a transaction of its own right after the shopper's `thread.create`/
`message.send` commits (`server.mutators.messaging.answer_pending`), and is plain functions over
the database: the same question on the same data gives the same
answer. It answers order questions from the shopper's own orders (`server.bot.orders`), other
questions with the best one to three help-centre articles, cited with their title and an in-app
link (`/help/articles/<slug>`), and says so honestly when it has neither. It writes in the
shopper's language. After `thread.request_human` it is never called for that thread again
(`server.mutators.messaging` checks the thread's status).
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.bot.faq import find_articles
from server.bot.intents import is_order_question, order_number_in
from server.bot.orders import order_answer, pick_order
from server.bot.texts import say
from server.models import Order, Thread, User

ARTICLE_LINK = "/help/articles/{slug}"


def article_lines(hits: list[tuple[str, str, float]], locale: str) -> list[str]:
    return [say("article_line", locale, title=title, link=ARTICLE_LINK.format(slug=slug)) for slug, title, _ in hits]


def answer(session: Session, customer: User, thread: Thread, question: str) -> str:
    """The bot's reply to `question` (the shopper's message) in `thread`."""
    locale = customer.locale if customer.locale in ("de", "en") else "de"
    read_article = (thread.context or {}).get("article")
    if is_order_question(question):
        number = order_number_in(question)
        order = pick_order(session, customer.id, thread, number)
        if order is None:
            has_orders = session.scalar(select(Order.id).where(Order.customer_id == customer.id).limit(1))
            if number is not None and has_orders:
                return say("order_unknown_number", locale, number=number)
            return say("no_orders", locale)
        parts = [order_answer(order, locale)]
        # Help articles only while a parcel is still out there (delays, "not received"); about a
        # settled order they would be noise.
        moving = any(s.delivered_at is None for s in order.shipments)
        topics = {"click-collect"} if order.fulfilment == "pickup" else {"shipping"}
        more = find_articles(session, question, locale, limit=2, exclude=read_article,
                             categories=topics) if moving else []
        if more:
            parts.append("\n".join([say("more_articles_intro", locale), *article_lines(more, locale)]))
        return "\n\n".join(parts)
    hits = find_articles(session, question, locale, limit=3, exclude=read_article)
    if not hits:
        return say("dont_know", locale)
    return "\n".join([say("articles_intro", locale), *article_lines(hits, locale), "",
                      say("articles_outro", locale)])


def sender_name(locale: str) -> str:
    return say("bot_name", locale)
