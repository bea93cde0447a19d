"""An icon-only button that carries its name: screen readers (and browser tests) hear `label`.

The Semantics node replaces the button's own node (its tooltip would be read a second time)
and forwards a tap, so the named node is the one that acts.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

Handler = Callable[[Any], Awaitable[None] | None]


def IconAction(icon: ft.IconData, label: str, on_click: Handler, *, disabled: bool = False,
               identifier: str | None = None, icon_color: str | None = None, icon_size: float | None = None,
               style: ft.ButtonStyle | None = None) -> ft.Control:
    async def act(e: Any) -> None:
        if disabled:
            return
        result = on_click(e)
        if inspect.isawaitable(result):
            await result

    return ft.Semantics(
        identifier=identifier,
        label=label,
        button=True,
        exclude_semantics=True,
        on_tap=act,
        content=ft.IconButton(icon, tooltip=label, on_click=act, disabled=disabled, icon_color=icon_color,
                              icon_size=icon_size, style=style),
    )
