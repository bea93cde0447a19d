"""The nahtlos mark: a seamless loop in a rounded tile, plus the word mark."""

from __future__ import annotations

import flet as ft


def BrandMark(size: int = 40) -> ft.Control:
    """Logo tile; decorative, so screen readers skip it (the word mark says the name)."""
    return ft.Semantics(
        exclude_semantics=True,
        content=ft.Container(
            width=size,
            height=size,
            border_radius=size * 0.3,
            bgcolor=ft.Colors.PRIMARY,
            alignment=ft.Alignment.CENTER,
            content=ft.Icon(ft.Icons.ALL_INCLUSIVE, color=ft.Colors.ON_PRIMARY, size=size * 0.6),
        ),
    )


def WordMark(size: int = 22) -> ft.Control:
    """Logo tile and name side by side."""
    return ft.Row(
        [
            BrandMark(int(size * 1.6)),
            ft.Text("nahtlos", size=size, weight=ft.FontWeight.W_700, color=ft.Colors.ON_SURFACE),
        ],
        spacing=10,
        tight=True,
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
    )
