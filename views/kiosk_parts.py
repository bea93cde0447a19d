"""Pieces every kiosk screen shares: the error sentences, the language switch, the scanner field,
the picture upload and the top bar. Touch targets are 48 px or more."""

from __future__ import annotations

import logging

import flet as ft

from app.i18n import Translator
from app.protocol.errors import ErrorCode
from app.state.kiosk import NO_CODE, NOT_YOURS, OFFLINE, KioskState
from views import theme
from views.components.brand import WordMark
from views.components.language_switch import LANGUAGES
from views.hooks import use_app, use_instance, use_observable

logger = logging.getLogger(__name__)

TOUCH = 56  # touch target height on the kiosk (>= 48 px)


def scan_error(code: str, t: Translator) -> str:
    """What a refused scan means, and what to do instead."""
    messages = {
        "forged": t._("This code is not one of ours. Please show the code from the nahtlos app."),
        "expired": t._("This code has expired. Please open a new one in the app."),
        "wrong_kind": t._("This code cannot be used here. Please scan your loyalty card or a code from the app."),
        "other_store": t._("This code belongs to another store."),
        "already_used": t._("This code has already been used. Please open a new one in the app."),
        NO_CODE: t._("No code found in this picture. Please try again with the whole code in view."),
        OFFLINE: t._("The kiosk has no connection right now. Please try again in a moment."),
        NOT_YOURS: t._("This is not a return of yours waiting to be dropped off."),
        ErrorCode.NOT_FOUND.value: t._("We could not find this account."),
        ErrorCode.INVALID_CREDENTIALS.value: t._("This kiosk could not sign in. Please ask a member of staff."),
    }
    return messages.get(code, t._("Something went wrong. Please try again or ask a member of staff."))


@ft.component
def KioskLanguageSwitch(kiosk: KioskState) -> ft.Control:
    """DE | EN, large: switches the screen and the server's messages."""
    ctx = use_app()
    session = use_observable(ctx.session)

    async def on_change(e: ft.Event[ft.SegmentedButton]) -> None:
        if e.control.selected:
            await session.set_locale(e.control.selected[0])
            await kiosk.set_locale(session.locale)

    return ft.SegmentedButton(
        selected=[session.locale],
        show_selected_icon=False,
        style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=20, vertical=14)),
        segments=[ft.Segment(value=code, label=ft.Text(short, size=18, semantics_label=name))
                  for code, short, name in LANGUAGES],
        on_change=on_change,
    )


@ft.component
def ScannerField(kiosk: KioskState, label: str) -> ft.Control:
    """The keyboard-wedge scanner types the code here and presses Enter; staff may type one too."""
    value, set_value = ft.use_state("")

    async def submit(e: ft.Event[ft.TextField]) -> None:
        text = e.control.value or value
        set_value("")
        await kiosk.scan(text)

    def change(e: ft.Event[ft.TextField]) -> None:
        kiosk.touch()
        set_value(e.control.value or "")

    return ft.TextField(label=label, value=value, autofocus=True, on_submit=submit, on_change=change,
                        prefix_icon=ft.Icons.QR_CODE_SCANNER, border_radius=12, text_size=16, dense=False,
                        autocorrect=False, enable_suggestions=False)


@ft.component
def UploadButton(kiosk: KioskState, label: str) -> ft.Control:
    picker = use_instance(ft.FilePicker)

    async def pick() -> None:
        kiosk.touch()
        try:
            files = await picker.pick_files(with_data=True, allow_multiple=False, file_type=ft.FilePickerFileType.IMAGE)
        except Exception:
            logger.exception("the file picker failed")
            return
        if files and files[0].bytes:
            await kiosk.scan_image(files[0].bytes)

    return ft.OutlinedButton(label, icon=ft.Icons.UPLOAD_FILE, on_click=pick, height=TOUCH)


def ErrorNote(message: str) -> ft.Control:
    return ft.Semantics(live_region=True, identifier="kiosk-error", content=ft.Container(
        padding=ft.Padding.symmetric(horizontal=20, vertical=16), border_radius=16, bgcolor=ft.Colors.ERROR_CONTAINER,
        content=ft.Row([ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ON_ERROR_CONTAINER, size=28),
                        ft.Text(message, color=ft.Colors.ON_ERROR_CONTAINER, size=18, expand=True)], spacing=12)))


def TopBar(kiosk: KioskState, t: Translator, trailing: list[ft.Control]) -> ft.Control:
    store = ft.Text(t._("Store {store}").format(store=kiosk.store_id), color=ft.Colors.ON_SURFACE_VARIANT,
                    size=16) if kiosk.store_id else ft.Container()
    return ft.Container(
        padding=ft.Padding.symmetric(horizontal=theme.L, vertical=theme.M),
        content=ft.Row([ft.Row([WordMark(), store], spacing=theme.M), ft.Row([KioskLanguageSwitch(kiosk), *trailing],
                                                                           spacing=theme.M)],
                       alignment=ft.MainAxisAlignment.SPACE_BETWEEN))
