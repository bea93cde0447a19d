"""`build_context`: the only place that constructs services and state, once per Flet session."""

import flet as ft

from app.config import Settings
from app.context import AppContext
from app.i18n import Translators
from app.state.device import load_device_id
from services.client import ClientCore


async def build_context(settings: Settings, translators: Translators, page: ft.Page) -> AppContext:
    """Wire one session: its device id (from the browser's storage), client core and state."""
    if settings.api_url is None:
        raise RuntimeError("no API URL: main.py starts the embedded server before the app")
    device_id = await load_device_id()
    locale = settings.locale or (page.locale_configuration.current_locale.language_code
                                 if page.locale_configuration and page.locale_configuration.current_locale else None)
    client = ClientCore(settings.api_url, settings.data_dir, device_id, locale=locale or "de")
    return AppContext.create(settings.mode, client, translators, locale=locale)
