"""Returns, Help and Loyalty tabs until their features land: say what is coming and what works now."""

from __future__ import annotations

import flet as ft

from views import theme
from views.components.layout import EmptyState, Pill, ScreenBody
from views.hooks import use_translator


def _coming(
    icon: ft.IconData, title: str, body: str, soon: str, highlights: list[tuple[ft.IconData, str]]
) -> ft.Control:
    rows: list[ft.Control] = [
        ft.Row(
            [ft.Icon(i, color=ft.Colors.PRIMARY, size=20), ft.Text(text, expand=True)],
            spacing=12,
            vertical_alignment=ft.CrossAxisAlignment.START,
        )
        for i, text in highlights
    ]
    return ScreenBody(
        [
            ft.Row(
                [Pill(soon, ft.Colors.ON_SECONDARY_CONTAINER, ft.Colors.SECONDARY_CONTAINER, ft.Icons.SCHEDULE)],
                alignment=ft.MainAxisAlignment.CENTER,
            ),
            EmptyState(icon, title, body),
            ft.Card(
                content=ft.Container(padding=theme.L, content=ft.Column(rows, spacing=theme.M)),
            ),
        ],
        spacing=theme.S,
    )


@ft.component
def ReturnsScreen() -> ft.Control:
    t = use_translator()
    return _coming(
        ft.Icons.ASSIGNMENT_RETURN_OUTLINED,
        t._("Returns are on their way"),
        t._("Soon you can return or exchange items right here, without a printer."),
        t._("Coming soon"),
        [
            (ft.Icons.QR_CODE_2, t._("A QR code to drop off your parcel or return in store")),
            (ft.Icons.TIMELINE, t._("Follow your refund step by step")),
            (ft.Icons.WIFI_OFF, t._("Start a return offline; we send it when you're back online")),
        ],
    )


@ft.component
def HelpScreen() -> ft.Control:
    t = use_translator()
    return _coming(
        ft.Icons.SUPPORT_AGENT,
        t._("Help centre coming soon"),
        t._("Answers to common questions and a chat with our team will live here."),
        t._("Coming soon"),
        [
            (ft.Icons.MENU_BOOK_OUTLINED, t._("Answers that also work offline")),
            (ft.Icons.CHAT_BUBBLE_OUTLINE, t._("Chat with us about an order or a return")),
            (ft.Icons.DEVICES, t._("Continue a conversation on another device")),
        ],
    )


@ft.component
def LoyaltyScreen() -> ft.Control:
    t = use_translator()
    return _coming(
        ft.Icons.LOYALTY_OUTLINED,
        t._("Your loyalty card is coming"),
        t._("Collect points with every purchase and redeem them for rewards."),
        t._("Coming soon"),
        [
            (ft.Icons.QR_CODE, t._("Your card as a QR code, ready at the checkout")),
            (ft.Icons.STARS_OUTLINED, t._("Points balance and history at a glance")),
            (ft.Icons.REDEEM, t._("Rewards you can redeem in store and online")),
        ],
    )
