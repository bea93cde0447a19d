"""Page scaffolding shared by the tab screens: a centred, width-capped, scrolling column."""

from __future__ import annotations

import flet as ft

from views import theme


def ScreenBody(controls: list[ft.Control], spacing: float = theme.M) -> ft.Control:
    """Scrollable body whose content is capped at a readable width and centred on desktops.

    The whole width scrolls (wheel over the margins works too); inside, `Centered` caps the
    content, so the same tree fills a phone and stays 760 px wide on a monitor.
    """
    return ft.Column(
        expand=True,
        scroll=ft.ScrollMode.AUTO,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        controls=[
            Centered(
                ft.Column(controls, spacing=spacing, horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                padding=ft.Padding.only(left=theme.M, right=theme.M, top=theme.M, bottom=theme.XL),
            )
        ],
    )


def Centered(content: ft.Control, padding: ft.PaddingValue | None = None) -> ft.Control:
    """Cap ``content`` at the readable width and centre it.

    An aligning container hands its child loose constraints, so the fixed width is clamped
    to what is available: full width on a phone, 760 px in the middle of a monitor. (A Row
    would not clamp it and overflow on small screens.)
    """
    return ft.Container(
        alignment=ft.Alignment.TOP_CENTER,
        content=ft.Container(width=theme.CONTENT_MAX_WIDTH, padding=padding, content=content),
    )


def Pill(text: str, fg: str, bg: str, icon: ft.IconData | None = None) -> ft.Control:
    """Small rounded label (status chips, badges)."""
    parts: list[ft.Control] = []
    if icon is not None:
        parts.append(ft.Icon(icon, size=14, color=fg))
    parts.append(ft.Text(text, size=12, weight=ft.FontWeight.W_600, color=fg, no_wrap=True))
    return ft.Container(
        padding=ft.Padding.symmetric(horizontal=10, vertical=4),
        border_radius=999,
        bgcolor=bg,
        content=ft.Row(parts, spacing=4, tight=True, vertical_alignment=ft.CrossAxisAlignment.CENTER),
    )


def EmptyState(icon: ft.IconData, title: str, body: str, action: ft.Control | None = None) -> ft.Control:
    """Friendly centred message for empty lists and not-yet-available screens."""
    controls: list[ft.Control] = [
        ft.Container(
            width=88,
            height=88,
            border_radius=44,
            bgcolor=ft.Colors.PRIMARY_CONTAINER,
            alignment=ft.Alignment.CENTER,
            content=ft.Icon(icon, size=40, color=ft.Colors.ON_PRIMARY_CONTAINER),
        ),
        ft.Text(
            title, theme_style=ft.TextThemeStyle.TITLE_LARGE, weight=ft.FontWeight.W_600, text_align=ft.TextAlign.CENTER
        ),
        ft.Text(body, color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER),
    ]
    if action is not None:
        controls.append(ft.Container(action, margin=ft.Margin.only(top=theme.S)))
    return ft.Container(
        padding=ft.Padding.symmetric(horizontal=theme.L, vertical=48),
        alignment=ft.Alignment.CENTER,
        content=ft.Column(
            controls,
            spacing=12,
            tight=True,
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        ),
    )
