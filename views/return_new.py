"""/returns/new?order=<id>: one screen to start any of the three journeys for an order.

1. Right of withdrawal (EU, 14 days): a clearly labelled button, a confirmation step, and an
   acknowledgement with date and time. After the period, an explanation and the other options.
2. Return or exchange (30 days): per item quantity, reason, refund or another size/colour.
3. Warranty claim (2 years): the defect, up to 3 photos, repair, replacement or refund.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlparse

import flet as ft

from app.i18n import Translator
from app.protocol.returns import MAX_ATTACHMENTS
from app.state.proactive_help import RETURN_FLOW
from app.state.return_draft import (
    DESCRIPTION_MISSING,
    NO_ITEMS,
    REASON_MISSING,
    REMEDY_MISSING,
    LineChoice,
    ReturnDraft,
)
from views import theme
from views.components.detail_page import DetailView
from views.components.help_offer import HelpOfferCard
from views.components.icon_action import IconAction
from views.components.layout import EmptyState
from views.components.offline_banner import OfflineBanner
from views.components.receipt import WithdrawalReceipt
from views.components.returns_text import photo_error_text, reason_label, refusal_text
from views.hooks import use_app, use_instance, use_observable, use_translator

if TYPE_CHECKING:
    from services.returns_eligibility import ItemPreview, KindCheck, OrderPreview

logger = logging.getLogger(__name__)


def _title(text: str, icon: ft.IconData) -> ft.Control:
    return ft.Row([ft.Icon(icon, color=ft.Colors.PRIMARY),
                   ft.Semantics(header=True, content=ft.Text(text, theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
                                                             weight=ft.FontWeight.W_600, expand=True))],
                  spacing=theme.S)


def _muted(text: str, size: float | None = None) -> ft.Text:
    return ft.Text(text, color=ft.Colors.ON_SURFACE_VARIANT, size=size)


def _card(controls: list[ft.Control], identifier: str | None = None, tone: str | None = None) -> ft.Control:
    return ft.Semantics(identifier=identifier, container=True, content=ft.Card(
        bgcolor=tone, semantic_container=False, content=ft.Container(padding=theme.M, content=ft.Column(
            controls, spacing=12, horizontal_alignment=ft.CrossAxisAlignment.STRETCH))))


def _deadline(check: KindCheck, t: Translator) -> str:
    if check.last_day is None:
        return ""
    if check.days_left == 0:
        return t._("until today, {date}").format(date=t.date(check.last_day, format="long"))
    return t._("until {date}").format(date=t.date(check.last_day, format="long"))


def _item_name(item: ItemPreview, t: Translator) -> str:
    return t._("{name} ({variant})").format(name=item.name, variant=item.variant) if item.variant else item.name


def _errors(draft: ReturnDraft, t: Translator) -> list[ft.Control]:
    texts = {
        NO_ITEMS: t._("Please choose at least one item."),
        REASON_MISSING: t._("Please choose a reason for each item."),
        DESCRIPTION_MISSING: t._("Please describe the defect."),
        REMEDY_MISSING: t._("Please choose repair, replacement or refund."),
    }
    return [ft.Semantics(live_region=True, content=ft.Text(texts.get(code, code), color=ft.Colors.ERROR))
            for code in draft.errors]


# -- 1. withdrawal -----------------------------------------------------------------------------------


@ft.component
def WithdrawalCard(draft: ReturnDraft, preview: OrderPreview, offline: bool) -> ft.Control:
    t = use_translator()
    check = preview.summary("withdrawal")
    if not check.allowed:
        others = []
        for kind, label in (("return", t._("Return or exchange")), ("warranty_claim", t._("Warranty claim"))):
            other = preview.summary(kind)
            if other.allowed:
                others.append(ft.Row([ft.Icon(ft.Icons.ARROW_FORWARD, size=16, color=ft.Colors.PRIMARY),
                                      ft.Text(f"{label} {_deadline(other, t)}".strip(), expand=True)], spacing=theme.S))
        body: list[ft.Control] = [
            _title(t._("Right of withdrawal"), ft.Icons.GAVEL_OUTLINED),
            ft.Text(refusal_text(check.code or "", t, check.last_day)),
        ]
        if others:
            body += [_muted(t._("You can still choose one of these options below:")), *others]
        return _card(body, identifier="withdrawal-closed")

    async def begin(_: ft.Event[ft.Button]) -> None:
        draft.start_withdrawal()

    if not draft.confirming:
        if check.last_day is None:
            lead = t._("You can withdraw from this purchase without giving a reason. The 14-day period starts "
                       "when your last parcel arrives.")
        else:
            lead = t._("You can withdraw from this purchase without giving a reason until {date}.").format(
                date=t.date(check.last_day, format="long"))
        return _card([
            _title(t._("Right of withdrawal"), ft.Icons.GAVEL_OUTLINED),
            ft.Text(lead),
            ft.Row([ft.FilledButton(t._("Withdraw from contract"), icon=ft.Icons.GAVEL, on_click=begin, height=48)]),
        ], identifier="withdrawal")

    async def confirm(_: ft.Event[ft.Button]) -> None:
        await draft.submit()

    def cancel(_: ft.Event[ft.TextButton]) -> None:
        draft.back()

    rows: list[ft.Control] = []
    for item in draft.eligible():
        choice = draft.lines.get(item.id, LineChoice())

        def toggle(e: ft.Event[ft.Checkbox], item_id: str = item.id) -> None:
            draft.toggle(item_id, bool(e.control.value))

        label = t._("{count} × {name}").format(count=t.number(item.available), name=_item_name(item, t))
        rows.append(ft.Checkbox(label=label, value=choice.selected, on_change=toggle))
    body = [
        _title(t._("Confirm your withdrawal"), ft.Icons.GAVEL_OUTLINED),
        ft.Text(t._("You are withdrawing from the contract for these items of order {number}:").format(
            number=preview.number)),
        *rows,
        _muted(t._("We refund you to the original payment method no later than 14 days after we receive your "
                   "withdrawal. Please send the items back within 14 days; you'll get a QR code for drop-off."),
               size=13),
    ]
    if offline:
        body.append(ft.Text(t._("You're offline. Your withdrawal is saved on this device and sent as soon as you're "
                                "back online."), color=ft.Colors.TERTIARY, size=13))
    body += _errors(draft, t)
    body.append(ft.Row([
        ft.FilledButton(t._("Confirm withdrawal"), icon=ft.Icons.CHECK, on_click=confirm, disabled=draft.busy,
                        height=48),
        ft.TextButton(t._("Cancel"), on_click=cancel),
    ], wrap=True, spacing=theme.S, run_spacing=theme.S))
    return _card(body, identifier="withdrawal-confirm", tone=ft.Colors.SURFACE_CONTAINER_LOW)


# -- 2. and 3. the other journeys ------------------------------------------------------------------


@ft.component
def JourneyTile(draft: ReturnDraft, preview: OrderPreview, kind: str) -> ft.Control:
    t = use_translator()
    check = preview.summary(kind)
    if kind == "return":
        title, icon = t._("Return or exchange"), ft.Icons.SWAP_HORIZ
        blurb = t._("Send items back for a refund or another size or colour")
    else:
        title, icon = t._("Warranty claim"), ft.Icons.BUILD_OUTLINED
        blurb = t._("Something is broken: repair, replacement or refund")
    if check.allowed:
        detail = f"{blurb} · {_deadline(check, t)}" if check.last_day else blurb
    else:
        detail = refusal_text(check.code or "", t, check.last_day)
    selected = draft.journey == kind

    def pick(_: ft.Event[ft.Container]) -> None:
        draft.choose(kind)

    return ft.Semantics(
        button=check.allowed,
        selected=selected,
        identifier=f"journey-{kind}",
        content=ft.Container(
            on_click=pick if check.allowed else None,
            padding=theme.M,
            border_radius=theme.CARD_RADIUS,
            border=ft.Border.all(2 if selected else 1, ft.Colors.PRIMARY if selected else ft.Colors.OUTLINE_VARIANT),
            bgcolor=ft.Colors.PRIMARY_CONTAINER if selected else ft.Colors.SURFACE_CONTAINER_LOWEST,
            opacity=1.0 if check.allowed else 0.6,
            content=ft.Row([
                ft.Icon(icon, color=ft.Colors.PRIMARY if check.allowed else ft.Colors.ON_SURFACE_VARIANT),
                ft.Column([ft.Text(title, weight=ft.FontWeight.W_600), _muted(detail, size=13)],
                          spacing=2, expand=True),
                ft.Icon(ft.Icons.RADIO_BUTTON_CHECKED if selected else ft.Icons.RADIO_BUTTON_UNCHECKED,
                        color=ft.Colors.PRIMARY if check.allowed else ft.Colors.OUTLINE),
            ], spacing=theme.M),
        ),
    )


def _chips(options: list[tuple[str | None, str]], value: str | None, on_pick: object, prefix: str) -> ft.Control:
    chips: list[ft.Control] = []
    for option, label in options:
        def select(_: ft.Event[ft.Chip], option: str | None = option) -> None:
            on_pick(option)  # type: ignore[operator]

        chips.append(ft.Chip(label=ft.Text(label), selected=value == option, on_select=select, show_checkmark=True,
                             key=f"{prefix}-{option}"))
    return ft.Row(chips, wrap=True, spacing=theme.S, run_spacing=theme.S)


@ft.component
def ItemChoice(draft: ReturnDraft, item: ItemPreview, journey: str) -> ft.Control:
    t = use_translator()
    choice = draft.lines.get(item.id)
    check = item.checks[journey]
    name = _item_name(item, t)
    if choice is None or not check.allowed:
        return ft.Container(
            padding=ft.Padding.symmetric(vertical=theme.XS),
            content=ft.Row([ft.Icon(ft.Icons.BLOCK, size=18, color=ft.Colors.OUTLINE),
                            ft.Column([ft.Text(name, color=ft.Colors.ON_SURFACE_VARIANT),
                                       _muted(refusal_text(check.code or "", t, check.last_day), size=12)],
                                      spacing=0, expand=True)], spacing=theme.S))

    def toggle(e: ft.Event[ft.Checkbox]) -> None:
        draft.toggle(item.id, bool(e.control.value))

    parts: list[ft.Control] = [ft.Checkbox(label=name, value=choice.selected, on_change=toggle)]
    if not choice.selected:
        return ft.Column(parts, spacing=0)
    detail: list[ft.Control] = []
    if item.available > 1:
        def step(delta: int) -> Callable[[object], None]:
            def go(_: object) -> None:
                draft.set_quantity(item.id, choice.quantity + delta)
            return go

        detail.append(ft.Row([
            ft.Text(t._("Quantity")),
            IconAction(ft.Icons.REMOVE_CIRCLE_OUTLINE, t._("One less"), step(-1), disabled=choice.quantity <= 1),
            ft.Text(t.number(choice.quantity), weight=ft.FontWeight.W_600),
            IconAction(ft.Icons.ADD_CIRCLE_OUTLINE, t._("One more"), step(1),
                       disabled=choice.quantity >= item.available),
        ], spacing=theme.XS))
    if journey == "return":
        detail.append(_muted(t._("Reason"), size=13))
        detail.append(_chips([(r, reason_label(r, t)) for r in item.reasons], choice.reason,
                             lambda r: draft.set_reason(item.id, r), f"reason-{item.id}"))
        if item.exchange_variants and item.checks["exchange"].allowed:
            detail.append(_muted(t._("Refund or exchange?"), size=13))
            options: list[tuple[str | None, str]] = [(None, t._("Refund"))]
            options += [(v, t._("Exchange for {variant}").format(variant=v)) for v in item.exchange_variants]
            detail.append(_chips(options, choice.exchange_variant, lambda v: draft.set_exchange(item.id, v),
                                 f"swap-{item.id}"))
    parts.append(ft.Container(ft.Column(detail, spacing=theme.S), padding=ft.Padding.only(left=40, bottom=theme.S)))
    return ft.Column(parts, spacing=0)


@ft.component
def Photos(draft: ReturnDraft) -> ft.Control:
    t = use_translator()
    page = ft.context.page

    async def add(_: ft.Event[ft.OutlinedButton]) -> None:
        try:
            files = await ft.FilePicker().pick_files(
                dialog_title=t._("Choose photos of the defect"), file_type=ft.FilePickerFileType.IMAGE,
                allow_multiple=True, with_data=True, cancel_upload_on_window_blur=False)
        except Exception:
            logger.exception("file picker failed")
            page.show_dialog(ft.SnackBar(ft.Text(t._("The photo could not be uploaded. Please try again."))))
            return
        for file in files or []:
            if file.bytes is None:
                continue  # on desktop `path` would be set; with_data gives bytes everywhere we run
            if not await draft.add_photo(file.name, file.bytes):
                break

    tiles: list[ft.Control] = []
    for n, photo in enumerate(draft.photos, start=1):
        def remove(_: object, attachment_id: str = photo.attachment_id) -> None:
            draft.remove_photo(attachment_id)

        tiles.append(ft.Stack([
            ft.Container(ft.Image(src=photo.data, width=88, height=88, fit=ft.BoxFit.COVER), border_radius=12,
                         clip_behavior=ft.ClipBehavior.ANTI_ALIAS),
            ft.Container(
                IconAction(ft.Icons.CLOSE, t._("Remove photo {number}").format(number=n), remove, icon_size=16,
                           style=ft.ButtonStyle(bgcolor=ft.Colors.SURFACE)),
                right=-4, top=-4),
        ], width=92, height=92, key=photo.attachment_id))
    if draft.uploading:
        tiles.append(ft.Container(width=88, height=88, alignment=ft.Alignment.CENTER, border_radius=12,
                                  bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
                                  content=ft.ProgressRing(width=24, height=24, stroke_width=3)))
    controls: list[ft.Control] = [
        _muted(t._("Photos (optional, up to {count})").format(count=MAX_ATTACHMENTS), size=13),
    ]
    if tiles:
        controls.append(ft.Row(tiles, wrap=True, spacing=theme.S, run_spacing=theme.S))
    controls.append(ft.OutlinedButton(t._("Add photo"), icon=ft.Icons.ADD_A_PHOTO_OUTLINED, on_click=add,
                                      disabled=draft.uploading or len(draft.photos) >= MAX_ATTACHMENTS))
    if draft.photo_error:
        controls.append(ft.Semantics(live_region=True, content=ft.Text(photo_error_text(draft.photo_error, t),
                                                                       color=ft.Colors.ERROR)))
    return ft.Column(controls, spacing=theme.S)


@ft.component
def JourneyForm(draft: ReturnDraft, preview: OrderPreview, offline: bool) -> ft.Control:
    t = use_translator()
    journey = draft.journey or "return"

    def on_comment(e: ft.Event[ft.TextField]) -> None:
        draft.set_comment(e.control.value or "")

    def on_refund(e: ft.Event[ft.RadioGroup]) -> None:
        if e.control.value:
            draft.set_refund_method(e.control.value)

    def on_remedy(e: ft.Event[ft.RadioGroup]) -> None:
        if e.control.value:
            draft.set_remedy(e.control.value)

    async def send(_: ft.Event[ft.Button]) -> None:
        submitted = await draft.submit()
        if submitted is None:
            return
        if len(submitted.return_ids) == 1:
            ft.context.page.navigate(f"/returns/{submitted.return_ids[0]}")
        else:
            ft.context.page.navigate("/returns")

    controls: list[ft.Control] = [
        _muted(t._("Which items?"), size=13),
        *[ItemChoice(draft, item, journey, key=f"{journey}-{item.id}") for item in preview.items],  # type: ignore[call-arg]
    ]
    if journey == "return":
        refunds = any(c.selected and c.exchange_variant is None for c in draft.lines.values())
        controls.append(ft.TextField(label=t._("Comment (optional)"), value=draft.comment, multiline=True,
                                     min_lines=2, max_lines=5, max_length=4000, on_change=on_comment))
        if refunds:
            controls += [
                _muted(t._("How would you like your money back?"), size=13),
                ft.RadioGroup(value=draft.refund_method, on_change=on_refund, content=ft.Column([
                    ft.Radio(value="original_payment", label=t._("Refund to the original payment method")),
                    ft.Radio(value="store_credit", label=t._("Store credit")),
                ], spacing=0)),
            ]
        label = t._("Send return request")
    else:
        controls += [
            ft.TextField(label=t._("Describe the defect"), value=draft.comment, multiline=True, min_lines=3,
                         max_lines=8, max_length=4000, on_change=on_comment,
                         error=t._("Please describe the defect.") if DESCRIPTION_MISSING in draft.errors else None),
            Photos(draft),
            _muted(t._("What would you like us to do?"), size=13),
            ft.RadioGroup(value=draft.remedy, on_change=on_remedy, content=ft.Column([
                ft.Radio(value="repair", label=t._("Repair")),
                ft.Radio(value="replacement", label=t._("Replacement")),
                ft.Radio(value="refund", label=t._("Refund")),
            ], spacing=0)),
        ]
        label = t._("Submit warranty claim")
    if offline:
        controls.append(ft.Text(t._("You're offline. Your request is saved on this device and sent as soon as "
                                    "you're back online."), color=ft.Colors.TERTIARY, size=13))
    controls += _errors(draft, t)
    controls.append(ft.Row([ft.FilledButton(label, icon=ft.Icons.SEND, on_click=send,
                                            disabled=draft.busy or draft.uploading, height=48)]))
    return _card(controls, identifier=f"form-{journey}")


# -- the screen ------------------------------------------------------------------------------------------


def _order_param(route: str) -> str:
    return parse_qs(urlparse(route).query).get("order", [""])[0]


@ft.component
def ReturnNewView() -> ft.View:
    ctx = use_app()
    t = use_translator()
    returns = use_observable(ctx.session.returns)
    sync = use_observable(ctx.session.sync)
    order_id = _order_param(ft.context.page.route or "")
    draft = use_instance(lambda: returns.new_draft(order_id))
    use_observable(draft)

    offers = use_observable(ctx.help_offers)

    async def load() -> None:
        account = ctx.session.account
        if account is not None:
            await offers.bind(account.proactive_help)  # dismissed offers stay dismissed
        await draft.load()

    ft.use_effect(load, dependencies=[])
    # Where the shopper is in the flow (none, return, warranty, withdrawal confirmation): going
    # back and forth between these is what `return_flow_offer` looks for.
    step = 3 if draft.confirming else {"return": 1, "warranty_claim": 2}.get(draft.journey or "", 0)

    def note_step() -> None:
        if order_id:
            offers.note_return_step(order_id, step)

    ft.use_effect(note_step, dependencies=[step])
    offline = sync.active and sync.connectivity == "offline"
    title = t._("Start a return")

    def view(controls: list[ft.Control]) -> ft.View:
        return DetailView("/returns/new", title, "/returns", controls)

    if not draft.loaded:
        return view([ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=48)])
    preview = draft.preview
    if preview is None:
        return view([EmptyState(ft.Icons.SEARCH_OFF, t._("Order not found"),
                                t._("This order is not on this device. Open it from your orders or returns."))])

    if draft.submitted is not None and draft.submitted.kind == "withdrawal":
        made = returns.find(draft.submitted.return_ids[0])
        controls: list[ft.Control] = [OfflineBanner()] if offline else []
        if made is not None:
            controls.append(WithdrawalReceipt(made, declared_at=draft.submitted.at))
            controls.append(ft.Row([
                ft.FilledButton(t._("Show return and QR code"), icon=ft.Icons.QR_CODE_2,
                                on_click=lambda _: ft.context.page.navigate(f"/returns/{made.id}")),
                ft.TextButton(t._("All returns"), on_click=lambda _: ft.context.page.navigate("/returns")),
            ], wrap=True, spacing=theme.S, run_spacing=theme.S))
        else:
            controls.append(ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=48))
        return view(controls)

    first = preview.items[0] if preview.items else None
    delivered = max((i.delivered_on for i in preview.items if i.delivered_on), default=None)
    header: list[ft.Control] = [
        ft.Text(t._("Order {number}").format(number=preview.number), theme_style=ft.TextThemeStyle.TITLE_LARGE,
                weight=ft.FontWeight.W_600),
        _muted(t._("Delivered on {date}").format(date=t.date(delivered, format="long")) if delivered
               else t._("Not delivered yet")),
    ]
    if first is None:
        return view([*header, EmptyState(ft.Icons.INVENTORY_2_OUTLINED, t._("Nothing to return"), "")])
    controls = [OfflineBanner()] if offline else []
    controls += [ft.Column(header, spacing=2), WithdrawalCard(draft, preview, offline)]
    if not draft.confirming:
        controls.append(ft.Container(height=theme.XS))
        controls.append(ft.Semantics(header=True, content=ft.Text(
            t._("Other options"), theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY,
            weight=ft.FontWeight.W_600)))
        controls.append(JourneyTile(draft, preview, "return"))
        controls.append(JourneyTile(draft, preview, "warranty_claim"))
        # Right where the shopper hesitates, between the options and the form.
        controls += [HelpOfferCard(offer, key=offer.key)  # type: ignore[call-arg]
                     for offer in offers.offers_for(RETURN_FLOW, order_id)]
        if draft.journey in ("return", "warranty_claim"):
            controls.append(JourneyForm(draft, preview, offline, key=draft.journey))  # type: ignore[call-arg]
    return view(controls)
