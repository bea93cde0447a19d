"""Track an order without an account (route /track, reachable from the sign-in screen).

Order number + checkout email -> the reduced view: status, items, parcels and their tracking.
A wrong email and an unknown number get the same message, on purpose.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import flet as ft

from app.i18n import Translator
from app.state.guest_lookup import (
    INVALID_EMAIL,
    MISSING_FIELDS,
    NOT_FOUND,
    OFFLINE,
    RATE_LIMITED,
    GuestLookupState,
)
from views import theme
from views.components.detail_page import DetailView
from views.components.layout import Pill
from views.components.notice import Notice
from views.components.tracking import ParcelCard
from views.hooks import use_app, use_instance, use_translator
from views.orders import status_style

if TYPE_CHECKING:
    from services.tracking import GuestOrder


def error_text(code: str, t: Translator) -> tuple[str, str]:
    if code == NOT_FOUND:
        return (t._("We couldn't find that order"),
                t._("Please check the order number (it starts with NA-) and use the email address from your order "
                    "confirmation."))
    if code == MISSING_FIELDS:
        return t._("Please fill in both fields"), t._("We need the order number and the email address.")
    if code == INVALID_EMAIL:
        return t._("That email address looks incomplete"), t._("Please enter it as in your order confirmation.")
    if code == OFFLINE:
        return t._("You're offline"), t._("Looking up an order needs a connection. Please try again when you're "
                                          "back online.")
    if code == RATE_LIMITED:
        return t._("Too many attempts"), t._("Please wait a few minutes, then try again.")
    return t._("Something went wrong on our side"), t._("Please try again in a moment.")


def GuestOrderView(order: GuestOrder, t: Translator) -> list[ft.Control]:
    style = status_style(order.status, t)
    quantity = sum(q for _, _, q in order.items)
    items_text = t.ngettext("{count} item", "{count} items", quantity).format(count=t.number(quantity))
    summary = ft.Card(semantic_container=False, content=ft.Container(padding=theme.M, content=ft.Column([
        ft.Row([
            ft.Semantics(header=True, content=ft.Text(t._("Order {number}").format(number=order.number),
                                                      theme_style=ft.TextThemeStyle.TITLE_LARGE,
                                                      weight=ft.FontWeight.W_600)),
            Pill(style.label, style.fg, style.bg, style.icon),
        ], alignment=ft.MainAxisAlignment.SPACE_BETWEEN, wrap=True, run_spacing=theme.XS),
        ft.Text(t._("Placed on {date} · {items} · {total}").format(
            date=t.date(order.placed_at, "long"), items=items_text, total=t.money(order.total, order.currency)),
            color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Divider(height=1),
        *[ft.Row([ft.Text(t._("{quantity} ×").format(quantity=t.number(q)), color=ft.Colors.ON_SURFACE_VARIANT,
                          width=36),
                  ft.Text(t._("{name} ({variant})").format(name=name, variant=variant) if variant else name,
                          expand=True)], vertical_alignment=ft.CrossAxisAlignment.START)
          for name, variant, q in order.items],
    ], spacing=theme.S, tight=True)))
    controls: list[ft.Control] = [summary]
    if order.cancelled_at is not None:
        controls.append(Notice(t._("This order was cancelled on {date}").format(date=t.date(order.cancelled_at)),
                               tone="neutral", icon=ft.Icons.BLOCK))
    for n, parcel in enumerate(order.parcels, start=1):
        controls.append(ParcelCard(parcel, n, len(order.parcels), key=parcel.tracking_number))  # type: ignore[call-arg]
    if not order.parcels and order.cancelled_at is None:
        controls.append(Notice(t._("We're preparing your order"),
                               t._("You'll see the parcel and its tracking here as soon as it ships."),
                               icon=ft.Icons.INVENTORY_2_OUTLINED))
    controls.append(ft.Text(t._("Signed in, you also see prices, your delivery address and returns."),
                            size=13, color=ft.Colors.ON_SURFACE_VARIANT))
    return controls


@ft.component
def GuestLookupView() -> ft.View:
    ctx = use_app()
    t = use_translator()
    state = use_instance(lambda: GuestLookupState(client=ctx.client))
    number, set_number = ft.use_state("")
    email, set_email = ft.use_state("")

    async def submit(_: object = None) -> None:
        await state.lookup(number, email)

    def on_number(e: ft.Event[ft.TextField]) -> None:
        set_number(e.control.value or "")
        state.clear_error()

    def on_email(e: ft.Event[ft.TextField]) -> None:
        set_email(e.control.value or "")
        state.clear_error()

    def another() -> None:
        state.clear()

    title = t._("Track an order")
    if state.order is not None:
        return DetailView("/track", title, "/", [
            *GuestOrderView(state.order, t),
            ft.Row([ft.OutlinedButton(t._("Track another order"), icon=ft.Icons.SEARCH, on_click=another)]),
        ])

    button_content: ft.Control = ft.Text(t._("Track order"))
    if state.busy:
        button_content = ft.Row([ft.ProgressRing(width=16, height=16, stroke_width=2, color=ft.Colors.ON_PRIMARY),
                                 ft.Text(t._("Looking it up…"))], spacing=10, tight=True,
                                alignment=ft.MainAxisAlignment.CENTER)
    form: list[ft.Control] = [
        ft.Text(t._("No account needed: enter your order number and the email address you used when ordering."),
                color=ft.Colors.ON_SURFACE_VARIANT),
        ft.TextField(label=t._("Order number"), helper=t._("In your order confirmation, e.g. {example}").format(
                         example="NA-100280"), value=number, on_change=on_number,
                     on_submit=submit, prefix_icon=ft.Icons.RECEIPT_LONG_OUTLINED, border_radius=12,
                     capitalization=ft.TextCapitalization.CHARACTERS, autocorrect=False),
        ft.TextField(label=t._("Email"), value=email, on_change=on_email, on_submit=submit,
                     keyboard_type=ft.KeyboardType.EMAIL, prefix_icon=ft.Icons.MAIL_OUTLINE, border_radius=12,
                     autocorrect=False, enable_suggestions=False),
    ]
    if state.error:
        headline, body = error_text(state.error, t)
        form.append(Notice(headline, body, tone="error", identifier="lookup-error"))
    form.append(ft.FilledButton(content=button_content, on_click=submit, disabled=state.busy, height=48,
                                width=float("inf")))
    card = ft.Card(semantic_container=False, content=ft.Container(padding=theme.L, content=ft.Column(
        form, spacing=theme.M, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)))
    # A short form reads better narrow: capped at 520 px, full width on phones.
    return DetailView("/track", title, "/", [
        ft.Container(alignment=ft.Alignment.TOP_CENTER, content=ft.Container(width=520, content=card))])
