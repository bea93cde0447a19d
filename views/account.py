"""Account tab: who is signed in, the app language, and signing out."""

from __future__ import annotations

import flet as ft

from views import theme
from views.components.language_switch import LanguageSwitch
from views.components.layout import ScreenBody
from views.hooks import use_app, use_observable, use_translator


def _initials(name: str) -> str:
    parts = [p for p in name.split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def _section(title: str, content: ft.Control) -> ft.Control:
    return ft.Column(
        [
            ft.Text(
                title, theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY, weight=ft.FontWeight.W_600
            ),
            content,
        ],
        spacing=theme.S,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
    )


@ft.component
def AccountScreen() -> ft.Control:
    ctx = use_app()
    session = use_observable(ctx.session)
    t = use_translator()
    # While signing out, the shell may repaint once more before the sign-in screen
    # replaces it: keep showing who was signed in rather than flashing an empty page.
    last_user = ft.use_ref(session.user)
    if session.user is not None:
        last_user.current = session.user
    user = last_user.current
    if user is None:
        return ft.Container()

    async def sign_out() -> None:
        await session.sign_out()
        # The next person to sign in on this device starts on the orders list.
        ft.context.page.navigate("/")

    profile = ft.Card(
        content=ft.Container(
            padding=theme.L,
            content=ft.Row(
                [
                    ft.CircleAvatar(
                        content=ft.Text(_initials(user.name), weight=ft.FontWeight.W_600),
                        bgcolor=ft.Colors.PRIMARY_CONTAINER,
                        color=ft.Colors.ON_PRIMARY_CONTAINER,
                        radius=28,
                    ),
                    ft.Column(
                        [
                            ft.Text(user.name, theme_style=ft.TextThemeStyle.TITLE_LARGE, weight=ft.FontWeight.W_600),
                            ft.Text(user.email, color=ft.Colors.ON_SURFACE_VARIANT),
                        ],
                        spacing=2,
                        expand=True,
                    ),
                ],
                spacing=theme.M,
            ),
        ),
    )
    language = ft.Card(
        content=ft.Container(
            padding=theme.M,
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.TRANSLATE, color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Column(
                        [
                            ft.Text(t._("App language"), weight=ft.FontWeight.W_500),
                            ft.Text(
                                t._("Used for menus, messages, dates and prices."),
                                theme_style=ft.TextThemeStyle.BODY_SMALL,
                                color=ft.Colors.ON_SURFACE_VARIANT,
                            ),
                        ],
                        spacing=2,
                        expand=True,
                    ),
                    LanguageSwitch(),
                ],
                spacing=theme.M,
                wrap=False,
            ),
        ),
    )
    sign_out_button = ft.OutlinedButton(
        content=ft.Text(t._("Sign out")),
        icon=ft.Icons.LOGOUT,
        on_click=sign_out,
        disabled=session.busy,
        height=48,
        style=ft.ButtonStyle(color=ft.Colors.ERROR),
    )
    return ScreenBody(
        [
            profile,
            _section(t._("Settings"), language),
            _section(
                t._("This device"),
                ft.Column(
                    [
                        ft.Text(
                            t._("Signing out removes your orders and unsent changes from this device."),
                            theme_style=ft.TextThemeStyle.BODY_SMALL,
                            color=ft.Colors.ON_SURFACE_VARIANT,
                        ),
                        sign_out_button,
                    ],
                    spacing=theme.S,
                    horizontal_alignment=ft.CrossAxisAlignment.START,
                ),
            ),
        ],
        spacing=theme.L,
    )
