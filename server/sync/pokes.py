"""In-process fan-out of pokes to SSE listeners.

Pushes run in FastAPI's thread pool, listeners are asyncio queues on the server loop, so
`publish` hops onto the loop with `call_soon_threadsafe`. A poke carries no data: it only
tells a client which scopes to pull. A full queue drops the poke: the listener pulls on
its next poke or reconnect anyway.
"""

import asyncio
import threading
from collections.abc import Iterable

from app.protocol.sync import Poke


class PokeHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[asyncio.Queue[Poke], tuple[asyncio.AbstractEventLoop, frozenset[str]]] = {}

    def subscribe(self, scopes: Iterable[str]) -> asyncio.Queue[Poke]:
        queue: asyncio.Queue[Poke] = asyncio.Queue(maxsize=64)
        with self._lock:
            self._listeners[queue] = (asyncio.get_running_loop(), frozenset(scopes))
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Poke]) -> None:
        with self._lock:
            self._listeners.pop(queue, None)

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    def publish(self, scopes: Iterable[str], seq: int) -> None:
        """A commit touched these scopes (server.sync.cluster_pokes also tells other processes)."""
        self.deliver(scopes, seq)

    def deliver(self, scopes: Iterable[str], seq: int) -> None:
        """Poke this process's listeners of the touched scopes ("*" pokes every listener)."""
        touched = frozenset(scopes)
        everyone = "*" in touched
        with self._lock:
            targets = [(q, loop, wanted if everyone else wanted & touched)
                       for q, (loop, wanted) in self._listeners.items() if everyone or wanted & touched]
        for queue, loop, hit in targets:
            poke = Poke(scopes=sorted(hit), seq=seq)
            try:
                loop.call_soon_threadsafe(_offer, queue, poke)
            except RuntimeError:  # loop closed: the listener is gone
                self.unsubscribe(queue)


def _offer(queue: asyncio.Queue[Poke], poke: Poke) -> None:
    if not queue.full():
        queue.put_nowait(poke)
