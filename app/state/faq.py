"""The Help tab (search as you type, categories) and one FAQ article (related, "Was this helpful?").

Everything reads the device's cache through `services.faq.FaqService`, off the event loop; it
works offline exactly as online. A state is created by its screen, bound to the signed-in
account when the screen mounts, and follows the cache: when synced articles change, the
categories, the open category and the current results are read again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import flet as ft

from app.protocol.sync import Entity
from app.state.coalesce import Coalesced
from app.state.dispatch import UiDispatcher, watch_entities

if TYPE_CHECKING:
    from services.faq import Article, Category, FaqService, SearchHit
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

CACHE_UNAVAILABLE = "cache_unavailable"
RESULTS = 10
CONVERSATION_ROUTE = "/help/conversations/new"
_WATCHED = frozenset({Entity.FAQ_ARTICLE.value, Entity.FAQ_CATEGORY.value, "*"})


def conversation_route(article: str | None = None, query: str | None = None) -> str:
    """Where "Start a conversation" leads, with the article and the search attached."""
    params = {k: v for k, v in (("article", article), ("q", (query or "").strip())) if v}
    return CONVERSATION_ROUTE + (f"?{urlencode(params)}" if params else "")


def article_route(slug: str, query: str | None = None) -> str:
    q = (query or "").strip()
    return f"/help/articles/{slug}" + (f"?{urlencode({'q': q})}" if q else "")


@ft.observable
@dataclass(eq=False)
class FaqState:
    """Observable Help tab.

    Attributes:
        locale: language of the articles shown (the UI language).
        query: what is in the search field.
        results: hits for `searched`, best first (empty: nothing found, or no search).
        searched: the query `results` belong to ("" when not searching).
        categories: every category with its number of articles.
        category: the slug of the open category, or None.
        category_articles: the open category's articles.
        loaded: the cache has been read once.
        error: code of the last failure (`CACHE_UNAVAILABLE`).
    """

    locale: str = "de"
    query: str = ""
    results: list[SearchHit] = field(default_factory=list)
    searched: str = ""
    categories: list[Category] = field(default_factory=list)
    category: str | None = None
    category_articles: list[Article] = field(default_factory=list)
    loaded: bool = False
    error: str | None = None

    _service: FaqService | None = field(default=None, repr=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)
    _reads: Coalesced = field(default_factory=Coalesced, repr=False)
    _typed: int = field(default=0, repr=False)  # counts keystrokes: a slower, older search never wins

    @property
    def searching(self) -> bool:
        return bool(self.query.strip())

    @property
    def category_title(self) -> str:
        return next((c.title for c in self.categories if c.slug == self.category), "")

    def bind(self, service: FaqService, engine: SyncEngine, dispatcher: UiDispatcher, locale: str) -> None:
        """Follow the account's cache: re-read when FAQ articles or categories change."""
        self.unbind()
        self._service = service
        self.locale = locale

        self._unsubscribe = watch_entities(engine, dispatcher, _WATCHED, self.refresh)

    def unbind(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._service = None

    async def refresh(self) -> None:
        """Read categories, the open category and the results again (after a sync, a language change)."""
        await self._reads.run(self._read)

    async def _read(self) -> None:
        service = self._service
        if service is None:
            return
        try:
            categories = await asyncio.to_thread(service.categories, self.locale)
            articles = (await asyncio.to_thread(service.articles, self.category, self.locale)
                        if self.category else [])
        except Exception:
            logger.exception("reading the FAQ from the cache failed")
            self.error = CACHE_UNAVAILABLE
            self.loaded = True
            return
        self.categories, self.category_articles = categories, articles
        self.error = None
        self.loaded = True
        if self.searching:
            await self._search(self.query)

    async def set_locale(self, locale: str) -> None:
        if locale != self.locale:
            self.locale = locale
            await self.refresh()

    async def type(self, text: str) -> None:
        """User action: the search field changed; results follow as the user types."""
        self.query = text
        await self._search(text)

    async def _search(self, text: str) -> None:
        self._typed += 1
        mine = self._typed
        service = self._service
        if not text.strip() or service is None:
            self.results, self.searched = [], ""
            return
        try:
            hits = await asyncio.to_thread(service.search, text, self.locale, RESULTS)
        except Exception:
            logger.exception("FAQ search failed")
            hits = []
        if mine == self._typed:  # a later keystroke started its own search: its answer counts
            self.results, self.searched = hits, text

    async def clear(self) -> None:
        """User action: empty the search field."""
        await self.type("")

    async def open_category(self, slug: str) -> None:
        """User action: browse one category."""
        self.category = slug
        service = self._service
        if service is None:
            return
        try:
            self.category_articles = await asyncio.to_thread(service.articles, slug, self.locale)
        except Exception:
            logger.exception("reading a FAQ category failed")
            self.error = CACHE_UNAVAILABLE

    def close_category(self) -> None:
        self.category = None
        self.category_articles = []


@ft.observable
@dataclass(eq=False)
class FaqArticleState:
    """Observable article screen.

    Attributes:
        slug: the article on screen.
        query: the search that led here (attached to feedback and a new conversation).
        article: the article in the UI language (or another one the cache has); None if unknown.
        related: up to three articles to read next.
        feedback: what this device answered to "Was this helpful?" (None: not yet).
        loaded: the cache has been read once.
        error: code of the last failure.
    """

    slug: str
    query: str = ""
    article: Article | None = None
    related: list[Article] = field(default_factory=list)
    feedback: bool | None = None
    loaded: bool = False
    error: str | None = None

    _service: FaqService | None = field(default=None, repr=False)
    _locale: str = field(default="de", repr=False)

    def bind(self, service: FaqService, locale: str) -> None:
        self._service = service
        self._locale = locale

    def unbind(self) -> None:
        self._service = None

    async def open(self, slug: str, query: str = "") -> None:
        """Show another article (a related one) on the same screen."""
        if slug != self.slug:
            self.slug, self.query, self.article, self.related, self.feedback = slug, query, None, [], None
            self.loaded = False
        await self.load()

    async def load(self) -> None:
        service = self._service
        if service is None:
            return
        try:
            article = await asyncio.to_thread(service.article, self.slug, self._locale)
            related = await asyncio.to_thread(service.related, article) if article else []
            given = await asyncio.to_thread(service.feedback_given, self.slug)
        except Exception:
            logger.exception("reading a FAQ article failed")
            self.error = CACHE_UNAVAILABLE
        else:
            self.article, self.related, self.feedback, self.error = article, related, given, None
        self.loaded = True

    async def answer(self, helpful: bool) -> bool:
        """User action: "Was this helpful?" yes or no. Queued (works offline); True when recorded."""
        service, article = self._service, self.article
        if service is None or article is None:
            return False
        try:
            await asyncio.to_thread(service.feedback, article, helpful, self.query or None)
        except Exception:
            logger.exception("queueing FAQ feedback failed")
            self.error = CACHE_UNAVAILABLE
            return False
        self.feedback = helpful
        return True

    @property
    def conversation_route(self) -> str:
        return conversation_route(self.slug, self.query)
