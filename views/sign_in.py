"""Sign-in screen: email, password, language, and an error message that says what to do."""

from __future__ import annotations

from collections.abc import Callable

import flet as ft

from app.i18n import Translator
from app.protocol.errors import ErrorCode
from app.state.session import MISSING_FIELDS, OFFLINE
from views import theme
from views.components.brand import WordMark
from views.components.language_switch import LanguageSwitch
from views.hooks import use_app, use_observable, use_translator


def error_message(code: str, t: Translator) -> str:
    """The sentence for a sign-in error code; unknown codes get a calm generic message."""
    if code == ErrorCode.INVALID_CREDENTIALS:
        return t._("That email and password don't match. Please check both and try again.")
    if code == OFFLINE:
        return t._(
            "You're offline. Connect to the internet to sign in; after that your orders "
            "stay available without a connection."
        )
    if code == ErrorCode.RATE_LIMITED:
        return t._("Too many attempts. Please wait a minute, then try again.")
    if code == MISSING_FIELDS:
        return t._("Please enter your email address and password.")
    return t._("Signing in didn't work because of a problem on our side. Please try again in a moment.")


def sign_in_promise(mode: str, t: Translator) -> str:
    """What signing in gives this face of the app (the staff tablet is not about points)."""
    if mode == "staff":
        return t._("Your store's pickups: hand them over with a scan, even when the Wi-Fi is down.")
    if mode == "agent":
        return t._("Answer the conversations that asked for a person, with the shopper's context beside them.")
    return t._("Track your orders, start returns and collect points. Works offline, too.")


@ft.component
def ErrorBanner(message: str) -> ft.Control:
    """Inline error above the button, announced by screen readers when it appears."""
    return ft.Semantics(
        live_region=True,
        identifier="sign-in-error",
        content=ft.Container(
            padding=ft.Padding.symmetric(horizontal=theme.M, vertical=12),
            border_radius=12,
            bgcolor=ft.Colors.ERROR_CONTAINER,
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ON_ERROR_CONTAINER, size=20),
                    ft.Text(message, color=ft.Colors.ON_ERROR_CONTAINER, expand=True),
                ],
                spacing=12,
                vertical_alignment=ft.CrossAxisAlignment.START,
            ),
        ),
    )


@ft.component
def RevealButton(revealed: bool, on_toggle: Callable[[], None]) -> ft.Control:
    """Show/hide password; Flutter's built-in toggle has no accessible name."""
    t = use_translator()
    label = t._("Hide password") if revealed else t._("Show password")
    # One node for assistive tech: the label and the tap action live on the Semantics
    # wrapper; the icon button's own (nameless) node is excluded.
    return ft.Semantics(
        identifier="toggle-password",
        label=label,
        button=True,
        exclude_semantics=True,
        on_tap=lambda: on_toggle(),
        content=ft.IconButton(
            icon=ft.Icons.VISIBILITY_OFF_OUTLINED if revealed else ft.Icons.VISIBILITY_OUTLINED,
            on_click=lambda: on_toggle(),
            icon_size=20,
        ),
    )


@ft.component
def SignInForm() -> ft.Control:
    """The card with the form; the parent decides where it sits."""
    ctx = use_app()
    session = use_observable(ctx.session)
    t = use_translator()
    email, set_email = ft.use_state("")
    password, set_password = ft.use_state("")
    revealed, set_revealed = ft.use_state(False)

    async def submit() -> None:
        await session.sign_in(email, password)

    def on_email(e: ft.Event[ft.TextField]) -> None:
        set_email(e.control.value or "")
        if session.error:
            session.clear_error()

    def on_password(e: ft.Event[ft.TextField]) -> None:
        set_password(e.control.value or "")
        if session.error:
            session.clear_error()

    button_content: ft.Control = ft.Text(t._("Sign in"))
    if session.busy:
        button_content = ft.Row(
            [
                ft.ProgressRing(width=16, height=16, stroke_width=2, color=ft.Colors.ON_PRIMARY),
                ft.Text(t._("Signing in…")),
            ],
            spacing=10,
            tight=True,
            alignment=ft.MainAxisAlignment.CENTER,
        )

    fields = ft.AutofillGroup(
        content=ft.Column(
            [
                ft.TextField(
                    label=t._("Email"),
                    value=email,
                    keyboard_type=ft.KeyboardType.EMAIL,
                    autofill_hints=[ft.AutofillHint.EMAIL],
                    prefix_icon=ft.Icons.MAIL_OUTLINE,
                    autocorrect=False,
                    enable_suggestions=False,
                    border_radius=12,
                    on_change=on_email,
                    on_submit=submit,
                ),
                ft.TextField(
                    label=t._("Password"),
                    value=password,
                    password=not revealed,
                    autofill_hints=[ft.AutofillHint.PASSWORD],
                    prefix_icon=ft.Icons.LOCK_OUTLINE,
                    suffix_icon=RevealButton(revealed, lambda: set_revealed(not revealed)),
                    border_radius=12,
                    on_change=on_password,
                    on_submit=submit,
                ),
            ],
            spacing=theme.M,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
    )

    controls: list[ft.Control] = [
        ft.Text(t._("Sign in"), theme_style=ft.TextThemeStyle.HEADLINE_SMALL, weight=ft.FontWeight.W_600),
        ft.Text(
            sign_in_promise(ctx.mode, t),
            theme_style=ft.TextThemeStyle.BODY_MEDIUM,
            color=ft.Colors.ON_SURFACE_VARIANT,
        ),
        ft.Container(height=theme.S),
        fields,
    ]
    if session.error:
        controls.append(ErrorBanner(error_message(session.error, t)))
    controls.append(
        ft.FilledButton(
            content=button_content,
            disabled=session.busy,
            on_click=submit,
            height=48,
            width=float("inf"),
        )
    )
    return ft.Card(
        content=ft.Container(
            padding=theme.L,
            content=ft.Column(controls, spacing=theme.M, tight=True),
        ),
    )


@ft.component
def TrackWithoutAccount() -> ft.Control:
    """The way in for guests: follow an order with its number and email (views.guest_lookup)."""
    t = use_translator()
    return ft.Row(
        [
            ft.TextButton(
                t._("Track an order without an account"),
                icon=ft.Icons.LOCAL_SHIPPING_OUTLINED,
                on_click=lambda: ft.context.page.navigate("/track"),
            )
        ],
        alignment=ft.MainAxisAlignment.CENTER,
    )


@ft.component
def SignInView() -> ft.View:
    """Full-screen sign-in: brand on top, the form centred, language choice always in reach."""
    return ft.View(
        route="/",
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        padding=theme.L,
        scroll=ft.ScrollMode.AUTO,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        vertical_alignment=ft.MainAxisAlignment.CENTER,
        controls=[
            ft.Container(
                width=440,
                content=ft.Column(
                    [
                        ft.Row(
                            [WordMark(), LanguageSwitch()],
                            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
                        ),
                        ft.Container(height=theme.S),
                        SignInForm(),
                        TrackWithoutAccount(),
                    ],
                    spacing=theme.M,
                    horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                    tight=True,
                ),
            )
        ],
    )
