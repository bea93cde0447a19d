"""The kiosk face (`--mode kiosk`): attract screen, a shopper's visit, the privacy countdown.

Full screen, big touch targets (48 px and more), DE/EN on every screen. Three ways to scan: the
camera (flet-camera, a picture polled every few hundred milliseconds: the web has no image
stream), a picture upload, and a keyboard-wedge scanner typing into the focused scanner field.
Every tap and keystroke counts as a touch that keeps the visit open.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future

import flet as ft
import flet_camera as fc
from flet.components.hooks.use_ref import MutableRef

from app.state.kiosk import KioskState
from views import theme
from views.hooks import use_instance, use_observable, use_translator
from views.kiosk_parts import (
    TOUCH,
    ErrorNote,
    ScannerField,
    TopBar,
    UploadButton,
    scan_error,
)
from views.kiosk_visit import VisitView

logger = logging.getLogger(__name__)

CAMERA_POLL_S = 0.4


@ft.component
def CameraPanel(kiosk: KioskState) -> ft.Control:
    """The live camera (when the kiosk has one): a picture every few hundred ms goes to the decoder."""
    t = use_translator()
    status, set_status = ft.use_state("starting")  # starting | live | none
    camera = use_instance(lambda: fc.Camera(preview_enabled=True, expand=True))
    task_ref: MutableRef[Future[None]] = ft.use_ref(None)

    async def run() -> None:
        try:
            cameras = await asyncio.wait_for(camera.get_available_cameras(), timeout=8)
            if not cameras:
                set_status("none")
                return
            await asyncio.wait_for(camera.initialize(cameras[0], fc.ResolutionPreset.MEDIUM, enable_audio=False),
                                   timeout=15)
        except Exception:
            logger.info("no camera on this kiosk", exc_info=True)
            set_status("none")
            return
        set_status("live")
        while True:
            await asyncio.sleep(CAMERA_POLL_S)
            if kiosk.phase != "attract":
                continue
            try:
                picture = await camera.take_picture()
            except Exception:
                logger.debug("camera picture failed", exc_info=True)
                continue
            if picture:
                await kiosk.scan_frame(bytes(picture))

    def start() -> None:
        task_ref.current = ft.context.page.run_task(run)

    def stop() -> None:
        if task_ref.current is not None:
            task_ref.current.cancel()

    ft.use_effect(start, dependencies=[], cleanup=stop)

    if status == "none":
        inner: ft.Control = ft.Column(
            [ft.Icon(ft.Icons.NO_PHOTOGRAPHY_OUTLINED, size=48, color=ft.Colors.OUTLINE),
             ft.Text(t._("No camera here: please use the scanner or upload a picture of the code."),
                     text_align=ft.TextAlign.CENTER, color=ft.Colors.ON_SURFACE_VARIANT)],
            horizontal_alignment=ft.CrossAxisAlignment.CENTER, alignment=ft.MainAxisAlignment.CENTER, tight=True)
    else:
        inner = ft.Stack([camera, ft.Container(alignment=ft.Alignment.CENTER, content=ft.Container(
            width=180, height=180, border=ft.Border.all(3, ft.Colors.WHITE), border_radius=16))], expand=True)
    return ft.Semantics(label=t._("Camera: hold the code in front of it"), identifier="kiosk-camera", content=ft.Container(
        width=420, height=300, border_radius=20, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST, padding=theme.M
        if status == "none" else 0, clip_behavior=ft.ClipBehavior.ANTI_ALIAS, alignment=ft.Alignment.CENTER,
        content=inner))


@ft.component
def AttractView(kiosk: KioskState) -> ft.View:
    t = use_translator()
    busy = kiosk.phase == "opening"
    heading = ft.Semantics(header=True, content=ft.Text(
        t._("Scan your loyalty card or a code from the app"), size=34, weight=ft.FontWeight.W_700,
        text_align=ft.TextAlign.CENTER))
    controls: list[ft.Control] = [
        heading,
        ft.Text(t._("See your orders and returns, check in for a pickup, drop off a return, or find help."),
                size=18, color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER),
        CameraPanel(kiosk),
    ]
    if busy:
        controls.append(ft.Row([ft.ProgressRing(width=28, height=28), ft.Text(t._("Opening…"), size=18)],
                               alignment=ft.MainAxisAlignment.CENTER))
    if kiosk.error:
        controls.append(ErrorNote(kiosk.error_message or scan_error(kiosk.error, t)))
    controls.append(ft.Container(width=560, content=ft.Column([
        ft.Text(t._("No camera at hand? Use the scanner below or upload a picture of the code."),
                color=ft.Colors.ON_SURFACE_VARIANT, text_align=ft.TextAlign.CENTER),
        ScannerField(kiosk, t._("Scanner input")),
        ft.Row([UploadButton(kiosk, t._("Upload a picture of the code"))], alignment=ft.MainAxisAlignment.CENTER),
    ], spacing=theme.M, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, tight=True)))
    return ft.View(
        route="/",
        padding=0,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        controls=[ft.Column([
            TopBar(kiosk, t, []),
            ft.Container(expand=True, alignment=ft.Alignment.TOP_CENTER, padding=ft.Padding.symmetric(horizontal=theme.L),
                         content=ft.Container(width=880, content=ft.Column(
                             controls, spacing=theme.L, horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                             scroll=ft.ScrollMode.AUTO))),
        ], expand=True, spacing=0)],
    )


@ft.component
def MessageView(kiosk: KioskState) -> ft.View:
    """Starting up, or the kiosk could not sign in (with a retry)."""
    t = use_translator()

    async def retry() -> None:
        await kiosk.start()

    if kiosk.phase == "starting":
        body: list[ft.Control] = [ft.ProgressRing(), ft.Text(t._("Starting the kiosk…"), size=20)]
    else:
        body = [ErrorNote(scan_error(kiosk.error or "", t)),
                ft.FilledButton(t._("Try again"), icon=ft.Icons.REFRESH, on_click=retry, height=TOUCH)]
    return ft.View(route="/", bgcolor=ft.Colors.SURFACE_CONTAINER_LOW, padding=0, controls=[ft.Column([
        TopBar(kiosk, t, []),
        ft.Container(expand=True, alignment=ft.Alignment.CENTER, content=ft.Container(width=560, content=ft.Column(
            body, spacing=theme.L, horizontal_alignment=ft.CrossAxisAlignment.CENTER, tight=True)))],
        expand=True, spacing=0)])


@ft.component
def KioskScreens(kiosk: KioskState) -> ft.View:
    """The kiosk face: which screen shows depends only on the kiosk's phase."""
    use_observable(kiosk)
    page = ft.context.page

    def on_mount() -> None:
        try:
            page.window.full_screen = True  # desktop window; in a browser, run it in kiosk mode
        except Exception:
            logger.debug("full screen not available here", exc_info=True)
        page.run_task(kiosk.start)

    ft.use_effect(on_mount, dependencies=[])
    if kiosk.phase == "visit":
        return VisitView(kiosk)
    if kiosk.phase in ("starting", "unavailable"):
        return MessageView(kiosk)
    return AttractView(kiosk)
