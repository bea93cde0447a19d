"""A calm note above cached content while offline: what you see and how fresh it is."""

from __future__ import annotations

import flet as ft

from views import theme
from views.components.ticker import use_ticker
from views.hooks import use_app, use_observable, use_translator


@ft.component
def OfflineBanner() -> ft.Control:
    """Nothing while online; while offline, the age of the data on screen."""
    ctx = use_app()
    t = use_translator()
    sync = use_observable(ctx.session.sync)
    use_ticker(30)
    if not sync.active or sync.connectivity != "offline":
        return ft.Container(height=0)
    if sync.last_synced_at is not None:
        text = t._("You're offline. Last synced {when}.").format(when=t.relative(sync.last_synced_at))
    else:
        text = t._("You're offline. Showing what is saved on this device.")
    return ft.Semantics(
        identifier="offline-banner",
        live_region=True,
        content=ft.Container(
            padding=ft.Padding.symmetric(horizontal=theme.M, vertical=12),
            border_radius=12,
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.CLOUD_OFF_OUTLINED, size=20, color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Text(text, expand=True, color=ft.Colors.ON_SURFACE_VARIANT),
                ],
                spacing=12,
            ),
        ),
    )
