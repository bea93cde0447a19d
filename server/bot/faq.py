"""FAQ articles for the bot: the help centre's search (`server.faq_search.search_articles`),
or, where that module is not installed, a small word-overlap search over the FAQ table.

Either way the answer is a list of `(slug, title, score)`, best first.
"""

from collections.abc import Callable
from importlib import import_module

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.bot.intents import words
from server.models import FaqArticle

Hit = tuple[str, str, float]
Search = Callable[..., list[Hit]]

# Words that say nothing about the topic (folded, as `intents.words` yields them).
STOPWORDS = frozenset(["ich", "sie", "du", "er", "es", "wir", "ihr", "mein", "meine", "meinen", "meiner", "mich", "mir", "ihnen", "ihre", "ihr", "ist", "sind", "war", "bin", "habe", "hat", "haben", "kann", "konnen", "konnte", "wie", "was", "wo", "wann", "warum", "wer", "welche", "welcher", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "und", "oder", "aber", "nicht", "kein", "keine", "mit", "von", "fur", "auf", "aus", "bei", "nach", "zu", "zum", "zur", "im", "in", "an", "am", "um", "ob", "noch", "schon", "bitte", "danke", "hallo", "gibt", "geht", "man", "wird", "werden", "schreiben", "funktioniert", "funktionieren", "machen", "mache", "tun", "brauche", "frage", "fragen", "sagen", "wissen", "mochte", "mochten", "hilfe", "helfen", "i", "you", "he", "she", "it", "we", "they", "my", "me", "your", "is", "are", "was", "be", "have", "has", "had", "can", "could", "how", "what", "where", "when", "why", "who", "which", "the", "a", "an", "and", "or", "but", "not", "no", "with", "from", "for", "on", "at", "by", "to", "of", "in", "do", "does", "did", "please", "thanks", "hello", "there", "this", "that", "work", "works", "working", "make", "tell", "know", "want", "need", "help", "question", "would", "should"])


def _fallback(session: Session, query: str, locale: str, limit: int = 3) -> list[Hit]:
    """Title words count three times, tags twice, body words once; a word matches by its first five letters."""
    terms = {w[:5] for w in words(query) if len(w) >= 3 and w not in STOPWORDS}
    if not terms:
        return []
    hits: list[Hit] = []
    for article in session.scalars(select(FaqArticle).where(FaqArticle.locale == locale)):
        title = {w[:5] for w in words(article.title)}
        tags = {w[:5] for tag in article.tags or [] for w in words(tag)}
        body = {w[:5] for w in words(article.body)}
        score = sum(3 * (t in title) + 2 * (t in tags) + (t in body) for t in terms)
        if score >= 3:
            hits.append((article.slug, article.title, float(score)))
    hits.sort(key=lambda h: (-h[2], h[0]))
    return hits[:limit]


def _topic_words(text: str) -> set[str]:
    return {w[:5] for w in words(text) if len(w) >= 3 and w not in STOPWORDS}


def _on_topic(session: Session, query: str, locale: str, hits: list[Hit]) -> list[Hit]:
    """Keep articles whose title or tags share a content word with the question (by its first five
    letters, so "Rücksendeetikett" meets "Rücksendung" and "Rucksednung" too). A search engine finds
    *something* for nearly any text; the bot cites only what is plainly about the question."""
    wanted = _topic_words(query)
    if not wanted or not hits:
        return []
    rows = session.execute(select(FaqArticle.slug, FaqArticle.title, FaqArticle.tags).where(
        FaqArticle.locale == locale, FaqArticle.slug.in_([h[0] for h in hits]))).all()
    topical = {r.slug for r in rows if wanted & _topic_words(" ".join([r.title, *(r.tags or [])]))}
    return [h for h in hits if h[0] in topical]


def _module() -> object | None:
    try:
        return import_module("server.faq_search")
    except ImportError:
        return None


def _search() -> Search:
    found: Search = getattr(_module(), "search_articles", _fallback)
    return found


def _min_score() -> float:
    """The help centre's own threshold for citing a result (the fallback's scores start at 3)."""
    return float(getattr(_module(), "MIN_SCORE", 0.0)) if _search() is not _fallback else 0.0


def find_articles(session: Session, query: str, locale: str, limit: int = 3, exclude: str | None = None,
                  categories: set[str] | None = None) -> list[Hit]:
    """The best `limit` articles for `query` in `locale`, without `exclude` (an article already read),
    and only from `categories` if given (next to an order's tracking, only shipping articles make sense)."""
    if not words(query):
        return []
    hits = [h for h in _search()(session, query, locale, limit=limit + 4) if h[0] != exclude and h[2] >= _min_score()]
    hits = _on_topic(session, query, locale, hits)
    if categories is not None and hits:
        allowed = set(session.scalars(select(FaqArticle.slug).where(
            FaqArticle.locale == locale, FaqArticle.slug.in_([h[0] for h in hits]),
            FaqArticle.category.in_(categories))))
        hits = [h for h in hits if h[0] in allowed]
    return hits[:limit]
