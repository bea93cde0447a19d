"""A shopper's visit at the kiosk: orders, pickups ("I'm here"), returns (drop off by scanning), help.

The countdown shows in the last seconds before the visit ends for privacy; "Done" ends it at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

from app.state.kiosk import CHECKED_IN, DROPPED_OFF, KioskState
from services.returns_eligibility import parse_instant
from views import theme
from views.components.returns_text import kind_label, status_chip
from views.hooks import use_translator
from views.kiosk_parts import (
    TOUCH,
    ErrorNote,
    ScannerField,
    TopBar,
    UploadButton,
    scan_error,
)
from views.orders import status_style
from views.pickup import status_label as pickup_status

if TYPE_CHECKING:
    from app.i18n import Translator


def section_label(name: str, t: Translator) -> str:
    return {"orders": t._("Orders"), "pickups": t._("Pickups"), "returns": t._("Returns"),
            "help": t._("Help")}[name]


def _card(content: ft.Control, highlight: bool = False) -> ft.Control:
    return ft.Container(
        padding=ft.Padding.symmetric(horizontal=20, vertical=16), border_radius=16,
        bgcolor=ft.Colors.PRIMARY_CONTAINER if highlight else ft.Colors.SURFACE_CONTAINER_LOWEST,
        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT), content=content)


def _empty(text: str) -> ft.Control:
    return ft.Container(padding=40, alignment=ft.Alignment.CENTER,
                        content=ft.Text(text, size=18, color=ft.Colors.ON_SURFACE_VARIANT))


def _orders(kiosk: KioskState, t: Translator) -> list[ft.Control]:
    if not kiosk.orders:
        return [_empty(t._("No orders yet."))]
    out: list[ft.Control] = []
    for order in kiosk.orders:
        style = status_style(order.status, t)
        out.append(_card(ft.Row([
            ft.Column([ft.Text(t._("Order {number}").format(number=order.number), size=20, weight=ft.FontWeight.W_600),
                       ft.Text(t._("{items} · ordered {date}").format(
                           items=t.ngettext("{count} item", "{count} items", order.item_count).format(
                               count=order.item_count), date=t.date(order.placed_at, format="medium")), size=16,
                               color=ft.Colors.ON_SURFACE_VARIANT)], spacing=4, expand=True),
            ft.Container(padding=ft.Padding.symmetric(horizontal=12, vertical=6), border_radius=999, bgcolor=style.bg,
                         content=ft.Text(style.label, color=style.fg, size=16, weight=ft.FontWeight.W_600)),
        ]), highlight=order.id == kiosk.focus))
    return out


def _pickups(kiosk: KioskState, t: Translator) -> list[ft.Control]:
    if not kiosk.pickups:
        return [_empty(t._("No pickups at the moment."))]
    out: list[ft.Control] = []
    for p in kiosk.pickups:
        async def check_in(_: Any, pickup_id: str = p["id"]) -> None:
            await kiosk.check_in(pickup_id)

        action: ft.Control = ft.Container()
        if p.get("status") == "ready":
            action = ft.FilledButton(t._("I'm here"), icon=ft.Icons.WAVING_HAND_OUTLINED, on_click=check_in,
                                     height=TOUCH, style=ft.ButtonStyle(text_style=ft.TextStyle(size=18)))
        out.append(_card(ft.Row([
            ft.Column([ft.Text(t._("Order {number}").format(number=p.get("order_number", "")), size=20,
                               weight=ft.FontWeight.W_600),
                       ft.Text(pickup_status(str(p.get("status")), t), size=16, color=ft.Colors.ON_SURFACE_VARIANT)],
                      spacing=4, expand=True),
            action,
        ]), highlight=p.get("order_id") == kiosk.focus or p["id"] == kiosk.focus))
    return out


def _returns(kiosk: KioskState, t: Translator) -> list[ft.Control]:
    out: list[ft.Control] = [ft.Text(t._("To drop off a return, scan its code from the app here (camera, scanner "
                                         "or picture) and put the parcel in the drop-off box."), size=16,
                                     color=ft.Colors.ON_SURFACE_VARIANT)]
    if not kiosk.returns:
        return [*out, _empty(t._("No returns yet."))]
    numbers = {o.id: o.number for o in kiosk.orders}
    for r in kiosk.returns:
        chip = status_chip(str(r.get("status")), t)
        lines: list[ft.Control] = [ft.Text(kind_label(str(r.get("kind")), t), size=20, weight=ft.FontWeight.W_600)]
        # Which order and when: a shopper with two returns tells them apart by these.
        facts = []
        number = numbers.get(str(r.get("order_id")))
        if number is not None:
            facts.append(t._("Order {number}").format(number=number))
        created = parse_instant(r.get("created_at"))  # the cached row holds the wire's ISO text, not a date
        if created is not None:
            facts.append(t.date(created, format="medium"))
        if facts:
            lines.append(ft.Text(" · ".join(facts), size=16, color=ft.Colors.ON_SURFACE_VARIANT))
        out.append(_card(ft.Row([
            ft.Column(lines, spacing=4, expand=True),
            ft.Container(padding=ft.Padding.symmetric(horizontal=12, vertical=6), border_radius=999, bgcolor=chip.bg,
                         content=ft.Row([ft.Icon(chip.icon, color=chip.fg, size=18),
                                         ft.Text(chip.label, color=chip.fg, size=16, weight=ft.FontWeight.W_600)],
                                        spacing=6, tight=True)),
        ]), highlight=r["id"] == kiosk.focus))
    return out


@ft.component
def HelpSection(kiosk: KioskState) -> ft.Control:
    t = use_translator()

    async def search(e: ft.Event[ft.TextField]) -> None:
        await kiosk.search_faq(e.control.value or "")

    results: list[ft.Control] = []
    for hit in kiosk.faq_hits:
        results.append(_card(ft.Column([
            ft.Text(hit.article.title, size=18, weight=ft.FontWeight.W_600),
            ft.Text("".join(text for text, _ in hit.snippet), size=16, color=ft.Colors.ON_SURFACE_VARIANT),
        ], spacing=6)))
    if kiosk.faq_query.strip() and not kiosk.faq_hits:
        results.append(_empty(t._("Nothing found. Please ask a member of staff.")))
    return ft.Column([
        ft.TextField(label=t._("Search the help"), value=kiosk.faq_query, on_change=search,
                     prefix_icon=ft.Icons.SEARCH, border_radius=12, text_size=18),
        *results,
    ], spacing=theme.M)


def _notice(kiosk: KioskState, t: Translator) -> ft.Control | None:
    text = {DROPPED_OFF: t._("Dropped off. Please put the parcel in the drop-off box. Thank you!"),
            CHECKED_IN: t._("You're checked in: our staff are bringing your order.")}.get(kiosk.notice or "")
    if text is None:
        return None
    return ft.Semantics(live_region=True, identifier="kiosk-notice", content=ft.Container(
        padding=ft.Padding.symmetric(horizontal=20, vertical=14), border_radius=16, bgcolor=ft.Colors.GREEN_50,
        content=ft.Row([ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.GREEN_800, size=28),
                        ft.Text(text, color=ft.Colors.GREEN_900, size=18, expand=True)], spacing=12)))


def Countdown(kiosk: KioskState, t: Translator) -> ft.Control:
    """The last seconds: who is still there touches the screen; otherwise the visit ends."""
    seconds = kiosk.remaining_s or 0
    return ft.Semantics(live_region=True, identifier="kiosk-countdown", content=ft.Container(
        padding=ft.Padding.symmetric(horizontal=20, vertical=14), border_radius=16, bgcolor=ft.Colors.AMBER_100,
        content=ft.Row([
            ft.Icon(ft.Icons.TIMER_OUTLINED, color=ft.Colors.AMBER_900, size=28),
            ft.Text(t.ngettext("Still there? For your privacy this ends in {seconds} second.",
                               "Still there? For your privacy this ends in {seconds} seconds.", seconds).format(
                seconds=seconds), color=ft.Colors.AMBER_900, size=18, weight=ft.FontWeight.W_600, expand=True),
            ft.FilledButton(t._("I'm still here"), on_click=lambda: kiosk.touch(), height=TOUCH),
        ], spacing=12)))


@ft.component
def VisitView(kiosk: KioskState) -> ft.View:
    t = use_translator()

    async def done() -> None:
        await kiosk.done()

    def open_section(e: ft.Event[ft.SegmentedButton]) -> None:
        if e.control.selected:
            kiosk.open_section(e.control.selected[0])

    tabs = ft.SegmentedButton(
        selected=[kiosk.section], show_selected_icon=False,
        style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=24, vertical=16)),
        segments=[ft.Segment(value=name, label=ft.Text(section_label(name, t), size=18))
                  for name in ("orders", "pickups", "returns", "help")],
        on_change=open_section)
    if kiosk.section == "help":
        body: list[ft.Control] = [HelpSection(kiosk)]
    else:
        body = {"orders": _orders, "pickups": _pickups, "returns": _returns}[kiosk.section](kiosk, t)
    top: list[ft.Control] = []
    if kiosk.remaining_s is not None:
        top.append(Countdown(kiosk, t))
    notice = _notice(kiosk, t)
    if notice is not None:
        top.append(notice)
    if kiosk.error:
        top.append(ErrorNote(kiosk.error_message or scan_error(kiosk.error, t)))
    greeting = ft.Semantics(header=True, content=ft.Text(t._("Hello, {name}").format(name=kiosk.shopper or ""),
                                                         size=30, weight=ft.FontWeight.W_700))
    scan_row = ft.Row([ft.Container(ScannerField(kiosk, t._("Scan a return code")), expand=True),
                       UploadButton(kiosk, t._("Upload a picture"))], spacing=theme.M)
    done_button = ft.FilledButton(t._("Done"), icon=ft.Icons.LOGOUT, on_click=done, height=TOUCH,
                                  style=ft.ButtonStyle(text_style=ft.TextStyle(size=18)))
    # Only the list scrolls: the greeting, the countdown and the scanner field always stay in view.
    listing = ft.Column(body, spacing=theme.M, scroll=ft.ScrollMode.AUTO, expand=True,
                        horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    content = ft.Column([greeting, *top, tabs, listing, scan_row], spacing=theme.M, expand=True,
                        horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
    return ft.View(
        route="/",
        padding=0,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        controls=[ft.GestureDetector(on_tap=lambda: kiosk.touch(), expand=True, content=ft.Column([
            TopBar(kiosk, t, [done_button]),
            ft.Container(expand=True, alignment=ft.Alignment.TOP_CENTER,
                         padding=ft.Padding.only(left=theme.L, right=theme.L, bottom=theme.L),
                         content=ft.Container(width=880, expand=True, content=content)),
        ], expand=True, spacing=0))],
    )
