"""The Help tab until its feature lands: say what is coming and what works now."""

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
