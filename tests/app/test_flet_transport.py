"""app.flet_transport: Flet's transport log stops formatting whole screens while it is off."""

import logging
from collections.abc import Iterator

import flet as ft
import pytest
from flet.messaging.protocol import Message, MessageAction

from app.flet_transport import TRANSPORT_LOG, quiet_message_repr


@pytest.fixture(autouse=True)
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """Flet's Message repr and the transport log's level as they were before the test."""
    monkeypatch.setattr(Message, "__repr__", Message.__repr__)
    log = logging.getLogger(TRANSPORT_LOG)
    level = log.level
    yield log
    log.setLevel(level)  # setLevel, not the attribute: the logger caches isEnabledFor answers


@pytest.fixture
def message() -> Message:
    # What a screen change sends: a patch holding a few hundred controls.
    screen = ft.Column([ft.Row([ft.Text(f"Bestellung NA-{n}"), ft.Icon(ft.Icons.CHEVRON_RIGHT)]) for n in range(300)])
    return Message(action=MessageAction.PATCH_CONTROL, body={"id": 1, "patch": screen})


def test_with_the_transport_log_off_a_message_is_formatted_without_its_controls(
        message: Message, restored: logging.Logger) -> None:
    restored.setLevel(logging.WARNING)
    assert "Bestellung NA-299" in f"{message}"  # Flet's own repr walks the whole screen

    quiet_message_repr()

    assert f"{message}" == f"Message(action={MessageAction.PATCH_CONTROL!r})"


def test_with_the_transport_log_at_debug_messages_keep_their_full_repr(
        message: Message, restored: logging.Logger) -> None:
    restored.setLevel(logging.DEBUG)

    quiet_message_repr()

    assert "Bestellung NA-299" in f"{message}"
