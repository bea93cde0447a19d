"""The app frame: context providers, sign-in gate, router, and responsive navigation.

Phones (< 600 px) get a bottom `NavigationBar`; tablets a compact `NavigationRail`;
desktops an extended rail with labels. Every tab shares one `View` route key so switching
tabs swaps the content instead of pushing an animated page.

Entry point for ``main.py``: ``views.shell.mount(page, ctx)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flet as ft

from app.context import AppContext
from app.i18n import Translator
from views import theme
from views.account import AccountScreen
from views.agent_desk import AgentScreens
from views.components.brand import BrandMark, WordMark
from views.components.continue_elsewhere import ROUTE as CONTINUE_ELSEWHERE_ROUTE
from views.components.continue_elsewhere import (
    ContinueElsewhereAction,
    ContinueElsewhereView,
)
from views.components.layout import Centered
from views.components.sync_status import SyncStatusIndicator
from views.continue_here import ContinueView
from views.conversation import ConversationView, NewConversationView
from views.conversations import ConversationsView
from views.faq_article import FaqArticleView
from views.guest_lookup import GuestLookupView
from views.help import HelpScreen
from views.hooks import (
    bind_session,
    unbind_session,
    use_instance,
    use_observable,
    use_translator,
    use_viewport,
)
from views.kiosk import KioskScreens
from views.loyalty import LoyaltyScreen
from views.notifications import NotificationBell, NotificationsView
from views.order_detail import OrderDetailView
from views.orders import OrdersScreen
from views.pickup import PickupView
from views.return_detail import ReturnDetailView
from views.return_new import ReturnNewView
from views.returns import ReturnsScreen
from views.sign_in import SignInView
from views.staff import StaffScreens

APP_TITLE = "nahtlos"


@dataclass(frozen=True)
class Tab:
    path: str
    icon: ft.IconData
    selected_icon: ft.IconData
    component: Callable[[], ft.Control]


TABS: tuple[Tab, ...] = (
    Tab("/orders", ft.Icons.RECEIPT_LONG_OUTLINED, ft.Icons.RECEIPT_LONG, OrdersScreen),
    Tab("/returns", ft.Icons.ASSIGNMENT_RETURN_OUTLINED, ft.Icons.ASSIGNMENT_RETURN, ReturnsScreen),
    Tab("/help", ft.Icons.HELP_OUTLINE, ft.Icons.HELP, HelpScreen),
    Tab("/loyalty", ft.Icons.LOYALTY_OUTLINED, ft.Icons.LOYALTY, LoyaltyScreen),
    Tab("/account", ft.Icons.PERSON_OUTLINE, ft.Icons.PERSON, AccountScreen),
)


# Memoised: a hidden tab does not re-render when the shell does (it still follows its own state).
KEPT_ALIVE: tuple[Callable[[], ft.Control], ...] = tuple(ft.memo(tab.component) for tab in TABS)


def tab_label(path: str, t: Translator) -> str:
    """Tab names as literal msgids (so extraction finds them)."""
    labels = {
        "/orders": t._("Orders"),
        "/returns": t._("Returns"),
        "/help": t._("Help"),
        "/loyalty": t._("Loyalty"),
        "/account": t._("Account"),
    }
    return labels[path]


def tab_index(location: str) -> int:
    """Which tab a URL belongs to; "/" and unknown paths are the orders tab."""
    for i, tab in enumerate(TABS):
        if location == tab.path or location.startswith(tab.path + "/"):
            return i
    return 0


@ft.component
def Shell() -> ft.View:
    """Layout route: app bar with the sync indicator, navigation, and the active tab."""
    t = use_translator()
    viewport = use_viewport()
    index = tab_index(ft.use_route_location())
    current = TABS[index]
    # Keep-alive tabs: a tab once shown stays mounted, hidden, so switching back only flips two
    # `visible` flags instead of building the screen's controls again and diffing the old ones
    # away (py-spy: ~30 % of the app's CPU per tap went to Flet's DiffBuilder doing that). A
    # hidden control is not built on the Flutter side, so it is out of the accessibility tree.
    # The router's child routes still match the URLs; their outlet is not rendered.
    visited = use_instance(set[int])
    visited.add(index)

    def go(e: ft.Event[ft.NavigationBar] | ft.Event[ft.NavigationRail]) -> None:
        selected = e.control.selected_index
        if selected is not None and selected != index:
            ft.context.page.navigate(TABS[selected].path)

    title = tab_label(current.path, t)
    content = ft.Container(
        ft.Column(
            [ft.Container(KEPT_ALIVE[i](), visible=i == index, expand=True, key=TABS[i].path) for i in sorted(visited)],
            expand=True,
            spacing=0,
        ),
        expand=True,
        bgcolor=ft.Colors.SURFACE,
    )

    if viewport.is_phone:
        return ft.View(
            route="/",
            padding=0,
            appbar=ft.AppBar(
                title=ft.Text(title, weight=ft.FontWeight.W_600),
                leading=ft.Container(BrandMark(32), alignment=ft.Alignment.CENTER_RIGHT),
                leading_width=48,
                automatically_imply_leading=False,
                actions=[ContinueElsewhereAction(), NotificationBell(), SyncStatusIndicator()],
                bgcolor=ft.Colors.SURFACE,
            ),
            controls=[content],
            navigation_bar=ft.NavigationBar(
                selected_index=index,
                on_change=go,
                destinations=[
                    ft.NavigationBarDestination(
                        icon=tab.icon, selected_icon=tab.selected_icon, label=tab_label(tab.path, t)
                    )
                    for tab in TABS
                ],
            ),
        )

    # Tablet and desktop: the rail runs full height; the title bar belongs to the content
    # column and lines up with the (centred, width-capped) content below it.
    extended = viewport.is_desktop
    rail = ft.NavigationRail(
        selected_index=index,
        on_change=go,
        extended=extended,
        min_extended_width=232,
        label_type=None if extended else ft.NavigationRailLabelType.ALL,
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        group_alignment=-1,
        leading=ft.Container(
            WordMark() if extended else BrandMark(40),
            padding=ft.Padding.only(top=theme.M, bottom=theme.L, left=theme.S if extended else 0),
        ),
        destinations=[
            ft.NavigationRailDestination(icon=tab.icon, selected_icon=tab.selected_icon, label=tab_label(tab.path, t))
            for tab in TABS
        ],
    )
    header = Centered(
        ft.Row(
            [
                ft.Semantics(
                    header=True,
                    content=ft.Text(title, theme_style=ft.TextThemeStyle.HEADLINE_SMALL, weight=ft.FontWeight.W_600),
                ),
                ft.Row([ContinueElsewhereAction(), NotificationBell(), SyncStatusIndicator()], spacing=0, tight=True),
            ],
            alignment=ft.MainAxisAlignment.SPACE_BETWEEN,
        ),
        padding=ft.Padding.only(left=theme.M, right=theme.M, top=theme.L, bottom=theme.XS),
    )
    return ft.View(
        route="/",
        padding=0,
        bgcolor=ft.Colors.SURFACE,
        controls=[
            ft.Row(
                [rail, ft.VerticalDivider(width=1), ft.Column([header, content], expand=True, spacing=0)],
                expand=True,
                spacing=0,
                vertical_alignment=ft.CrossAxisAlignment.STRETCH,
            )
        ],
    )


def _routes() -> list[ft.Route]:
    return [
        ft.Route(
            path="/",
            component=Shell,
            outlet=True,
            children=[
                ft.Route(index=True, component=OrdersScreen),
                *[ft.Route(path=tab.path.lstrip("/"), component=tab.component) for tab in TABS],
            ],
        ),
        # Pushed screens with their own title bar and back button ("new" before ":id").
        ft.Route(path="/returns/new", component=ReturnNewView),
        ft.Route(path="/returns/:id", component=ReturnDetailView),
        ft.Route(path="/orders/:id", component=OrderDetailView),
        ft.Route(path="/help/articles/:slug", component=FaqArticleView),
        ft.Route(path="/help/conversations", component=ConversationsView),
        ft.Route(path="/help/conversations/new", component=NewConversationView),
        ft.Route(path="/help/conversations/:id", component=ConversationView),
        ft.Route(path="/pickups/:id", component=PickupView),
        ft.Route(path="/notifications", component=NotificationsView),
        ft.Route(path=CONTINUE_ELSEWHERE_ROUTE, component=ContinueElsewhereView),
        ft.Route(path="/continue", component=ContinueView),  # just signed in by a handoff link: forwards
    ]


def _guest_routes() -> list[ft.Route]:
    """Signed out: guest tracking, and the sign-in screen for every other URL (it opens after sign-in)."""
    return [
        ft.Route(path="/track", component=GuestLookupView),
        ft.Route(path="/continue", component=ContinueView),  # a handoff link from another device
        ft.Route(path="/:rest*", component=SignInView),
    ]


@ft.component
def SplashView() -> ft.View:
    """Shown for the moment it takes to look up this device's saved session."""
    return ft.View(
        route="/",
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        vertical_alignment=ft.MainAxisAlignment.CENTER,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        controls=[
            ft.Column(
                [BrandMark(64), ft.ProgressRing(width=24, height=24, stroke_width=3)],
                spacing=theme.L,
                tight=True,
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            )
        ],
    )


@ft.component
def Screens(ctx: AppContext) -> ft.View | list[ft.View] | ft.Control:
    """Sign-in gate: the router (and its URLs) only exists for a signed-in user."""
    session = use_observable(ctx.session)
    t = use_translator()
    page = ft.context.page

    def follow_locale() -> None:
        # Flutter's own widgets (date pickers, tooltips, text direction) follow our language.
        page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=[ft.Locale("de", "DE"), ft.Locale("en", "GB")],
            current_locale=ft.Locale("de", "DE") if t.locale == "de" else ft.Locale("en", "GB"),
        )
        page.update()

    ft.use_effect(follow_locale, dependencies=[t.locale])

    if session.restoring:
        return SplashView()
    if ctx.mode == "kiosk" and ctx.kiosk is not None:
        return KioskScreens(ctx.kiosk)  # the in-store kiosk's face (views.kiosk)
    if ctx.mode == "agent":
        return AgentScreens(session.signed_in)  # the support desk's face (views.agent_desk)
    if ctx.mode == "staff":
        return StaffScreens(session.signed_in)  # the staff tablet's face (views.staff)
    if not session.signed_in:
        return ft.Router(_guest_routes(), manage_views=True, key="guest")  # type: ignore[call-arg]
    return ft.Router(_routes(), manage_views=True, key="shopper")  # type: ignore[call-arg]


@ft.component
def App(ctx: AppContext) -> ft.Control | list[ft.View]:
    """Root component: restores the saved session, then shows the screens of the app's mode."""

    async def restore() -> None:
        await ctx.session.restore()

    ft.use_effect(restore, dependencies=[])
    return Screens(ctx)


def mount(page: ft.Page, ctx: AppContext) -> None:
    """Render the app into ``page`` for the session described by ``ctx``."""
    page.title = APP_TITLE
    theme.apply(page)

    bind_session(page, ctx)

    async def on_close(_: ft.Event[ft.Page]) -> None:
        unbind_session(page)
        await ctx.close()

    page.on_close = on_close
    page.render_views(App, ctx)
