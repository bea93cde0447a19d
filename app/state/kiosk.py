"""The kiosk face: attract screen, one shopper's visit, and the privacy timeout that ends it.

The kiosk signs in as its store's device (`services.kiosk.KioskDevice`). A scanned loyalty card
or "continue here" code opens a `ShopperVisit`: that shopper's kiosk session in a throw-away
cache. The visit ends on "Done" or after `idle_timeout_s` without a touch (the last `warn_s`
seconds are counted down on screen); then the screen forgets every field of the shopper at once
and the visit's cache file is deleted, and the next person sees the attract screen.

Error codes in `error` (views translate them): a `CodeFailure` value (forged, expired, wrong_kind,
other_store, already_used) for a refused code, whether the device or the server refused it (the
server's `code_` prefix is dropped), another server `ErrorCode` value, or NO_CODE, OFFLINE,
UNKNOWN, NOT_YOURS below.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import flet as ft

from app.protocol.codes import CodeKind
from app.protocol.mutations import ReturnDropOff
from app.protocol.sync import Entity
from app.state.dispatch import UiDispatcher
from services.code_verify import CodeRefused
from services.errors import ApiError, Offline
from services.qr_read import QrReadError, read_codes

if TYPE_CHECKING:
    from services.faq import SearchHit
    from services.kiosk import KioskDevice, ShopperVisit
    from services.orders import OrderSummary
    from services.overlay import Row

logger = logging.getLogger(__name__)

NO_CODE = "no_code"  # a picture without a readable QR code
OFFLINE = "offline"
UNKNOWN = "unknown"
NOT_YOURS = "not_yours"  # a return code of someone else, or of no open return of this shopper

SECTIONS = ("orders", "pickups", "returns", "help")
CAMERA_BUDGET_MS = 20.0  # a camera frame without a code must stay cheap: the poll runs all day
TICK_S = 0.25
# After a visit ends, the camera ignores the code that opened it for this long: the shopper who
# pressed "Done" with the phone still in hand must not be signed straight back in.
REOPEN_GUARD_S = 10.0

# Notices after an action in a visit.
DROPPED_OFF = "dropped_off"
CHECKED_IN = "checked_in"


def section_for(route: str | None) -> str:
    """Which kiosk section a handed-off route opens ("/returns/abc" -> returns)."""
    path = (route or "").split("?", 1)[0]
    for prefix, section in (("/returns", "returns"), ("/pickups", "pickups"), ("/help", "help"),
                            ("/orders", "orders")):
        if path == prefix or path.startswith(prefix + "/"):
            return section
    return "orders"


def focus_for(route: str | None) -> str | None:
    """The id in a handed-off detail route ("/orders/abc" -> "abc"), to highlight that row."""
    parts = [p for p in (route or "").split("?", 1)[0].split("/") if p]
    return parts[1] if len(parts) >= 2 else None


@ft.observable
@dataclass(eq=False)
class KioskState:
    """Observable kiosk: what the screen shows, and the user actions on it.

    Attributes:
        phase: "starting" (signing the kiosk in), "unavailable" (that failed), "attract",
            "opening" (a code is being exchanged) or "visit".
        error: why the last scan or action failed (see module docstring); None when fine.
        shopper: the visiting shopper's first name; None outside a visit.
        section: the visit's open section (SECTIONS).
        focus: an order/return id a handoff pointed at, to highlight.
        remaining_s: seconds left before the visit ends, shown only in the last `warn_s`.
    """

    device: KioskDevice = field(repr=False)
    dispatcher: UiDispatcher = field(repr=False)
    idle_timeout_s: float = 60.0
    warn_s: float = 10.0
    phase: str = "starting"
    error: str | None = None
    error_message: str | None = None  # the server's own sentence for a server-side refusal
    store_id: str | None = None
    shopper: str | None = None
    section: str = "orders"
    focus: str | None = None
    orders: list[OrderSummary] = field(default_factory=list)
    pickups: list[Row] = field(default_factory=list)
    returns: list[Row] = field(default_factory=list)
    faq_query: str = ""
    faq_hits: list[SearchHit] = field(default_factory=list)
    notice: str | None = None
    remaining_s: int | None = None
    busy: bool = False

    _visit: ShopperVisit | None = field(default=None, repr=False)
    _last_touch: float = field(default=0.0, repr=False)
    _ticker: asyncio.Task[None] | None = field(default=None, repr=False)
    _unsubscribe: Callable[[], None] | None = field(default=None, repr=False)
    _clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _opened_with: str | None = field(default=None, repr=False)  # the code of the current visit
    _guard: tuple[str, float] | None = field(default=None, repr=False)  # (code, ignored until)

    # -- the kiosk itself --------------------------------------------------------------------
    async def start(self) -> None:
        """Sign the kiosk in as its store's device; the attract screen follows."""
        self.phase = "starting"
        try:
            user = await asyncio.to_thread(self.device.sign_in)
        except Offline:
            self._fail_start(OFFLINE)
            return
        except ApiError as exc:
            self._fail_start(exc.code or UNKNOWN)
            return
        except Exception:
            logger.exception("the kiosk could not sign in")
            self._fail_start(UNKNOWN)
            return
        self.store_id = user.store_id
        self.error = None
        self.phase = "attract"

    def _fail_start(self, code: str) -> None:
        self.phase = "unavailable"
        self.error = code

    @property
    def in_visit(self) -> bool:
        return self._visit is not None

    @property
    def visit_cache(self) -> str | None:
        """The visit's cache file (for tests that check it is gone afterwards)."""
        return str(self._visit.cache_path) if self._visit is not None else None

    # -- scanning ----------------------------------------------------------------------------
    async def scan(self, text: str) -> None:
        """A code arrived (scanner field, camera or upload): sign in on the attract screen, drop off
        a return during a visit."""
        text = (text or "").strip()
        if not text:
            return
        self.touch()
        if self._visit is not None:
            await self.drop_off(text)
            return
        if self.phase != "attract":
            return
        self.phase = "opening"
        self.error = self.error_message = None
        self._opened_with = text
        try:
            visit = await asyncio.to_thread(self.device.open_visit, text)
        except CodeRefused as exc:
            self._refused(exc.failure.value)
            return
        except Offline:
            self._refused(OFFLINE)
            return
        except ApiError as exc:
            self._refused(exc.code or UNKNOWN, exc.message)
            return
        except Exception:
            logger.exception("opening a kiosk visit failed")
            self._refused(UNKNOWN)
            return
        await self._begin(visit)

    def _refused(self, code: str, message: str | None = None) -> None:
        # The server says "code_expired" where the device says "expired": one set of codes for the views.
        code = code.removeprefix("code_")
        self.phase = "attract"
        self.error = code
        self.error_message = message

    async def scan_image(self, data: bytes) -> None:
        """An uploaded picture: decode it (off the loop), then treat the code like a scanned one."""
        self.touch()
        try:
            reading = await asyncio.to_thread(read_codes, data)
        except QrReadError:
            reading = None
        if reading is None or not reading.texts:
            self.error, self.error_message = NO_CODE, None
            return
        await self.scan(reading.texts[0])

    async def scan_frame(self, data: bytes) -> bool:
        """A camera frame: decoded with a time budget; frames without a code are ignored silently."""
        if self.phase not in ("attract", "visit") or self.busy:
            return False
        try:
            reading = await asyncio.to_thread(read_codes, data, CAMERA_BUDGET_MS)
        except QrReadError:
            return False
        if not reading.texts:
            return False
        text = reading.texts[0].strip()
        if self._guard is not None and self._guard[0] == text and self._clock() < self._guard[1]:
            return False  # the card of the visit that just ended, still held up
        # Shielded: the camera's poll task is cancelled as soon as the attract screen goes away,
        # which is exactly what opening the visit does; the visit must still finish opening.
        await asyncio.shield(self.scan(text))
        return True

    # -- the visit ---------------------------------------------------------------------------
    async def _begin(self, visit: ShopperVisit) -> None:
        self._visit = visit
        self.shopper = (visit.user.name or "").split(" ")[0] or visit.user.name
        self.section = section_for(visit.route)
        self.focus = focus_for(visit.route)
        self.notice = None
        self.phase = "visit"
        self.touch()

        def on_changes(entities: set[str]) -> None:
            self.dispatcher.spawn(self._load, visit)

        self._unsubscribe = visit.sync.on_changes(on_changes)
        # The idle clock first: whatever happens to the first read, the visit must end on its own.
        self._ticker = asyncio.get_running_loop().create_task(self._tick())
        await self._load(visit)

    async def _load(self, visit: ShopperVisit) -> None:
        def read() -> tuple[list[Any], list[Any], list[Any]]:
            return visit.orders.list_orders(), visit.pickups.pickups(), visit.returns.list_returns()

        try:
            orders, pickups, returns = await asyncio.to_thread(read)
        except Exception:
            if visit is self._visit:  # a visit that already ended has no cache to read any more
                logger.exception("reading the visit's cache failed")
            return
        if visit is self._visit:
            self.orders, self.pickups, self.returns = orders, pickups, returns

    def touch(self) -> None:
        """Someone touched the screen: the visit's idle clock starts again."""
        self._last_touch = self._clock()
        self.remaining_s = None

    def open_section(self, section: str) -> None:
        if section in SECTIONS:
            self.touch()
            self.section = section
            self.notice = None

    async def check_in(self, pickup_id: str) -> None:
        """"I'm here" for a pickup: queued `pickup.check_in`, so staff see it."""
        visit = self._visit
        if visit is None:
            return
        self.touch()
        await asyncio.to_thread(visit.pickups.check_in, pickup_id)
        self.notice = CHECKED_IN
        await self._load(visit)

    async def drop_off(self, text: str) -> None:
        """A return's QR scanned during the visit: checked here, then `return.drop_off` is queued."""
        visit = self._visit
        if visit is None:
            return
        self.touch()
        self.error = self.error_message = self.notice = None
        try:
            token, payload = await asyncio.to_thread(self.device.check, text, (CodeKind.RETURN,))
        except CodeRefused as exc:
            self.error = exc.failure.value
            return
        return_id = payload.s if payload is not None else None
        mine = {r["id"]: r for r in self.returns}
        if return_id is None or return_id not in mine or mine[return_id].get("status") != "qr_issued":
            self.error = NOT_YOURS
            return
        args = ReturnDropOff(return_id=return_id, code=token)
        await asyncio.to_thread(visit.sync.mutate, "return.drop_off", args.model_dump(), {Entity.RETURN.value})
        self.section = "returns"
        self.focus = return_id
        self.notice = DROPPED_OFF

    async def search_faq(self, query: str) -> None:
        visit = self._visit
        self.touch()
        self.faq_query = query
        if visit is None or not query.strip():
            self.faq_hits = []
            return
        locale = self.device.locale
        try:
            hits = await asyncio.to_thread(visit.faq.search, query, locale)
        except Exception:
            logger.exception("FAQ search failed at the kiosk")
            hits = []
        if visit is self._visit and query == self.faq_query:
            self.faq_hits = hits

    async def done(self) -> None:
        """"Done" (or the timeout): forget the shopper on screen at once, then delete their cache."""
        visit = self._visit
        if visit is None:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        ticker, self._ticker = self._ticker, None
        if ticker is not None and ticker is not asyncio.current_task():
            ticker.cancel()
        self._visit = None
        if self._opened_with is not None:
            self._guard = (self._opened_with, self._clock() + REOPEN_GUARD_S)
        self.shopper = self.focus = self.notice = self.error = self.error_message = None
        self.orders, self.pickups, self.returns, self.faq_hits = [], [], [], []
        self.faq_query = ""
        self.section = "orders"
        self.remaining_s = None
        self.phase = "attract"
        try:
            await asyncio.to_thread(visit.end)
        except Exception:
            logger.exception("ending a kiosk visit did not finish cleanly")

    async def _tick(self) -> None:
        while self._visit is not None:
            idle = self._clock() - self._last_touch
            left = self.idle_timeout_s - idle
            if left <= 0:
                await self.done()
                return
            shown = math.ceil(left) if left <= self.warn_s else None
            if shown != self.remaining_s:
                self.remaining_s = shown
            await asyncio.sleep(TICK_S)

    async def set_locale(self, locale: str) -> None:
        self.touch()
        self.device.locale_changed(locale)
        if self.faq_query:
            await self.search_faq(self.faq_query)

    async def close(self) -> None:
        """The Flet session ended (the kiosk browser closed): never leave a visit behind."""
        await self.done()
        await asyncio.to_thread(self.device.close)

