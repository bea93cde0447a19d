"""Inline notices (a delayed parcel, a refused action, a confirmation) and snack bar toasts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import flet as ft

from views import theme

Tone = Literal["info", "neutral", "success", "warning", "error"]


@dataclass(frozen=True)
class _Palette:
    fg: str
    bg: str
    icon: ft.IconData


def _palette(tone: Tone) -> _Palette:
    c = ft.Colors
    if tone == "success":
        return _Palette(c.GREEN_900, c.GREEN_50, ft.Icons.CHECK_CIRCLE_OUTLINE)
    if tone == "warning":
        return _Palette(c.BROWN_900, c.AMBER_100, ft.Icons.SCHEDULE)
    if tone == "neutral":
        return _Palette(c.ON_SURFACE, c.SURFACE_CONTAINER_HIGH, ft.Icons.INFO_OUTLINE)
    if tone == "error":
        return _Palette(c.ON_ERROR_CONTAINER, c.ERROR_CONTAINER, ft.Icons.REPORT_GMAILERRORRED)
    return _Palette(c.ON_SECONDARY_CONTAINER, c.SECONDARY_CONTAINER, ft.Icons.INFO_OUTLINE)


def Notice(
    title: str,
    body: str | None = None,
    tone: Tone = "info",
    icon: ft.IconData | None = None,
    action: ft.Control | None = None,
    identifier: str | None = None,
) -> ft.Control:
    """A calm coloured box: what happened (title) and what happens next (body).

    Announced by screen readers when it appears (live region).
    """
    palette = _palette(tone)
    texts: list[ft.Control] = [ft.Text(title, weight=ft.FontWeight.W_600, color=palette.fg)]
    if body:
        texts.append(ft.Text(body, color=palette.fg, size=14))
    if action is not None:
        texts.append(ft.Container(action, margin=ft.Margin.only(top=theme.XS)))
    return ft.Semantics(
        live_region=True,
        identifier=identifier,
        container=True,
        content=ft.Container(
            padding=ft.Padding.symmetric(horizontal=theme.M, vertical=14),
            border_radius=12,
            bgcolor=palette.bg,
            content=ft.Row(
                [
                    ft.Icon(icon or palette.icon, color=palette.fg, size=22),
                    ft.Column(texts, spacing=2, expand=True, tight=True),
                ],
                spacing=12,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
        ),
    )


def show_snack(message: str) -> None:
    """A short confirmation at the bottom of the screen (call it from an event handler)."""
    ft.context.page.show_dialog(
        ft.SnackBar(ft.Text(message), behavior=ft.SnackBarBehavior.FLOATING, show_close_icon=True)
    )
