"""FAQ search text handling, shared by the device (SQLite FTS5) and the server (the bot).

Pure functions and small value objects, no project imports: both sides must fold, stem, split
compounds and plan a query identically, or the bot and the Help tab would disagree.

Terms are `stem(fold(word))`: lower case, umlauts and ß folded (German also folds the typed
digraphs "ae", "oe", "ue", so "Ruecksendung", "Rücksendung" and "Rucksendung" are one term),
then a light suffix stemmer. A query becomes a `QueryPlan`: one `Group` per typed word, each
with weighted alternatives (the exact term, completions of the word being typed, close
spellings from the vocabulary, the parts of a compound). `score` ranks a document's analysed
fields against a plan; `highlight` and `snippet` mark the matched words in the original text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial

_WORD = re.compile(r"[^\W_]+")
_DE_DIGRAPH = re.compile(r"ae|oe|ue")
_DE_UMLAUT = str.maketrans({"ä": "a", "ö": "o", "ü": "u"})

# Only words that say nothing about the topic, so "Wie lange dauert die Lieferung?" is ranked by
# "lange dauert lieferung". "wo"/"wann"/"where"/"when" stay: they tell "Wo ist mein Paket?" from
# "Mein Paket ist verspätet".
STOPWORDS: dict[str, frozenset[str]] = {
    "de": frozenset(["aber", "alle", "als", "also", "am", "an", "auch", "auf", "aus", "bei", "beim", "bin", "bis", "bitte", "da", "damit", "dann", "das", "dass", "dem", "den", "der", "des", "die", "dies", "diese", "diesem", "diesen", "dieser", "doch", "du", "ein", "eine", "einem", "einen", "einer", "eines", "er", "es", "etwas", "fur", "gibt", "habe", "haben", "hat", "hatte", "ich", "ihr", "ihre", "ihrem", "ihren", "ihrer", "im", "in", "ist", "ja", "kann", "konnen", "man", "mein", "meine", "meinem", "meinen", "meiner", "mich", "mir", "mit", "muss", "nach", "nicht", "noch", "nun", "nur", "ob", "oder", "ohne", "sich", "sie", "sind", "so", "um", "und", "uns", "unser", "unsere", "vom", "von", "vor", "war", "was", "welche", "welcher", "welches", "wenn", "wer", "werde", "werden", "wie", "wir", "wird", "zu", "zum", "zur", "uber"]),
    "en": frozenset(["a", "about", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can", "could", "did", "do", "does", "for", "from", "get", "got", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "of", "on", "or", "our", "so", "than", "that", "the", "their", "them", "then", "there", "these", "this", "to", "us", "was", "we", "were", "what", "which", "who", "will", "with", "would", "you", "your"]),
}

MIN_PREFIX = 2  # shorter fragments are too unspecific to complete while typing
MIN_COMPOUND = 8  # shorter words are rarely compounds worth splitting
MIN_PART = 4  # "etikett", "paket", "code": a part must be a real word, not a syllable
WEIGHT_EXACT = 1.0
WEIGHT_PREFIX = 0.9
WEIGHT_PART = 0.7
WEIGHT_FUZZY_1 = 0.7
WEIGHT_FUZZY_2 = 0.45
# Title words say most about an article, then its tags (what people call it), then the body.
FIELD_WEIGHTS: dict[str, float] = {"title": 3.0, "tags": 2.0, "body": 1.0, "parts": 0.8}


def fold(word: str, locale: str) -> str:
    """Lower case without diacritics; ß -> ss; German also ae/oe/ue -> a/o/u."""
    w = word.lower().replace("ß", "ss")
    if locale == "de":
        w = _DE_DIGRAPH.sub(lambda m: m.group()[0], w).translate(_DE_UMLAUT)
    if w.isascii():
        return w
    return "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))


def _stem_de(w: str) -> str:
    # A light, Snowball-like stemmer: inflection first, then derivation, then inflection again
    # ("lieferungen" -> "lieferung" -> "liefer" -> "lief", like "liefern" -> "lief").
    w = _strip_de_inflection(w)
    for suffix in ("ung", "heit", "keit", "lich", "isch"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            return _strip_de_inflection(w[: -len(suffix)])
    return w


def _strip_de_inflection(w: str) -> str:
    for suffix in ("ern", "em", "en", "er", "es", "e", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 4:
            if suffix == "s" and w[-2] not in "bdfghklmnrt":
                continue
            return w[: -len(suffix)]
    return w


_VOWELS = frozenset("aeiou")


def _stem_en(w: str) -> str:
    if len(w) <= 3:
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        stem = w[: -len(suffix)]
        if w.endswith(suffix) and len(stem) >= 3 and _VOWELS & set(stem):
            w = stem
            if len(w) >= 4 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # shipped -> ship
            break
    if w.endswith("y") and len(w) > 5 and w[-2] not in _VOWELS:
        w = w[:-1]  # delivery -> deliver
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]  # charge, charged -> charg
    return w


@lru_cache(maxsize=200_000)
def stem(term: str, locale: str) -> str:
    """The light stem of a folded word (digits stay as they are)."""
    if not term.isalpha():
        return term
    return _stem_de(term) if locale == "de" else _stem_en(term)


def word_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every word (letters and digits) in `text`."""
    for m in _WORD.finditer(text):
        yield m.start(), m.end()


@lru_cache(maxsize=200_000)
def word_terms(word: str, locale: str) -> tuple[str, str]:
    """(folded, term) of one word as written; cached, since every search and index pass meets
    the same few thousand words again and again."""
    folded = fold(word, locale)
    return folded, stem(folded, locale)


def term(word: str, locale: str) -> str:
    return word_terms(word, locale)[1]


def analyse(text: str, locale: str) -> list[str]:
    """The terms of `text` as they are indexed (stopwords left out)."""
    stop = STOPWORDS.get(locale, frozenset())
    out = []
    for word in _WORD.findall(text):
        folded, t = word_terms(word, locale)
        if folded not in stop:
            out.append(t)
    return out


def folded_words(text: str, locale: str) -> list[str]:
    """Folded, unstemmed words of `text` (what compound splitting looks at)."""
    return [word_terms(word, locale)[0] for word in set(_WORD.findall(text))]


def osa_distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent transpositions; returns `limit + 1` once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class Vocabulary:
    """The indexed terms of one language with their document frequencies.

    Lookups for the planner: exact, by prefix (a sorted list and bisect), close spellings
    (a SymSpell-style map of one-letter deletions, built on first use) and compound splits.
    """

    def __init__(self, df: Mapping[str, int], docs: int) -> None:
        self.df = dict(df)
        self.docs = docs
        self._sorted = sorted(self.df)
        self._delete_map: dict[str, list[str]] | None = None
        self._splits: dict[str, list[str]] = {}

    def __len__(self) -> int:
        return len(self.df)

    def has(self, t: str) -> bool:
        return t in self.df

    def idf(self, t: str) -> float:
        n = self.df.get(t, 0)
        return math.log(1 + (self.docs - n + 0.5) / (n + 0.5))

    def completions(self, prefix: str, limit: int = 8) -> list[str]:
        """Terms that start with `prefix`, the most frequent first."""
        i = bisect_left(self._sorted, prefix)
        found = []
        while i < len(self._sorted) and self._sorted[i].startswith(prefix):
            found.append(self._sorted[i])
            i += 1
        found.sort(key=lambda t: -self.df[t])
        return found[:limit]

    def frequency(self, t: str, prefix: bool = False, cap: int = 1 << 30) -> int:
        """Documents with the term (or with terms starting with it: an upper bound, counted up to `cap`)."""
        if not prefix:
            return self.df.get(t, 0)
        total = 0
        i = bisect_left(self._sorted, t)
        while i < len(self._sorted) and self._sorted[i].startswith(t) and total <= cap:
            total += self.df[self._sorted[i]]
            i += 1
        return total

    def has_prefix(self, prefix: str) -> bool:
        i = bisect_left(self._sorted, prefix)
        return i < len(self._sorted) and self._sorted[i].startswith(prefix)

    def _deletes_index(self) -> dict[str, list[str]]:
        if self._delete_map is None:
            index: dict[str, list[str]] = {}
            for t in self.df:
                if len(t) >= 4 and t.isalpha():
                    for d in _deletes(t):
                        index.setdefault(d, []).append(t)
            self._delete_map = index
        return self._delete_map

    def similar(self, t: str, limit: int = 3) -> list[tuple[str, int]]:
        """Terms within edit distance 1 (2 for words of 7+ letters), closest and most frequent first."""
        if len(t) < 4 or not t.isalpha():
            return []
        index = self._deletes_index()
        max_dist = 2 if len(t) >= 7 else 1
        probes = {t} | _deletes(t)
        if max_dist == 2:
            probes |= {d2 for d in _deletes(t) for d2 in _deletes(d)}
        candidates: set[str] = set()
        for p in probes:
            candidates.update(index.get(p, ()))
            if p in self.df and len(p) >= 4:
                candidates.add(p)
        scored = []
        for c in candidates:
            if c == t:
                continue
            d = osa_distance(t, c, max_dist)
            if d <= max_dist:
                scored.append((d, -self.df[c], c))
        scored.sort()
        return [(c, d) for d, _, c in scored[:limit]]

    def split(self, word: str, locale: str) -> list[str]:
        """Split a folded German compound into known terms: "rucksendeetikett" -> ["rucksend", "etikett"].

        The head (last part) must be a term; the modifier a term (after dropping a linking
        "s", "es", "n", "en" or "e") or itself a compound. The longest head wins.
        """
        if locale != "de" or len(word) < MIN_COMPOUND or not word.isalpha():
            return []
        parts = self._splits.get(word)
        if parts is None:
            parts = self._splits[word] = self._split(word, depth=0)
        return parts

    def _split(self, word: str, depth: int) -> list[str]:
        for i in range(MIN_PART, len(word) - MIN_PART + 1):
            head = stem(word[i:], "de")
            if head not in self.df:
                continue
            modifier = self._modifier(word[:i], depth)
            if modifier:
                return [*modifier, head]
        return []

    def _modifier(self, mod: str, depth: int) -> list[str]:
        for link in ("", "s", "es", "n", "en", "e"):
            if link and not mod.endswith(link):
                continue
            base = mod[: len(mod) - len(link)] if link else mod
            if len(base) < MIN_PART:
                continue
            s = stem(base, "de")
            if s in self.df:
                return [s]
            if base in self.df:
                return [base]
        if depth < 2 and len(mod) >= 2 * MIN_PART:
            return self._split(mod, depth + 1)
        return []


@dataclass(frozen=True)
class Alternative:
    term: str
    prefix: bool
    weight: float
    part: bool = False  # one part of a compound: matches together with the other parts


@dataclass(frozen=True)
class Group:
    """One typed word and the terms that count as matching it."""

    word: str
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class QueryPlan:
    locale: str
    groups: tuple[Group, ...]

    @property
    def empty(self) -> bool:
        return not any(g.alternatives for g in self.groups)

    def exact_terms(self) -> set[str]:
        return {a.term for g in self.groups for a in g.alternatives if not a.prefix}

    def prefixes(self) -> set[str]:
        return {a.term for g in self.groups for a in g.alternatives if a.prefix}


def _add(alternatives: dict[tuple[str, bool, bool], float], term_: str, prefix: bool, weight: float,
         part: bool = False) -> None:
    key = (term_, prefix, part)
    alternatives[key] = max(weight, alternatives.get(key, 0.0))


def plan_query(text: str, locale: str, vocab: Vocabulary, typing: bool = True) -> QueryPlan:
    """Turn what the user typed into weighted alternatives per word.

    With `typing`, the last word (if no space follows it) also matches as a prefix, so results
    appear while the user types. Unknown words get close spellings; long words their parts.
    """
    stop = STOPWORDS.get(locale, frozenset())
    spans = list(word_spans(text))
    groups: list[Group] = []
    seen: set[str] = set()
    for n, (start, end) in enumerate(spans):
        raw = text[start:end]
        folded, t = word_terms(raw, locale)
        last = typing and n == len(spans) - 1 and end == len(text)
        if folded in stop and not last:
            continue
        if t in seen:
            continue
        seen.add(t)
        alternatives: dict[tuple[str, bool, bool], float] = {}
        add = partial(_add, alternatives)
        known = vocab.has(t)
        if known:
            add(t, False, WEIGHT_EXACT)
        completes = last and len(folded) >= MIN_PREFIX and vocab.has_prefix(folded)
        if completes:
            add(folded, True, WEIGHT_PREFIX)
        if not known and folded != t and vocab.has(folded):
            add(folded, False, WEIGHT_EXACT)
        if not known and not completes:
            for candidate, distance in vocab.similar(t):
                add(candidate, False, WEIGHT_FUZZY_1 if distance == 1 else WEIGHT_FUZZY_2)
            if last and len(folded) >= 5:
                # A typo in the word being typed: complete the closest spelling of what is there.
                for candidate, distance in vocab.similar(folded[:-1] if len(folded) > 6 else folded, limit=2):
                    add(candidate, True, WEIGHT_FUZZY_2)
        for part in vocab.split(folded, locale):
            if part != t:
                add(part, not vocab.has(part), WEIGHT_PART, part=True)
        groups.append(Group(raw, tuple(Alternative(k[0], k[1], w, k[2]) for k, w in alternatives.items())))
    return QueryPlan(locale, tuple(groups))


@dataclass(frozen=True)
class Doc:
    """A document's analysed fields: field name -> term counts."""

    fields: Mapping[str, Counter[str]]


def doc_from_fields(fields: Mapping[str, str]) -> Doc:
    """From the space-separated analysed text of each field (as stored in the index)."""
    return Doc({name: Counter(value.split()) for name, value in fields.items()})


def _match(alternative: Alternative, counts: Counter[str]) -> tuple[int, str | None]:
    if not alternative.prefix:
        tf = counts.get(alternative.term, 0)
        return tf, alternative.term if tf else None
    best_tf, best = 0, None
    for t, tf in counts.items():
        if t.startswith(alternative.term) and tf > best_tf:
            best_tf, best = tf, t
    return best_tf, best


def score(plan: QueryPlan, doc: Doc, vocab: Vocabulary) -> float:
    """Rank a document: per word, its best alternative in its best field, saturated by term
    frequency and weighted by rarity; the sum grows with the share of typed words found."""
    total = 0.0
    matched = 0
    counted = 0
    for group in plan.groups:
        if not group.alternatives:
            continue
        counted += 1
        best = 0.0
        for alternative in group.alternatives:
            for name, counts in doc.fields.items():
                tf, found = _match(alternative, counts)
                if not tf or found is None:
                    continue
                saturation = tf * 2.2 / (tf + 1.2)
                value = alternative.weight * FIELD_WEIGHTS.get(name, 1.0) * saturation * vocab.idf(found)
                best = max(best, value)
        if best > 0:
            matched += 1
            total += best
    if not counted:
        return 0.0
    return total * (0.5 + 0.5 * matched / counted)


Segment = tuple[str, bool]


@lru_cache(maxsize=20_000)
def _spans(text: str, locale: str) -> tuple[tuple[int, int, str, str], ...]:
    """(start, end, folded, term) of each word of a title or passage; cached, since the same
    articles come back while the user types."""
    return tuple((m.start(), m.end(), *word_terms(m.group(), locale)) for m in _WORD.finditer(text))


class _Matcher:
    """Whether a word of the text matches the plan; remembered per word, since articles repeat
    the same words ("Sie", "Ihre", "Paket") in every passage."""

    def __init__(self, plan: QueryPlan) -> None:
        self.exact, self.prefixes = plan.exact_terms(), plan.prefixes()
        self.long_exact = [e for e in self.exact if len(e) >= MIN_PART + 1]
        self.known: dict[str, bool] = {}

    def __call__(self, folded: str, t: str) -> bool:
        found = self.known.get(folded)
        if found is None:
            found = self.known[folded] = (
                t in self.exact or folded in self.exact
                or any(folded.startswith(p) or t.startswith(p) for p in self.prefixes)
                # A compound in the text ("Rücksendeetikett") contains a searched word ("etikett").
                or (len(folded) >= MIN_COMPOUND and any(e in folded for e in self.long_exact)))
        return found


def highlight(text: str, plan: QueryPlan, matcher: _Matcher | None = None) -> list[Segment]:
    """`text` cut into (text, matched) segments; adjacent segments of one kind are merged."""
    matches = matcher or _Matcher(plan)
    segments: list[Segment] = []

    def push(piece: str, matched: bool) -> None:
        if not piece:
            return
        if segments and segments[-1][1] == matched:
            segments[-1] = (segments[-1][0] + piece, matched)
        else:
            segments.append((piece, matched))

    pos = 0
    for start, end, folded, t in _spans(text, plan.locale):
        push(text[pos:start], False)
        push(text[start:end], matches(folded, t))
        pos = end
    push(text[pos:], False)
    return segments


@lru_cache(maxsize=5_000)
def _passages(body: str) -> tuple[str, ...]:
    return tuple(p.strip(" -•\t") for p in re.split(r"\n+", body) if p.strip(" -•\t"))


def snippet(body: str, plan: QueryPlan, width: int = 160) -> list[Segment]:
    """The passage of `body` with the most matched words, about `width` characters, highlighted."""
    matches = _Matcher(plan)
    passages = _passages(body)
    if not passages:
        return []
    best, best_weight, first_hit = passages[0], 0, 0
    for passage in passages:
        weight, first = 0, -1
        for start, _, folded, t in _spans(passage, plan.locale):
            if matches(folded, t):
                # A word found as itself counts double: "Expressversand" beats "Standardversand" (a part).
                weight += 2 if t in matches.exact else 1
                first = start if first < 0 else first
        if weight > best_weight:
            best, best_weight, first_hit = passage, weight, first
    text = best
    if len(text) > width:
        start = max(0, min(first_hit - width // 4, len(text) - width))
        if start > 0:
            start = text.find(" ", start) + 1 or start
        end = text.rfind(" ", start, start + width)
        end = end if end > start else start + width
        text = ("…" if start > 0 else "") + text[start:end].rstrip(" ,;:") + ("…" if end < len(best) else "")
    return highlight(text, plan, matches)


def document_fields(title: str, body: str, tags: Iterable[str], locale: str, vocab: Vocabulary | None
                    ) -> dict[str, str]:
    """An article's analysed fields as stored in an index (space-separated terms).

    The parts of the compounds in the text, split against `vocab` (the whole collection's
    terms), are indexed too, so "Etikett" finds the article titled "Rücksendeetikett": parts of
    title and tag words count as title and tag words, parts of body words go to `parts`.
    """
    tags = list(tags)
    fields = plain_fields(title, body, tags, locale)
    if vocab is not None:
        fields = with_parts(fields, title, body, tags, locale, vocab)
    return fields


def plain_fields(title: str, body: str, tags: Iterable[str], locale: str) -> dict[str, str]:
    """The analysed fields without compound parts (what the collection's vocabulary is made of)."""
    return {"title": " ".join(analyse(title, locale)), "tags": " ".join(analyse(" ".join(tags), locale)),
            "body": " ".join(analyse(body, locale)), "parts": ""}


def with_parts(fields: dict[str, str], title: str, body: str, tags: Iterable[str], locale: str,
               vocab: Vocabulary) -> dict[str, str]:
    """`fields` plus the parts of their compounds, split against `vocab`."""
    if locale != "de":
        return fields
    out = dict(fields)
    for name, source in (("title", title), ("tags", " ".join(tags)), ("parts", body)):
        parts = [p for word in folded_words(source, locale) for p in vocab.split(word, locale)]
        if parts:
            out[name] = " ".join(filter(None, (out[name], " ".join(parts))))
    return out
