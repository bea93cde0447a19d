"""The FAQ search index, inside the account's cache file: one SQLite FTS5 table per language.

The synced `faq_article` rows stay the source of truth. Triggers on their table note every
inserted, updated or deleted article id in `faq_search_dirty` in the same transaction as the
sync apply (plain SQL, so any connection may write the table); `refresh()` then re-indexes just
those articles. A page applied, a reset wipe, a scope removal: whatever touches the rows marks
them, so the index can lag by at most one `refresh()` and never drifts. Measured (bench.faq_search):
the triggers add about one row write per changed article to an apply, an incremental refresh of
one article costs well under a millisecond, a full rebuild of 20,000 rows seconds.

Indexed text is already analysed (`app.text_search.document_fields`: folded, stemmed, compounds
split), so FTS5's own tokenizer only splits on spaces. FTS5 finds and orders candidates with
BM25; `app.text_search.score` ranks the best of them the same way the server's bot does.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from app.text_search import (
    Alternative,
    Doc,
    QueryPlan,
    Vocabulary,
    doc_from_fields,
    plain_fields,
    plan_query,
    score,
    with_parts,
)

_LOCALE = re.compile(r"^[a-z]{2,3}$")
FIELDS = ("title", "tags", "body", "parts")
CANDIDATES = 50  # FTS5 BM25 preselects this many per tier; the shared scorer orders them
COMMON, COMMON_MIN = 0.05, 50  # a word in more than 5% of the articles (and 50) is "common"

_DDL = (
    ("CREATE TABLE IF NOT EXISTS faq_search_doc (docno INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
    "locale TEXT NOT NULL, seq INTEGER NOT NULL, slug TEXT NOT NULL, category TEXT NOT NULL)"),
    "CREATE TABLE IF NOT EXISTS faq_search_dirty (id TEXT PRIMARY KEY)",
    # Bumped by every refresh that changed the index: other sessions on this file drop their caches.
    "CREATE TABLE IF NOT EXISTS faq_search_meta (id INTEGER PRIMARY KEY, generation INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO faq_search_meta (id, generation) VALUES (1, 0)",
    ("CREATE TRIGGER IF NOT EXISTS faq_search_ins AFTER INSERT ON synced_faq_article "
    "BEGIN INSERT OR IGNORE INTO faq_search_dirty(id) VALUES (new.id); END"),
    ("CREATE TRIGGER IF NOT EXISTS faq_search_upd AFTER UPDATE ON synced_faq_article "
    "BEGIN INSERT OR IGNORE INTO faq_search_dirty(id) VALUES (new.id); END"),
    ("CREATE TRIGGER IF NOT EXISTS faq_search_del AFTER DELETE ON synced_faq_article "
    "BEGIN INSERT OR IGNORE INTO faq_search_dirty(id) VALUES (old.id); END"),
)
_STATE = ("SELECT (SELECT generation FROM faq_search_meta WHERE id = 1), "
          "EXISTS (SELECT 1 FROM faq_search_dirty)")
# Articles indexed at another version than the cache holds, or no longer in it (a cache that
# was synced before the triggers existed, or an index built by an older version).
_RECONCILE = (
    ("INSERT OR IGNORE INTO faq_search_dirty(id) SELECT s.id FROM synced_faq_article s "
    "LEFT JOIN faq_search_doc d ON d.id = s.id WHERE d.id IS NULL OR d.seq != s.seq"),
    ("INSERT OR IGNORE INTO faq_search_dirty(id) SELECT d.id FROM faq_search_doc d "
    "LEFT JOIN synced_faq_article s ON s.id = d.id WHERE s.id IS NULL"),
)


def _table(locale: str) -> str:
    if not _LOCALE.match(locale):
        raise ValueError(f"not a locale: {locale!r}")
    return f"faq_fts_{locale}"


@dataclass(frozen=True)
class Found:
    data: dict[str, Any]  # the synced payload (FaqArticlePublic)
    score: float


class FaqIndex:
    """FTS5 tables, their vocabularies (kept in memory per language) and incremental refresh.

    Thread-safe: the UI searches from worker threads while the sync thread refreshes.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.RLock()
        self._vocab: dict[str, Vocabulary] = {}
        # Analysed fields of recently ranked articles (docno -> Doc); docnos change on re-index,
        # and the cache is dropped on every refresh that changed something.
        self._docs: dict[int, Doc] = {}
        self._generation = -1
        with engine.begin() as conn:
            for statement in _DDL:
                conn.exec_driver_sql(statement)
            for statement in _RECONCILE:
                conn.exec_driver_sql(statement)

    # -- maintenance ------------------------------------------------------------------------
    def _ensure_table(self, conn: Connection, locale: str) -> str:
        table = _table(locale)
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5(title, tags, body, parts, "
            "tokenize='unicode61 remove_diacritics 0', prefix='2 3')")
        conn.exec_driver_sql(f"CREATE VIRTUAL TABLE IF NOT EXISTS {table}_vocab USING fts5vocab({table}, 'row')")
        # BM25 with the same field weights as the shared scorer: title, tags, body, compound parts.
        conn.exec_driver_sql(f"INSERT INTO {table} ({table}, rank) VALUES ('rank', 'bm25(3.0, 2.0, 1.0, 0.8)')")
        return table

    def locales(self, conn: Connection) -> list[str]:
        return [r[0] for r in conn.execute(text("SELECT DISTINCT locale FROM faq_search_doc"))]

    def pending(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1 FROM faq_search_dirty LIMIT 1")).first() is not None

    def refresh(self) -> int:
        """Re-index the articles whose rows changed since the last refresh; returns how many."""
        with self._lock:
            if not self.pending():
                return 0
            with self.engine.begin() as conn:
                count, touched = self._reindex(conn)
                conn.exec_driver_sql("DELETE FROM faq_search_dirty")
                generation = conn.exec_driver_sql("UPDATE faq_search_meta SET generation = generation + 1 "
                                                  "WHERE id = 1 RETURNING generation").scalar_one()
            for locale in touched:
                self._vocab.pop(locale, None)
            self._docs = {}
            self._generation = generation
            return int(count)

    def _reindex(self, conn: Connection) -> tuple[int, set[str]]:
        """Drop the marked articles from the index and add back those the cache still holds."""
        count = conn.exec_driver_sql("SELECT count(*) FROM faq_search_dirty").scalar_one()
        old = conn.exec_driver_sql("SELECT d.docno, d.locale FROM faq_search_doc d "
                                   "JOIN faq_search_dirty x ON x.id = d.id").all()
        touched = {locale for _, locale in old}
        for locale in touched:
            conn.exec_driver_sql(f"DELETE FROM {_table(locale)} WHERE rowid = ?",
                                 [(docno,) for docno, loc in old if loc == locale])
        conn.exec_driver_sql("DELETE FROM faq_search_doc WHERE id IN (SELECT id FROM faq_search_dirty)")
        rows = [(r[0], r[1], _json(r[2])) for r in conn.exec_driver_sql(
            "SELECT s.id, s.seq, s.data FROM synced_faq_article s JOIN faq_search_dirty x ON x.id = s.id")]
        by_locale: dict[str, list[tuple[str, int, dict[str, Any]]]] = {}
        for row in rows:
            locale = str(row[2].get("locale", ""))
            if _LOCALE.match(locale):
                by_locale.setdefault(locale, []).append(row)
        docno = conn.exec_driver_sql("SELECT coalesce(max(docno), 0) FROM faq_search_doc").scalar_one()
        for locale, batch in by_locale.items():
            touched.add(locale)
            table = self._ensure_table(conn, locale)
            plain = [plain_fields(d.get("title", ""), d.get("body", ""), d.get("tags") or [], locale)
                     for _, _, d in batch]
            vocab = self._split_vocabulary(conn, table, locale, plain)
            docs, texts = [], []
            for (article_id, seq, data), fields in zip(batch, plain, strict=True):
                docno += 1
                if vocab is not None:
                    fields = with_parts(fields, data.get("title", ""), data.get("body", ""), data.get("tags") or [],
                                        locale, vocab)
                docs.append((docno, article_id, locale, seq, data.get("slug", ""), data.get("category", "")))
                texts.append((docno, fields["title"], fields["tags"], fields["body"], fields["parts"]))
            conn.exec_driver_sql("INSERT INTO faq_search_doc (docno, id, locale, seq, slug, category) "
                                 "VALUES (?, ?, ?, ?, ?, ?)", docs)
            conn.exec_driver_sql(f"INSERT INTO {table} (rowid, title, tags, body, parts) VALUES (?, ?, ?, ?, ?)", texts)
        return count, touched

    def _split_vocabulary(self, conn: Connection, table: str, locale: str, plain: list[dict[str, str]]
                          ) -> Vocabulary | None:
        """The terms compounds are split against: the indexed ones plus the new batch's own."""
        if locale != "de":
            return None
        known = self._vocab.get(locale)
        df: Counter[str] = Counter(known.df if known is not None and len(plain) < 100 else dict(
            conn.exec_driver_sql(f"SELECT term, doc FROM {table}_vocab").all()))
        for fields in plain:
            df.update(set(" ".join(fields.values()).split()))
        return Vocabulary(df, max(1, len(plain)))

    # -- reading ----------------------------------------------------------------------------
    def _follow(self, generation: int) -> None:
        """Drop what is cached in memory if another session of this cache file re-indexed."""
        if generation != self._generation:
            self._vocab, self._docs, self._generation = {}, {}, generation

    def _vocabulary(self, conn: Connection, locale: str) -> Vocabulary:
        vocab = self._vocab.get(locale)
        if vocab is None:
            table = _table(locale)
            if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).first() is None:
                vocab = Vocabulary({}, 0)
            else:
                df: dict[str, int] = dict(conn.exec_driver_sql(f"SELECT term, doc FROM {table}_vocab").all())
                vocab = Vocabulary(df, conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
            self._vocab[locale] = vocab
        return vocab

    def vocabulary(self, locale: str) -> Vocabulary:
        """The indexed terms of `locale` with document frequencies (cached until the next refresh)."""
        with self._lock, self.engine.connect() as conn:
            self._follow(conn.exec_driver_sql(_STATE).one()[0])
            return self._vocabulary(conn, locale)

    def search(self, query: str, locale: str, limit: int, typing: bool = True,
               exclude: Iterable[str] = ()) -> tuple[QueryPlan, list[Found]]:
        """Plan `query` against the index of `locale` and return the best articles (their synced
        payloads), best first. Re-indexes first if synced articles changed since the last refresh."""
        for attempt in range(2):
            with self.engine.connect() as conn:  # one transaction: state, vocabulary, matches, payloads
                generation, dirty = conn.exec_driver_sql(_STATE).one()
                if not dirty or attempt:
                    with self._lock:
                        self._follow(generation)
                        vocab = self._vocabulary(conn, locale)
                    plan = plan_query(query, locale, vocab, typing=typing)
                    return plan, self._ranked(conn, plan, vocab, limit, set(exclude))
            self.refresh()
        raise AssertionError("unreachable")

    def _ranked(self, conn: Connection, plan: QueryPlan, vocab: Vocabulary, limit: int, skip: set[str]
                ) -> list[Found]:
        if plan.empty or not len(vocab):
            return []
        table = _table(plan.locale)
        docs = self._docs  # a refresh swaps in a new dict: what is stored here then is simply dropped
        seen: dict[int, tuple[float, str]] = {}
        for expression in match_tiers(plan, vocab):
            # FTS5 BM25 picks the candidates of this tier; its cost grows with the rows that match,
            # so the strict tiers come first and the loose ones only run when those found too few.
            rows = conn.exec_driver_sql(
                f"SELECT f.rowid, d.id FROM {table} f JOIN faq_search_doc d ON d.docno = f.rowid "
                f"WHERE f.rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT ?)",
                (expression, CANDIDATES + len(skip))).all()
            fresh = [(docno, article_id) for docno, article_id in rows
                     if docno not in seen and article_id not in skip]
            missing = [docno for docno, _ in fresh if docno not in docs]
            if missing:
                marks = ",".join("?" * len(missing))
                for docno, title, tags, body, parts in conn.exec_driver_sql(
                        f"SELECT rowid, title, tags, body, parts FROM {table} WHERE rowid IN ({marks})", tuple(missing)):
                    docs[docno] = doc_from_fields({"title": title, "tags": tags, "body": body, "parts": parts})
            for docno, article_id in fresh:
                seen[docno] = (score(plan, docs[docno], vocab), article_id)
            if sum(1 for value, _ in seen.values() if value > 0) >= limit:
                break
        ranked = sorted(((value, docno, a) for docno, (value, a) in seen.items() if value > 0),
                        key=lambda r: (-r[0], r[1]))[:limit]
        if not ranked:
            return []
        marks = ",".join("?" * len(ranked))
        payloads = {r[0]: _json(r[1]) for r in conn.exec_driver_sql(
            f"SELECT id, data FROM synced_faq_article WHERE id IN ({marks})", tuple(r[2] for r in ranked))}
        # An article deleted since the refresh is simply left out: never show a stale row.
        return [Found(payloads[a], value) for value, _, a in ranked if a in payloads]


def _alternative(a: Alternative) -> str:
    return f'"{a.term}"' + (" *" if a.prefix else "")


def _group(alternatives: list[Alternative]) -> str:
    """One typed word: any of its alternatives; the parts of a compound only together."""
    prefixes = {a.term for a in alternatives if a.prefix}
    whole = [_alternative(a) for a in alternatives if not a.part and (a.prefix or a.term not in prefixes)]
    parts = [_alternative(a) for a in alternatives if a.part]
    if len(parts) > 1:
        whole.append("(" + " AND ".join(parts) + ")")
    else:
        whole += parts
    return "(" + " OR ".join(whole) + ")"


def match_tiers(plan: QueryPlan, vocab: Vocabulary) -> list[str]:
    """FTS5 MATCH expressions from strict to loose: every typed word; all but one; any word.

    BM25 costs time for every row that matches, so the loose tiers leave out words found in
    more than `COMMON` of the articles: an article sharing only "Paket" with the question is
    no answer, and ranking thousands of them would take longer than the user waits.
    """
    groups = [list(g.alternatives) for g in plan.groups if g.alternatives]
    if not groups:
        return []
    tiers = [" AND ".join(_group(g) for g in groups)]
    cap = max(COMMON_MIN, int(vocab.docs * COMMON))
    rare = [[a for a in g if vocab.frequency(a.term, a.prefix, cap) <= cap] for g in groups]
    if len(groups) >= 3:
        combos = [[g for j, g in enumerate(rare) if j != i] for i in range(len(rare))]
        usable = [" AND ".join(_group(g) for g in combo) for combo in combos if all(combo)]
        if usable:
            tiers.append(" OR ".join(f"({u})" for u in usable))
    loose = sorted({_alternative(a) for g in rare for a in g})
    if loose:
        tiers.append(" OR ".join(loose))
    return tiers


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    loaded: dict[str, Any] = json.loads(value)
    return loaded
