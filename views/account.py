"""Account tab: profile (name, language, communication preferences), "my data" (export and
deletion) and "this device" (what is cached, unsent changes, last sync, clear, sign out)."""

from __future__ import annotations

import logging

import flet as ft

from app.state.account import (
    CACHE_CLEARED,
    CACHE_CLEARED_OFFLINE,
    DELETION_QUEUED,
    DELETION_REJECTED,
    NAME_REQUIRED,
    NAME_TOO_LONG,
    OFFLINE,
    AccountState,
)
from views import theme
from views.account_data import DeleteAccountDialog, DevicePanel
from views.components.language_switch import LanguageSwitch
from views.components.layout import Pill, ScreenBody
from views.components.notice import Notice, show_snack
from views.hooks import use_app, use_instance, use_observable, use_translator

logger = logging.getLogger(__name__)


def _initials(name: str) -> str:
    parts = [p for p in name.split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def _section(title: str, content: ft.Control) -> ft.Control:
    return ft.Column(
        [
            ft.Semantics(header=True, content=ft.Text(
                title, theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600
            )),
            content,
        ],
        spacing=theme.S,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


def _card(*controls: ft.Control, spacing: float = theme.M) -> ft.Control:
    return ft.Card(semantic_container=False, content=ft.Container(padding=theme.M, content=ft.Column(
        list(controls), spacing=spacing, tight=True, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)))


@ft.component
def ProfileForm(state: AccountState, name: str, marketing: bool, push: bool, pending: bool) -> ft.Control:
    """Name and communication preferences; saved as a queued `profile.update`."""
    t = use_translator()
    draft_name, set_name = ft.use_state(name)
    draft_marketing, set_marketing = ft.use_state(marketing)
    draft_push, set_push = ft.use_state(push)
    changed = (" ".join(draft_name.split()), draft_marketing, draft_push) != (name, marketing, push)

    async def save(_: object = None) -> None:
        if await state.save_profile(draft_name, draft_marketing, draft_push):
            show_snack(t._("Profile saved"))

    def on_name(e: ft.Event[ft.TextField]) -> None:
        set_name(e.control.value or "")
        if state.error in (NAME_REQUIRED, NAME_TOO_LONG):
            state.dismiss()

    error = None
    if state.error == NAME_REQUIRED:
        error = t._("Please enter your name.")
    elif state.error == NAME_TOO_LONG:
        error = t._("That name is too long (120 characters at most).")
    controls: list[ft.Control] = [
        ft.TextField(label=t._("Name"), value=draft_name, on_change=on_name, on_submit=save, error=error,
                     border_radius=12, prefix_icon=ft.Icons.BADGE_OUTLINED,
                     capitalization=ft.TextCapitalization.WORDS),
        ft.Switch(label=t._("Emails about offers and news"), value=draft_marketing,
                  on_change=lambda e: set_marketing(bool(e.control.value))),
        ft.Switch(label=t._("Push notifications about my orders"), value=draft_push,
                  on_change=lambda e: set_push(bool(e.control.value))),
    ]
    footer: list[ft.Control] = []
    if pending:
        footer.append(Pill(t._("Not yet synced"), ft.Colors.ON_TERTIARY_CONTAINER, ft.Colors.TERTIARY_CONTAINER,
                           ft.Icons.CLOUD_UPLOAD_OUTLINED))
    footer.append(ft.Container(expand=True))
    footer.append(ft.FilledButton(t._("Save changes"), icon=ft.Icons.CHECK, on_click=save,
                                  disabled=not changed or state.busy is not None, height=44))
    controls.append(ft.Row(footer, vertical_alignment=ft.CrossAxisAlignment.CENTER))
    return _card(*controls, spacing=12)


@ft.component
def MyData(state: AccountState, online: bool) -> ft.Control:
    """Export everything as a JSON file; delete the account after a confirmation step."""
    t = use_translator()
    page = ft.context.page
    saved_as, set_saved_as = ft.use_state("")
    confirming, set_confirming = ft.use_state(False)

    async def download(_: object = None) -> None:
        set_saved_as("")
        exported = await state.export()
        if exported is None:
            return
        try:
            # Web: the browser downloads the bytes (Flet 1.0 saves through a blob link); desktop: a
            # save dialog; phones: the system's share/save sheet.
            path = await ft.FilePicker().save_file(dialog_title=t._("Save your data"), file_name=exported.filename,
                                                   src_bytes=exported.content,
                                                   file_type=ft.FilePickerFileType.CUSTOM, allowed_extensions=["json"])
        except Exception:
            logger.warning("saving the export failed", exc_info=True)
            show_snack(t._("Your browser didn't save the file. Please try again."))
            return
        finally:
            state.export_saved()
        if page.web or path:
            set_saved_as(exported.filename)

    async def delete(_: object = None) -> None:
        if await state.delete_account():
            # Signed out by now: this screen is gone; the sign-in screen starts at "/".
            page.navigate("/")

    exporting = state.busy == "export"
    export_content: ft.Control = ft.Text(t._("Download my data"))
    if exporting:
        export_content = ft.Row([ft.ProgressRing(width=16, height=16, stroke_width=2),
                                 ft.Text(t._("Preparing your file…"))], spacing=theme.S, tight=True)
    controls: list[ft.Control] = [
        ft.Row([ft.Icon(ft.Icons.DOWNLOAD_OUTLINED, color=ft.Colors.PRIMARY),
                ft.Text(t._("A copy of your data"), weight=ft.FontWeight.W_600, expand=True)], spacing=12),
        ft.Text(t._("Everything we store about you (profile, orders, returns, loyalty points, conversations) as a "
                    "JSON file you can keep or take elsewhere."), color=ft.Colors.ON_SURFACE_VARIANT, size=14),
        ft.Row([ft.OutlinedButton(content=export_content, icon=None if exporting else ft.Icons.DOWNLOAD,
                                  on_click=download, disabled=state.busy is not None or not online, height=44)]),
    ]
    if not online:
        controls.append(ft.Text(t._("Downloading your data needs a connection."), size=13,
                                color=ft.Colors.ON_SURFACE_VARIANT))
    if saved_as:
        controls.append(Notice(t._("Your data is downloaded"),
                               t._("Saved as {filename}.").format(filename=saved_as), tone="success",
                               identifier="export-done"))
    elif state.error == OFFLINE and state.busy is None:
        controls.append(Notice(t._("You're offline"), t._("Please try again when you're back online."),
                               tone="error"))
    controls += [
        ft.Divider(height=1),
        ft.Row([ft.Icon(ft.Icons.DELETE_FOREVER_OUTLINED, color=ft.Colors.ERROR),
                ft.Text(t._("Delete my account"), weight=ft.FontWeight.W_600, expand=True)], spacing=12),
        ft.Text(t._("Your profile, conversations, loyalty points and uploaded photos are deleted. Orders are kept "
                    "without your name and address, as tax law requires."), color=ft.Colors.ON_SURFACE_VARIANT,
                size=14),
    ]
    if state.notice == DELETION_QUEUED:
        controls.append(Notice(t._("Deletion requested"),
                               t._("It will be completed as soon as this device is online again; you'll be signed "
                                   "out then."), tone="warning", identifier="deletion-queued"))
    elif state.error == DELETION_REJECTED:
        controls.append(Notice(t._("We couldn't delete your account"),
                               t._("Please contact us, and we'll take care of it."), tone="error"))
    controls.append(ft.Row([ft.OutlinedButton(
        t._("Delete my account"), icon=ft.Icons.DELETE_OUTLINE, on_click=lambda: set_confirming(True),
        disabled=state.busy is not None or state.deletion == "queued", height=44,
        style=ft.ButtonStyle(color=ft.Colors.ERROR, side=ft.BorderSide(1, ft.Colors.ERROR)))]))
    controls.append(DeleteAccountDialog(open=confirming, busy=state.busy == "delete", online=online,
                                        on_confirm=delete, on_dismiss=lambda: set_confirming(False)))
    return _card(*controls, spacing=12)


@ft.component
def AccountScreen() -> ft.Control:
    ctx = use_app()
    session = use_observable(ctx.session)
    sync = use_observable(ctx.session.sync)
    t = use_translator()
    state = use_instance(AccountState)
    # While signing out, the shell may repaint once more before the sign-in screen
    # replaces it: keep showing who was signed in rather than flashing an empty page.
    last_user = ft.use_ref(session.user)
    if session.user is not None:
        last_user.current = session.user
    user = last_user.current

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account, session.dispatcher, on_deleted=session.sign_out)
            await state.refresh()

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)

    if user is None:
        return ft.Container()

    async def sign_out(_: object = None) -> None:
        state.unbind()
        await session.sign_out()
        # The next person to sign in on this device starts on the orders list.
        ft.context.page.navigate("/")

    profile = state.profile or {}
    name = str(profile.get("name") or user.name)
    identity = ft.Row(
        [
            ft.CircleAvatar(
                content=ft.Text(_initials(name), weight=ft.FontWeight.W_600),
                bgcolor=ft.Colors.PRIMARY_CONTAINER,
                color=ft.Colors.ON_PRIMARY_CONTAINER,
                radius=28,
            ),
            ft.Column(
                [
                    ft.Semantics(identifier="profile-name", content=ft.Text(
                        name, theme_style=ft.TextThemeStyle.TITLE_LARGE, weight=ft.FontWeight.W_600)),
                    ft.Text(str(profile.get("email") or user.email), color=ft.Colors.ON_SURFACE_VARIANT),
                ],
                spacing=2,
                expand=True,
            ),
        ],
        spacing=theme.M,
    )
    language = _card(ft.Row(
        [
            ft.Icon(ft.Icons.TRANSLATE, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.Column(
                [
                    ft.Text(t._("App language"), weight=ft.FontWeight.W_500),
                    ft.Text(t._("Used for menus, messages, dates and prices."),
                            theme_style=ft.TextThemeStyle.BODY_SMALL, color=ft.Colors.ON_SURFACE_VARIANT),
                ],
                spacing=2,
                expand=True,
            ),
            LanguageSwitch(),
        ],
        spacing=theme.M,
        wrap=False,
    ))
    controls: list[ft.Control] = [identity]
    if state.notice in (CACHE_CLEARED, CACHE_CLEARED_OFFLINE):
        body = t._("Your data is being downloaded again.") if state.notice == CACHE_CLEARED else t._(
            "It is downloaded again as soon as you're online. Unsent changes were kept.")
        controls.append(Notice(t._("Local data cleared"), body, tone="success", identifier="cache-cleared"))
    if state.loaded:
        key = f"{profile.get('name')}|{profile.get('marketing_email')}|{profile.get('push_notifications')}"
        controls.append(_section(t._("Profile"), ProfileForm(
            state, name, bool(profile.get("marketing_email")), bool(profile.get("push_notifications", True)),
            bool(profile.get("_pending")), key=key)))  # type: ignore[call-arg]
    controls.append(_section(t._("Settings"), language))
    online = sync.connectivity == "online"
    controls.append(_section(t._("My data"), MyData(state, online)))
    controls.append(_section(t._("This device"), DevicePanel(state, sign_out, signing_out=session.busy)))
    return ScreenBody(controls, spacing=theme.L)
