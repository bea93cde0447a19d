"""`build_context`: the only place that constructs services and state, once per Flet session."""

import dataclasses

import flet as ft

from app.config import Settings
from app.context import AppContext
from app.i18n import Translators
from app.state.device import load_device_id
from app.state.kiosk import KioskState
from services.api_client import make_stream_client
from services.client import ClientCore
from services.kiosk import KioskDevice


async def build_context(settings: Settings, translators: Translators, page: ft.Page) -> AppContext:
    """Wire one session: its device id (from the browser's storage), client core and state."""
    if settings.api_url is None:
        raise RuntimeError("no API URL: main.py starts the embedded server before the app")
    device_id = await load_device_id()
    locale = settings.locale or (page.locale_configuration.current_locale.language_code
                                 if page.locale_configuration and page.locale_configuration.current_locale else None)
    client = ClientCore(settings.api_url, settings.data_dir, device_id, locale=locale or "de")
    ctx = AppContext.create(settings.mode, client, translators, locale=locale)
    if settings.mode == "kiosk":
        ctx = dataclasses.replace(ctx, kiosk=build_kiosk(settings, client, ctx))
    return ctx


def build_kiosk(settings: Settings, client: ClientCore, ctx: AppContext) -> KioskState:
    """The kiosk face: the store's kiosk device (its own folder, signed in on start) and its state."""
    device = KioskDevice(client.http, client.device_dir / "kiosk", settings.kiosk_email, settings.kiosk_password,
                         locale=ctx.session.locale, stream_http=make_stream_client(client.api_url))
    return KioskState(device=device, dispatcher=ctx.session.dispatcher, idle_timeout_s=settings.kiosk_idle_s,
                      warn_s=settings.kiosk_warn_s)
