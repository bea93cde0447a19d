""""Continue on another device": the app-bar action, and the screen with the one-time QR code.

The action sits in the shell's app bar on every tab; it opens `/continue-elsewhere?from=<route>`
(a pushed screen with a back arrow), which mints a two-minute code for that route and shows it
as a QR (for the kiosk's scanner or a phone camera) and as a link to copy (for a laptop).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from urllib.parse import parse_qs, quote, urlparse

import flet as ft
from flet.components.hooks.use_ref import MutableRef

from app.state.handoff import OFFLINE, HandoffState
from views import theme
from views.components.back_button import BackButton
from views.components.icon_action import IconAction
from views.components.qr import QrCode
from views.components.sync_status import SyncStatusIndicator
from views.hooks import (
    use_app,
    use_instance,
    use_observable,
    use_translator,
    use_viewport,
)

ROUTE = "/continue-elsewhere"


@ft.component
def ContinueElsewhereAction() -> ft.Control:
    """Icon button for the app bar: continue the current screen on another device."""
    t = use_translator()
    location = ft.use_route_location() or "/orders"

    def open_sheet() -> None:
        ft.context.page.navigate(f"{ROUTE}?from={quote(location, safe='/')}")

    return IconAction(ft.Icons.DEVICES_OTHER_OUTLINED, t._("Continue on another device"), lambda _: open_sheet(),
                      identifier="continue-elsewhere")


def detail_actions() -> list[ft.Control]:
    """App-bar actions of a pushed screen: "continue on another device" wherever a shopper is
    signed in (a signed-out screen such as the guest lookup has nobody to hand over), then the
    sync state."""
    ctx = use_app()
    actions: list[ft.Control] = []
    if ctx.mode == "shopper" and ctx.session.account is not None:
        actions.append(ContinueElsewhereAction())
    actions.append(SyncStatusIndicator())
    return actions


def _from_route(page_route: str | None) -> str:
    values = parse_qs(urlparse(page_route or "").query).get("from")
    route = values[0] if values else "/orders"
    return route if route.startswith("/") and not route.startswith(ROUTE) else "/orders"


@ft.component
def ContinueElsewhereView() -> ft.View:
    """The QR and the countdown; a fresh code when the old one has run out."""
    ctx = use_app()
    t = use_translator()
    viewport = use_viewport()
    page = ft.context.page
    state = use_instance(lambda: HandoffState(route=_from_route(page.route), origin=page.url))
    use_observable(state)
    account = ctx.session.account

    async def mint() -> None:
        if account is not None:
            await state.mint(account.api)

    async def countdown() -> None:
        # The seconds left, recounted every second while the screen is open.
        while True:
            await asyncio.sleep(1)
            state.tick()

    def start() -> None:
        page.run_task(mint)
        task = page.run_task(countdown)
        cleanup_ref.current = task

    cleanup_ref: MutableRef[Future[None]] = ft.use_ref(None)

    def stop() -> None:
        task = cleanup_ref.current
        if task is not None:
            task.cancel()

    ft.use_effect(start, dependencies=[], cleanup=stop)

    async def copy_link() -> None:
        if state.link:
            link = state.link if "://" in state.link else (page.url or "").rstrip("/") + state.link
            await ft.Clipboard().set(link)
            page.show_dialog(ft.SnackBar(ft.Text(t._("Link copied. Open it on your other device within two minutes."))))

    size = 240 if viewport.is_phone else 280
    expired = state.expires_at is not None and state.remaining_s <= 0
    if state.png is not None and not expired:
        code: ft.Control = QrCode(state.png, size, t._("QR code to continue on another device"),
                                  identifier="continue-qr")
        status = ft.Text(t.ngettext("Valid for {seconds} second", "Valid for {seconds} seconds",
                                    state.remaining_s).format(seconds=state.remaining_s),
                         weight=ft.FontWeight.W_600, color=ft.Colors.PRIMARY)
    else:
        code = ft.Container(width=size, height=size, border_radius=12, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
                            alignment=ft.Alignment.CENTER,
                            content=ft.ProgressRing() if state.busy else ft.Icon(ft.Icons.QR_CODE_2, size=64,
                                                                                color=ft.Colors.OUTLINE))
        if state.error == OFFLINE:
            message = t._("You're offline. A code to continue elsewhere needs a connection.")
        elif state.error:
            message = t._("No code right now. Please try again.")
        elif expired:
            message = t._("This code has expired.")
        else:
            message = t._("Making a code…")
        status = ft.Text(message, color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER)

    actions: list[ft.Control] = []
    if expired or state.error:
        actions.append(ft.FilledButton(t._("New code"), icon=ft.Icons.REFRESH, on_click=mint, height=48,
                                       disabled=state.busy))
    elif state.link:
        actions.append(ft.OutlinedButton(t._("Copy link"), icon=ft.Icons.LINK, on_click=copy_link, height=48))

    body = ft.Column(
        [
            ft.Text(t._("Scan this code at a kiosk in our store to continue there, or open the link on your "
                        "laptop. It works once, for two minutes."),
                    text_align=ft.TextAlign.CENTER, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Container(code, alignment=ft.Alignment.CENTER, padding=ft.Padding.symmetric(vertical=theme.M)),
            ft.Semantics(live_region=True, content=status),
            *actions,
        ],
        spacing=theme.M,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        tight=True,
    )
    return ft.View(
        route=ROUTE,
        appbar=ft.AppBar(leading=BackButton(state.route, t._("Back")), automatically_imply_leading=False,
                         title=ft.Text(t._("Continue elsewhere"), weight=ft.FontWeight.W_600),
                         bgcolor=ft.Colors.SURFACE),
        bgcolor=ft.Colors.SURFACE,
        scroll=ft.ScrollMode.AUTO,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        padding=theme.L,
        controls=[ft.Container(width=440, content=body)],
    )
