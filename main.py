"""nahtlos: run the app. Composition root only.

    uv run main.py                              embedded server + demo data, shopper app
    uv run main.py --web --port 8550            force the web app (printed URL)
    uv run main.py --api https://api.example    use a remote server
    uv run main.py --mode kiosk --store BER-01  kiosk | staff | agent faces
"""

import argparse
import logging
import os
import sys

import flet as ft

from app.bootstrap import build_context
from app.config import Settings
from app.context import MODES
from app.flet_transport import quiet_message_repr
from app.i18n import Translators, compile_catalogs


def parse_args(argv: list[str]) -> Settings:
    parser = argparse.ArgumentParser(prog="main.py", description="nahtlos customer self-service app")
    parser.add_argument("--api", help="API base URL; without it an embedded server with demo data starts")
    parser.add_argument("--mode", choices=MODES, help="which face: shopper (default), kiosk, staff, agent")
    parser.add_argument("--store", help="store id for kiosk/staff, e.g. BER-01")
    parser.add_argument("--web", action="store_true", help="serve the web app even where a desktop window could open")
    parser.add_argument("--host", help="web app host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="web app port (default 8550)")
    parser.add_argument("--data-dir", help="where caches and the embedded server's database live")
    parser.add_argument("--locale", choices=["de", "en"], help="initial language")
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in {"api_url": args.api, "mode": args.mode, "store": args.store,
                                   "host": args.host, "port": args.port, "data_dir": args.data_dir,
                                   "locale": args.locale}.items() if v is not None}
    if args.web:
        overrides["web"] = True
    return Settings(**overrides)


def wants_web(settings: Settings) -> bool:
    """Web mode when asked for, or where no desktop window can open (no display)."""
    no_display = sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get(
        "WAYLAND_DISPLAY")
    return settings.web or no_display


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    quiet_message_repr()  # Flet formats every screen for its transport log, even while it is off
    settings = parse_args(sys.argv[1:] if argv is None else argv)
    compile_catalogs(settings.locales_dir)
    if settings.api_url is None:
        from app.embedded import start_or_join_embedded_server

        settings.api_url = start_or_join_embedded_server(settings.data_dir)
        print(f"Embedded API with demo data: {settings.api_url}", flush=True)
    translators = Translators(settings.locales_dir)

    async def session_main(page: ft.Page) -> None:
        from views.shell import mount

        ctx = await build_context(settings, translators, page)
        mount(page, ctx)

    web = wants_web(settings)
    if web:
        os.environ["FLET_FORCE_WEB_SERVER"] = "1"
        os.environ.setdefault("FLET_WEB_NO_CDN", "1")  # the web client must work offline
        print(f"nahtlos ({settings.mode}) on http://{settings.host}:{settings.port}", flush=True)
    ft.run(session_main, host=settings.host if web else None, port=settings.port if web else 0,
           view=ft.AppView.WEB_BROWSER if web else ft.AppView.FLET_APP, no_cdn=True,
           assets_dir=str(settings.locales_dir.parent / "assets"))


if __name__ == "__main__":
    main()
