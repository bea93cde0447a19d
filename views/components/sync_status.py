"""The sync indicator in the app bar: online, syncing, offline, pending changes, last sync.

Offline is a normal state, so the indicator is calm (no red) unless the last sync failed.
Tapping it asks for a sync; screen readers get the full sentence as the label.
"""

from __future__ import annotations

from dataclasses import dataclass

import flet as ft

from app.i18n import Translator
from app.state.sync_status import SyncStatusState
from views import theme
from views.components.ticker import use_ticker
from views.hooks import use_app, use_observable, use_translator, use_viewport


@dataclass(frozen=True)
class SyncLabel:
    """What to show: icon, short text for the bar, and the full sentence for screen readers."""

    icon: ft.IconData
    short: str
    full: str
    busy: bool = False
    warning: bool = False


def describe(status: SyncStatusState, t: Translator) -> SyncLabel:
    """Turn the sync state into words; pure so it is easy to test and reuse."""
    pending = ""
    if status.pending:
        pending = t.ngettext("{count} change not yet sent", "{count} changes not yet sent", status.pending).format(
            count=status.pending
        )
    if status.connectivity == "offline":
        full = t._("Offline. Showing saved data.")
        if pending:
            full = t._("Offline. {pending}.").format(pending=pending)
        short = t._("Offline")
        if status.pending:
            short = t._("Offline · {count}").format(count=t.number(status.pending))
        return SyncLabel(ft.Icons.CLOUD_OFF_OUTLINED, short, full)
    if status.syncing:
        return SyncLabel(ft.Icons.SYNC, t._("Syncing…"), t._("Syncing…"), busy=True)
    if status.connectivity == "connecting":
        return SyncLabel(ft.Icons.CLOUD_QUEUE, t._("Connecting…"), t._("Connecting…"), busy=True)
    if status.pending:
        short = t.ngettext("{count} pending", "{count} pending", status.pending).format(count=t.number(status.pending))
        return SyncLabel(ft.Icons.CLOUD_UPLOAD_OUTLINED, short, pending + ".")
    if status.last_error:
        text = t._("Last sync failed. Tap to retry.")
        return SyncLabel(ft.Icons.SYNC_PROBLEM, t._("Sync problem"), text, warning=True)
    if status.last_synced_at is not None:
        when = t.relative(status.last_synced_at)
        return SyncLabel(
            ft.Icons.CLOUD_DONE_OUTLINED,
            t._("Synced {when}").format(when=when),
            t._("Up to date. Synced {when}.").format(when=when),
        )
    return SyncLabel(ft.Icons.CLOUD_DONE_OUTLINED, t._("Online"), t._("Online"))


@ft.component
def SyncStatusIndicator() -> ft.Control:
    """Compact pill for the app bar; on phones only the icon and a very short text."""
    ctx = use_app()
    t = use_translator()
    status = use_observable(ctx.session.sync)
    viewport = use_viewport()
    use_ticker(30)  # keeps "synced 2 minutes ago" honest

    if not status.active:
        return ft.Container(width=0)

    label = describe(status, t)
    color = ft.Colors.ERROR if label.warning else ft.Colors.ON_SURFACE_VARIANT
    icon: ft.Control = (
        ft.ProgressRing(width=14, height=14, stroke_width=2)
        if label.busy
        else ft.Icon(label.icon, size=18, color=color)
    )
    show_text = not viewport.is_phone or status.connectivity == "offline" or status.pending > 0
    parts: list[ft.Control] = [icon]
    if show_text:
        parts.append(ft.Text(label.short, size=12, color=color, weight=ft.FontWeight.W_500, no_wrap=True))

    async def sync_now() -> None:
        await ctx.session.sync.sync_now()

    pill = ft.Container(
        content=ft.Row(parts, spacing=6, tight=True, vertical_alignment=ft.CrossAxisAlignment.CENTER),
        padding=ft.Padding.symmetric(horizontal=10, vertical=6),
        border_radius=20,
        bgcolor=ft.Colors.ERROR_CONTAINER if label.warning else ft.Colors.SURFACE_CONTAINER_HIGH,
        on_click=sync_now,
    )
    # The label replaces the pill's own texts for screen readers (they would read both).
    return ft.Semantics(
        identifier="sync-status",
        label=label.full,
        button=True,
        live_region=True,
        exclude_semantics=True,
        on_tap=sync_now,
        content=ft.Container(pill, margin=ft.Margin.only(right=theme.S)),
    )
