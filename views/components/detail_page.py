"""A pushed screen (a return, a new return): its own view with a labelled back button.

These screens sit outside the tab shell, so they get the full width and a title bar that says
where you are; the back button goes to a fixed place (the tab they belong to), so a deep link
or a reload still has a way back.
"""

from __future__ import annotations

import flet as ft

from views.components.back_button import BackButton
from views.components.continue_elsewhere import detail_actions
from views.components.layout import EmptyState, ScreenBody
from views.hooks import use_translator


@ft.component
def DetailView(route: str, title: str, back_to: str, controls: list[ft.Control], spacing: float = 16) -> ft.View:
    t = use_translator()
    return ft.View(
        route=route,
        padding=0,
        bgcolor=ft.Colors.SURFACE,
        appbar=ft.AppBar(
            leading=BackButton(back_to, t._("Back")),
            automatically_imply_leading=False,
            title=ft.Text(title, weight=ft.FontWeight.W_600),
            actions=detail_actions(),
            bgcolor=ft.Colors.SURFACE,
        ),
        controls=[ft.Container(ScreenBody(controls, spacing=spacing), expand=True)],
    )


def MissingDetailView(route: str, title: str, back_to: str, *, loaded: bool, missing: str, why: str,
                      back_label: str) -> ft.View:
    """A detail screen whose subject is not in the cache: a spinner until the first read is done,
    then a plain "not on this device" with the way back (a deep link may point anywhere)."""
    if not loaded:
        body: list[ft.Control] = [ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=48)]
    else:
        body = [EmptyState(ft.Icons.SEARCH_OFF, missing, why, ft.OutlinedButton(
            back_label, icon=ft.Icons.ARROW_BACK, on_click=lambda _: ft.context.page.navigate(back_to)))]
    return DetailView(route, title, back_to, body)
