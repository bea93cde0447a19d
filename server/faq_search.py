"""FAQ search on the server (for the bot): the device's ranking, in memory, on any database.

The articles of one language are analysed with `app.text_search` (the same folding, stemming,
compound splitting and scoring as the Help tab on the device) into a small in-memory index,
kept per database engine and language and rebuilt when the articles change (their count or
latest `updated_at`). That works the same on SQLite and PostgreSQL and needs no search table;
a few thousand articles index in well under a second and answer in about a millisecond.
"""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, func, select
from sqlalchemy.orm import Session

from app.text_search import (
    Doc,
    Vocabulary,
    doc_from_fields,
    document_fields,
    plan_query,
    score,
)
from server.models import FaqArticle

# Below this a result shares only a word or a guessed spelling with the question: the bot
# should say it does not know rather than cite it.
MIN_SCORE = 2.0


@dataclass(frozen=True)
class _Entry:
    slug: str
    title: str
    doc: Doc


@dataclass(frozen=True)
class _Index:
    fingerprint: tuple[Any, ...]
    vocab: Vocabulary
    entries: tuple[_Entry, ...]
    postings: dict[str, tuple[int, ...]]  # term -> positions in `entries`


_cache: weakref.WeakKeyDictionary[Engine, dict[str, _Index]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _build(rows: Sequence[Any], locale: str, fingerprint: tuple[Any, ...]) -> _Index:
    first = [document_fields(r.title, r.body, r.tags or [], locale, None) for r in rows]
    df: Counter[str] = Counter()
    for fields in first:
        df.update(set(" ".join(fields.values()).split()))
    split_vocab = Vocabulary(df, len(rows))
    entries, df = [], Counter()
    postings: dict[str, list[int]] = {}
    for n, r in enumerate(rows):
        fields = document_fields(r.title, r.body, r.tags or [], locale, split_vocab)
        terms = set(" ".join(fields.values()).split())
        df.update(terms)
        for t in terms:
            postings.setdefault(t, []).append(n)
        entries.append(_Entry(r.slug, r.title, doc_from_fields(fields)))
    return _Index(fingerprint, Vocabulary(df, len(rows)), tuple(entries),
                  {t: tuple(ns) for t, ns in postings.items()})


# Every bot answer checks the fingerprint: built once, it costs only its (tiny) run.
_FINGERPRINT = select(func.count(), func.max(FaqArticle.updated_at)).where(FaqArticle.locale == bindparam("locale"))


def _index(session: Session, locale: str) -> _Index:
    fingerprint = tuple(session.execute(_FINGERPRINT, {"locale": locale}).one())
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with _lock:
        cached = _cache.get(engine, {}).get(locale)
    if cached is not None and cached.fingerprint == fingerprint:
        return cached
    rows = session.execute(select(FaqArticle.slug, FaqArticle.title, FaqArticle.body, FaqArticle.tags)
                           .where(FaqArticle.locale == locale).order_by(FaqArticle.slug)).all()
    built = _build(rows, locale, fingerprint)
    with _lock:
        _cache.setdefault(engine, {})[locale] = built
    return built


def search_articles(session: Session, query: str, locale: str, limit: int = 3) -> list[tuple[str, str, float]]:
    """The best articles of `locale` for `query`: (slug, title, score), best first.

    Typos, German compounds and umlaut spellings are handled as in the app. Only articles that
    match at all are returned; compare the score with `MIN_SCORE` before citing one.
    """
    index = _index(session, locale)
    plan = plan_query(query, locale, index.vocab, typing=False)
    if plan.empty:
        return []
    candidates: set[int] = set()
    for group in plan.groups:
        for alternative in group.alternatives:
            terms = index.vocab.completions(alternative.term, limit=50) if alternative.prefix else [alternative.term]
            for t in terms:
                candidates.update(index.postings.get(t, ()))
    ranked = sorted(((score(plan, index.entries[n].doc, index.vocab), n) for n in candidates),
                    key=lambda pair: (-pair[0], pair[1]))
    return [(index.entries[n].slug, index.entries[n].title, s) for s, n in ranked[:limit] if s > 0]
