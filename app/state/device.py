"""The identity of this device (browser, phone, kiosk), kept in the client's storage."""

from __future__ import annotations

import logging
import uuid

import flet as ft

logger = logging.getLogger(__name__)

DEVICE_ID_KEY = "nahtlos.device_id"


async def load_device_id(prefs: ft.SharedPreferences | None = None) -> str:
    """Return this device's id, creating and storing a random one on first use.

    Must run inside a Flet session (``SharedPreferences`` is a per-session service).
    In web mode the id lives in the browser's storage, so each browser is its own device
    with its own saved session and outbox.
    """
    prefs = prefs or ft.SharedPreferences()
    try:
        stored = await prefs.get(DEVICE_ID_KEY)
        if isinstance(stored, str) and stored:
            return stored
        device_id = uuid.uuid4().hex
        await prefs.set(DEVICE_ID_KEY, device_id)
        return device_id
    except Exception:
        # Storage refused (private mode, old WebView): work as a one-time device rather
        # than show "Error running app"; the user just has to sign in again next time.
        logger.warning("device storage unavailable; using a temporary device id", exc_info=True)
        return uuid.uuid4().hex
