"""`/continue?token=...` on a signed-out browser: sign in with the handoff code and open its screen.

A used or expired code does nothing but explain itself, with the way to sign in normally.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import flet as ft

from app.i18n import Translator
from app.protocol.errors import ErrorCode
from app.state.session import OFFLINE
from views import theme
from views.components.brand import WordMark
from views.components.language_switch import LanguageSwitch
from views.hooks import use_app, use_observable, use_translator


def continue_error(code: str, t: Translator) -> str:
    if code == ErrorCode.CODE_ALREADY_USED:
        return t._("This link has already been used. Please make a new one on your other device.")
    if code == ErrorCode.CODE_EXPIRED:
        return t._("This link has expired: it works for two minutes. Please make a new one on your other device.")
    if code == OFFLINE:
        return t._("You're offline. Connect to the internet and open the link again.")
    return t._("This link does not work. Please sign in instead.")


@ft.component
def ContinueView() -> ft.View:
    ctx = use_app()
    session = use_observable(ctx.session)
    t = use_translator()
    page = ft.context.page
    values = parse_qs(urlparse(page.route or "").query).get("token")
    token = values[0] if values else ""

    async def redeem() -> None:
        if not token:
            return
        # The route opens before the account is attached: the signed-in screens then start on it.
        await session.continue_with(token, open_route=page.navigate)

    def on_mount() -> None:
        if session.signed_in:
            # Signed in already (this link's sign-in just finished): go where it pointed.
            page.navigate(session.landing_route or "/orders")
        else:
            page.run_task(redeem)

    def sign_in_instead() -> None:
        session.clear_error()  # the sign-in form must not show this link's error
        page.navigate("/")

    ft.use_effect(on_mount, dependencies=[])

    if session.error or not token:
        content: list[ft.Control] = [
            ft.Icon(ft.Icons.LINK_OFF, size=48, color=ft.Colors.ERROR),
            ft.Semantics(live_region=True, content=ft.Text(
                continue_error(session.error or "", t), text_align=ft.TextAlign.CENTER)),
            ft.FilledButton(t._("Sign in"), on_click=sign_in_instead, height=48),
        ]
    else:
        content = [ft.ProgressRing(), ft.Text(t._("Opening your screen from your other device…"),
                                              text_align=ft.TextAlign.CENTER)]
    return ft.View(
        route="/continue",
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        padding=theme.L,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        vertical_alignment=ft.MainAxisAlignment.CENTER,
        controls=[ft.Container(width=440, content=ft.Column(
            [ft.Row([WordMark(), LanguageSwitch()], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
             ft.Card(content=ft.Container(padding=theme.L, content=ft.Column(
                 content, spacing=theme.M, tight=True, horizontal_alignment=ft.CrossAxisAlignment.CENTER)))],
            spacing=theme.L, tight=True))],
    )
