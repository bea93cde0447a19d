"""An offer of help in place ("Need help with this return?"): start a conversation with the
context attached, or "No thanks", after which this offer never comes back on this device."""

from __future__ import annotations

from urllib.parse import urlencode

import flet as ft

from app.i18n import Translator
from app.state.proactive_help import PARCEL_DELAYED, PICKUP_WAITING, RETURN_FLOW, Offer
from views import theme
from views.hooks import use_app, use_translator


def offer_texts(offer: Offer, t: Translator) -> tuple[str, str]:
    """(title, body) of an offer."""
    number = offer.label or ""
    if offer.topic == RETURN_FLOW:
        return (t._("Need help with this return?"),
                t._("Not sure which option fits? Ask us, we'll sort it out with you."))
    if offer.topic == PARCEL_DELAYED:
        return (t._("Your parcel for order {number} is running late").format(number=number),
                t._("Shall we look into it for you? Ask us and we'll check with the carrier."))
    if offer.topic == PICKUP_WAITING:
        return (t._("Still waiting for order {number}?").format(number=number),
                t._("It's taking longer than promised. Ask us and we'll check with the store."))
    return (t._("Can't find what you're looking for?"),
            t._("Ask us directly; we'll attach your search so you don't have to repeat it."))


def start_route(offer: Offer) -> str:
    query = {k: v for k, v in {"topic": offer.topic, "order": offer.order_id,
                               "q": offer.context.get("query")}.items() if v}
    return "/help/conversations/new?" + urlencode(query)


@ft.component
def HelpOfferCard(offer: Offer) -> ft.Control:
    ctx = use_app()
    t = use_translator()
    page = ft.context.page
    title, body = offer_texts(offer, t)

    async def dismiss() -> None:
        await ctx.help_offers.dismiss(offer)

    return ft.Semantics(container=True, live_region=True, identifier=f"help-offer-{offer.topic}", content=ft.Container(
        padding=ft.Padding.symmetric(horizontal=theme.M, vertical=14), border_radius=12,
        bgcolor=ft.Colors.TERTIARY_CONTAINER,
        content=ft.Row([
            ft.Icon(ft.Icons.SUPPORT_AGENT, color=ft.Colors.ON_TERTIARY_CONTAINER, size=24),
            ft.Column([
                ft.Text(title, weight=ft.FontWeight.W_600, color=ft.Colors.ON_TERTIARY_CONTAINER),
                ft.Text(body, size=14, color=ft.Colors.ON_TERTIARY_CONTAINER),
                ft.Row([
                    ft.FilledButton(t._("Ask us"), icon=ft.Icons.CHAT_BUBBLE_OUTLINE, height=40,
                                    on_click=lambda: page.navigate(start_route(offer))),
                    ft.TextButton(t._("No thanks"), height=40, on_click=dismiss),
                ], spacing=theme.S, wrap=True),
            ], spacing=4, expand=True, tight=True),
        ], spacing=12, vertical_alignment=ft.CrossAxisAlignment.START)))
