"""The support desk (`--mode agent`): sign-in, then the queue of conversations that asked for a
person (oldest first), the agent's own conversations, one conversation with the shopper's context
(orders, returns, loyalty tier, earlier threads) next to it, and take, reply, close.

Desktop: queue | conversation | context side by side. Narrower: the queue, then the conversation
with the context folded above it. Replies reach the shopper live (SSE poke, then pull).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import flet as ft

from app.i18n import Translator
from app.protocol.auth import Role
from app.state.agent_desk import EMPTY_MESSAGE, AgentDeskState, DeskThread
from app.state.conversations import by_day, parse_instant
from views import theme
from views.components.brand import WordMark
from views.components.icon_action import IconAction
from views.components.language_switch import LanguageSwitch
from views.components.layout import Centered, EmptyState, Pill
from views.components.notice import Notice
from views.components.offline_banner import OfflineBanner
from views.components.returns_text import kind_label, status_chip, tier_label
from views.components.sync_status import SyncStatusIndicator
from views.conversation import Bubble, DaySeparator, day_label
from views.conversations import status_text
from views.hooks import (
    use_app,
    use_instance,
    use_observable,
    use_translator,
    use_viewport,
)
from views.orders import status_style
from views.sign_in import SignInForm


def waited(thread: DeskThread, t: Translator) -> str:
    if thread.requested_at is None:
        return ""
    minutes = max(0, int((datetime.now(UTC) - thread.requested_at).total_seconds() // 60))
    if minutes < 60:
        return t.ngettext("waiting {count} min", "waiting {count} min", minutes).format(count=t.number(minutes))
    return t._("waiting since {time}").format(time=t.moment(thread.requested_at))


def QueueItem(thread: DeskThread, selected: bool, state: AgentDeskState, t: Translator, position: int | None) -> ft.Control:
    async def open_it(_: Any) -> None:
        await state.select(thread.id)

    subtitle = waited(thread, t) if thread.waiting else t.moment(thread.updated_at)
    top: list[ft.Control] = [ft.Text(thread.customer_name or t._("Customer"), weight=ft.FontWeight.W_600,
                                     expand=True, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS)]
    if thread.unread and not thread.waiting:
        top.append(ft.Container(padding=ft.Padding.symmetric(horizontal=8, vertical=2), border_radius=999,
                                bgcolor=ft.Colors.PRIMARY,
                                content=ft.Text(t.number(thread.unread), size=12, color=ft.Colors.ON_PRIMARY)))
    if position is not None:
        top.insert(0, ft.Text(f"{t.number(position)}.", weight=ft.FontWeight.W_700, color=ft.Colors.PRIMARY))
    return ft.Container(
        key=thread.id, padding=ft.Padding.symmetric(horizontal=12, vertical=10), border_radius=12, ink=True,
        bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else None, on_click=open_it,
        content=ft.Column([
            ft.Row(top, spacing=theme.S),
            ft.Text(thread.subject, size=14, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(thread.preview or "", size=13, color=ft.Colors.ON_SURFACE_VARIANT, max_lines=1,
                    overflow=ft.TextOverflow.ELLIPSIS),
            ft.Text(subtitle, size=12, color=ft.Colors.ON_SURFACE_VARIANT),
        ], spacing=2, tight=True))


def section_title(text: str) -> ft.Control:
    return ft.Semantics(header=True, content=ft.Container(
        padding=ft.Padding.only(left=12, top=theme.M, bottom=theme.XS),
        content=ft.Text(text, theme_style=ft.TextThemeStyle.TITLE_SMALL, color=ft.Colors.PRIMARY,
                        weight=ft.FontWeight.W_600)))


def QueuePanel(state: AgentDeskState, t: Translator) -> ft.Control:
    selected = state.selected.id if state.selected else None
    items: list[ft.Control] = [section_title(t._("Waiting ({count})").format(count=t.number(len(state.queue))))]
    if state.queue:
        items.extend(QueueItem(th, th.id == selected, state, t, n) for n, th in enumerate(state.queue, start=1))
    else:
        items.append(ft.Container(padding=12, content=ft.Text(t._("Nobody is waiting. Well done!"),
                                                             color=ft.Colors.ON_SURFACE_VARIANT)))
    items.append(section_title(t._("Mine ({count})").format(count=t.number(len(state.mine)))))
    items.extend(QueueItem(th, th.id == selected, state, t, None) for th in state.mine)
    if state.closed:
        items.append(section_title(t._("Recently closed")))
        items.extend(QueueItem(th, th.id == selected, state, t, None) for th in state.closed[:10])
    return ft.Column(items, spacing=2, scroll=ft.ScrollMode.AUTO, expand=True)


def _fact(label: str, value: str) -> ft.Control:
    return ft.Row([ft.Text(label, size=13, color=ft.Colors.ON_SURFACE_VARIANT, width=110),
                   ft.Text(value, size=13, expand=True)], spacing=theme.S)


def ContextPanel(context: dict[str, Any] | None, thread: DeskThread, t: Translator) -> ft.Control:
    """The shopper's history next to the conversation."""
    if context is None:
        return ft.Text(t._("No customer details on this device yet."), color=ft.Colors.ON_SURFACE_VARIANT)
    parts: list[ft.Control] = [
        ft.Text(context.get("name", ""), theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600),
        _fact(t._("Email"), context.get("email", "")),
        _fact(t._("Language"), "Deutsch" if context.get("locale") == "de" else "English"),
    ]
    if context.get("loyalty_tier"):
        parts.append(_fact(t._("Loyalty tier"), t._("{tier} · {points} points").format(
            tier=tier_label(str(context["loyalty_tier"]), t), points=t.number(int(context.get("loyalty_balance") or 0)))))
    if thread.context:
        where = ", ".join(f"{k}: {v}" for k, v in thread.context.items())
        parts.append(_fact(t._("Started from"), where))
    parts.append(section_title(t._("Orders")))
    for order in context.get("orders") or []:
        placed = parse_instant(order.get("placed_at"))
        line = t._("{number} · {status} · {total}").format(
            number=order["number"], status=status_style(str(order["status"]), t).label,
            total=t.money(int(order["total"]), order.get("currency", "EUR")))
        rows: list[ft.Control] = [ft.Text(line, size=13, weight=ft.FontWeight.W_600 if order["id"] == thread.order_id
                                          else ft.FontWeight.W_400)]
        if placed:
            rows.append(ft.Text(t._("placed {date}").format(date=t.date(placed)), size=12,
                                color=ft.Colors.ON_SURFACE_VARIANT))
        tracked = parse_instant(order.get("tracking_at"))
        if order.get("tracking_text") and tracked:
            text = order["tracking_text"].get(t.locale) or next(iter(order["tracking_text"].values()), "")
            rows.append(ft.Text(t._("Parcel: {event} ({when})").format(event=text, when=t.moment(tracked)), size=12,
                                color=ft.Colors.ON_SURFACE_VARIANT))
        parts.append(ft.Column(rows, spacing=0, tight=True))
    if context.get("returns"):
        parts.append(section_title(t._("Returns")))
        for ret in context["returns"]:
            parts.append(ft.Text(t._("{number} · {kind} · {status}").format(
                number=ret["order_number"], kind=kind_label(str(ret["kind"]), t),
                status=status_chip(str(ret["status"]), t).label), size=13))
    earlier = [th for th in context.get("threads") or [] if th["id"] != thread.id]
    parts.append(section_title(t._("Earlier conversations")))
    if not earlier:
        parts.append(ft.Text(t._("None"), size=13, color=ft.Colors.ON_SURFACE_VARIANT))
    for th in earlier:
        created = parse_instant(th.get("created_at"))
        stars = " · " + t._("Rated {stars} of 5").format(stars=t.number(int(th["rating"]))) if th.get("rating") else ""
        parts.append(ft.Column([
            ft.Text(th["subject"], size=13, weight=ft.FontWeight.W_500),
            ft.Text(f"{t.date(created) if created else ''} · {status_text(str(th['status']), t)}{stars}", size=12,
                    color=ft.Colors.ON_SURFACE_VARIANT),
        ], spacing=0, tight=True))
    return ft.Column(parts, spacing=theme.S, tight=True)


@ft.component
def ReplyBox(state: AgentDeskState) -> ft.Control:
    t = use_translator()
    text, set_text = ft.use_state("")

    async def send(_: Any = None) -> None:
        if await state.reply(text):
            set_text("")

    def on_text(e: ft.Event[ft.TextField]) -> None:
        set_text(e.control.value or "")

    error = [ft.Text(t._("Please write a reply first."), color=ft.Colors.ERROR, size=13)] \
        if state.error == EMPTY_MESSAGE else []
    return ft.Container(
        padding=theme.S, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
        border=ft.Border.only(top=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
        content=ft.Column([*error, ft.Row([
            ft.TextField(label=t._("Reply"), value=text, on_change=on_text, on_submit=send, multiline=True,
                         shift_enter=True, min_lines=1, max_lines=6, expand=True,
                         border_radius=24, dense=True),
            IconAction(ft.Icons.SEND, t._("Send reply"), send, identifier="send-reply", disabled=state.busy,
                       icon_color=ft.Colors.PRIMARY),
        ], spacing=theme.XS)], spacing=theme.XS, tight=True))


def ConversationPanel(state: AgentDeskState, t: Translator, with_context: bool) -> ft.Control:
    thread = state.selected
    if thread is None:
        return EmptyState(ft.Icons.FORUM_OUTLINED, t._("Pick a conversation"),
                          t._("The oldest request waits at the top of the queue."))

    async def take(_: Any) -> None:
        await state.take()

    async def close(_: Any) -> None:
        await state.close()

    async def back(_: Any) -> None:
        await state.select(None)

    actions: list[ft.Control] = []
    if thread.waiting:
        actions.append(ft.FilledButton(t._("Take conversation"), icon=ft.Icons.PAN_TOOL_OUTLINED, height=40,
                                       on_click=take, disabled=state.busy))
    if not thread.closed and (thread.mine or thread.waiting):
        actions.append(ft.OutlinedButton(t._("Close conversation"), icon=ft.Icons.CHECK, height=40, on_click=close,
                                         disabled=state.busy))
    header: list[ft.Control] = []
    if not with_context:
        header.append(ft.TextButton(t._("Back to the queue"), icon=ft.Icons.ARROW_BACK, on_click=back))
    status = (t._("Waiting for a person") if thread.waiting else t._("Closed") if thread.closed
              else t._("With you") if thread.mine else t._("With a colleague"))
    header.append(ft.Column([
        ft.Text(thread.subject, theme_style=ft.TextThemeStyle.TITLE_MEDIUM, weight=ft.FontWeight.W_600),
        ft.Row([ft.Text(thread.customer_name, color=ft.Colors.ON_SURFACE_VARIANT),
                Pill(status, ft.Colors.ON_SECONDARY_CONTAINER, ft.Colors.SECONDARY_CONTAINER)],
               spacing=theme.S, wrap=True),
    ], spacing=2, tight=True))
    if actions:
        header.append(ft.Row(actions, spacing=theme.S, wrap=True, run_spacing=theme.S))
    if not with_context:
        header.append(ft.ExpansionTile(title=ft.Text(t._("Customer context")), controls=[
            ft.Container(ContextPanel(state.context, thread, t), padding=theme.S)]))
    today = datetime.now(UTC).astimezone(t.timezone).date()
    messages: list[ft.Control] = []
    for day in in_days(state, t):
        messages.append(DaySeparator(day_label(day[0], t, today)))
        messages.extend(Bubble(m, t, viewer="agent", customer_name=thread.customer_name) for m in day[1])
    if thread.rating:
        messages.append(Notice(t._("Rated {stars} of 5").format(stars=thread.rating), tone="success",
                               icon=ft.Icons.STAR))
    column: list[ft.Control] = [
        ft.Container(ft.Column(header, spacing=theme.S, tight=True), padding=theme.M),
        ft.Divider(height=1),
        ft.ListView(controls=[ft.Container(ft.Column(messages, spacing=12, tight=True), padding=theme.M)],
                    expand=True, auto_scroll=True),
    ]
    if not thread.closed and (thread.mine or thread.waiting):
        column.append(ReplyBox(state, key=thread.id))  # type: ignore[call-arg]
    return ft.Column(column, spacing=0, expand=True)


def in_days(state: AgentDeskState, t: Translator) -> list[tuple[Any, list[Any]]]:
    return [(d.day, list(d.messages)) for d in by_day(state.messages, t.timezone)]


@ft.component
def AgentDeskHome() -> ft.View:
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    sync = use_observable(ctx.session.sync)
    viewport = use_viewport()
    state = use_instance(AgentDeskState)
    use_observable(state)

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.agent_desk, account.sync, session.dispatcher)
            await state.refresh()

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)

    async def sign_out(_: Any) -> None:
        await session.sign_out()

    user = session.user
    top: list[ft.Control] = []
    if sync.active and sync.connectivity == "offline":
        top.append(OfflineBanner())
    if user is not None and user.role is not Role.AGENT:
        main: ft.Control = Centered(Notice(t._("This desk is for support agents"),
                                           t._("Please sign in with a support account."), tone="warning"),
                                    padding=theme.M)
    elif viewport.is_desktop:
        context = ContextPanel(state.context, state.selected, t) if state.selected else ft.Container()
        main = ft.Row([
            ft.Container(QueuePanel(state, t), width=320, padding=ft.Padding.only(left=theme.S, right=theme.S),
                         bgcolor=ft.Colors.SURFACE_CONTAINER_LOW),
            ft.VerticalDivider(width=1),
            ft.Container(ConversationPanel(state, t, with_context=True), expand=True),
            ft.VerticalDivider(width=1),
            ft.Container(ft.Column([context], scroll=ft.ScrollMode.AUTO, expand=True), width=320, padding=theme.M),
        ], expand=True, spacing=0, vertical_alignment=ft.CrossAxisAlignment.STRETCH)
    elif state.selected is not None:
        main = ConversationPanel(state, t, with_context=False)
    else:
        main = ft.Container(QueuePanel(state, t), padding=theme.S, expand=True)
    return ft.View(
        route="/", padding=0, bgcolor=ft.Colors.SURFACE,
        appbar=ft.AppBar(
            title=ft.Text(t._("Support desk"), weight=ft.FontWeight.W_600),
            automatically_imply_leading=False, bgcolor=ft.Colors.SURFACE,
            actions=[SyncStatusIndicator(), ft.Container(LanguageSwitch(), padding=ft.Padding.only(right=theme.S)),
                     IconAction(ft.Icons.LOGOUT, t._("Sign out"), sign_out, identifier="sign-out")],
        ),
        controls=[ft.Column([*top, main], expand=True, spacing=0)],
    )


@ft.component
def AgentSignInView() -> ft.View:
    t = use_translator()
    return ft.View(
        route="/", bgcolor=ft.Colors.SURFACE_CONTAINER_LOW, padding=theme.L, scroll=ft.ScrollMode.AUTO,
        horizontal_alignment=ft.CrossAxisAlignment.CENTER, vertical_alignment=ft.MainAxisAlignment.CENTER,
        controls=[ft.Container(width=440, content=ft.Column([
            ft.Row([WordMark(), LanguageSwitch()], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            ft.Text(t._("Support desk: conversations that asked for a person"),
                    theme_style=ft.TextThemeStyle.TITLE_MEDIUM, color=ft.Colors.ON_SURFACE_VARIANT),
            SignInForm(),
        ], spacing=theme.M, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, tight=True))],
    )


@ft.component
def AgentScreens(signed_in: bool) -> ft.View:
    """The agent face: sign-in, then the desk (mode dispatch in views.shell)."""
    return AgentDeskHome() if signed_in else AgentSignInView()
