"""/help/conversations: the shopper's conversations (unread counts, last message, where each one
stands), offers of help where the shopper seems stuck, and "New conversation".

Reads only the cache, so it opens offline; new replies appear while it is open.
"""

from __future__ import annotations

import flet as ft

from app.i18n import Translator
from app.protocol.entities import ThreadStatus
from app.state.conversations import ConversationsState, ThreadView
from app.state.proactive_help import PARCEL_DELAYED, PICKUP_WAITING, SEARCH
from views import theme
from views.components.detail_page import DetailView
from views.components.help_offer import HelpOfferCard
from views.components.layout import EmptyState, Pill
from views.components.offline_banner import OfflineBanner
from views.hooks import use_app, use_instance, use_observable, use_translator

ROUTE = "/help/conversations"


def status_text(status: str, t: Translator) -> str:
    return {ThreadStatus.BOT: t._("Assistant"), ThreadStatus.WAITING_FOR_AGENT: t._("Waiting for our team"),
            ThreadStatus.WITH_AGENT: t._("Our team")}.get(status, t._("Closed"))  # type: ignore[call-overload]


def status_pill(thread: ThreadView, t: Translator) -> ft.Control:
    c = ft.Colors
    if thread.status == ThreadStatus.BOT:
        return Pill(t._("Assistant"), c.ON_SURFACE_VARIANT, c.SURFACE_CONTAINER_HIGH, ft.Icons.SMART_TOY_OUTLINED)
    if thread.status == ThreadStatus.WAITING_FOR_AGENT:
        label = (t._("In the queue: number {position}").format(position=t.number(thread.queue_position))
                 if thread.queue_position else t._("Waiting for our team"))
        return Pill(label, c.BROWN_900, c.AMBER_100, ft.Icons.HOURGLASS_TOP)
    if thread.status == ThreadStatus.WITH_AGENT:
        return Pill(thread.agent_name or t._("Our team"), c.ON_SECONDARY_CONTAINER, c.SECONDARY_CONTAINER,
                    ft.Icons.SUPPORT_AGENT)
    return Pill(t._("Closed"), c.ON_SURFACE_VARIANT, c.SURFACE_CONTAINER_HIGH, ft.Icons.CHECK)


def ThreadRow(thread: ThreadView, t: Translator) -> ft.Control:
    page = ft.context.page
    unread = thread.unread
    title = ft.Text(thread.subject, weight=ft.FontWeight.W_700 if unread else ft.FontWeight.W_500, max_lines=1,
                    overflow=ft.TextOverflow.ELLIPSIS, expand=True)
    when = t._("Sending…") if thread.pending and not thread.preview else t.moment(thread.updated_at)
    trailing: list[ft.Control] = [ft.Text(when, size=12, color=ft.Colors.ON_SURFACE_VARIANT)]
    if unread:
        badge = t.ngettext("{count} new", "{count} new", unread).format(count=t.number(unread))
        trailing.append(ft.Semantics(label=badge, content=ft.Container(
            padding=ft.Padding.symmetric(horizontal=8, vertical=2), border_radius=999, bgcolor=ft.Colors.PRIMARY,
            content=ft.Text(t.number(unread), size=12, weight=ft.FontWeight.W_700, color=ft.Colors.ON_PRIMARY))))
    preview = thread.preview or t._("No messages yet")
    return ft.Card(semantic_container=False, key=thread.id, content=ft.Container(
        padding=ft.Padding.symmetric(horizontal=theme.M, vertical=12), border_radius=theme.CARD_RADIUS,
        on_click=lambda: page.navigate(f"{ROUTE}/{thread.id}"), ink=True,
        content=ft.Column([
            ft.Row([title, ft.Row(trailing, spacing=theme.S, tight=True)], spacing=theme.S),
            ft.Text(preview, max_lines=2, overflow=ft.TextOverflow.ELLIPSIS, size=14,
                    color=ft.Colors.ON_SURFACE if unread else ft.Colors.ON_SURFACE_VARIANT),
            ft.Container(status_pill(thread, t), margin=ft.Margin.only(top=2)),
        ], spacing=4, tight=True)))


@ft.component
def ConversationsView() -> ft.View:
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    sync = use_observable(ctx.session.sync)
    offers = use_observable(ctx.help_offers)
    state = use_instance(ConversationsState)
    use_observable(state)
    page = ft.context.page

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.messaging, account.sync, session.dispatcher)
            await state.refresh()
            await offers.bind(account.proactive_help)

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)

    new = ft.FilledButton(t._("New conversation"), icon=ft.Icons.ADD_COMMENT_OUTLINED, height=44,
                          on_click=lambda: page.navigate(f"{ROUTE}/new"))
    body: list[ft.Control] = []
    if sync.active and sync.connectivity == "offline":
        body.append(OfflineBanner())
    for offer in [*offers.offers_for(PARCEL_DELAYED), *offers.offers_for(PICKUP_WAITING), *offers.offers_for(SEARCH)]:
        body.append(HelpOfferCard(offer, key=offer.key))  # type: ignore[call-arg]
    if not state.loaded:
        body.append(ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=48))
    elif not state.threads:
        body.append(EmptyState(ft.Icons.FORUM_OUTLINED, t._("No conversations yet"),
                               t._("Ask us anything: our assistant answers right away, and a person from our team "
                                   "takes over whenever you like."), new))
    else:
        open_threads = [th for th in state.threads if th.open]
        closed = [th for th in state.threads if not th.open]
        body.append(ft.Row([ft.Text(t.ngettext("{count} open conversation", "{count} open conversations",
                                               len(open_threads)).format(count=t.number(len(open_threads))),
                                    color=ft.Colors.ON_SURFACE_VARIANT, expand=True), new]))
        body.extend(ThreadRow(th, t) for th in open_threads)
        if closed:
            body.append(ft.Semantics(header=True, content=ft.Text(
                t._("Closed"), theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY,
                weight=ft.FontWeight.W_600)))
            body.extend(ThreadRow(th, t) for th in closed)
    return DetailView(ROUTE, t._("Conversations"), "/help", body, spacing=12)


@ft.component
def ConversationsEntry() -> ft.Control:
    """The way into the conversations from the Help tab, with the unread count and any offer of help."""
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    offers = use_observable(ctx.help_offers)
    state = use_instance(ConversationsState)
    use_observable(state)
    page = ft.context.page

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.messaging, account.sync, session.dispatcher)
            await state.refresh()
            await offers.bind(account.proactive_help)

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)

    open_count = sum(1 for th in state.threads if th.open)
    if state.unread:
        sub = t.ngettext("{count} new reply", "{count} new replies", state.unread).format(count=t.number(state.unread))
    elif open_count:
        sub = t.ngettext("{count} open conversation", "{count} open conversations", open_count).format(
            count=t.number(open_count))
    else:
        sub = t._("Your questions to our team, on all your devices")
    badge: list[ft.Control] = []
    if state.unread:
        badge.append(ft.Container(padding=ft.Padding.symmetric(horizontal=8, vertical=2), border_radius=999,
                                  bgcolor=ft.Colors.PRIMARY,
                                  content=ft.Text(t.number(state.unread), size=12, weight=ft.FontWeight.W_700,
                                                  color=ft.Colors.ON_PRIMARY)))
    entry = ft.Card(semantic_container=False, content=ft.Container(
        padding=ft.Padding.symmetric(horizontal=theme.M, vertical=12), border_radius=theme.CARD_RADIUS, ink=True,
        on_click=lambda: page.navigate(ROUTE),
        content=ft.Row([
            ft.Icon(ft.Icons.FORUM_OUTLINED, color=ft.Colors.PRIMARY),
            ft.Column([ft.Text(t._("Your conversations"), weight=ft.FontWeight.W_600),
                       ft.Text(sub, size=13, color=ft.Colors.ON_SURFACE_VARIANT)], spacing=2, expand=True, tight=True),
            *badge,
            ft.Icon(ft.Icons.CHEVRON_RIGHT, color=ft.Colors.ON_SURFACE_VARIANT),
        ], spacing=12)))
    cards = [HelpOfferCard(o, key=o.key)  # type: ignore[call-arg]
             for o in [*offers.offers_for(PARCEL_DELAYED), *offers.offers_for(PICKUP_WAITING), *offers.offers_for(SEARCH)]]
    return ft.Column([*cards, entry], spacing=12, tight=True)
