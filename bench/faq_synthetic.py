"""FAQ articles for the search benchmark: the demo articles plus deterministic synthetic ones.

Synthetic articles are product-care and shop questions in German and English, built from a
fixed seed: real shop words (Lieferung, Rücksendung, Größe, order, refund, size...) so they
compete with the demo articles for the benchmark's queries, German compounds ("Lederjacke"),
and a few thousand invented brand and product names, so the vocabulary is as large as a real
help centre's and typo lookups have many near neighbours.
"""

import json
import random
from collections.abc import Iterator
from typing import Any

from server.seed.content import FAQ_FILE
from server.seed.ids import demo_id

LOCALES = ("de", "en")
UPDATED_AT = "2026-10-01T09:00:00Z"

_DE_NOUNS = ["Jacke", "Hose", "Schuh", "Lampe", "Kissen", "Tasche", "Pullover", "Kleid", "Hemd", "Mantel", "Stuhl", "Tisch", "Regal", "Teppich", "Vorhang", "Decke", "Handtuch", "Becher", "Pfanne", "Topf", "Messer", "Uhr", "Brille", "Gürtel", "Mütze", "Schal", "Rucksack", "Koffer", "Sofa", "Bett", "Matratze", "Spiegel", "Vase", "Kerze", "Fahrrad", "Helm", "Ball", "Spiel", "Socken", "Stiefel", "Bluse", "Rock", "Weste", "Hocker"]
_EN_NOUNS = ["jacket", "trousers", "shoe", "lamp", "cushion", "bag", "jumper", "dress", "shirt", "coat", "chair", "table", "shelf", "rug", "curtain", "blanket", "towel", "mug", "pan", "pot", "knife", "watch", "glasses", "belt", "hat", "scarf", "backpack", "suitcase", "sofa", "bed", "mattress", "mirror", "vase", "candle", "bike", "helmet", "ball", "game", "socks", "boots", "blouse", "skirt", "waistcoat", "stool"]
_DE_MATERIALS = ["Leder", "Baumwoll", "Leinen", "Woll", "Holz", "Glas", "Keramik", "Edelstahl", "Bambus", "Samt", "Seiden", "Kork", "Filz"]
_EN_MATERIALS = ["leather", "cotton", "linen", "wool", "wood", "glass", "ceramic", "steel", "bamboo", "velvet", "silk", "cork", "felt"]
_DE_VERBS = ["pflegen", "waschen", "reinigen", "aufbauen", "montieren", "lagern", "kombinieren", "tragen", "reparieren", "bügeln", "falten"]
_EN_VERBS = ["care", "for", "wash", "clean", "assemble", "mount", "store", "combine", "wear", "repair", "iron", "fold"]
_DE_SHOP = ["Lieferung", "Versand", "Rücksendung", "Größe", "Farbe", "Preis", "Garantie", "Artikel", "Paket", "Filiale", "Zahlung", "Konto", "App", "Bestellung", "Umtausch", "Lieferzeit", "Kundenservice", "Gutschein", "Rechnung", "Abholung", "Punkte"]
_EN_SHOP = ["delivery", "shipping", "return", "size", "colour", "price", "warranty", "item", "parcel", "store", "payment", "account", "app", "order", "exchange", "refund", "voucher", "invoice", "pickup", "points"]
_SYLLABLES = ["ka", "lo", "mi", "ven", "dor", "sa", "ri", "tul", "bra", "nex", "vo", "lin", "ta", "quo", "fen", "zar", "mo", "pi", "gel", "rus", "han", "tek", "ol", "ve"]

_DE_TITLES = (
    "Wie kann ich {mat_noun} von {brand} {verb}?",
    "{brand} {noun}: {shop} und {shop2}",
    "Gibt es {noun} {brand} in einer anderen {shop}?",
    "Was tun, wenn {mat_noun} {brand} beschädigt ist?",
    "{shop} für {mat_noun} – was gilt bei {brand}?",
)
_EN_TITLES = (
    "How do I {verb} my {brand} {mat} {noun}?",
    "{brand} {noun}: {shop} and {shop2}",
    "Is the {brand} {noun} available in another {shop}?",
    "What if my {mat} {noun} from {brand} is damaged?",
    "{shop} for {mat} {noun} – what applies to {brand}?",
)
_DE_SENTENCES = (
    "Ihr {mat_noun} von {brand} lässt sich am besten mit einem weichen Tuch {verb}.",
    "Bei Fragen zu {shop} und {shop2} hilft Ihnen unser Kundenservice gern weiter.",
    "Die {shop} für {noun} {brand} sehen Sie in der App unter Ihrer Bestellung.",
    "Modelle aus {mat} sollten Sie trocken lagern und regelmäßig {verb}.",
    "Für {brand} gilt die gesetzliche Gewährleistung von zwei Jahren.",
    "Wenn {noun} {brand} nicht passt, ist ein Umtausch innerhalb von 30 Tagen möglich.",
)
_EN_SENTENCES = (
    "Your {brand} {mat} {noun} is best cleaned with a soft cloth; {verb} it gently.",
    "For questions about {shop} and {shop2}, our customer service is happy to help.",
    "You can see the {shop} for the {brand} {noun} in the app under your order.",
    "Keep {mat} items dry and {verb} them regularly.",
    "The legal two-year warranty applies to {brand} products.",
    "If the {brand} {noun} does not fit, you can exchange it within 30 days.",
)


def demo_articles() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(categories, articles) of the demo data as wire payloads, one per language."""
    data = json.loads(FAQ_FILE.read_text(encoding="utf-8"))
    categories = [{"id": demo_id("faq_category", f"{c['slug']}:{loc}"), "slug": c["slug"], "locale": loc,
                   "title": c["title"][loc], "icon": c["icon"], "position": c["position"]}
                  for c in data["categories"] for loc in LOCALES]
    articles = [{"id": demo_id("faq_article", f"{a['slug']}:{loc}"), "slug": a["slug"], "locale": loc,
                 "category": a["category"], "title": a["title"][loc], "body": a["body"][loc],
                 "tags": a.get("tags", {}).get(loc, []), "updated_at": UPDATED_AT}
                for a in data["articles"] for loc in LOCALES]
    return categories, articles


def _brands(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize())
    return sorted(names)


def synthetic_articles(count: int, categories: list[str], seed: int = 4) -> Iterator[dict[str, Any]]:
    """`count` synthetic articles, each in German and English (2 x count payloads)."""
    rng = random.Random(seed)
    brands = _brands(rng, 3000)
    for n in range(count):
        slug = f"synthetic-{n:05d}"
        category = categories[n % len(categories)]
        i = rng.randrange(len(_DE_NOUNS))
        m = rng.randrange(len(_DE_MATERIALS))
        v = rng.randrange(len(_DE_VERBS))
        s1, s2 = rng.sample(range(len(_DE_SHOP)), 2)
        brand = rng.choice(brands)
        template = rng.randrange(len(_DE_TITLES))
        picks = rng.sample(range(len(_DE_SENTENCES)), 3)
        de = {"noun": _DE_NOUNS[i], "mat": _DE_MATERIALS[m], "mat_noun": _DE_MATERIALS[m] + _DE_NOUNS[i].lower(),
              "verb": _DE_VERBS[v], "shop": _DE_SHOP[s1], "shop2": _DE_SHOP[s2], "brand": brand}
        en = {"noun": _EN_NOUNS[i], "mat": _EN_MATERIALS[m], "mat_noun": f"{_EN_MATERIALS[m]} {_EN_NOUNS[i]}",
              "verb": _EN_VERBS[v], "shop": _EN_SHOP[s1 % len(_EN_SHOP)], "shop2": _EN_SHOP[s2 % len(_EN_SHOP)],
              "brand": brand}
        for locale, slots, titles, sentences in (("de", de, _DE_TITLES, _DE_SENTENCES),
                                                 ("en", en, _EN_TITLES, _EN_SENTENCES)):
            yield {"id": demo_id("faq_article", f"{slug}:{locale}"), "slug": slug, "locale": locale,
                   "category": category, "title": titles[template].format(**slots),
                   "body": "\n\n".join(sentences[p].format(**slots) for p in picks),
                   "tags": [slots["brand"], slots["noun"], slots["shop"]], "updated_at": UPDATED_AT}
