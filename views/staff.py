"""The staff tablet (`--mode staff`): staff sign-in, the store's pickup queue, scanning a pickup
code (scanner/keyboard field or a photo) and the handover steps (views.staff_handover)."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import Translator
from app.protocol.auth import Role
from app.state.staff import ACTION_FAILED, EMPTY_CODE, NO_CODE_IN_IMAGE, StaffState
from services.pickups import (
    SCAN_ALREADY,
    SCAN_CANCELLED,
    SCAN_EXPIRED,
    SCAN_FORGED,
    SCAN_NOT_READY,
    SCAN_OTHER_STORE,
    SCAN_UNKNOWN,
    SCAN_WRONG_KIND,
    HandoverRefusal,
    Scan,
)
from services.returns_eligibility import parse_instant
from views import theme
from views.components.brand import WordMark
from views.components.icon_action import IconAction
from views.components.language_switch import LanguageSwitch
from views.components.layout import Centered
from views.components.notice import Notice
from views.components.offline_banner import OfflineBanner
from views.components.sync_status import SyncStatusIndicator
from views.components.ticker import use_ticker
from views.hooks import (
    use_app,
    use_instance,
    use_observable,
    use_translator,
    use_viewport,
)
from views.sign_in import SignInForm
from views.staff_handover import HandoverFlow
from views.staff_queue import QueuePanel


def scan_message(scan: Scan, t: Translator) -> tuple[str, str]:
    """(title, what to do) for a code that does not open a handover."""
    pickup = scan.pickup or {}
    number = pickup.get("order_number", "")
    if scan.outcome == SCAN_ALREADY:
        at = parse_instant(pickup.get("handed_over_at"))
        by = pickup.get("handed_over_by")
        if by and at:
            body = t._("Handed over by {name} at {time}.").format(name=by, time=t.time(at))
        elif at:
            body = t._("Handed over at {time} on this tablet; not synced yet.").format(time=t.time(at))
        else:
            body = t._("Nothing more to do.")
        return t._("Order {number} has already been handed over").format(number=number), body
    texts = {
        SCAN_UNKNOWN: (t._("No pickup with this code"), t._("Check the code, or ask for the order number.")),
        SCAN_FORGED: (t._("This code is not genuine"), t._("Do not hand anything over. Ask for the short code.")),
        SCAN_EXPIRED: (t._("This code has expired"), t._("Ask the customer to open the pickup in the app again.")),
        SCAN_WRONG_KIND: (t._("This is not a pickup code"),
                          t._("It may be a loyalty card or a return code. Ask for the pickup code.")),
        SCAN_OTHER_STORE: (t._("This pickup belongs to another store"),
                           t._("The order is waiting in another store.")),
        SCAN_NOT_READY: (t._("Order {number} is not ready yet").format(number=number),
                         t._("Prepare it and mark it ready first.")),
        SCAN_CANCELLED: (t._("Order {number} was cancelled").format(number=number),
                         t._("Do not hand it over. Ask a colleague how to proceed.")),
    }
    return texts.get(scan.outcome, (t._("This code cannot be used"), ""))


def refusal_message(refusal: HandoverRefusal, t: Translator) -> tuple[str, str]:
    number = refusal.order_number or ""
    if refusal.code == "already_handed_over":
        title = t._("Order {number} was already handed over").format(number=number)
        if refusal.by and refusal.at:
            return title, t._("Already handed over by {name} at {time}. Your handover was not recorded twice.").format(
                name=refusal.by, time=t.time(refusal.at))
        return title, t._("Your handover was not recorded twice.")
    return t._("Handover of order {number} was refused").format(number=number), refusal.message


@ft.component
def ScanPanel(state: StaffState) -> ft.Control:
    t = use_translator()
    text, set_text = ft.use_state("")

    async def submit(_: Any = None) -> None:
        if await state.submit_code(text):
            set_text("")

    def change(e: ft.Event[ft.TextField]) -> None:
        set_text(e.control.value or "")
        state.clear_scan()

    async def upload(_: Any) -> None:
        try:
            files = await ft.FilePicker().pick_files(with_data=True, file_type=ft.FilePickerFileType.IMAGE)
        except Exception:  # noqa: BLE001 - a picker service error must not show "Error running app"
            state.scan_error = ACTION_FAILED
            return
        if files and files[0].bytes:
            await state.submit_image(files[0].bytes)

    notices: list[ft.Control] = []
    if state.scan_result is not None:
        title, body = scan_message(state.scan_result, t)
        tone = "warning" if state.scan_result.outcome in (SCAN_ALREADY, SCAN_NOT_READY) else "error"
        notices.append(Notice(title, body, tone=tone, identifier="scan-result"))  # type: ignore[arg-type]
    elif state.scan_error is not None:
        message = {EMPTY_CODE: t._("Scan a code or type the short code first."),
                   NO_CODE_IN_IMAGE: t._("No code found in this picture. Try again closer and without glare.")
                   }.get(state.scan_error, t._("That didn't work. Please try again."))
        notices.append(Notice(message, tone="error", identifier="scan-result"))
    return ft.Card(semantic_container=False, content=ft.Container(padding=theme.M, content=ft.Column([
        ft.Text(t._("Hand over a pickup"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600),
        ft.Text(t._("Scan the customer's pickup QR code or type the short code."),
                color=ft.Colors.ON_SURFACE_VARIANT, size=13),
        ft.TextField(label=t._("Pickup code"), value=text, autofocus=True, on_submit=submit,
                     on_change=change,
                     prefix_icon=ft.Icons.QR_CODE_SCANNER, text_size=20, capitalization=ft.TextCapitalization.CHARACTERS),
        ft.Row([ft.FilledButton(t._("Check code"), icon=ft.Icons.SEARCH, height=52, on_click=submit),
                ft.OutlinedButton(t._("Photo of code"), icon=ft.Icons.PHOTO_CAMERA_OUTLINED, height=52,
                                  on_click=upload)], spacing=theme.S, wrap=True),
        *notices,
    ], spacing=theme.M, tight=True)))


@ft.component
def StaffHome() -> ft.View:
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    sync = use_observable(ctx.session.sync)
    viewport = use_viewport()
    state = use_instance(StaffState)
    use_observable(state)
    tick = use_ticker(30)

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.pickups, account.sync, session.dispatcher, account.user.store_id)
            await state.refresh()
            await state.prepare()

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)
    ft.use_effect(lambda: state.tick(), dependencies=[tick])

    user = session.user
    store_name = (state.store or {}).get("name") or (user.store_id if user else "")
    title = t._("Pickups · {store}").format(store=store_name)

    async def sign_out(_: Any) -> None:
        await session.sign_out()

    top: list[ft.Control] = []
    if sync.active and sync.connectivity == "offline":
        top.append(OfflineBanner())
    for refusal in state.refusals:
        head, body = refusal_message(refusal, t)

        async def dismiss(_: Any, rid: int = refusal.rejection_id) -> None:
            await state.dismiss_refusal(rid)

        top.append(Notice(head, body, tone="warning", identifier="handover-refused",
                          action=ft.TextButton(t._("Dismiss"), height=48, on_click=dismiss)))

    if state.draft is not None:
        content: ft.Control = ft.Column([*top, HandoverFlow(state, state.draft, key=state.draft.code)],  # type: ignore[call-arg]
                                        spacing=theme.M, tight=True)
        main = Centered(content, padding=theme.M)
    elif viewport.is_desktop:
        main = ft.Container(padding=theme.M, content=ft.Column([*top, ft.Row(
            [ft.Container(ScanPanel(state), width=380),
             ft.Container(QueuePanel(state, state.queue, t), expand=True)],
            spacing=theme.L, vertical_alignment=ft.CrossAxisAlignment.START)], spacing=theme.M, tight=True))
    else:
        main = Centered(ft.Column([*top, ScanPanel(state), QueuePanel(state, state.queue, t)],
                                  spacing=theme.L, tight=True), padding=theme.M)
    if user is not None and user.role is not Role.STAFF:
        main = Centered(Notice(t._("This tablet is for store staff"),
                               t._("Please sign in with a staff account."), tone="warning"), padding=theme.M)
    return ft.View(
        route="/", padding=0, bgcolor=ft.Colors.SURFACE, scroll=ft.ScrollMode.AUTO,
        appbar=ft.AppBar(
            title=ft.Text(title, weight=ft.FontWeight.W_600),
            automatically_imply_leading=False, bgcolor=ft.Colors.SURFACE,
            actions=[SyncStatusIndicator(), ft.Container(LanguageSwitch(), padding=ft.Padding.only(right=theme.S)),
                     IconAction(ft.Icons.LOGOUT, t._("Sign out"), sign_out, identifier="sign-out")],
        ),
        controls=[main],
    )


@ft.component
def StaffSignInView() -> ft.View:
    t = use_translator()
    return ft.View(
        route="/", bgcolor=ft.Colors.SURFACE_CONTAINER_LOW, padding=theme.L, scroll=ft.ScrollMode.AUTO,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER, vertical_alignment=ft.MainAxisAlignment.CENTER,
        controls=[ft.Container(width=440, content=ft.Column([
            ft.Row([WordMark(), LanguageSwitch()], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            ft.Text(t._("Staff tablet: click & collect"), theme_style=ft.TextThemeStyle.TITLE_MEDIUM,
                    color=ft.Colors.ON_SURFACE_VARIANT),
            SignInForm(),
        ], spacing=theme.M, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, tight=True))],
    )


@ft.component
def StaffScreens(signed_in: bool) -> ft.View:
    """The staff face: sign-in, then the store's queue (mode dispatch in views.shell)."""
    return StaffHome() if signed_in else StaffSignInView()
