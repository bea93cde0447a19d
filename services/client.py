"""The client core of one device: sign in, restore, and the signed-in account's services.

Each device (a browser session in web mode) has its own folder; each signed-in account
has its own cache file in it, removed on sign-out. Tokens live beside the cache so a
reload keeps the user signed in.
"""

import json
import os
import shutil
from pathlib import Path

import httpx

from app.protocol.auth import TokenResponse, UserPublic
from app.protocol.orders import GuestOrderView
from services.account import AccountService
from services.agent_desk import AgentDeskService
from services.api_client import ApiClient, make_http_client, make_stream_client
from services.attachments import AttachmentsService
from services.faq import FaqService
from services.loyalty import LoyaltyService
from services.messaging import MessagingService
from services.notifications import NotificationsService
from services.orders import OrdersService
from services.pickups import PickupService
from services.proactive_help import ProactiveHelpService
from services.profile import ProfileService
from services.returns import ReturnsService
from services.storage.engine import open_cache, remove_cache
from services.sync import SyncEngine


class AccountSession:
    def __init__(self, core: "ClientCore", api: ApiClient, user: UserPublic,
                 stream_http: httpx.Client | None) -> None:
        self.core = core
        self.api = api
        self.user = user
        self.cache_path = core.device_dir / f"account-{user.id}.sqlite"
        self.engine = open_cache(self.cache_path)
        self.sync = SyncEngine(api, self.engine, stream_http=stream_http)
        self.orders = OrdersService(self.sync)
        self.profile = ProfileService(self.sync)
        self.messaging = MessagingService(self.sync)
        self.agent_desk = AgentDeskService(self.sync, str(user.id), user.name)
        self.proactive_help = ProactiveHelpService(self.sync)
        self.faq = FaqService(self.sync)
        self.returns = ReturnsService(self.sync)
        self.photo_dir = core.device_dir / f"photos-{user.id}"
        self.attachments = AttachmentsService(api, self.photo_dir)
        self.loyalty = LoyaltyService(self.sync, api)
        self.pickups = PickupService(self.sync, api)
        self.notifications = NotificationsService(self.sync)
        self.account = AccountService(self.sync, api, self.cache_path, forget_account=self.sign_out)

    def close(self) -> None:
        """Stop syncing and release the cache; the account stays signed in on this device."""
        self.sync.stop()
        self.engine.dispose()

    def sign_out(self) -> None:
        """Stop syncing, tell the server (best effort), delete this account's cache and tokens."""
        self.sync.stop()
        self.api.logout()
        self.engine.dispose()
        remove_cache(self.cache_path)
        shutil.rmtree(self.photo_dir, ignore_errors=True)
        self.core.forget_tokens()


class ClientCore:
    def __init__(self, api_url: str, data_dir: Path, device_id: str, http: httpx.Client | None = None,
                 stream_http: httpx.Client | None = None, locale: str = "de") -> None:
        self.api_url = api_url
        self.device_dir = Path(data_dir) / "devices" / device_id
        self.device_dir.mkdir(parents=True, exist_ok=True)
        self.http = http or make_http_client(api_url)
        self._stream_http = stream_http or make_stream_client(api_url)
        self.locale = locale

    @property
    def token_file(self) -> Path:
        return self.device_dir / "session.json"

    def _api(self) -> ApiClient:
        return ApiClient(self.http, locale=self.locale, on_tokens=self._save_tokens)

    def _stream(self) -> httpx.Client:
        return self._stream_http

    def close(self) -> None:
        """Release the HTTP connections of this device (the process or session is ending)."""
        self.http.close()
        self._stream_http.close()

    def _save_tokens(self, tokens: TokenResponse) -> None:
        tmp = self.token_file.with_suffix(".tmp")
        tmp.write_text(tokens.model_dump_json(), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(self.token_file)

    def forget_tokens(self) -> None:
        self.token_file.unlink(missing_ok=True)

    def restore(self) -> AccountSession | None:
        """The account this device was signed in with, from disk; None if there is none."""
        try:
            tokens = TokenResponse.model_validate(json.loads(self.token_file.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return None
        api = self._api()
        api.set_tokens(tokens)
        return AccountSession(self, api, tokens.user, self._stream())

    def lookup_order(self, number: str, email: str) -> GuestOrderView:
        """Guest tracking without signing in (blocking). Raises ApiError 404 `not_found` for a wrong
        number or email alike, 429 `rate_limited` after many misses, Offline without a network."""
        return ApiClient(self.http, locale=self.locale).lookup_order(number.strip(), email.strip())

    def continue_with(self, token: str) -> tuple[AccountSession, str | None]:
        """Signed out: sign in with a "continue on another device" code (one-time); also the route it opens."""
        api = self._api()
        answer = api.redeem_handoff(token)
        return AccountSession(self, api, answer.user, self._stream()), answer.route

    def sign_in(self, email: str, password: str) -> AccountSession:
        api = self._api()
        tokens = api.login(email, password)
        return AccountSession(self, api, tokens.user, self._stream())
