"""A pushed screen (a return, a new return): its own view with a labelled back button.

These screens sit outside the tab shell, so they get the full width and a title bar that says
where you are; the back button goes to a fixed place (the tab they belong to), so a deep link
or a reload still has a way back.
"""

from __future__ import annotations

import flet as ft

from views.components.back_button import BackButton
from views.components.continue_elsewhere import detail_actions
from views.components.layout import ScreenBody
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
