"""Notifications in the shopper app: a bell in the title bar (badge, live banner) and the list.

One `NotificationsState` per Flet session, shared by the bell and the list, so a notification
that syncs in while the shopper is on any tab raises the banner once.
"""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from typing import Any

import flet as ft

from app.context import AppContext
from app.i18n import Translator
from app.state.notifications import NotificationsState
from services.returns_eligibility import parse_instant
from views import theme
from views.components.detail_page import DetailView
from views.components.icon_action import IconAction
from views.components.layout import EmptyState
from views.hooks import use_app, use_observable, use_translator

_STATES: weakref.WeakKeyDictionary[AppContext, tuple[NotificationsState, object]] = weakref.WeakKeyDictionary()


def notifications_for(ctx: AppContext) -> NotificationsState:
    """The session's notifications, bound to the account signed in now."""
    account = ctx.session.account
    held = _STATES.get(ctx)
    if held is not None and held[1] is account:
        return held[0]
    state = held[0] if held is not None else NotificationsState()
    if account is not None:
        state.bind(account.notifications, account.sync, ctx.session.dispatcher)
        ctx.session.dispatcher.spawn(state.refresh)
    else:
        state.unbind()
    _STATES[ctx] = (state, account)
    return state


def text_of(texts: dict[str, str] | None, t: Translator) -> str:
    texts = texts or {}
    return texts.get(t.locale) or texts.get("en") or next(iter(texts.values()), "")


@ft.component
def NotificationBell() -> ft.Control:
    """The bell with the number of notifications that arrived while the app was open; a banner for each."""
    ctx = use_app()
    t = use_translator()
    use_observable(ctx.session)
    state = use_observable(notifications_for(ctx))
    fresh = state.fresh
    page = ft.context.page

    def announce() -> None:
        if fresh is None:
            return
        route = fresh.get("route")

        def open_it(_: Any) -> None:
            state.dismiss_fresh()
            page.navigate(route or "/notifications")

        page.show_dialog(ft.SnackBar(
            ft.Semantics(live_region=True, identifier="notification-banner", content=ft.Column(
                [ft.Text(text_of(fresh.get("title"), t), weight=ft.FontWeight.W_600),
                 ft.Text(text_of(fresh.get("body"), t), size=13)], spacing=2, tight=True)),
            action=ft.SnackBarAction(label=t._("Show"), on_click=open_it),
            behavior=ft.SnackBarBehavior.FLOATING, show_close_icon=True, duration=ft.Duration(seconds=8)))

    ft.use_effect(announce, dependencies=[fresh["id"] if fresh else None])

    def open_list(_: Any) -> None:
        state.mark_seen()
        page.navigate("/notifications")

    label = (t.ngettext("Notifications, {count} new", "Notifications, {count} new", state.unseen).format(
        count=state.unseen) if state.unseen else t._("Notifications"))
    bell = IconAction(ft.Icons.NOTIFICATIONS_OUTLINED if not state.unseen else ft.Icons.NOTIFICATIONS_ACTIVE,
                      label, open_list, identifier="notifications")
    if state.unseen:
        bell.badge = ft.Badge(label=str(state.unseen))
    return bell


def NotificationRow(note: dict[str, Any], t: Translator) -> ft.Control:
    at = parse_instant(note.get("at")) or datetime.now(UTC)
    route = note.get("route")
    return ft.Card(semantic_container=False, content=ft.Container(
        padding=theme.M,
        on_click=(lambda _: ft.context.page.navigate(route)) if route else None,
        content=ft.Row(
            [ft.Icon(ft.Icons.STOREFRONT_OUTLINED if note.get("kind") == "pickup_ready" else ft.Icons.NOTIFICATIONS_NONE,
                     color=ft.Colors.PRIMARY),
             ft.Column([ft.Text(text_of(note.get("title"), t), weight=ft.FontWeight.W_600),
                        ft.Text(text_of(note.get("body"), t)),
                        ft.Text(t.moment(at), size=12, color=ft.Colors.ON_SURFACE_VARIANT)],
                       spacing=2, tight=True, expand=True)],
            spacing=12, vertical_alignment=ft.CrossAxisAlignment.START)))


@ft.component
def NotificationsView() -> ft.View:
    ctx = use_app()
    t = use_translator()
    use_observable(ctx.session)
    state = use_observable(notifications_for(ctx))

    def seen() -> None:
        state.mark_seen()

    ft.use_effect(seen, dependencies=[])
    if not state.items:
        body: list[ft.Control] = [EmptyState(ft.Icons.NOTIFICATIONS_NONE, t._("No notifications yet"),
                                             t._("We'll let you know here when an order is ready for pickup."))]
    else:
        body = [NotificationRow(n, t) for n in state.items]
    return DetailView("/notifications", t._("Notifications"), "/orders", body, spacing=theme.S)
