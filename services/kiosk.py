"""The in-store kiosk: the device's own sign-in, and one shopper's session at a time in a throw-away cache.

`KioskDevice` signs in as the store's kiosk account (role kiosk), keeps the server's code key for
offline checks, and turns a scanned loyalty card or handoff code into a `ShopperVisit`: the
shopper's kiosk session (app.protocol.handoff) with its own SQLite cache file, sync engine and
the services the kiosk shows (orders, returns, pickups, FAQ). `ShopperVisit.end()` stops it,
signs the session out and deletes the cache file with its WAL and journal: nothing of the
shopper stays on the kiosk's disk. The kiosk device's own token is never written to disk either;
the kiosk signs in again on every start.

    errors: CodeRefused (services.code_verify) for a code refused on the device;
            ApiError (its code says why: code_expired, code_already_used, ...), Offline, AuthRequired
"""

import logging
import uuid
from datetime import datetime
from pathlib import Path

import httpx

from app.protocol.auth import UserPublic
from app.protocol.codes import CodeKind, CodePayload
from app.protocol.handoff import CodeSessionResponse
from services.api_client import ApiClient
from services.code_verify import (
    CodeRefused,
    DeviceVerifier,
    PublicKeyCache,
    token_from_scan,
)
from services.errors import Offline
from services.faq import FaqService
from services.orders import OrdersService
from services.pickups import PickupService
from services.returns import ReturnsService
from services.storage.engine import open_cache, remove_cache
from services.sync import SyncEngine

log = logging.getLogger("nahtlos.kiosk")

SIGN_IN_KINDS = (CodeKind.LOYALTY, CodeKind.HANDOFF)
CACHE_PREFIX = "kiosk-visit-"


class ShopperVisit:
    """One shopper's kiosk session: tokens in memory only, data in a cache file deleted by `end()`."""

    def __init__(self, api: ApiClient, answer: CodeSessionResponse, cache_dir: Path,
                 stream_http: httpx.Client | None = None) -> None:
        self.api = api
        self.user: UserPublic = answer.user
        self.route = answer.route
        self.store_id = answer.kiosk_store
        self.cache_path = cache_dir / f"{CACHE_PREFIX}{uuid.uuid4().hex}.sqlite"
        self.engine = open_cache(self.cache_path)
        self.sync = SyncEngine(api, self.engine, stream_http=stream_http)
        self.orders = OrdersService(self.sync)
        self.returns = ReturnsService(self.sync)
        self.pickups = PickupService(self.sync, api)
        self.faq = FaqService(self.sync)
        self._ended = False

    def first_sync(self) -> None:
        """Pull the shopper's data once before the screen shows it (blocking); then keep syncing."""
        try:
            self.sync.sync_once()
        except Offline:
            log.warning("kiosk visit started without a network: showing what the cache has")
        self.sync.start()

    def end(self) -> None:
        """Stop syncing, send what is queued (best effort), sign out, and delete the cache files."""
        if self._ended:
            return
        self._ended = True
        try:
            self.faq.close()
            self.sync.stop()
            if self.sync.status.pending:
                try:  # a drop-off or check-in pressed a moment ago: give it one chance to leave
                    self.sync.sync_once()
                except Exception:  # noqa: BLE001 - offline or refused: the visit ends regardless (privacy first)
                    log.warning("kiosk visit ended with %s unsent changes", self.sync.status.pending)
            self.api.logout()
        finally:
            self.engine.dispose()
            remove_cache(self.cache_path)

    @property
    def ended(self) -> bool:
        return self._ended


class KioskDevice:
    """The kiosk PC: its sign-in (role kiosk, bound to a store) and the visits it opens."""

    def __init__(self, http: httpx.Client, device_dir: Path, email: str, password: str, locale: str = "de",
                 stream_http: httpx.Client | None = None) -> None:
        self.http = http
        self.stream_http = stream_http
        self.device_dir = Path(device_dir)
        self.visits_dir = self.device_dir / "visits"
        self.email = email
        self._password = password
        self.locale = locale
        self.api = ApiClient(http, locale=locale)  # no on_tokens: the kiosk's token stays in memory
        self.keys = PublicKeyCache(self.device_dir / "codes-public-key.json", self.api.code_public_key)
        self.user: UserPublic | None = None

    @property
    def store_id(self) -> str | None:
        return self.user.store_id if self.user is not None else None

    def sign_in(self) -> UserPublic:
        """Sign the kiosk in (blocking); also fetches the code key and clears visits a crash left behind."""
        tokens = self.api.login(self.email, self._password)
        self.user = tokens.user
        self.wipe_leftovers()
        self.keys.verifier()
        return tokens.user

    def wipe_leftovers(self) -> None:
        """Delete visit caches of a kiosk that crashed or lost power during a visit."""
        if self.visits_dir.exists():
            for path in self.visits_dir.glob(f"{CACHE_PREFIX}*"):
                path.unlink(missing_ok=True)

    def check(self, text: str, kinds: tuple[CodeKind, ...] = SIGN_IN_KINDS,
              now: datetime | None = None) -> tuple[str, CodePayload | None]:
        """The token in `text`, checked on the device when a key is known (else left to the server)."""
        token = token_from_scan(text)
        verifier: DeviceVerifier | None = self.keys.cached()
        if verifier is None:
            return token, None
        return token, verifier.verify(token, kinds, self.store_id, now)

    def open_visit(self, text: str) -> ShopperVisit:
        """A scanned code -> the shopper's visit (blocking). Raises CodeRefused, ApiError, Offline."""
        token, _payload = self.check(text)
        answer = self.api.qr_sign_in(token)
        api = ApiClient(self.http, locale=self.locale)
        api.set_tokens(answer)
        self.visits_dir.mkdir(parents=True, exist_ok=True)
        visit = ShopperVisit(api, answer, self.visits_dir, self.stream_http)
        try:
            visit.first_sync()
        except BaseException:
            visit.end()
            raise
        return visit

    def close(self) -> None:
        """The kiosk session is closing: release the event-stream connection it owns."""
        if self.stream_http is not None:
            self.stream_http.close()

    def locale_changed(self, locale: str) -> None:
        self.locale = locale
        self.api.locale = locale


__all__ = ["CodeRefused", "KioskDevice", "ShopperVisit"]

