"""The labelled back arrow of a pushed screen: it goes to a fixed place, so a deep link or a
reload still has a way back."""

from __future__ import annotations

import flet as ft

from views.components.icon_action import IconAction


def BackButton(target: str, label: str) -> ft.Control:
    def go(_: object) -> None:
        ft.context.page.navigate(target)

    return IconAction(ft.Icons.ARROW_BACK, label, go, identifier="back")
