"""A workaround for Flet 1.0.5's web transport, which formats every message it sends for a debug
log even while that log is off: `transport_log.debug(f"send_message: {message}")` in
flet_web/fastapi/flet_app.py runs the dataclass repr of the whole message, i.e. of every control a
screen change sends. `bench.ui_start --profile` found 22% of the app's CPU there during tab taps.

`quiet_message_repr()` gives Flet's `Message` a short repr while the `flet_transport` log is off,
so that f-string costs next to nothing; with the log at DEBUG the full repr stays. Drop this once
Flet passes the message to the logger instead of formatting it first.
"""

import logging

from flet.messaging.protocol import Message

TRANSPORT_LOG = "flet_transport"


def _short_repr(self: Message) -> str:
    return f"Message(action={self.action!r})"


def quiet_message_repr() -> None:
    if logging.getLogger(TRANSPORT_LOG).isEnabledFor(logging.DEBUG):
        return  # someone is reading the transport log: keep every message in it
    Message.__repr__ = _short_repr  # type: ignore[method-assign, assignment]
