"""The shopper's conversations: the list (unread counts, last message) and one open thread
(day separators, message states, "Talk to a person", queue, composer with photos, rating).

States per screen, like `OrderDetailState`: the view creates one, binds it to the signed-in
account on mount and unbinds it when it goes away. Everything reads the cache, so the screens
open offline; a reply that reaches the cache (SSE poke, pull) re-reads them at once.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.entities import ThreadStatus
from app.protocol.sync import Entity
from app.state.cache_follower import ACTION_FAILED, CacheFollower
from app.state.dispatch import UiDispatcher
from app.state.photos import OFFLINE as PHOTO_OFFLINE
from app.state.photos import TOO_MANY_PHOTOS, Photo, upload_photo

if TYPE_CHECKING:
    from services.attachments import AttachmentsService
    from services.messaging import MessagingService
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

_WATCHED = frozenset({Entity.THREAD.value, Entity.MESSAGE.value, "*"})
MAX_BODY = 4000
MAX_PHOTOS = 3
# Errors the states set (views translate them).
EMPTY_MESSAGE = "empty_message"
TOO_LONG = "too_long"
OFFLINE = PHOTO_OFFLINE  # the conversation view explains this upload failure, importing it from here

_LINK_LINE = re.compile(r"^(?P<label>.+?):\s+(?P<route>/(?:help/articles|orders)/[\w-]+)$")
_BULLET = re.compile(r"^[•\-]\s*")


def parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Segment:
    """One line of a message: plain text, or an in-app link (an article the bot cites, an order)."""

    text: str
    route: str | None = None


def segments(body: str) -> tuple[Segment, ...]:
    """Split a message into lines; "• Title: /help/articles/slug" becomes a link labelled "Title"."""
    out: list[Segment] = []
    for line in body.split("\n"):
        match = _LINK_LINE.match(line.strip())
        if match:
            out.append(Segment(_BULLET.sub("", match.group("label")).strip(), match.group("route")))
        else:
            out.append(Segment(line))
    return tuple(out)


@dataclass(frozen=True)
class ThreadView:
    id: str
    subject: str
    status: str
    preview: str | None
    updated_at: datetime
    unread: int
    pending: bool
    order_id: str | None = None
    queue_position: int | None = None
    expected_wait_minutes: int | None = None
    agent_name: str | None = None
    rating: int | None = None
    rating_comment: str | None = None
    context: Mapping[str, str] | None = None

    @property
    def open(self) -> bool:
        return self.status != ThreadStatus.CLOSED

    @property
    def with_bot(self) -> bool:
        return self.status == ThreadStatus.BOT

    @property
    def waiting(self) -> bool:
        return self.status == ThreadStatus.WAITING_FOR_AGENT


def thread_view(row: Mapping[str, Any]) -> ThreadView:
    return ThreadView(
        id=row["id"], subject=row.get("subject") or "", status=row.get("status") or ThreadStatus.BOT.value,
        preview=row.get("last_message_preview"), updated_at=parse_instant(row.get("updated_at")) or datetime.now(UTC),
        unread=int(row.get("unread_for_customer") or 0), pending=bool(row.get("_pending")),
        order_id=row.get("order_id"), queue_position=row.get("queue_position"),
        expected_wait_minutes=row.get("expected_wait_minutes"), agent_name=row.get("agent_name"),
        rating=row.get("rating"), rating_comment=row.get("rating_comment"), context=row.get("context"))


@dataclass(frozen=True)
class MessageView:
    id: str
    sender: str  # customer | bot | agent | system
    sender_name: str | None
    body: str
    sent_at: datetime
    state: str | None  # pending | sent | read on the shopper's own messages
    attachment_ids: tuple[str, ...] = ()

    @property
    def mine(self) -> bool:
        return self.sender == "customer"

    @property
    def lines(self) -> tuple[Segment, ...]:
        return segments(self.body)


def message_view(row: Mapping[str, Any]) -> MessageView:
    return MessageView(id=row["id"], sender=row.get("sender") or "system", sender_name=row.get("sender_name"),
                       body=row.get("body") or "", sent_at=parse_instant(row.get("sent_at")) or datetime.now(UTC),
                       state=row.get("state"), attachment_ids=tuple(row.get("attachment_ids") or ()))


@dataclass(frozen=True)
class Day:
    day: date
    messages: tuple[MessageView, ...]


def by_day(messages: Sequence[MessageView], zone: tzinfo) -> list[Day]:
    """Day separators: consecutive messages grouped by their local calendar day (order kept)."""
    days: list[Day] = []
    for message in messages:
        local = message.sent_at.astimezone(zone).date()
        if days and days[-1].day == local:
            days[-1] = Day(local, (*days[-1].messages, message))
        else:
            days.append(Day(local, (message,)))
    return days


@ft.observable
@dataclass(eq=False)
class ConversationsState(CacheFollower["MessagingService", "list[dict[str, Any]]"]):
    """The list of the shopper's threads, most recently active first.

    Attributes:
        threads: every thread (open and closed) from the cache, queued ones marked `pending`.
        unread: the sum of unread replies.
    """

    threads: list[ThreadView] = field(default_factory=list)
    unread: int = 0
    loaded: bool = False

    def bind(self, service: MessagingService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        self._follow(service, engine, dispatcher, _WATCHED)

    async def start(self, subject: str, body: str, *, order_id: str | None = None,
                    context: Mapping[str, str] | None = None) -> str | None:
        """User action: start a conversation (queued; the bot answers once it reaches the server)."""
        service = self._service
        text = body.strip()
        if service is None:
            return None
        if not text:
            self.error = EMPTY_MESSAGE
            return None
        if len(text) > MAX_BODY:
            self.error = TOO_LONG
            return None
        title = (subject.strip() or text.split("\n", 1)[0])[:120]
        try:
            thread_id = await asyncio.to_thread(
                lambda: service.create_thread(title, body=text, order_id=order_id,
                                              context={k: v for k, v in (context or {}).items() if v} or None))
        except Exception:
            logger.exception("starting a conversation failed")
            self.error = ACTION_FAILED
            return None
        self.error = None
        await self._refresh_for(service)
        return thread_id

    def _read(self, service: MessagingService) -> list[dict[str, Any]]:
        return service.threads()

    def _show(self, service: MessagingService, snapshot: list[dict[str, Any]]) -> None:
        self.threads = [thread_view(r) for r in snapshot]
        self.unread = sum(t.unread for t in self.threads)
        self.loaded = True


# One thread as the cache holds it: its row (None: not on this device) and its messages.
_Thread = tuple[dict[str, Any] | None, list[dict[str, Any]]]


@ft.observable
@dataclass(eq=False)
class ConversationState(CacheFollower["MessagingService", "_Thread"]):
    """One open thread: its messages, the composer and the actions around it.

    While the screen is open, every reply that reaches the cache is marked read (a receipt is
    queued only when something new arrived).
    """

    thread_id: str
    thread: ThreadView | None = None
    messages: list[MessageView] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    loaded: bool = False
    uploading: bool = False
    # The stars picked on the rating card before sending: kept here, not in the card, because the
    # card is rebuilt whenever the thread refreshes (a read receipt, a poke) and would forget them.
    rating_draft: int = 0

    _attachments: AttachmentsService | None = field(default=None, repr=False)

    def bind(self, service: MessagingService, attachments: AttachmentsService | None, engine: SyncEngine,
             dispatcher: UiDispatcher) -> None:
        self._follow(service, engine, dispatcher, _WATCHED)
        self._attachments = attachments

    def unbind(self) -> None:
        super().unbind()
        self._attachments = None

    # -- user actions ------------------------------------------------------------------------------
    async def send(self, body: str) -> bool:
        """Queue the message (with the attached photos); shown at once as pending."""
        service = self._service
        text = body.strip()
        if service is None or self.busy or self.thread is None or not self.thread.open:
            return False
        if not text:
            self.error = EMPTY_MESSAGE
            return False
        if len(text) > MAX_BODY:
            self.error = TOO_LONG
            return False
        photos = [p.attachment_id for p in self.photos]
        ok = await self._act(service, lambda: service.send(self.thread_id, text, photos))
        if ok:
            self.photos = []
        return ok

    async def request_human(self) -> bool:
        """User action: "Talk to a person". The bot stops answering in this thread for good."""
        service = self._service
        if service is None or self.thread is None or not self.thread.with_bot:
            return False
        return await self._act(service, lambda: service.request_human(self.thread_id))

    async def close(self) -> bool:
        service = self._service
        if service is None or self.thread is None or not self.thread.open:
            return False
        return await self._act(service, lambda: service.close(self.thread_id))

    def pick_rating(self, stars: int) -> None:
        """User action: tap a star (1-5) on the rating card of a closed thread."""
        if 1 <= stars <= 5:
            self.rating_draft = stars

    async def rate(self, rating: int, comment: str = "") -> bool:
        service = self._service
        if service is None or self.thread is None or self.thread.open or not 1 <= rating <= 5:
            return False
        return await self._act(service, lambda: service.rate(self.thread_id, rating, comment.strip()[:2000] or None))

    async def attach(self, name: str, data: bytes) -> bool:
        """Upload a photo now (it needs the network); it goes with the next message."""
        attachments = self._attachments
        if attachments is None:
            return False
        if len(self.photos) >= MAX_PHOTOS:
            self.error = TOO_MANY_PHOTOS
            return False
        self.uploading = True
        self.error = None
        try:
            photo = await upload_photo(attachments, name, data)
        finally:
            self.uploading = False
        if isinstance(photo, str):
            self.error = photo
            return False
        self.photos = [*self.photos, photo]
        return True

    def remove_photo(self, attachment_id: str) -> None:
        self.photos = [p for p in self.photos if p.attachment_id != attachment_id]

    def clear_error(self) -> None:
        self.error = None

    # -- internals ---------------------------------------------------------------------------------
    def _read(self, service: MessagingService) -> _Thread:
        row, rows = service.thread(self.thread_id), service.messages(self.thread_id)
        if row is not None and row.get("unread_for_customer"):
            # The shopper is looking at it: the replies are read (on every device).
            service.mark_read(self.thread_id)
            row = service.thread(self.thread_id)
        return row, rows

    def _show(self, service: MessagingService, snapshot: _Thread) -> None:
        row, rows = snapshot
        self.thread = thread_view(row) if row is not None else None
        self.messages = [message_view(r) for r in rows]
        self.loaded = True
