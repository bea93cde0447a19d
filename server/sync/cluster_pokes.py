"""Pokes across server processes that share one PostgreSQL database: LISTEN/NOTIFY.

Each process keeps its own `PokeHub` for the SSE listeners connected to it. On PostgreSQL a
publish also sends `NOTIFY nahtlos_poke` with the scopes, the seq and this process's origin id;
every process LISTENs on one dedicated connection (a daemon thread) and hands pokes from the
*other* processes to its hub. A push publishes only after its commit, so a client poked through
another process pulls data that is already there.

Like a local poke, a cross-process poke is a hint: if the listening connection drops, the
thread reconnects (pokes sent meanwhile are lost) and clients still pull on their timers and
reconnects. The channel is per database, so test databases on one cluster never hear each other.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterable

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from server.sync.pokes import PokeHub

log = logging.getLogger("nahtlos.pokes")

CHANNEL = "nahtlos_poke"
RECONNECT_S = 1.0
# NOTIFY payloads are limited to 8000 bytes; a push touching more scopes than fit pokes "*".
MAX_PAYLOAD = 7000


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq understands it (no `+psycopg` driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ClusterPokeHub(PokeHub):
    """A PokeHub that also reaches the listeners of the other server processes."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.origin = uuid.uuid4().hex
        self._engine = engine
        self._url = libpq_url(engine.url.render_as_string(hide_password=False))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()

    # -- sending --------------------------------------------------------------------------------
    def publish(self, scopes: Iterable[str], seq: int) -> None:
        touched = sorted(set(scopes))
        self.deliver(touched, seq)
        payload = json.dumps({"o": self.origin, "s": touched, "q": seq}, separators=(",", ":"))
        if len(payload) > MAX_PAYLOAD:
            payload = json.dumps({"o": self.origin, "s": ["*"], "q": seq}, separators=(",", ":"))
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})
                conn.commit()
        except Exception:  # a lost poke costs a client one timer interval, never data
            log.warning("could not notify the other server processes", exc_info=True)

    # -- receiving ------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._listen_forever, name="poke-listener", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=5)

    def wait_listening(self, timeout: float = 10.0) -> bool:
        """True once the LISTEN is in place (tests wait for it before poking from elsewhere)."""
        return self._listening.wait(timeout)

    def _listen_forever(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._received(note.payload)
            except Exception:
                self._listening.clear()
                if not self._stop.is_set():
                    log.warning("poke listener lost its connection; reconnecting", exc_info=True)
                    self._stop.wait(RECONNECT_S)

    def _received(self, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message["o"] == self.origin:
                return  # our own poke: delivered locally already
            scopes, seq = list(message["s"]), int(message["q"])
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed poke notification: %.200s", payload)
            return
        self.deliver(scopes, seq)
