"""The return policy as pure functions: every window edge and every rejection code, no database."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.protocol.entities import ReturnStatus
from app.protocol.errors import ErrorCode, RejectionCode
from app.protocol.returns import last_day, reasons_for
from server.errors import MESSAGES, Rejected, message_for
from server.policies.returns import (
    AttachmentFacts,
    ExistingReturn,
    ItemFacts,
    Line,
    OrderFacts,
    ReturnPlan,
    ReturnRequest,
    check_cancellable,
    check_editable,
    check_lines,
    plan_return,
    returned_quantity,
)

BERLIN = ZoneInfo("Europe/Berlin")
ANNA = 7
# Delivered on Monday 2 March 2026, 11:00 in Berlin.
DELIVERED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
SHIRT = ItemFacts(id="shirt", category="apparel", quantity=2, exchange_variants=("Blue, L", "White, M"),
                  delivered_at=DELIVERED)
KEYRING = ItemFacts(id="keyring", category="personalised", quantity=1, returnable=False, delivered_at=DELIVERED)
LAMP = ItemFacts(id="lamp", category="home", quantity=1, delivered_at=None)
ORDER = OrderFacts(id="o1", status="delivered", items=(SHIRT, KEYRING), fully_delivered_at=DELIVERED)
PHOTO = AttachmentFacts(id="photo", owner_id=ANNA, content_type="image/jpeg")


def berlin(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)


def request(kind: str, *lines: Line, **fields: Any) -> ReturnRequest:
    return ReturnRequest(kind=kind, lines=lines or (Line("shirt", 1, "too_small", "Blue, L"),), **fields)


def plan(kind: str, *lines: Line, **options: Any) -> ReturnPlan:
    """`plan_return` for anna's ORDER one day after delivery, unless `order`, `existing` or `now` say otherwise."""
    order: OrderFacts = options.pop("order", ORDER)
    existing: tuple[ExistingReturn, ...] = options.pop("existing", ())
    now: datetime = options.pop("now", DELIVERED + timedelta(days=1))
    return plan_return(order, request(kind, *lines, **options), list(existing), {"photo": PHOTO}, ANNA, now)


def rejected(kind: str, *lines: Line, **options: Any) -> Rejected:
    with pytest.raises(Rejected) as caught:
        plan(kind, *lines, **options)
    return caught.value


WARRANTY = {"comment": "The seam came apart.", "remedy": "repair"}


# --- windows ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "days", "code", "extra"), [
    ("withdrawal", 14, "withdrawal_period_expired", {}),
    ("return", 30, "return_period_expired", {}),
    ("exchange", 30, "return_period_expired", {}),
])
def test_a_window_includes_its_last_day_and_ends_at_midnight(kind: str, days: int, code: str,
                                                             extra: dict[str, Any]) -> None:
    last = date(2026, 3, 2) + timedelta(days=days)
    assert plan(kind, now=berlin(last, 23, 59), **extra).kind == kind
    assert plan(kind, now=DELIVERED + timedelta(days=days), **extra).kind == kind  # "day 14" / "day 30"

    late = rejected(kind, now=berlin(last + timedelta(days=1), 0, 0), **extra)
    assert late.code == code
    assert late.detail == {"order_item_id": "shirt", "deadline": last.isoformat()}
    assert rejected(kind, now=DELIVERED + timedelta(days=days + 1), **extra).code == code  # "day 15" / "day 31"


def test_the_warranty_runs_two_calendar_years() -> None:
    delivered = datetime(2024, 3, 2, 10, 0, tzinfo=UTC)
    item = ItemFacts(id="shirt", category="apparel", quantity=1, delivered_at=delivered)
    order = OrderFacts(id="o1", status="delivered", items=(item,), fully_delivered_at=delivered)
    line = Line("shirt", 1)

    assert plan("warranty_claim", line, order=order, now=berlin(date(2026, 3, 2), 23, 59), **WARRANTY).kind == "warranty_claim"
    late = rejected("warranty_claim", line, order=order, now=berlin(date(2026, 3, 3), 0, 0), **WARRANTY)
    assert late.code == "warranty_expired"
    assert late.detail == {"order_item_id": "shirt", "deadline": "2026-03-02"}


def test_period_ends_follow_the_calendar() -> None:
    assert last_day("withdrawal", date(2026, 3, 2)) == date(2026, 3, 16)
    assert last_day("return", date(2026, 3, 2)) == date(2026, 4, 1)
    assert last_day("exchange", date(2026, 12, 20)) == date(2027, 1, 19)
    assert last_day("warranty_claim", date(2024, 2, 29)) == date(2026, 2, 28)  # no 29 February in 2026
    assert last_day("warranty_claim", date(2026, 1, 31)) == date(2028, 1, 31)
    with pytest.raises(ValueError):
        last_day("refund", date(2026, 1, 1))


def test_the_delivery_day_is_the_day_in_berlin() -> None:
    # 23:30 UTC on 1 March is already 2 March in Berlin: the period counts from 2 March.
    late_evening = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    item = ItemFacts(id="shirt", category="apparel", quantity=1, delivered_at=late_evening)
    order = OrderFacts(id="o1", status="delivered", items=(item,), fully_delivered_at=late_evening)
    line = Line("shirt", 1)

    assert plan("withdrawal", line, order=order, now=berlin(date(2026, 3, 16), 23, 0)).kind == "withdrawal"
    assert rejected("withdrawal", line, order=order, now=berlin(date(2026, 3, 17), 0, 30)).code == \
        "withdrawal_period_expired"


def test_the_withdrawal_period_starts_with_the_last_parcel() -> None:
    first = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    second = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    early = ItemFacts(id="shirt", category="apparel", quantity=1, delivered_at=first)
    later = ItemFacts(id="lamp", category="home", quantity=1, delivered_at=second)
    order = OrderFacts(id="o1", status="delivered", items=(early, later), fully_delivered_at=second)
    day_20 = first + timedelta(days=20)

    # 20 days after its own parcel but 10 after the last one: still within the withdrawal period...
    assert plan("withdrawal", Line("shirt", 1), order=order, now=day_20).kind == "withdrawal"
    # ...while the goodwill return counts from the item's own parcel.
    assert plan("return", Line("shirt", 1, "too_small"), order=order, now=day_20).kind == "return"
    assert rejected("return", Line("shirt", 1, "too_small"), order=order, now=first + timedelta(days=31)).code == \
        "return_period_expired"

    # While a parcel is still on its way the period has not started: a delivered item can be withdrawn any time.
    waiting = OrderFacts(id="o1", status="partially_delivered", items=(early, LAMP), fully_delivered_at=None)
    assert plan("withdrawal", Line("shirt", 1), order=waiting, now=first + timedelta(days=60)).kind == "withdrawal"


# --- eligibility ----------------------------------------------------------------------------------

def test_an_item_not_yet_delivered_cannot_go_back() -> None:
    order = OrderFacts(id="o1", status="partially_delivered", items=(SHIRT, LAMP), fully_delivered_at=None)
    for kind, extra in [("withdrawal", {}), ("return", {}), ("warranty_claim", WARRANTY)]:
        refusal = rejected(kind, Line("lamp", 1, "damaged"), order=order, **extra)
        assert (refusal.code, refusal.detail) == ("not_delivered", {"order_item_id": "lamp"})


def test_a_cancelled_order_is_not_returnable() -> None:
    cancelled = OrderFacts(id="o1", status="cancelled", items=(SHIRT,), fully_delivered_at=DELIVERED)
    for kind in ("withdrawal", "return", "exchange"):
        assert rejected(kind, order=cancelled).code == "order_not_returnable"
    assert rejected("warranty_claim", Line("shirt", 1), order=cancelled, **WARRANTY).code == "order_not_returnable"


def test_non_returnable_items_only_allow_a_warranty_claim() -> None:
    for kind in ("withdrawal", "return", "exchange"):
        refusal = rejected(kind, Line("keyring", 1, "not_as_described"))
        assert (refusal.code, refusal.detail) == ("item_not_returnable", {"order_item_id": "keyring"})
    claim = plan("warranty_claim", Line("keyring", 1), **WARRANTY)
    assert claim.statuses == (ReturnStatus.REQUESTED,)


def test_an_unknown_order_item_is_not_found() -> None:
    refusal = rejected("withdrawal", Line("socks", 1))
    assert (refusal.code, refusal.detail) == ("not_found", {"order_item_id": "socks"})


def test_the_same_item_twice_in_one_request_is_invalid() -> None:
    refusal = rejected("withdrawal", Line("shirt", 1), Line("shirt", 1))
    assert (refusal.code, refusal.detail) == ("invalid_args", {"fields": ["items.1.order_item_id"]})


def test_an_unknown_kind_is_invalid() -> None:
    assert rejected("refund").code == "invalid_args"


# --- one open return per item, and quantities -------------------------------------------------------

def test_a_second_open_return_for_an_item_is_a_duplicate() -> None:
    for status in ("requested", "approved", "qr_issued", "dropped_off", "received"):
        first = ExistingReturn(id="r-first", kind="withdrawal", status=status, lines=(("shirt", 1),))
        refusal = rejected("return", existing=(first,))
        assert (refusal.code, refusal.detail) == ("duplicate_return", {"return_id": "r-first"})


def test_closed_returns_do_not_block_but_count() -> None:
    refunded = ExistingReturn(id="r1", kind="return", status="refunded", lines=(("shirt", 1),))
    cancelled = ExistingReturn(id="r2", kind="return", status="cancelled", lines=(("shirt", 2),))
    rejected_claim = ExistingReturn(id="r3", kind="return", status="rejected", lines=(("shirt", 2),))
    history = (refunded, cancelled, rejected_claim)

    assert plan("return", Line("shirt", 1, "too_large"), existing=history).lines[0].quantity == 1
    refusal = rejected("return", Line("shirt", 2, "too_large"), existing=history)
    assert (refusal.code, refusal.detail) == ("quantity_exceeded", {"order_item_id": "shirt", "available": 1})


def test_more_than_ordered_is_quantity_exceeded() -> None:
    refusal = rejected("withdrawal", Line("shirt", 3))
    assert (refusal.code, refusal.detail) == ("quantity_exceeded", {"order_item_id": "shirt", "available": 2})


def test_a_repaired_item_can_still_be_returned_but_a_refunded_claim_counts() -> None:
    repaired = ExistingReturn(id="w1", kind="warranty_claim", status="refunded", lines=(("shirt", 2),), remedy="repair")
    refunded = ExistingReturn(id="w2", kind="warranty_claim", status="refunded", lines=(("shirt", 2),), remedy="refund")
    assert returned_quantity([repaired], "shirt") == 0
    assert returned_quantity([refunded], "shirt") == 2
    assert plan("withdrawal", Line("shirt", 2), existing=(repaired,)).lines[0].quantity == 2
    assert rejected("withdrawal", Line("shirt", 1), existing=(refunded,)).code == "quantity_exceeded"


# --- what each kind needs ------------------------------------------------------------------------

def test_a_withdrawal_needs_no_reason_and_refunds_to_the_original_payment() -> None:
    withdrawal = plan("withdrawal", Line("shirt", 2))
    assert withdrawal.refund_method == "original_payment"
    assert withdrawal.lines == (Line("shirt", 2),)
    assert withdrawal.statuses == (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.QR_ISSUED)
    assert withdrawal.status == ReturnStatus.QR_ISSUED
    # A reason the shopper gives anyway is kept if it is one of the category's; an exchange variant is not.
    kept = plan("withdrawal", Line("shirt", 1, "too_small", "Blue, L"), refund_method="store_credit")
    assert kept.lines == (Line("shirt", 1, "too_small", None),)
    assert kept.refund_method == "store_credit"
    assert plan("withdrawal", Line("shirt", 1, "bored")).lines == (Line("shirt", 1),)


def test_a_return_needs_a_reason_of_the_items_category() -> None:
    for reason in (None, "", "uncomfortable"):  # "uncomfortable" is a shoe reason, not an apparel one
        refusal = rejected("return", Line("shirt", 1, reason))
        assert (refusal.code, refusal.detail) == (
            "reason_required", {"order_item_id": "shirt", "reasons": list(reasons_for("apparel"))})
    ok = plan("return", Line("shirt", 1, "quality"))
    assert (ok.lines[0].reason, ok.refund_method, ok.status) == ("quality", "original_payment", "qr_issued")


def test_an_exchange_needs_a_reason_and_a_variant_in_stock() -> None:
    assert rejected("exchange", Line("shirt", 1, None, "Blue, L")).code == "reason_required"
    for variant in (None, "Blue, XXL"):
        refusal = rejected("exchange", Line("shirt", 1, "too_small", variant))
        assert (refusal.code, refusal.detail) == (
            "variant_unavailable", {"order_item_id": "shirt", "variants": ["Blue, L", "White, M"]})
    exchange = plan("exchange", Line("shirt", 1, "too_small", "White, M"), refund_method="store_credit")
    assert exchange.lines == (Line("shirt", 1, "too_small", "White, M"),)
    assert exchange.refund_method is None  # nothing is refunded: another size is sent
    assert exchange.status == ReturnStatus.QR_ISSUED


def test_a_warranty_claim_needs_a_description_and_a_remedy_and_waits_for_review() -> None:
    line = Line("shirt", 1)
    for comment in (None, "", "   "):
        assert rejected("warranty_claim", line, comment=comment, remedy="repair").code == "description_required"
    refusal = rejected("warranty_claim", line, comment="Broken zip", remedy=None)
    assert (refusal.code, refusal.detail) == ("invalid_args", {"fields": ["remedy"]})
    claim = plan("warranty_claim", line, comment="  Broken zip  ", remedy="replacement", attachment_ids=("photo",))
    assert (claim.comment, claim.remedy, claim.refund_method) == ("Broken zip", "replacement", None)
    assert claim.attachment_ids == ("photo",)
    assert claim.statuses == (ReturnStatus.REQUESTED,)
    # Long after the goodwill period, a defect is still covered.
    assert plan("warranty_claim", line, now=DELIVERED + timedelta(days=400), **WARRANTY).kind == "warranty_claim"


@pytest.mark.parametrize("attachment", [
    AttachmentFacts(id="photo", owner_id=ANNA + 1, content_type="image/jpeg"),  # someone else's
    AttachmentFacts(id="photo", owner_id=ANNA, content_type="application/pdf"),  # not an image
])
def test_attachments_must_be_the_shoppers_images(attachment: AttachmentFacts) -> None:
    with pytest.raises(Rejected) as caught:
        plan_return(ORDER, request("warranty_claim", Line("shirt", 1), attachment_ids=("photo",), **WARRANTY), [],
                    {"photo": attachment}, ANNA, DELIVERED)
    assert (caught.value.code, caught.value.detail) == ("attachment_invalid", {"attachment_id": "photo"})


def test_unknown_or_too_many_attachments_are_invalid() -> None:
    assert rejected("warranty_claim", Line("shirt", 1), attachment_ids=("nope",), **WARRANTY).detail == \
        {"attachment_id": "nope"}
    assert rejected("warranty_claim", Line("shirt", 1), attachment_ids=("a", "b", "c", "d"), **WARRANTY).code == \
        "attachment_invalid"


# --- edits and cancellation ----------------------------------------------------------------------

def test_edits_are_allowed_until_the_parcel_is_handed_in() -> None:
    for status in ("requested", "approved", "qr_issued"):
        check_editable(status)
        check_cancellable(status)
    check_cancellable("cancelled")  # cancelling twice is harmless
    for status in ("dropped_off", "received", "refunded", "rejected"):
        for check in (check_editable, check_cancellable):
            with pytest.raises(Rejected) as caught:
                check(status)
            assert (caught.value.code, caught.value.detail) == ("return_locked", {"status": status})
    with pytest.raises(Rejected) as gone:
        check_editable("cancelled")
    assert gone.value.code == "not_found"


def test_an_edit_keeps_items_whose_window_was_checked_at_creation() -> None:
    after_window = DELIVERED + timedelta(days=20)
    lines = [Line("shirt", 2)]
    assert check_lines(ORDER, plan("withdrawal").kind, lines, [], after_window, window_checked=frozenset({"shirt"}))
    with pytest.raises(Rejected) as caught:
        check_lines(ORDER, plan("withdrawal").kind, lines, [], after_window)
    assert caught.value.code == "withdrawal_period_expired"


def test_every_code_of_the_journeys_has_an_english_and_a_german_message() -> None:
    for code in [*RejectionCode, ErrorCode.IMAGE_TOO_LARGE]:
        english, german = message_for(code, "en"), message_for(code, "de-AT")
        assert code in MESSAGES, code
        assert english and german and english != german, code
    for locale in ("en", "de"):
        assert "14" in message_for(RejectionCode.WITHDRAWAL_PERIOD_EXPIRED, locale)
    assert "Widerrufsfrist" in message_for(RejectionCode.WITHDRAWAL_PERIOD_EXPIRED, "de")
