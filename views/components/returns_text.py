"""Words and colours for returns and loyalty: kinds, statuses, reasons, refusal codes.

Every msgid is a literal (extraction finds it). Codes come from the server or the client's
preview; a code we do not know yet falls back to the server's own message, then to a
generic sentence, so a shopper never sees a bare code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import flet as ft

from app.i18n import Translator


@dataclass(frozen=True)
class Chip:
    label: str
    icon: ft.IconData
    fg: str
    bg: str


def kind_label(kind: str, t: Translator) -> str:
    return {
        "withdrawal": t._("Withdrawal"),
        "return": t._("Return"),
        "exchange": t._("Exchange"),
        "warranty_claim": t._("Warranty claim"),
    }.get(kind, t._("Return"))


def kind_icon(kind: str) -> ft.IconData:
    return {
        "withdrawal": ft.Icons.GAVEL_OUTLINED,
        "return": ft.Icons.ASSIGNMENT_RETURN_OUTLINED,
        "exchange": ft.Icons.SWAP_HORIZ,
        "warranty_claim": ft.Icons.BUILD_OUTLINED,
    }.get(kind, ft.Icons.ASSIGNMENT_RETURN_OUTLINED)


def status_chip(status: str, t: Translator, pending: bool = False) -> Chip:
    c = ft.Colors
    if pending and status == "requested":
        return Chip(t._("Not yet sent"), ft.Icons.CLOUD_UPLOAD_OUTLINED, c.DEEP_ORANGE_900, c.DEEP_ORANGE_50)
    table = {
        "requested": Chip(t._("Requested"), ft.Icons.HOURGLASS_TOP, c.BLUE_GREY_800, c.BLUE_GREY_50),
        "approved": Chip(t._("Approved"), ft.Icons.CHECK, c.BLUE_800, c.BLUE_50),
        "qr_issued": Chip(t._("Ready to drop off"), ft.Icons.QR_CODE_2, c.BLUE_800, c.BLUE_50),
        "dropped_off": Chip(t._("Dropped off"), ft.Icons.LOCAL_SHIPPING_OUTLINED, c.INDIGO_800, c.INDIGO_50),
        "received": Chip(t._("Received"), ft.Icons.INVENTORY_2_OUTLINED, c.INDIGO_800, c.INDIGO_50),
        "refunded": Chip(t._("Refunded"), ft.Icons.CHECK_CIRCLE_OUTLINE, c.GREEN_800, c.GREEN_50),
        "rejected": Chip(t._("Not accepted"), ft.Icons.BLOCK, c.RED_800, c.RED_50),
        "cancelled": Chip(t._("Cancelled"), ft.Icons.BLOCK, c.GREY_700, c.GREY_200),
        "cancel_pending": Chip(t._("Cancellation requested"), ft.Icons.HOURGLASS_TOP, c.DEEP_ORANGE_900,
                               c.DEEP_ORANGE_50),
    }
    return table.get(status, Chip(t._("In progress"), ft.Icons.HOURGLASS_TOP, c.BLUE_GREY_800, c.BLUE_GREY_50))


def step_label(status: str, kind: str, t: Translator) -> str:
    refund_word = kind not in ("exchange", "warranty_claim")
    return {
        "requested": t._("Requested"),
        "approved": t._("Approved"),
        "qr_issued": t._("QR code for drop-off issued"),
        "dropped_off": t._("Dropped off"),
        "received": t._("Received by us"),
        "refunded": t._("Refunded") if refund_word else t._("Completed"),
        "rejected": t._("Not accepted"),
        "cancelled": t._("Cancelled"),
        "cancel_pending": t._("Cancellation not yet sent"),
    }.get(status, status)


def reason_label(code: str | None, t: Translator) -> str:
    if code is None:
        return t._("No reason given")
    return {
        "too_small": t._("Too small"),
        "too_large": t._("Too large"),
        "not_as_described": t._("Not as described"),
        "quality": t._("Quality not as expected"),
        "changed_mind": t._("Changed my mind"),
        "uncomfortable": t._("Uncomfortable"),
        "damaged": t._("Arrived damaged"),
        "colour": t._("Colour not as expected"),
        "wrong_item": t._("Wrong item"),
    }.get(code, code)


def refund_label(method: str | None, t: Translator) -> str:
    return {
        "original_payment": t._("Refund to the original payment method"),
        "store_credit": t._("Store credit"),
    }.get(method or "", t._("Refund to the original payment method"))


def remedy_label(remedy: str | None, t: Translator) -> str:
    return {"repair": t._("Repair"), "replacement": t._("Replacement"), "refund": t._("Refund")}.get(remedy or "", "")


def tier_label(tier: str | None, t: Translator) -> str:
    return {"bronze": t._("Bronze"), "silver": t._("Silver"), "gold": t._("Gold")}.get(tier or "", tier or "")


def refusal_text(code: str, t: Translator, last_day: date | None = None, server_message: str | None = None) -> str:
    """Why something cannot be done, from a refusal code (preview or server rejection)."""
    when = t.date(last_day, format="long") if last_day is not None else None
    if code == "withdrawal_period_expired":
        if when:
            return t._("The 14-day withdrawal period ended on {date}.").format(date=when)
        return t._("The 14-day withdrawal period has ended.")
    if code == "return_period_expired":
        if when:
            return t._("The 30-day return period ended on {date}.").format(date=when)
        return t._("The 30-day return period has ended.")
    if code == "warranty_expired":
        return t._("The 2-year legal guarantee has ended.")
    texts = {
        "order_not_returnable": t._("This order was cancelled, so there is nothing to return."),
        "not_delivered": t._("This item has not been delivered yet."),
        "item_not_returnable": t._("This item cannot be returned (for example hygiene or personalised goods)."),
        "duplicate_return": t._("A return for this item is already open."),
        "quantity_exceeded": t._("This item has already been returned."),
        "variant_unavailable": t._("That size or colour is no longer in stock."),
        "reason_required": t._("Please choose a reason for each item."),
        "description_required": t._("Please describe the defect."),
        "attachment_invalid": t._("One of the photos could not be used. Please add it again."),
        "return_locked": t._("This return can no longer be changed: the parcel is already on its way."),
        "conflict": t._("This was changed on another device in the meantime. Please check and try again."),
        "not_found": t._("This no longer exists."),
        "insufficient_points": t._("Not enough points for this reward."),
        "reward_unavailable": t._("This reward is no longer available."),
        "invalid_args": t._("Something in the request was not valid. Please try again."),
        "payload_too_large": t._("This request was too large to send."),
    }
    if code in texts:
        return texts[code]
    return server_message or t._("This could not be done. Please try again later.")


def photo_error_text(code: str, t: Translator) -> str:
    return {
        "unsupported_media_type": t._("Please choose a photo (JPEG, PNG or WebP)."),
        "payload_too_large": t._("This photo is larger than 5 MB. Please choose a smaller one."),
        "image_too_large": t._("This photo has too many pixels. Please choose a smaller one."),
        "too_many_photos": t._("You can add up to 3 photos."),
        "offline": t._("Photos need a connection. Try again when you're online, or send the claim without photos."),
    }.get(code, t._("The photo could not be uploaded. Please try again."))
