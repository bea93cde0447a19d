"""The server's FAQ search (the bot's): the device's ranking, on SQLite and PostgreSQL alike."""

import pytest

from server.db import Database
from server.faq_search import MIN_SCORE, search_articles
from server.models import FaqArticle
from server.models.base import utcnow


def slugs(db: Database, query: str, locale: str = "de", limit: int = 3) -> list[str]:
    with db.read() as session:
        return [slug for slug, _, _ in search_articles(session, query, locale, limit)]


@pytest.mark.parametrize(("query", "locale", "expected"), [
    ("Wo ist mein Paket?", "de", "where-is-my-parcel"),
    ("Ich habe mein Rücksendeetikett verloren", "de", "return-label-lost"),
    ("Ruecksendung ohne Drucker", "de", "return-without-printer"),  # umlaut spelled out
    ("Pasword vergesen", "de", "forgot-password"),  # typos
    ("Paketverfolgung", "de", "where-is-my-parcel"),  # a compound in no article
    ("andere Grösse", "de", "exchange-size"),  # ß as ss
    ("Where is my parcel?", "en", "where-is-my-parcel"),
    ("my parcel arived damagd", "en", "parcel-damaged"),
])
def test_the_bot_finds_the_article(db: Database, query: str, locale: str, expected: str) -> None:
    assert slugs(db, query, locale)[0] == expected


def test_results_are_slug_title_and_score_best_first(db: Database) -> None:
    with db.read() as session:
        found = search_articles(session, "Rücksendung Etikett", "de", limit=3)
    assert len(found) == 3
    assert found[0][:2] == ("return-label-lost", "Ich habe mein Rücksendeetikett verloren")
    assert [s for _, _, s in found] == sorted((s for _, _, s in found), reverse=True)
    assert found[0][2] >= MIN_SCORE


def test_an_unrelated_question_finds_nothing(db: Database) -> None:
    with db.read() as session:
        assert search_articles(session, "Quantenphysik Xylophon", "de") == []
        assert search_articles(session, "Hallo", "de") == []


def test_a_changed_article_is_found_by_its_new_words(db: Database) -> None:
    assert slugs(db, "Lastenfahrrad") == []
    with db.write() as session:
        session.add(FaqArticle(id="test-cargo-bike-de", slug="cargo-bike", locale="de", category="shipping",
                               title="Liefern Sie mit dem Lastenfahrrad?", body="Ja, in Berlin.", tags=[],
                               updated_at=utcnow()))
    assert slugs(db, "Lastenfahrrad") == ["cargo-bike"]
