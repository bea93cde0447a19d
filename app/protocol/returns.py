"""Return policy constants shared by the server (which decides) and the client (which explains)."""

import calendar
from datetime import date, timedelta

WITHDRAWAL_DAYS = 14  # EU Consumer Rights Directive, from delivery
GOODWILL_RETURN_DAYS = 30
WARRANTY_DAYS = 2 * 365  # legal guarantee (Gewährleistung)
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/webp")

# Reason codes offered per product category for a goodwill return or exchange.
REASONS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "apparel": ("too_small", "too_large", "not_as_described", "quality", "changed_mind"),
    "shoes": ("too_small", "too_large", "uncomfortable", "quality", "changed_mind"),
    "bags": ("not_as_described", "quality", "changed_mind"),
    "home": ("not_as_described", "damaged", "colour", "changed_mind"),
    "household": ("not_as_described", "damaged", "changed_mind"),
    "kitchen": ("not_as_described", "damaged", "changed_mind"),
}
DEFAULT_REASONS: tuple[str, ...] = ("not_as_described", "damaged", "wrong_item", "changed_mind")


def reasons_for(category: str) -> tuple[str, ...]:
    return REASONS_BY_CATEGORY.get(category, DEFAULT_REASONS)


# Windows are counted in whole calendar days of the shop's timezone (BGB §§ 187, 188): the day of
# delivery is not counted and a period ends at midnight of its last day. The server decides with
# `last_day`; clients use the same function to explain ("until 14 March").
POLICY_TIMEZONE = "Europe/Berlin"
WARRANTY_YEARS = 2  # counted in calendar years; WARRANTY_DAYS is the rounded figure for texts
RETURN_CODE_TTL_DAYS = 60  # validity of a return's drop-off QR code


def last_day(kind: str, delivered_on: date) -> date:
    """The last calendar day on which a return of `kind` is accepted, for goods delivered on `delivered_on`.

    A withdrawal runs from the delivery of the order's last parcel (CRD Art. 9(2)(b)); the other
    kinds from the delivery of the item itself. The caller picks the date accordingly.
    """
    if kind == "withdrawal":
        return delivered_on + timedelta(days=WITHDRAWAL_DAYS)
    if kind in ("return", "exchange"):
        return delivered_on + timedelta(days=GOODWILL_RETURN_DAYS)
    if kind == "warranty_claim":
        year = delivered_on.year + WARRANTY_YEARS
        # 29 February has no twin in a common year: the period then ends on 28 February (BGB § 188(3)).
        day = min(delivered_on.day, calendar.monthrange(year, delivered_on.month)[1])
        return delivered_on.replace(year=year, day=day)
    raise ValueError(f"unknown return kind {kind!r}")
