"""The brand: one calm deep-green seed, Material 3, and the spacing scale the screens share.

Colours are derived from the seed by Material's tonal palette, so light and dark themes
stay consistent without hand-picked hex values on every screen.
"""

from __future__ import annotations

import flet as ft

BRAND_SEED = "#0B6E5B"  # deep teal-green: trustworthy, not "alarm" red or "sale" orange

# Spacing scale (logical pixels). Screens use these, never ad-hoc numbers.
XS, S, M, L, XL = 4, 8, 16, 24, 32

# Content never stretches wider than this on desktops: long lines are hard to scan.
CONTENT_MAX_WIDTH = 760
PHONE_BREAKPOINT = 600  # < 600 px: bottom navigation bar
DESKTOP_BREAKPOINT = 1000  # >= 1000 px: extended rail with labels

CARD_RADIUS = 16


def theme(dark: bool = False) -> ft.Theme:
    """The app theme; ``dark`` only changes brightness, never the brand."""
    return ft.Theme(
        color_scheme_seed=BRAND_SEED,
        use_material3=True,
        visual_density=ft.VisualDensity.COMFORTABLE,
        card_theme=ft.CardTheme(
            elevation=0,
            margin=0,
            color=ft.Colors.SURFACE_CONTAINER_LOWEST,
            # Outlined, not shadowed: calm on white and readable in sunlight on a phone.
            shape=ft.RoundedRectangleBorder(radius=CARD_RADIUS, side=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
        ),
        appbar_theme=ft.AppBarTheme(center_title=False, elevation=0, elevation_on_scroll=1),
    )


def apply(page: ft.Page) -> None:
    """Give the page the brand theme, light and dark."""
    page.theme = theme()
    page.dark_theme = theme(dark=True)
    page.theme_mode = ft.ThemeMode.LIGHT
