"""The shopper's pickup (`/pickups/:id`): live status, the pickup QR and short code, "I'm here",
and who else may collect. `PickupLink` puts the way there on a click & collect order's screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import flet as ft

from app.i18n import Translator
from app.protocol.entities import PickupStatus
from app.state.pickups import (
    CHECKED_IN,
    CODE_OFFLINE,
    DELEGATE_REMOVED,
    DELEGATE_SAVED,
    STEPS,
    PickupState,
    step_index,
)
from app.state.proactive_help import PICKUP_WAITING
from services.returns_eligibility import parse_instant
from views import theme
from views.components.detail_page import DetailView, MissingDetailView
from views.components.help_offer import HelpOfferCard
from views.components.layout import Pill
from views.components.notice import Notice
from views.components.offline_banner import OfflineBanner
from views.components.qr import QrCode
from views.hooks import use_app, use_instance, use_observable, use_translator


def status_label(status: str, t: Translator) -> str:
    labels: dict[str, str] = {
        PickupStatus.PREPARING: t._("Being prepared"),
        PickupStatus.READY: t._("Ready for pickup"),
        PickupStatus.CHECKED_IN: t._("You're checked in"),
        PickupStatus.HANDED_OVER: t._("Collected"),
        PickupStatus.CANCELLED: t._("Cancelled"),
    }
    return labels.get(status, status)


def step_label(status: str, t: Translator) -> str:
    labels: dict[str, str] = {
        PickupStatus.PREPARING: t._("Preparing"),
        PickupStatus.READY: t._("Ready"),
        PickupStatus.CHECKED_IN: t._("Checked in"),
        PickupStatus.HANDED_OVER: t._("Collected"),
    }
    return labels.get(status, status)


def short_code_text(code: str) -> str:
    """"K7M4Q2" -> "K7M 4Q2": easier to read out at the counter (the server ignores spaces)."""
    return f"{code[:3]} {code[3:]}" if len(code) > 4 else code


def Steps(status: str, t: Translator) -> ft.Control:
    """Preparing -> Ready -> Checked in -> Collected, the reached ones filled."""
    current = step_index(status)
    parts: list[ft.Control] = []
    for i, step in enumerate(STEPS):
        reached = i <= current
        parts.append(ft.Column(
            [ft.Icon(ft.Icons.CHECK_CIRCLE if reached else ft.Icons.RADIO_BUTTON_UNCHECKED,
                     color=ft.Colors.PRIMARY if reached else ft.Colors.OUTLINE, size=22),
             ft.Text(step_label(step, t), size=12, text_align=ft.TextAlign.CENTER,
                     weight=ft.FontWeight.W_600 if i == current else ft.FontWeight.NORMAL,
                     color=ft.Colors.ON_SURFACE if reached else ft.Colors.ON_SURFACE_VARIANT)],
            spacing=4, horizontal_alignment=ft.CrossAxisAlignment.CENTER, expand=True, tight=True))
    return ft.Semantics(label=status_label(status, t), identifier="pickup-steps",
                        content=ft.Row(parts, spacing=0, vertical_alignment=ft.CrossAxisAlignment.START))


def card(*controls: ft.Control, spacing: float = 12) -> ft.Control:
    return ft.Card(semantic_container=False, content=ft.Container(ft.Column(list(controls), spacing=spacing, tight=True),
                                        padding=theme.M))


def code_card(state: PickupState, t: Translator) -> ft.Control:
    pickup = state.pickup or {}
    short = short_code_text(str(pickup.get("code", "")))
    parts: list[ft.Control] = []
    if state.code_png is not None and state.code_valid():
        parts.append(ft.Container(QrCode(state.code_png, 220, t._("Pickup QR code for order {number}").format(
            number=pickup.get("order_number", "")), identifier="pickup-qr"), alignment=ft.Alignment.CENTER))
    elif state.code_error == CODE_OFFLINE:
        parts.append(Notice(t._("The QR code needs a connection once"),
                            t._("Until then, the short code below works just as well."), tone="neutral",
                            icon=ft.Icons.CLOUD_OFF))
    else:
        parts.append(ft.Container(ft.ProgressRing(width=28, height=28), alignment=ft.Alignment.CENTER, padding=24))
    parts.append(ft.Column(
        [ft.Text(t._("Pickup code"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
         ft.Semantics(identifier="pickup-short-code", label=t._("Pickup code {code}").format(code=short),
                      content=ft.Text(short, size=32, weight=ft.FontWeight.W_700, font_family="monospace",
                                      selectable=True))],
        spacing=2, tight=True, horizontal_alignment=ft.CrossAxisAlignment.CENTER))
    hint = t._("Show this code at the pickup counter.")
    if pickup.get("age_check_required"):
        hint = t._("Show this code at the pickup counter. Please bring ID: the order contains age-restricted items.")
    parts.append(ft.Text(hint, text_align=ft.TextAlign.CENTER, color=ft.Colors.ON_SURFACE_VARIANT, size=13))
    if state.code is not None and state.code_valid():
        parts.append(ft.Text(t._("QR code valid until {date}").format(date=t.date(state.code.expires_at)),
                             text_align=ft.TextAlign.CENTER, size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    return card(ft.Column(parts, spacing=theme.M, horizontal_alignment=ft.CrossAxisAlignment.CENTER, tight=True))


def store_card(store: dict[str, Any] | None, pickup: dict[str, Any], t: Translator) -> ft.Control:
    lines: list[ft.Control] = [ft.Text(str((store or {}).get("name") or pickup.get("store_id", "")),
                                       weight=ft.FontWeight.W_600)]
    if store and store.get("address"):
        lines.append(ft.Text(str(store["address"])))
    if store and store.get("opening_hours"):
        lines.append(ft.Text(t._("Opening hours: {hours}").format(hours=store["opening_hours"]),
                             color=ft.Colors.ON_SURFACE_VARIANT, size=13))
    hold = parse_instant(pickup.get("hold_until"))
    if hold is not None and pickup["status"] in (PickupStatus.READY, PickupStatus.CHECKED_IN):
        lines.append(ft.Text(t._("We keep it for you until {date}.").format(date=t.date(hold, "long")),
                             color=ft.Colors.ON_SURFACE_VARIANT, size=13))
    return card(ft.Row([ft.Icon(ft.Icons.STOREFRONT_OUTLINED, color=ft.Colors.PRIMARY),
                        ft.Column(lines, spacing=2, tight=True, expand=True)],
                       spacing=12, vertical_alignment=ft.CrossAxisAlignment.START))


def items_card(pickup: dict[str, Any], t: Translator) -> ft.Control:
    rows: list[ft.Control] = []
    for item in pickup.get("items") or []:
        name = ft.Text(t._("{quantity} × {name}").format(quantity=item["quantity"], name=item["name"]), expand=True)
        extra: list[ft.Control] = [name]
        if item.get("age_restricted"):
            extra.append(Pill(t._("ID required"), ft.Colors.ON_TERTIARY_CONTAINER, ft.Colors.TERTIARY_CONTAINER))
        rows.append(ft.Row(extra, spacing=theme.S))
    return card(*rows, spacing=theme.S)


@ft.component
def DelegateCard(state: PickupState) -> ft.Control:
    """Name someone else who may collect (staff check their ID against this name)."""
    t = use_translator()
    pickup = state.pickup or {}
    current = pickup.get("delegate_name") or ""
    draft, set_draft = ft.use_state(current)
    editing, set_editing = ft.use_state(False)

    async def save() -> None:
        if await state.set_delegate(draft):
            set_editing(False)

    async def remove() -> None:
        set_draft("")
        await state.set_delegate(None)

    title = ft.Text(t._("Someone else collecting?"), weight=ft.FontWeight.W_600)
    if current and not editing:
        return card(title, ft.Row([
            ft.Icon(ft.Icons.PERSON_OUTLINE, color=ft.Colors.PRIMARY),
            ft.Text(t._("{name} may collect this order (with ID).").format(name=current), expand=True),
        ], spacing=theme.S), ft.Row([
            ft.OutlinedButton(t._("Change"), height=48, on_click=lambda: (set_draft(current), set_editing(True))),
            ft.TextButton(t._("Remove"), height=48, on_click=remove, disabled=state.busy),
        ], spacing=theme.S, wrap=True))
    return card(
        title,
        ft.Text(t._("They need the pickup code and their ID. Nobody else may collect it."),
                color=ft.Colors.ON_SURFACE_VARIANT, size=13),
        ft.TextField(label=t._("Name as on their ID"), value=draft, on_change=lambda e: set_draft(e.control.value),
                     on_submit=save, max_length=120, counter=None),
        ft.Row([ft.FilledButton(t._("Save name"), height=48, on_click=save,
                                disabled=state.busy or not draft.strip())], spacing=theme.S),
    )


@ft.component
def PickupPage(pickup_id: str) -> ft.View:
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    sync = use_observable(ctx.session.sync)
    offers = use_observable(ctx.help_offers)
    state = use_instance(lambda: PickupState(pickup_id=pickup_id))
    use_observable(state)
    route = f"/pickups/{pickup_id}"
    page = ft.context.page

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.pickups, account.sync, session.dispatcher)
            await state.refresh()
            await state.load_code()
            await offers.bind(account.proactive_help)

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)

    pickup = state.pickup
    if pickup is None:
        return MissingDetailView(route, t._("Pickup"), "/orders", loaded=state.loaded,
                                 missing=t._("This pickup isn't on this device"),
                                 why=t._("It may belong to another account, or it hasn't synced yet."),
                                 back_label=t._("Back to orders"))

    status = pickup["status"]
    body: list[ft.Control] = []
    if sync.active and sync.connectivity == "offline":
        body.append(OfflineBanner())
    body.append(ft.Semantics(live_region=True, identifier="pickup-status",
                             content=ft.Text(status_label(status, t), theme_style=ft.TextThemeStyle.TITLE_LARGE,
                                             weight=ft.FontWeight.W_600)))
    if status != PickupStatus.CANCELLED:
        body.append(Steps(status, t))
    # Waiting longer than promised: offer help right here (issue 4).
    body.extend(HelpOfferCard(o, key=o.key)  # type: ignore[call-arg]
                for o in offers.offers_for(PICKUP_WAITING, str(pickup.get("order_id") or "")))
    if state.notice == CHECKED_IN or (status == PickupStatus.CHECKED_IN and pickup.get("_pending")):
        body.append(Notice(t._("We've let the store know you're here"),
                           t._("It goes through as soon as your phone has a connection. A member of staff will "
                               "be with you shortly."), tone="success", icon=ft.Icons.WAVING_HAND_OUTLINED))
    elif status == PickupStatus.CHECKED_IN:
        waiting_since = parse_instant(pickup.get("checked_in_at"))
        body.append(Notice(t._("The store knows you're here"),
                           t._("Checked in at {time}. A member of staff will be with you shortly.").format(
                               time=t.time(waiting_since or datetime.now(UTC))),
                           tone="success", icon=ft.Icons.WAVING_HAND_OUTLINED))
    if state.notice in (DELEGATE_SAVED, DELEGATE_REMOVED):
        body.append(Notice(t._("Saved") if state.notice == DELEGATE_SAVED else t._("Removed"),
                           t._("The store sees it as soon as your phone has a connection."), tone="info"))
    if state.error:
        body.append(Notice(t._("That didn't work"), t._("Please try again."), tone="error"))

    if status == PickupStatus.HANDED_OVER:
        at = parse_instant(pickup.get("handed_over_at"))
        text = t._("Collected on {moment}.").format(moment=t.moment(at)) if at else t._("Collected.")
        if pickup.get("handed_over_to"):
            text = t._("Collected by {name} on {moment}.").format(name=pickup["handed_over_to"],
                                                                   moment=t.moment(at or datetime.now(UTC)))
        body.append(Notice(t._("Enjoy your order!"), text, tone="success", icon=ft.Icons.CHECK_CIRCLE_OUTLINE,
                           identifier="pickup-collected"))
    elif status == PickupStatus.CANCELLED:
        body.append(Notice(t._("This pickup was cancelled"),
                           t._("If you already paid, the money goes back to you within 3–5 working days."),
                           tone="neutral", icon=ft.Icons.BLOCK))
    elif status == PickupStatus.PREPARING:
        body.append(Notice(t._("We're getting your order ready"),
                           t._("We'll let you know as soon as you can collect it."), tone="info",
                           icon=ft.Icons.INVENTORY_2_OUTLINED))
    else:
        body.append(code_card(state, t))
        if status == PickupStatus.READY:
            body.append(ft.FilledButton(t._("I'm here"), icon=ft.Icons.WAVING_HAND_OUTLINED, height=52,
                                        on_click=state.check_in, disabled=state.busy))
    body.append(store_card(state.store, pickup, t))
    if status in (PickupStatus.PREPARING, PickupStatus.READY, PickupStatus.CHECKED_IN):
        body.append(DelegateCard(state, key=f"delegate-{pickup.get('delegate_name') or ''}"))  # type: ignore[call-arg]
    body.append(ft.Text(t._("Items"), theme_style=ft.TextThemeStyle.TITLE_SMALL, weight=ft.FontWeight.W_600))
    body.append(items_card(pickup, t))
    body.append(ft.TextButton(t._("Order details"), icon=ft.Icons.RECEIPT_LONG_OUTLINED,
                              on_click=lambda: page.navigate(f"/orders/{pickup['order_id']}")))
    return DetailView(route, t._("Pickup {number}").format(number=pickup.get("order_number", "")), "/orders", body)


@ft.component
def PickupView() -> ft.View:
    """Route component: the pickup id comes from the URL."""
    pickup_id = ft.use_route_params().get("id", "")
    return PickupPage(pickup_id, key=pickup_id)  # type: ignore[call-arg]


@ft.component
def PickupLink(order_id: str) -> ft.Control:
    """On a click & collect order: the pickup's status and the way to its code."""
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    row: dict[str, Any] | None
    set_row: Callable[[dict[str, Any] | None], None]
    row, set_row = ft.use_state(None)

    async def load() -> None:
        account = session.account
        if account is not None:
            set_row(await asyncio.to_thread(account.pickups.for_order, order_id))

    ft.use_effect(load, dependencies=[order_id])
    if not row:
        return ft.Container(height=0)
    pickup: dict[str, Any] = row
    label = (t._("Show pickup code") if pickup["status"] in (PickupStatus.READY, PickupStatus.CHECKED_IN)
             else t._("Pickup status"))
    return ft.Row([ft.FilledTonalButton(label, icon=ft.Icons.QR_CODE_2, height=48,
                                        on_click=lambda: ft.context.page.navigate(f"/pickups/{pickup['id']}"))])
