"""The support desk (`--mode agent`): the queue of conversations that asked for a person (oldest
first), the agent's own ones, one open conversation with the shopper's context, and the actions
take, reply and close. Read from the agent's cache, so the desk renders offline; replies queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.entities import ThreadStatus
from app.protocol.sync import Entity
from app.state.coalesce import Coalesced
from app.state.conversations import MAX_BODY, MessageView, message_view, parse_instant
from app.state.dispatch import UiDispatcher, watch_entities

if TYPE_CHECKING:
    from services.agent_desk import AgentDeskService
    from services.sync import SyncEngine

logger = logging.getLogger(__name__)

_WATCHED = frozenset({Entity.THREAD.value, Entity.MESSAGE.value, Entity.CUSTOMER_CONTEXT.value, "*"})
ACTION_FAILED = "action_failed"
EMPTY_MESSAGE = "empty_message"
TOO_LONG = "too_long"
CACHE_UNAVAILABLE = "cache_unavailable"


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


@ft.observable
@dataclass(eq=False)
class AgentDeskState:
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
    busy: bool = False
    error: str | None = None

    _service: AgentDeskService | None = field(default=None, repr=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)
    _reads: Coalesced = field(default_factory=Coalesced, repr=False)
    _selected_id: str | None = field(default=None, repr=False)

    def bind(self, service: AgentDeskService, engine: SyncEngine, dispatcher: UiDispatcher) -> None:
        self.unbind()
        self._service = service

        self._unsubscribe = watch_entities(engine, dispatcher, _WATCHED, self._refresh_for, service)

    def unbind(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._unsubscribe = None
        self._service = None

    async def refresh(self) -> None:
        if self._service is not None:
            await self._refresh_for(self._service)

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
    async def _act(self, service: AgentDeskService, write: Callable[[], object]) -> bool:
        self.busy = True
        self.error = None
        try:
            await asyncio.to_thread(write)
        except Exception:
            logger.exception("queueing a desk action failed")
            self.error = ACTION_FAILED
            return False
        finally:
            self.busy = False
        await self._refresh_for(service)
        return True

    async def _refresh_for(self, service: AgentDeskService) -> None:
        async def read() -> None:
            if self._service is not service:
                return
            selected_id = self._selected_id
            try:
                snapshot = await asyncio.to_thread(_read, service, selected_id)
            except Exception:
                logger.exception("reading the desk from the cache failed")
                if self._service is service:
                    self.error = CACHE_UNAVAILABLE
                return
            if self._service is not service:
                return
            queue, mine, closed, messages, context = snapshot
            self.queue, self.mine, self.closed = queue, mine, closed
            every = {t.id: t for t in [*queue, *mine, *closed]}
            self.selected = every.get(selected_id) if selected_id else None
            self.messages = messages if self.selected else []
            self.context = context if self.selected else None
            self.loaded = True
            if self.error == CACHE_UNAVAILABLE:
                self.error = None

        await self._reads.run(read)


def _read(service: AgentDeskService, selected_id: str | None) -> tuple[
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
