"""The support desk (`--mode agent`): the queue of conversations that asked for a person (oldest
first), the agent's own ones, one open conversation with the shopper's context, and the actions
take, reply and close. Read from the agent's cache, so the desk renders offline; replies queue.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.entities import ThreadStatus
from app.protocol.sync import Entity
from app.state.cache_follower import CacheFollower
from app.state.conversations import MAX_BODY, MessageView, message_view, parse_instant
from app.state.dispatch import UiDispatcher

if TYPE_CHECKING:
    from services.agent_desk import AgentDeskService
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

_WATCHED = frozenset({Entity.THREAD.value, Entity.MESSAGE.value, Entity.CUSTOMER_CONTEXT.value, "*"})
EMPTY_MESSAGE = "empty_message"
TOO_LONG = "too_long"


@dataclass(frozen=True)
class DeskThread:
    id: str
    subject: str
    status: str
    customer_id: str
    customer_name: str
    preview: str | None
    requested_at: datetime | None
    updated_at: datetime
    unread: int
    mine: bool
    pending: bool
    order_id: str | None = None
    context: Mapping[str, str] | None = None
    rating: int | None = None

    @property
    def waiting(self) -> bool:
        return self.status == ThreadStatus.WAITING_FOR_AGENT

    @property
    def closed(self) -> bool:
        return self.status == ThreadStatus.CLOSED


def desk_thread(row: Mapping[str, Any], agent_id: str, names: Mapping[str, str]) -> DeskThread:
    unread = max(0, int(row.get("last_position") or 0) - int(row.get("agent_read_seq") or 0))
    return DeskThread(
        id=row["id"], subject=row.get("subject") or "", status=row.get("status") or "",
        customer_id=str(row.get("customer_id") or ""), customer_name=names.get(str(row.get("customer_id")), ""),
        preview=row.get("last_message_preview"), requested_at=parse_instant(row.get("human_requested_at")),
        updated_at=parse_instant(row.get("updated_at")) or datetime.now(UTC), unread=unread,
        mine=str(row.get("agent_id") or "") == agent_id, pending=bool(row.get("_pending")),
        order_id=row.get("order_id"), context=row.get("context"), rating=row.get("rating"))


# One read of the desk: the selected id it was read for, queue, mine, closed, and the selected
# conversation's messages and shopper context.
_Desk = tuple[str | None, list[DeskThread], list[DeskThread], list[DeskThread], list[MessageView], dict[str, Any] | None]


@ft.observable
@dataclass(eq=False)
class AgentDeskState(CacheFollower["AgentDeskService", "_Desk"]):
    """Observable desk of the signed-in agent.

    Attributes:
        queue: conversations waiting for a person, oldest request first.
        mine: conversations this agent looks after, newest activity first.
        closed: closed conversations, most recently closed first (history).
        selected: the conversation on screen; `messages` and `context` belong to it.
    """

    queue: list[DeskThread] = field(default_factory=list)
    mine: list[DeskThread] = field(default_factory=list)
    closed: list[DeskThread] = field(default_factory=list)
    selected: DeskThread | None = None
    messages: list[MessageView] = field(default_factory=list)
    context: dict[str, Any] | None = None
    loaded: bool = False

    _selected_id: str | None = field(default=None, repr=False)

    def bind(self, service: AgentDeskService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        self._follow(service, engine, dispatcher, _WATCHED)

    # -- user actions ------------------------------------------------------------------------------
    async def select(self, thread_id: str | None) -> None:
        self._selected_id = thread_id
        await self.refresh()

    async def take(self) -> bool:
        service, thread = self._service, self.selected
        if service is None or thread is None or not thread.waiting:
            return False
        return await self._act(service, lambda: service.take(thread.id))

    async def reply(self, body: str) -> bool:
        service, thread = self._service, self.selected
        text = body.strip()
        if service is None or thread is None or thread.closed or self.busy:
            return False
        if not text:
            self.error = EMPTY_MESSAGE
            return False
        if len(text) > MAX_BODY:
            self.error = TOO_LONG
            return False
        return await self._act(service, lambda: service.reply(thread.id, text))

    async def close(self) -> bool:
        service, thread = self._service, self.selected
        if service is None or thread is None or thread.closed:
            return False
        return await self._act(service, lambda: service.close(thread.id))

    # -- internals ---------------------------------------------------------------------------------
    def _read(self, service: AgentDeskService) -> _Desk:
        selected_id = self._selected_id
        return selected_id, *_read_desk(service, selected_id)

    def _show(self, service: AgentDeskService, snapshot: _Desk) -> None:
        selected_id, queue, mine, closed, messages, context = snapshot
        self.queue, self.mine, self.closed = queue, mine, closed
        every = {t.id: t for t in [*queue, *mine, *closed]}
        self.selected = every.get(selected_id) if selected_id else None
        self.messages = messages if self.selected else []
        self.context = context if self.selected else None
        self.loaded = True


def _read_desk(service: AgentDeskService, selected_id: str | None) -> tuple[
        list[DeskThread], list[DeskThread], list[DeskThread], list[MessageView], dict[str, Any] | None]:
    desk = service.desk()
    rows = [*desk.queue, *desk.mine, *desk.closed]
    names = {}
    for row in rows:
        customer_id = str(row.get("customer_id"))
        if customer_id not in names:
            context = service.context(customer_id)
            names[customer_id] = str(context.get("name", "")) if context else ""
    messages: list[MessageView] = []
    context = None
    if selected_id is not None:
        selected = next((r for r in rows if r["id"] == selected_id), None)
        if selected is not None:
            if selected.get("agent_id") and str(selected.get("agent_id")) == service.agent_id:
                service.mark_read(selected_id)  # the agent is looking at it
            messages = [message_view(m) for m in service.messages(selected_id)]
            context = service.context(str(selected.get("customer_id")))
    agent = service.agent_id
    return ([desk_thread(r, agent, names) for r in desk.queue], [desk_thread(r, agent, names) for r in desk.mine],
            [desk_thread(r, agent, names) for r in desk.closed], messages, context)
