"""DE/EN switch. Language names are written in their own language, never translated."""

from __future__ import annotations

import flet as ft

from views.hooks import use_app, use_observable

# (code, short label, name in that language)
LANGUAGES: tuple[tuple[str, str, str], ...] = (("de", "DE", "Deutsch"), ("en", "EN", "English"))


@ft.component
def LanguageSwitch(expand: bool = False) -> ft.Control:
    """Segmented DE | EN control bound to the session's locale."""
    ctx = use_app()
    session = use_observable(ctx.session)

    async def on_change(e: ft.Event[ft.SegmentedButton]) -> None:
        if e.control.selected:
            await session.set_locale(e.control.selected[0])

    return ft.SegmentedButton(
        selected=[session.locale],
        show_selected_icon=False,
        expand=expand,
        segments=[
            ft.Segment(value=code, label=ft.Text(short, semantics_label=name)) for code, short, name in LANGUAGES
        ],
        on_change=on_change,
    )
