"""A QR code drawn from PNG bytes: white tile with a quiet zone, crisp (no smoothing), labelled."""

from __future__ import annotations

import flet as ft


def QrCode(png: bytes, size: int, label: str, identifier: str | None = None) -> ft.Control:
    """The code at `size` logical pixels; screen readers hear `label` instead of an image.

    The PNG already contains the quiet zone; the white tile around it keeps the code readable
    on a dark theme, and nearest-neighbour sampling keeps module edges sharp when scaled.
    """
    return ft.Semantics(
        identifier=identifier,
        label=label,
        image=True,
        exclude_semantics=True,
        content=ft.Container(
            bgcolor=ft.Colors.WHITE,
            border_radius=12,
            padding=4,
            content=ft.Image(src=png, width=size, height=size, fit=ft.BoxFit.CONTAIN,
                             filter_quality=ft.FilterQuality.NONE, gapless_playback=True),
        ),
    )
