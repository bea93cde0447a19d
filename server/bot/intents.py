"""What a shopper's message is about: plain word rules, deterministic and testable.

An order question names an order number, or pairs a shipping word with "my"/"where"/"when"
("Wo ist mein Paket?", "When will my order arrive?"). General questions about shipping
("Was kostet der Versand?") are FAQ questions, not order questions.
"""

import re
import unicodedata

ORDER_NUMBER = re.compile(r"\bNA-?\s?(\d{6})\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")

# Folded (lower case, no accents, ß -> ss), so "Rücksendung" and "Rucksendung" meet.
_SHIPPING = ("paket", "packchen", "sendung", "lieferung", "liefer", "zustell", "bestellung", "tracking",
             "parcel", "package", "delivery", "deliver", "shipment", "order", "arrive", "ankommen", "kommt")
_PERSONAL = ("mein", "meine", "meinen", "meiner", "my", "wo", "where", "wann", "when", "status", "stand")
# A question about returning, cancelling or paying for an order is one for the help centre.
_OTHER_TOPIC = ("zuruck", "rucksend", "retour", "return", "storn", "cancel", "umtausch", "umtaus", "exchange",
                "widerruf", "withdraw", "rechnung", "invoice", "bezahl", "zahlung", "pay", "refund", "erstatt",
                "kosten", "cost", "adresse", "address")


def fold(text: str) -> str:
    """Lower case without accents: 'Größe' -> 'grosse', 'Rücksendung' -> 'rucksendung'."""
    text = text.lower().replace("ß", "ss")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def order_number_in(text: str) -> str | None:
    match = ORDER_NUMBER.search(text)
    return f"NA-{match.group(1)}" if match else None


def is_order_question(text: str) -> bool:
    if order_number_in(text):
        return True
    found = words(text)
    if any(w.startswith(o) for w in found for o in _OTHER_TOPIC):
        return False
    shipping = any(w.startswith(s) for w in found for s in _SHIPPING)
    personal = any(w in _PERSONAL for w in found)
    return shipping and personal
