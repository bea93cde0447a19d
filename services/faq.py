"""The Help centre on the device: FAQ search, categories, articles and "Was this helpful?".

Everything reads the local cache (the `public` scope brings every article in every language),
so it works offline and answers while the user types. Search is `services.faq_index` (SQLite
FTS5 + the shared ranking of `app.text_search`); feedback is the `faq.feedback` mutation, and
the answer given is remembered on this device (`local_flag`), so the question is not asked again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select

from app.protocol.mutations import FaqFeedback
from app.protocol.sync import Entity
from app.text_search import QueryPlan, Segment, highlight, plan_query, snippet
from services.faq_index import FaqIndex
from services.ids import new_id
from services.storage.tables import SYNCED, local_flag
from services.sync import SyncEngine

log = logging.getLogger("nahtlos.faq")

FEEDBACK_FLAG = "faq_feedback:"  # + article slug -> "yes" | "no"
RELATED = 3


@dataclass(frozen=True)
class Article:
    id: str
    slug: str
    locale: str
    category: str
    title: str
    body: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Category:
    slug: str
    title: str
    icon: str
    position: int
    count: int


@dataclass(frozen=True)
class SearchHit:
    """One result: the article, its rank score, and its title and best passage cut into
    (text, matched) segments so the view can bold the matched words."""

    article: Article
    score: float
    title: tuple[Segment, ...]
    snippet: tuple[Segment, ...]


def _article(data: dict[str, Any]) -> Article:
    return Article(id=data["id"], slug=data["slug"], locale=data["locale"], category=data.get("category", ""),
                   title=data.get("title", ""), body=data.get("body", ""), tags=tuple(data.get("tags") or ()))


class FaqService:
    def __init__(self, sync: SyncEngine) -> None:
        self.sync = sync
        self.index = FaqIndex(sync.engine)
        self._unsubscribe = sync.on_changes(self._on_changes)

    def _on_changes(self, entities: set[str]) -> None:
        # Runs on the sync thread right after a page is applied: index now, so the next
        # keystroke does not pay for it. A search refreshes too, in case this was missed.
        if entities & {Entity.FAQ_ARTICLE.value, "*"}:
            self.index.refresh()

    def close(self) -> None:
        self._unsubscribe()

    # -- search (blocking: call off the UI loop) ----------------------------------------------
    def plan(self, query: str, locale: str, typing: bool = True) -> QueryPlan:
        return plan_query(query, locale, self.index.vocabulary(locale), typing=typing)

    def search(self, query: str, locale: str, limit: int = 10, typing: bool = True) -> list[SearchHit]:
        """Articles of `locale` for what the user typed, best first (typos, compounds, umlauts
        and the half-typed last word included)."""
        plan, found = self.index.search(query, locale, limit, typing=typing)
        hits = []
        for f in found:
            article = _article(f.data)
            hits.append(SearchHit(article, f.score, tuple(highlight(article.title, plan)),
                                  tuple(snippet(article.body, plan))))
        return hits

    # -- browsing ------------------------------------------------------------------------------
    def categories(self, locale: str) -> list[Category]:
        """The categories of `locale` in their order, each with its number of articles."""
        cats, arts = SYNCED[Entity.FAQ_CATEGORY], SYNCED[Entity.FAQ_ARTICLE]
        category = func.json_extract(arts.c.data, "$.category")
        with self.sync.engine.connect() as conn:
            counts: dict[str, int] = dict(conn.execute(select(category, func.count()).where(arts.c.locale == locale)
                                       .group_by(category)).all())
            rows = [r.data for r in conn.execute(select(cats.c.data).where(cats.c.locale == locale))]
        out = [Category(r["slug"], r["title"], r.get("icon", ""), int(r.get("position", 0)), int(counts.get(r["slug"], 0)))
               for r in rows]
        return sorted(out, key=lambda c: (c.position, c.title))

    def articles(self, category: str, locale: str) -> list[Article]:
        table = SYNCED[Entity.FAQ_ARTICLE]
        with self.sync.engine.connect() as conn:
            rows = conn.execute(select(table.c.data).where(
                table.c.locale == locale, func.json_extract(table.c.data, "$.category") == category)).all()
        return sorted((_article(r.data) for r in rows), key=lambda a: a.title.casefold())

    def article(self, slug: str, locale: str) -> Article | None:
        """The article in `locale`, else in any language the cache has (a link from another language)."""
        table = SYNCED[Entity.FAQ_ARTICLE]
        with self.sync.engine.connect() as conn:
            rows = [r.data for r in conn.execute(select(table.c.data).where(table.c.slug == slug))]
        rows.sort(key=lambda r: r.get("locale") != locale)
        return _article(rows[0]) if rows else None

    def related(self, article: Article, limit: int = RELATED) -> list[Article]:
        """Articles sharing terms with this one's title and tags (its own category counts more),
        then the rest of its category."""
        _, found = self.index.search(" ".join((article.title, *article.tags)), article.locale, limit * 4,
                                     typing=False, exclude={article.id})
        scored = [(f.score * (1.5 if f.data.get("category") == article.category else 1.0), _article(f.data))
                  for f in found]
        scored.sort(key=lambda pair: -pair[0])
        out = [a for _, a in scored][:limit]
        if len(out) < limit:
            seen = {a.id for a in out} | {article.id}
            out += [a for a in self.articles(article.category, article.locale) if a.id not in seen][:limit - len(out)]
        return out

    # -- feedback ------------------------------------------------------------------------------
    def feedback(self, article: Article, helpful: bool, query: str | None = None) -> str:
        """Queue "was this helpful?" (works offline) and remember the answer on this device."""
        feedback_id = new_id()
        args = FaqFeedback(feedback_id=feedback_id, article_id=article.id, helpful=helpful,
                           query=(query or "").strip()[:200] or None)
        key = FEEDBACK_FLAG + article.slug
        with self.sync.engine.begin() as conn:
            conn.execute(delete(local_flag).where(local_flag.c.key == key))
            conn.execute(insert(local_flag).values(key=key, value="yes" if helpful else "no"))
        self.sync.mutate("faq.feedback", args.model_dump(exclude_none=True), set())
        return feedback_id

    def feedback_given(self, slug: str) -> bool | None:
        """What this device answered for the article (None: not asked yet)."""
        with self.sync.engine.connect() as conn:
            value = conn.scalar(select(local_flag.c.value).where(local_flag.c.key == FEEDBACK_FLAG + slug))
        return None if value is None else value == "yes"


__all__ = ["Article", "Category", "FaqService", "SearchHit"]
