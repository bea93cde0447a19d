"""One conversation (/help/conversations/:id) and starting one (/help/conversations/new).

The thread: messages grouped under day separators, the state of the shopper's own messages
(sending, sent, read), the bot's cited articles as in-app links, "Talk to a person" in view at
all times while the assistant answers, the queue position while waiting, a composer with
labelled send and attach buttons, and a rating once it is closed.

/help/conversations/new takes its context from the URL: `?article=<slug>&q=<query>` (from the
help centre), `?order=<id>` (from an order), `?topic=<proactive-help topic>`.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import flet as ft

from app.i18n import Translator
from app.protocol.errors import ErrorCode
from app.state.conversations import (
    ACTION_FAILED,
    EMPTY_MESSAGE,
    MAX_BODY,
    OFFLINE,
    TOO_LONG,
    TOO_MANY_PHOTOS,
    ConversationsState,
    ConversationState,
    MessageView,
    ThreadView,
    by_day,
)
from app.state.proactive_help import PARCEL_DELAYED, PICKUP_WAITING, RETURN_FLOW
from views import theme
from views.components.detail_page import DetailView, MissingDetailView
from views.components.icon_action import IconAction
from views.components.layout import Centered
from views.components.message_photos import MessagePhotos
from views.components.notice import Notice
from views.components.offline_banner import OfflineBanner
from views.conversations import ROUTE
from views.hooks import use_app, use_instance, use_observable, use_translator

logger = logging.getLogger(__name__)


def error_text(code: str, t: Translator) -> str:
    texts = {
        EMPTY_MESSAGE: t._("Please write a message first."),
        TOO_LONG: t._("This message is too long."),
        TOO_MANY_PHOTOS: t._("You can attach up to 3 photos to a message."),
        OFFLINE: t._("Photos need a connection. Your text will be sent as soon as you are online."),
        ErrorCode.UNSUPPORTED_MEDIA_TYPE: t._("Please choose a JPEG, PNG or WebP photo."),
        ErrorCode.PAYLOAD_TOO_LARGE: t._("This photo is too large."),
        ErrorCode.IMAGE_TOO_LARGE: t._("This photo is too large."),
        ACTION_FAILED: t._("That didn't work. Please try again."),
    }
    return texts.get(code, t._("That didn't work. Please try again."))


def day_label(day: date, t: Translator, today: date) -> str:
    if day == today:
        return t._("Today")
    if day == today - timedelta(days=1):
        return t._("Yesterday")
    return t.date(day, "full")


def DaySeparator(label: str) -> ft.Control:
    line = ft.Container(height=1, bgcolor=ft.Colors.OUTLINE_VARIANT, expand=True)
    return ft.Semantics(header=True, content=ft.Row([
        line, ft.Text(label, size=12, weight=ft.FontWeight.W_600, color=ft.Colors.ON_SURFACE_VARIANT), line,
    ], spacing=theme.S, vertical_alignment=ft.CrossAxisAlignment.CENTER))


def state_line(message: MessageView, t: Translator) -> ft.Control:
    icon, label = {
        "pending": (ft.Icons.SCHEDULE, t._("Sending…")),
        "read": (ft.Icons.DONE_ALL, t._("Read")),
    }.get(message.state or "", (ft.Icons.DONE, t._("Sent")))
    return ft.Row([ft.Text(t.time(message.sent_at), size=11, color=ft.Colors.ON_SURFACE_VARIANT),
                   ft.Icon(icon, size=14, color=ft.Colors.PRIMARY if message.state == "read" else ft.Colors.ON_SURFACE_VARIANT),
                   ft.Text(label, size=11, color=ft.Colors.ON_SURFACE_VARIANT)],
                  spacing=4, tight=True, alignment=ft.MainAxisAlignment.END)


def message_body(message: MessageView, t: Translator, color: str) -> list[ft.Control]:
    page = ft.context.page
    # The desk has no shopper screens to open: the bot's article titles stay as text there, and
    # the order is in the context column beside the thread.
    desk = use_app().mode == "agent"
    parts: list[ft.Control] = []
    for segment in message.lines:
        if segment.route and desk:
            if segment.route.startswith("/help/"):
                parts.append(ft.Row([ft.Icon(ft.Icons.ARTICLE_OUTLINED, size=18, color=color),
                                     ft.Text(segment.text, color=color, expand=True)], spacing=6))
        elif segment.route:
            route = segment.route
            icon = ft.Icons.ARTICLE_OUTLINED if route.startswith("/help/") else ft.Icons.RECEIPT_LONG_OUTLINED
            label = segment.text if route.startswith("/help/") else t._("Open the order")
            parts.append(ft.TextButton(label, icon=icon, on_click=lambda _, r=route: page.navigate(r),
                                       style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=4, vertical=0),
                                                            alignment=ft.Alignment.CENTER_LEFT)))
        else:
            parts.append(ft.Text(segment.text, color=color))
    if message.attachment_ids:
        parts.append(MessagePhotos(tuple(message.attachment_ids), color,  # type: ignore[call-arg]
                                   key=f"photos-{message.id}"))
    return parts


def Bubble(message: MessageView, t: Translator, viewer: str = "customer", customer_name: str | None = None
           ) -> ft.Control:
    """One message, seen by ``viewer``: the shopper's own messages sit on the right in the app, the
    team's on the desk (``viewer="agent"``, where the shopper's carry ``customer_name``)."""
    if message.sender == "system":
        return ft.Container(padding=ft.Padding.symmetric(horizontal=theme.L, vertical=theme.XS),
                            alignment=ft.Alignment.CENTER, key=message.id,  # centred: not a speech bubble
                            content=ft.Text(message.body, size=13, italic=True, text_align=ft.TextAlign.CENTER,
                                            color=ft.Colors.ON_SURFACE_VARIANT))
    mine = message.sender == viewer
    if mine:
        bg, fg = ft.Colors.PRIMARY_CONTAINER, ft.Colors.ON_PRIMARY_CONTAINER
    elif message.sender in ("agent", "customer"):
        bg, fg = ft.Colors.SECONDARY_CONTAINER, ft.Colors.ON_SECONDARY_CONTAINER
    else:
        bg, fg = ft.Colors.SURFACE_CONTAINER_HIGH, ft.Colors.ON_SURFACE
    column: list[ft.Control] = []
    if not mine:
        name = (customer_name or message.sender_name or "") if message.sender == "customer" else \
            message.sender_name or (t._("Assistant") if message.sender == "bot" else t._("Our team"))
        column.append(ft.Text(name, size=12, weight=ft.FontWeight.W_600, color=fg))
    column.extend(message_body(message, t, fg))
    bubble = ft.Container(
        bgcolor=bg, padding=ft.Padding.symmetric(horizontal=14, vertical=10),
        border_radius=ft.BorderRadius(18, 18, 4 if not mine else 18, 4 if mine else 18),
        content=ft.Column(column, spacing=4, tight=True))
    meta = state_line(message, t) if mine and viewer == "customer" else ft.Text(
        t.time(message.sent_at), size=11, color=ft.Colors.ON_SURFACE_VARIANT)
    # A wide flexible column keeps long messages readable; a short one stays as wide as its text.
    inner = ft.Column([bubble, meta], spacing=2, tight=True, expand=5,
                      horizontal_alignment=ft.CrossAxisAlignment.END if mine else ft.CrossAxisAlignment.START)
    spacer = ft.Container(expand=1)
    if mine:
        return ft.Semantics(container=True, key=message.id, content=ft.Row(
            [spacer, inner], vertical_alignment=ft.CrossAxisAlignment.START))
    avatar = ft.CircleAvatar(
        radius=16, bgcolor=bg,
        content=ft.Icon({"bot": ft.Icons.SMART_TOY_OUTLINED, "customer": ft.Icons.PERSON_OUTLINE}.get(
            message.sender, ft.Icons.SUPPORT_AGENT), size=18, color=fg))
    # One node per message for screen readers (and tests), not one label for the whole thread.
    return ft.Semantics(container=True, key=message.id, content=ft.Row(
        [avatar, inner, spacer], spacing=theme.S, vertical_alignment=ft.CrossAxisAlignment.START))


def StatusBar(thread: ThreadView, state: ConversationState, t: Translator) -> ft.Control:
    """Who is answering; "Talk to a person" while the assistant answers; the queue while waiting."""
    async def talk() -> None:
        await state.request_human()

    if thread.with_bot:
        return Notice(t._("You're chatting with our assistant"),
                      t._("It answers right away. A person from our team takes over whenever you like."),
                      tone="neutral", icon=ft.Icons.SMART_TOY_OUTLINED, identifier="status-bot",
                      action=ft.FilledTonalButton(t._("Talk to a person"), icon=ft.Icons.SUPPORT_AGENT, height=40,
                                                  on_click=talk, disabled=state.busy))
    if thread.waiting:
        if thread.queue_position:
            title = t._("You're number {position} in the queue").format(position=t.number(thread.queue_position))
            minutes = thread.expected_wait_minutes or 0
            body = t.ngettext("A person from our team will be with you in about {minutes} minute.",
                              "A person from our team will be with you in about {minutes} minutes.",
                              minutes).format(minutes=t.number(minutes))
        else:
            title = t._("We're connecting you with our team")
            body = t._("Your place in the queue appears as soon as your device is back in touch with us.")
        return Notice(title, body, tone="warning", icon=ft.Icons.HOURGLASS_TOP, identifier="status-queue")
    if thread.open:
        return Notice(t._("{name} from our team is looking after you").format(name=thread.agent_name or t._("Someone")),
                      t._("You'll get a reply here; you can close the app in the meantime."),
                      tone="success", icon=ft.Icons.SUPPORT_AGENT, identifier="status-agent")
    return ft.Container(height=0)


@ft.component
def RatingCard(thread: ThreadView, state: ConversationState) -> ft.Control:
    t = use_translator()
    use_observable(state)
    stars = thread.rating or state.rating_draft
    comment, set_comment = ft.use_state(thread.rating_comment or "")
    editing, set_editing = ft.use_state(thread.rating is None)

    async def send() -> None:
        if await state.rate(stars, comment):
            set_editing(False)

    def on_comment(e: ft.Event[ft.TextField]) -> None:
        set_comment(e.control.value or "")

    icons = []
    for n in range(1, 6):
        def pick(_: Any, value: int = n) -> None:
            state.pick_rating(value)
        icons.append(IconAction(ft.Icons.STAR if n <= stars else ft.Icons.STAR_BORDER,
                                t.ngettext("{count} star", "{count} stars", n).format(count=t.number(n)), pick,
                                icon_color=ft.Colors.AMBER_800, identifier=f"star-{n}", disabled=not editing))
    controls: list[ft.Control] = [
        ft.Text(t._("This conversation is closed"), weight=ft.FontWeight.W_600),
        ft.Text(t._("How did we do?") if editing else t._("Thank you for your rating!"),
                color=ft.Colors.ON_SURFACE_VARIANT),
        ft.Row(icons, spacing=0, tight=True),
    ]
    if editing:
        controls.append(ft.TextField(label=t._("Comment (optional)"), value=comment, on_change=on_comment,
                                     multiline=True, min_lines=1, max_lines=4, max_length=2000, border_radius=12))
        controls.append(ft.Row([ft.FilledButton(t._("Send rating"), icon=ft.Icons.SEND, height=44, on_click=send,
                                                disabled=not stars or state.busy)]))
    elif thread.rating_comment:
        controls.append(ft.Text(thread.rating_comment, italic=True))
    return ft.Card(semantic_container=False, content=ft.Container(
        padding=theme.M, content=ft.Column(controls, spacing=theme.S, tight=True)))


@ft.component
def Composer(state: ConversationState) -> ft.Control:
    t = use_translator()
    text, set_text = ft.use_state("")
    page = ft.context.page

    async def send(_: Any = None) -> None:
        if await state.send(text):
            set_text("")

    def on_text(e: ft.Event[ft.TextField]) -> None:
        set_text(e.control.value or "")
        if state.error:
            state.clear_error()

    async def attach(_: Any) -> None:
        try:
            files = await ft.FilePicker().pick_files(dialog_title=t._("Choose a photo"), with_data=True,
                                                     file_type=ft.FilePickerFileType.IMAGE, allow_multiple=True,
                                                     cancel_upload_on_window_blur=False)
        except Exception:
            logger.exception("file picker failed")
            page.show_dialog(ft.SnackBar(ft.Text(t._("The photo could not be attached. Please try again."))))
            return
        for file in files or []:
            if file.bytes is not None and not await state.attach(file.name, file.bytes):
                break

    chips: list[ft.Control] = []
    for n, photo in enumerate(state.photos, start=1):
        def remove(_: Any, attachment_id: str = photo.attachment_id) -> None:
            state.remove_photo(attachment_id)
        chips.append(ft.Stack([
            ft.Container(ft.Image(src=photo.data, width=56, height=56, fit=ft.BoxFit.COVER), border_radius=10,
                         clip_behavior=ft.ClipBehavior.ANTI_ALIAS),
            ft.Container(IconAction(ft.Icons.CLOSE, t._("Remove photo {number}").format(number=n), remove,
                                    icon_size=14, style=ft.ButtonStyle(bgcolor=ft.Colors.SURFACE)), right=-8, top=-8),
        ], width=64, height=64, key=photo.attachment_id))
    if state.uploading:
        chips.append(ft.Container(width=56, height=56, alignment=ft.Alignment.CENTER,
                                  content=ft.ProgressRing(width=20, height=20, stroke_width=2)))
    rows: list[ft.Control] = []
    if state.error and state.error != "cache_unavailable":
        rows.append(ft.Text(error_text(state.error, t), color=ft.Colors.ERROR, size=13))
    if chips:
        rows.append(ft.Row(chips, spacing=theme.S))
    rows.append(ft.Row([
        IconAction(ft.Icons.ADD_PHOTO_ALTERNATE_OUTLINED, t._("Attach photo"), attach, identifier="attach",
                   disabled=state.uploading or len(state.photos) >= 3),
        ft.TextField(label=t._("Message"), value=text, on_change=on_text, on_submit=send, multiline=True,
                     min_lines=1, max_lines=5, shift_enter=True, expand=True, border_radius=24, dense=True),
        IconAction(ft.Icons.SEND, t._("Send"), send, identifier="send", disabled=state.busy or state.uploading,
                   icon_color=ft.Colors.PRIMARY),
    ], spacing=theme.XS, vertical_alignment=ft.CrossAxisAlignment.CENTER))
    return ft.Container(
        bgcolor=ft.Colors.SURFACE_CONTAINER_LOW, border=ft.Border.only(top=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
        content=Centered(ft.Column(rows, spacing=theme.XS, tight=True),
                         padding=ft.Padding.only(left=theme.S, right=theme.S, top=theme.S, bottom=theme.S)))


def conversation_view(route: str, title: str, controls: list[ft.Control], bottom: ft.Control | None,
                      top: ft.Control | None = None) -> ft.View:
    """A pushed screen like `DetailView`, but with a list that fills the height and a pinned composer."""
    from views.components.back_button import BackButton
    from views.components.continue_elsewhere import detail_actions

    t_back = use_translator()._("Back")
    column: list[ft.Control] = []
    if top is not None:
        # Pinned above the messages: "Talk to a person" and the queue never scroll out of view.
        column.append(ft.Container(Centered(top, padding=ft.Padding.only(left=theme.M, right=theme.M, top=theme.S,
                                                                         bottom=theme.S)),
                                   border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT))))
    column.append(ft.Container(
        expand=True, content=ft.ListView(controls=[Centered(ft.Column(controls, spacing=12, tight=True,
                                                                      horizontal_alignment=ft.CrossAxisAlignment.STRETCH),
                                                            padding=ft.Padding.all(theme.M))],
                                         auto_scroll=True, expand=True)))
    if bottom is not None:
        column.append(bottom)
    return ft.View(
        route=route, padding=0, bgcolor=ft.Colors.SURFACE,
        appbar=ft.AppBar(leading=BackButton(ROUTE, t_back), automatically_imply_leading=False,
                         title=ft.Text(title, weight=ft.FontWeight.W_600, max_lines=1,
                                       overflow=ft.TextOverflow.ELLIPSIS),
                         actions=detail_actions(), bgcolor=ft.Colors.SURFACE),
        controls=[ft.Column(column, expand=True, spacing=0)],
    )


@ft.component
def ConversationPage(thread_id: str) -> ft.View:
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    sync = use_observable(ctx.session.sync)
    state = use_instance(lambda: ConversationState(thread_id=thread_id))
    use_observable(state)
    route = f"{ROUTE}/{thread_id}"
    page = ft.context.page

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.messaging, account.attachments, account.sync, session.dispatcher)
            await state.refresh()

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)

    thread = state.thread
    if thread is None:
        return MissingDetailView(route, t._("Conversation"), ROUTE, loaded=state.loaded,
                                 missing=t._("This conversation isn't on this device"),
                                 why=t._("It may belong to another account, or it hasn't synced yet."),
                                 back_label=t._("All conversations"))

    controls: list[ft.Control] = []
    if sync.active and sync.connectivity == "offline":
        controls.append(OfflineBanner())
    today = datetime.now(UTC).astimezone(t.timezone).date()
    for day in by_day(state.messages, t.timezone):
        controls.append(DaySeparator(day_label(day.day, t, today)))
        controls.extend(Bubble(m, t) for m in day.messages)
    if not thread.open:
        controls.append(RatingCard(thread, state, key=f"rating-{thread.rating}"))  # type: ignore[call-arg]
        controls.append(ft.Row([ft.OutlinedButton(t._("Start a new conversation"), icon=ft.Icons.ADD_COMMENT_OUTLINED,
                                                  height=44, on_click=lambda: page.navigate(f"{ROUTE}/new"))],
                               alignment=ft.MainAxisAlignment.CENTER))
    elif state.error == ACTION_FAILED:
        controls.append(Notice(t._("That didn't work"), t._("Please try again."), tone="error"))
    status = StatusBar(thread, state, t) if thread.open else None
    return conversation_view(route, thread.subject, controls, Composer(state) if thread.open else None, status)


@ft.component
def ConversationView() -> ft.View:
    thread_id = ft.use_route_params().get("id", "")
    return ConversationPage(thread_id, key=thread_id)  # type: ignore[call-arg]


def _params(route: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(route).query).items() if v and v[0]}


def context_intro(params: dict[str, str], order_number: str | None, t: Translator) -> str | None:
    topic = params.get("topic")
    if topic == RETURN_FLOW:
        return t._("About your return")
    if topic == PARCEL_DELAYED:
        return t._("About your late parcel")
    if topic == PICKUP_WAITING:
        return t._("About your pickup")
    if order_number:
        return t._("About order {number}").format(number=order_number)
    if params.get("article"):
        return t._("About the help article you just read")
    if params.get("q"):
        return t._("About your search: “{query}”").format(query=params["q"])
    return None


@ft.component
def NewConversationView() -> ft.View:
    ctx = use_app()
    t = use_translator()
    session = use_observable(ctx.session)
    state = use_instance(ConversationsState)
    use_observable(state)
    params = _params(ft.context.page.route or "")
    text, set_text = ft.use_state("")
    page = ft.context.page
    order_id = params.get("order")
    order_number = next((o.number for o in session.orders.orders if o.id == order_id), None) if order_id else None

    async def mount() -> None:
        account = session.account
        if account is not None:
            state.bind(account.messaging, account.sync, session.dispatcher)

    ft.use_effect(mount, dependencies=[], cleanup=state.unbind)

    async def start(_: Any = None) -> None:
        subject = context_intro(params, order_number, t) or ""
        context = {"article": params.get("article", ""), "query": params.get("q", ""),
                   "topic": params.get("topic", "")}
        thread_id = await state.start(subject, text, order_id=order_id or None, context=context)
        if thread_id:
            page.navigate(f"{ROUTE}/{thread_id}")

    def on_text(e: ft.Event[ft.TextField]) -> None:
        set_text(e.control.value or "")

    intro = context_intro(params, order_number, t)
    body: list[ft.Control] = [
        ft.Text(t._("Our assistant answers right away, day and night. If it can't help, a person from our team "
                    "takes over; you'll find the conversation under Help on all your devices."),
                color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    if intro:
        body.append(Notice(intro, t._("We'll attach this so you don't have to explain it again."), tone="info",
                           icon=ft.Icons.LINK, identifier="new-context"))
    body.append(ft.TextField(label=t._("Your question"), value=text, on_change=on_text, multiline=True, min_lines=3,
                             max_lines=8, max_length=MAX_BODY, autofocus=True, border_radius=12))
    if state.error:
        body.append(ft.Text(error_text(state.error, t), color=ft.Colors.ERROR, size=13))
    body.append(ft.Row([ft.FilledButton(t._("Send question"), icon=ft.Icons.SEND, height=48, on_click=start)]))
    return DetailView(f"{ROUTE}/new", t._("New conversation"), ROUTE, body)
