"""FAQ search on the device: ranking, typos, compounds, umlauts, prefixes, highlights, offline,
and an index that follows the synced articles (changes, deletions, a reset wipe)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.text_search import Segment
from server.db import Database
from server.models import FaqArticle
from server.models.base import utcnow
from server.projections.public import publish_faq_article
from server.sync.log import commit_seq
from services.client import AccountSession, ClientCore
from services.faq import SearchHit
from tests.support.network import Network


@pytest.fixture
def account(network: Network, tmp_path: Path) -> Iterator[AccountSession]:
    core = ClientCore("http://testserver", tmp_path / "client", "phone", http=network.client())
    session = core.sign_in("anna@example.com", "demo-anna")
    session.sync.sync_once()
    yield session
    session.close()


def slugs(hits: list[SearchHit]) -> list[str]:
    return [h.article.slug for h in hits]


def top3(account: AccountSession, query: str, locale: str = "de") -> list[str]:
    return slugs(account.faq.search(query, locale, limit=3))


def bold(segments: tuple[Segment, ...]) -> list[str]:
    return [text for text, matched in segments if matched]


@pytest.mark.parametrize(("query", "locale", "expected"), [
    ("Wie lange dauert die Lieferung?", "de", "shipping-delivery-times"),
    ("Rücksendeetikett verloren", "de", "return-label-lost"),
    ("Passwort vergessen", "de", "forgot-password"),
    ("Can I pay by invoice?", "en", "invoice-payment"),
    ("delete my account", "en", "delete-account"),
])
def test_the_article_asked_for_ranks_first(account: AccountSession, query: str, locale: str, expected: str) -> None:
    assert top3(account, query, locale)[0] == expected


@pytest.mark.parametrize(("query", "locale", "expected"), [
    ("Pasword vergesen", "de", "forgot-password"),  # two typos
    ("Rücksedung ohne Druker", "de", "return-without-printer"),
    ("Gutschien einlösen", "de", "vouchers"),  # swapped letters
    ("refnud to paypal", "en", "refund-to-original-payment"),
    ("unsubscirbe newsletter", "en", "newsletter-unsubscribe"),
])
def test_typos_still_find_the_article(account: AccountSession, query: str, locale: str, expected: str) -> None:
    assert expected in top3(account, query, locale)


def test_a_compound_finds_articles_about_its_parts(account: AccountSession) -> None:
    # "Paketverfolgung" is in no article; "Paket" and "Sendungsverfolgung"/"verfolgen" are.
    assert "where-is-my-parcel" in top3(account, "Paketverfolgung")
    # The parts of "Rücksendeetikett" ("Rücksendung", "Etikett") lead to the return articles.
    found = top3(account, "Rücksendeetikett")
    assert found[0] == "return-label-lost"
    assert {"return-without-printer", "return-how-to", "return-drop-off"} & set(found[1:])
    # And the other way round: a part finds the compound in an article's title.
    assert "return-label-lost" in top3(account, "Etikett verloren")


@pytest.mark.parametrize("spelling", ["Rücksendung abgeben", "Rucksendung abgeben", "Ruecksendung abgeben",
                                      "RÜCKSENDUNG ABGEBEN"])
def test_umlaut_spellings_are_one_word(account: AccountSession, spelling: str) -> None:
    assert top3(account, spelling)[0] == "return-drop-off"


def test_sharp_s_and_ss_are_one_letter(account: AccountSession) -> None:
    assert top3(account, "andere Grösse")[0] == top3(account, "andere Größe")[0] == "exchange-size"
    assert top3(account, "Groesse umtauschen")[0] == "exchange-size"


def test_the_last_word_matches_as_a_prefix_while_typing(account: AccountSession) -> None:
    assert "loyalty-points-balance" in top3(account, "Punktest")
    assert "express-delivery" in top3(account, "express deliv", "en")
    # Once a space follows, the word is complete: "Punktest" alone is no word of any article.
    assert account.faq.search("Punktest ", "de") == []


def test_results_carry_highlight_spans(account: AccountSession) -> None:
    hit = account.faq.search("Rucksendeetikett verloren", "de", limit=1)[0]
    assert "".join(t for t, _ in hit.title) == hit.article.title  # the segments rebuild the title
    assert bold(hit.title) == ["Rücksendeetikett", "verloren"]
    assert any(matched for _, matched in hit.snippet)
    snippet_text = "".join(t for t, _ in hit.snippet)
    assert 0 < len(snippet_text) <= 170
    en = account.faq.search("return label", "en", limit=1)[0]
    assert bold(en.title) == ["return", "label"]
    # A part of a compound is found inside it, and the word being typed is marked as a prefix.
    part = account.faq.search("Etikett", "de", limit=3)
    assert bold(next(h for h in part if h.article.slug == "return-label-lost").title) == ["Rücksendeetikett"]
    typing = account.faq.search("Passw", "de", limit=1)[0]
    assert bold(typing.title) == ["Passwort"]


def test_nothing_found_is_an_empty_list(account: AccountSession) -> None:
    assert account.faq.search("xylophon quantenphysik", "de") == []
    assert account.faq.search("   ", "de") == []


def test_categories_articles_article_and_related(account: AccountSession) -> None:
    cats = account.faq.categories("de")
    assert [c.slug for c in cats][:2] == ["shipping", "returns"]
    assert sum(c.count for c in cats) == 62 and all(c.count > 0 for c in cats)
    assert cats[0].title == "Versand & Lieferung"

    shipping = account.faq.articles("shipping", "de")
    assert len(shipping) == cats[0].count and all(a.locale == "de" and a.category == "shipping" for a in shipping)

    article = account.faq.article("return-label-lost", "en")
    assert article is not None and article.title == "I lost my return label"
    related = account.faq.related(article)
    assert len(related) == 3 and article.slug not in {a.slug for a in related}
    assert all(a.locale == "en" for a in related)
    assert related[0].category == "returns"
    assert account.faq.article("no-such-article", "de") is None


def test_search_works_offline(account: AccountSession, network: Network) -> None:
    network.online = False
    assert top3(account, "Wo ist mein Paket")[0] == "where-is-my-parcel"


def test_feedback_is_queued_offline_and_remembered(account: AccountSession, network: Network,
                                                   server: tuple[FastAPI, Database]) -> None:
    article = account.faq.article("return-label-lost", "de")
    assert article is not None and account.faq.feedback_given(article.slug) is None
    network.online = False

    account.faq.feedback(article, helpful=False, query="etikett verloren")

    assert account.faq.feedback_given(article.slug) is False
    assert account.sync.status.pending == 1
    network.online = True
    account.sync.sync_once()
    assert account.sync.status.pending == 0
    with server[1].engine.connect() as conn:
        assert conn.execute(text("SELECT helpful_no FROM faq_article WHERE id = :i"), {"i": article.id}).scalar() == 1


def _publish(db: Database, slug: str, locale: str, title: str, body: str) -> str:
    with db.write() as session:
        row = session.query(FaqArticle).filter_by(slug=slug, locale=locale).one_or_none()
        if row is None:
            row = FaqArticle(id=f"test-{slug}-{locale}", slug=slug, locale=locale, category="shipping", title=title,
                             body=body, tags=[], updated_at=utcnow())
            session.add(row)
        else:
            row.title, row.body = title, body
        session.flush()
        publish_faq_article(session, row)
        commit_seq(session)
        return row.id


def test_the_index_follows_synced_changes(account: AccountSession, server: tuple[FastAPI, Database]) -> None:
    db = server[1]
    assert account.faq.search("Lastenfahrrad", "de") == []

    article_id = _publish(db, "cargo-bike", "de", "Liefern Sie mit dem Lastenfahrrad?", "Ja, in Berlin.")
    account.sync.sync_once()
    assert top3(account, "Lastenfahrrad")[0] == "cargo-bike"

    _publish(db, "cargo-bike", "de", "Liefern Sie per Drohne?", "Nein.")
    account.sync.sync_once()
    assert "cargo-bike" not in top3(account, "Lastenfahrrad")
    assert top3(account, "Drohne")[0] == "cargo-bike"

    # A reset wipes the synced rows: the index must not keep answering from them.
    account.sync.clear_cache()
    assert account.faq.search("Drohne", "de") == []
    account.sync.sync_once()
    assert top3(account, "Drohne")[0] == "cargo-bike"
    with account.sync.engine.connect() as conn:
        indexed = conn.execute(text("SELECT count(*) FROM faq_search_doc")).scalar()
        synced = conn.execute(text("SELECT count(*) FROM synced_faq_article")).scalar()
    assert indexed == synced == 125
    assert article_id


def test_a_cache_synced_before_the_index_existed_is_indexed_on_open(network: Network, tmp_path: Path) -> None:
    core = ClientCore("http://testserver", tmp_path / "client", "phone", http=network.client())
    first = core.sign_in("anna@example.com", "demo-anna")
    with first.sync.engine.begin() as conn:  # as an app version without the index left it
        for name in ("faq_search_ins", "faq_search_upd", "faq_search_del"):
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    first.sync.sync_once()
    first.close()

    again = core.restore()
    assert again is not None
    try:
        assert top3(again, "Wo ist mein Paket")[0] == "where-is-my-parcel"
    finally:
        again.close()
