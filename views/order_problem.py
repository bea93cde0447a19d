""""Report a problem" with an order: what went wrong (not received, damaged, wrong item) and a
description. Sending it opens a conversation with our team about the order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import flet as ft

from app.i18n import Translator
from app.protocol.mutations import ProblemKind
from views import theme
from views.hooks import use_translator

MAX_DESCRIPTION = 4000


def kind_label(kind: str, t: Translator) -> str:
    labels: dict[str, str] = {
        ProblemKind.NOT_RECEIVED: t._("It hasn't arrived"),
        ProblemKind.DAMAGED: t._("Something is damaged"),
        ProblemKind.WRONG_ITEM: t._("Wrong item received"),
    }
    return labels.get(kind, kind)


@ft.component
def ReportProblemDialog(open: bool, kinds: tuple[str, ...], busy: bool,
                        on_submit: Callable[[str, str], Awaitable[None]],
                        on_dismiss: Callable[[], None]) -> ft.Control:
    """The form in a dialog while ``open``; renders nothing in place."""
    t = use_translator()
    kind, set_kind = ft.use_state(kinds[0] if kinds else "")
    description, set_description = ft.use_state("")
    if kind not in kinds and kinds:
        kind = kinds[0]

    async def send() -> None:
        await on_submit(kind, description)
        set_description("")

    def on_kind(e: ft.Event[ft.RadioGroup]) -> None:
        set_kind(e.control.value or "")

    def on_text(e: ft.Event[ft.TextField]) -> None:
        set_description(e.control.value or "")

    hint = t._("What happened? Anything that helps us, e.g. which item and what is wrong with it.")
    if kind == ProblemKind.NOT_RECEIVED:
        hint = t._("Anything that helps us, e.g. whether a neighbour or a parcel shop may have it.")
    send_content: ft.Control = ft.Text(t._("Send report"))
    if busy:
        send_content = ft.Row([ft.ProgressRing(width=16, height=16, stroke_width=2, color=ft.Colors.ON_PRIMARY),
                               ft.Text(t._("Sending…"))], spacing=theme.S, tight=True)
    dialog = ft.AlertDialog(
        modal=True,
        title=ft.Text(t._("Report a problem")),
        content=ft.Container(
            width=440,
            content=ft.Column(
                [
                    ft.Text(t._("We'll open a conversation with our team about this order."),
                            color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.RadioGroup(
                        value=kind,
                        on_change=on_kind,
                        content=ft.Column([ft.Radio(value=k, label=kind_label(k, t)) for k in kinds], spacing=0,
                                          tight=True),
                    ),
                    # The guidance is a helper below the field, not a hint inside it: a hint becomes part
                    # of the field's accessible name once it shows, and screen readers repeat it.
                    ft.TextField(label=t._("Description (optional)"), helper=ft.Text(hint, size=12, max_lines=3),
                                 value=description,
                                 multiline=True, min_lines=3, max_lines=6, max_length=MAX_DESCRIPTION,
                                 on_change=on_text, border_radius=12),
                ],
                spacing=theme.M,
                tight=True,
            ),
        ),
        scrollable=True,
        actions=[
            ft.TextButton(t._("Close"), on_click=lambda: on_dismiss()),
            ft.FilledButton(content=send_content, on_click=send, disabled=busy or not kind),
        ],
        actions_alignment=ft.MainAxisAlignment.END,
        on_dismiss=lambda: on_dismiss(),
    )
    ft.use_dialog(dialog if open else None)
    return ft.Container(width=0, height=0)
