"""The kiosk's state against the real server in process: scanning in, the visit, and the privacy wipe.

The timeout is configurable, so these tests wait a second, not a minute; the wipe is proven by
looking into the kiosk's folder on disk after the visit ended.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.protocol.sync import MutationIn, PushRequest
from app.state.dispatch import UiDispatcher
from app.state.kiosk import DROPPED_OFF, NO_CODE, NOT_YOURS, REOPEN_GUARD_S, KioskState
from services.api_client import ApiClient
from services.codes import qr_png
from services.ids import new_id
from services.kiosk import KioskDevice
from tests.support.network import Network

WAIT_S = 10.0


async def eventually(check: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=60))


def _no_event_stream(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("no event stream in tests", request=request)


@pytest.fixture
def clients(network: Network) -> Iterator[list[httpx.Client]]:
    made: list[httpx.Client] = []
    yield made
    for client in made:
        client.close()


@pytest.fixture
def kiosk_dir(tmp_path: Path) -> Path:
    return tmp_path / "kiosk-device"


@pytest.fixture
def make_kiosk(network: Network, clients: list[httpx.Client], kiosk_dir: Path) -> Callable[..., KioskState]:
    def make(idle_timeout_s: float = 60.0, warn_s: float = 10.0) -> KioskState:
        http = network.client()
        stream = httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(_no_event_stream))
        clients.extend([http, stream])
        device = KioskDevice(http, kiosk_dir, "kiosk.ber@example.com", "demo-kiosk", stream_http=stream)
        return KioskState(device=device, dispatcher=UiDispatcher.for_running_loop(), idle_timeout_s=idle_timeout_s,
                          warn_s=warn_s)
    return make


@pytest.fixture
def anna(network: Network, clients: list[httpx.Client]) -> ApiClient:
    http = network.client()
    clients.append(http)
    api = ApiClient(http)
    api.login("anna@example.com", "demo-anna")
    return api


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_the_visit_ends_after_the_idle_timeout_and_leaves_nothing_behind(
        make_kiosk: Callable[..., KioskState], anna: ApiClient, kiosk_dir: Path) -> None:
    async def scenario() -> None:
        kiosk = make_kiosk(idle_timeout_s=1.5, warn_s=1.0)
        await kiosk.start()
        assert (kiosk.phase, kiosk.store_id) == ("attract", "BER-01")
        kept = files_in(kiosk_dir)  # the kiosk's own files: the code key, nothing of a shopper

        await kiosk.scan(anna.loyalty_card().token)

        assert (kiosk.phase, kiosk.shopper, kiosk.error) == ("visit", "Anna", None)
        assert kiosk.orders and kiosk.pickups  # anna has a pickup waiting at BER-01
        cache = Path(kiosk.visit_cache or "")
        assert cache.exists() and cache.stat().st_size > 0
        await eventually(lambda: kiosk.remaining_s == 1)  # the countdown shows in the last second
        await eventually(lambda: kiosk.phase == "attract")

        assert (kiosk.shopper, kiosk.orders, kiosk.pickups, kiosk.returns, kiosk.remaining_s) == (
            None, [], [], [], None)
        assert not kiosk.in_visit
        await eventually(lambda: not cache.exists())
        for suffix in ("-wal", "-shm", "-journal"):
            assert not Path(str(cache) + suffix).exists()
        assert files_in(kiosk_dir) == kept  # every byte of the visit is gone
    run(scenario)


def test_a_touch_keeps_the_visit_open(make_kiosk: Callable[..., KioskState], anna: ApiClient) -> None:
    async def scenario() -> None:
        kiosk = make_kiosk(idle_timeout_s=1.0, warn_s=0.5)
        await kiosk.start()
        await kiosk.scan(anna.loyalty_card().token)
        for _ in range(6):
            await asyncio.sleep(0.3)
            kiosk.touch()
        assert kiosk.phase == "visit"  # 1.8 s in, but never 1 s without a touch
        await kiosk.done()
        assert kiosk.phase == "attract" and kiosk.shopper is None
    run(scenario)


def test_done_wipes_at_once(make_kiosk: Callable[..., KioskState], anna: ApiClient, kiosk_dir: Path) -> None:
    async def scenario() -> None:
        kiosk = make_kiosk()
        await kiosk.start()
        await kiosk.scan(anna.loyalty_card().token)
        cache = Path(kiosk.visit_cache or "")

        await kiosk.done()

        assert not cache.exists()
        assert not any(name.startswith("kiosk-visit-") for name in files_in(kiosk_dir))
        # The session is signed out on the server: its refresh token no longer works.
    run(scenario)


def test_bad_codes_are_explained_and_open_nothing(make_kiosk: Callable[..., KioskState], anna: ApiClient,
                                                  kiosk_dir: Path) -> None:
    async def scenario() -> None:
        kiosk = make_kiosk()
        await kiosk.start()
        handoff = anna.handoff("/returns").token

        await kiosk.scan("NTL1.bm90.aGVsbG8")
        assert (kiosk.phase, kiosk.error) == ("attract", "forged")
        await kiosk.scan(handoff)
        assert kiosk.phase == "visit"
        await kiosk.done()
        await kiosk.scan(handoff)  # the device cannot know it was used; the server says so
        assert (kiosk.phase, kiosk.error) == ("attract", "already_used")
        assert kiosk.error_message and "bereits verwendet" in kiosk.error_message  # the kiosk speaks German first
        await kiosk.scan_image(b"not a picture")
        assert kiosk.error == NO_CODE
        assert not kiosk.in_visit
        assert not any(name.startswith("kiosk-visit-") for name in files_in(kiosk_dir))
    run(scenario)


def test_an_uploaded_picture_of_the_card_signs_in(make_kiosk: Callable[..., KioskState], anna: ApiClient) -> None:
    async def scenario() -> None:
        kiosk = make_kiosk()
        await kiosk.start()

        await kiosk.scan_image(qr_png(anna.loyalty_card().token))

        assert (kiosk.phase, kiosk.shopper) == ("visit", "Anna")
        await kiosk.done()
    run(scenario)


def test_the_camera_does_not_reopen_a_visit_that_just_ended(make_kiosk: Callable[..., KioskState],
                                                            anna: ApiClient) -> None:
    async def scenario() -> None:
        kiosk = make_kiosk()
        now = [1000.0]
        kiosk._clock = lambda: now[0]
        await kiosk.start()
        card = qr_png(anna.loyalty_card().token)
        assert await kiosk.scan_frame(card)
        assert kiosk.phase == "visit"
        await kiosk.done()

        assert not await kiosk.scan_frame(card)  # "Done" with the phone still held up
        assert kiosk.phase == "attract"
        await kiosk.scan_image(card)  # an upload is deliberate: it opens at once
        assert kiosk.phase == "visit"
        await kiosk.done()
        now[0] += REOPEN_GUARD_S + 1
        assert await kiosk.scan_frame(card)  # later it is a new visit
        assert (kiosk.phase, kiosk.shopper) == ("visit", "Anna")
        await kiosk.done()
    run(scenario)


def test_a_camera_visit_opens_fully_although_the_camera_stops_meanwhile(
        make_kiosk: Callable[..., KioskState], anna: ApiClient, kiosk_dir: Path) -> None:
    """The attract screen (and its camera poll) goes away the moment the visit opens; the visit
    must still load and, above all, still end on its own."""
    async def scenario() -> None:
        kiosk = make_kiosk(idle_timeout_s=1.5, warn_s=1.0)
        await kiosk.start()
        card = qr_png(anna.loyalty_card().token)
        poll = asyncio.get_running_loop().create_task(kiosk.scan_frame(card))
        await eventually(lambda: kiosk.phase == "visit")
        poll.cancel()  # the camera panel unmounts

        await eventually(lambda: bool(kiosk.orders))
        await eventually(lambda: kiosk.phase == "attract")  # the idle timeout still ends it
        await eventually(lambda: not any(name.startswith("kiosk-visit-") for name in files_in(kiosk_dir)))
    run(scenario)


def test_a_handoff_opens_its_route(make_kiosk: Callable[..., KioskState], anna: ApiClient) -> None:
    async def scenario() -> None:
        kiosk = make_kiosk()
        await kiosk.start()
        minted = anna.handoff("/returns/abc")

        await kiosk.scan("http://app.example" + minted.continue_path)

        assert (kiosk.phase, kiosk.section, kiosk.focus) == ("visit", "returns", "abc")
        await kiosk.done()
    run(scenario)


def test_dropping_off_a_return_by_scanning_its_code(make_kiosk: Callable[..., KioskState], anna: ApiClient,
                                                    network: Network) -> None:
    async def scenario() -> None:
        return_id = new_id()
        order = next(o for o in _orders(anna) if o["number"] == "NA-100231")
        args = {"return_id": return_id, "order_id": order["id"], "kind": "withdrawal",
                "items": [{"order_item_id": order["items"][0]["id"], "quantity": 1}]}
        answer = anna.push(PushRequest(client_id="anna-phone", mutations=[
            MutationIn(id=1, name="return.create", args=args)]))
        assert answer.results[0].status == "ok"
        kiosk = make_kiosk()
        await kiosk.start()
        await kiosk.scan(anna.loyalty_card().token)
        code = next(r for r in kiosk.returns if r["id"] == return_id)["qr_token"]

        await kiosk.scan(anna.loyalty_card().token)  # not a return code: refused, the visit goes on
        assert (kiosk.phase, kiosk.error) == ("visit", "wrong_kind")
        await kiosk.scan(code)

        assert (kiosk.notice, kiosk.section, kiosk.focus, kiosk.error) == (DROPPED_OFF, "returns", return_id, None)
        await eventually(lambda: next(r for r in kiosk.returns if r["id"] == return_id)["status"] == "dropped_off")
        await kiosk.scan(code)  # dropped off already: not waiting any more
        assert kiosk.error == NOT_YOURS
        await kiosk.done()
    run(scenario)


def test_checking_in_for_a_pickup(make_kiosk: Callable[..., KioskState], anna: ApiClient) -> None:
    async def scenario() -> None:
        kiosk = make_kiosk()
        await kiosk.start()
        await kiosk.scan(anna.loyalty_card().token)
        ready = next(p for p in kiosk.pickups if p["status"] == "ready")

        await kiosk.check_in(ready["id"])

        await eventually(lambda: next(p for p in kiosk.pickups if p["id"] == ready["id"])["status"] == "checked_in")
        await kiosk.done()
    run(scenario)


def test_a_kiosk_that_cannot_sign_in_says_so(network: Network, clients: list[httpx.Client], kiosk_dir: Path) -> None:
    async def scenario() -> None:
        http = network.client()
        clients.append(http)
        kiosk = KioskState(device=KioskDevice(http, kiosk_dir, "kiosk.ber@example.com", "wrong"),
                           dispatcher=UiDispatcher.for_running_loop())
        await kiosk.start()
        assert (kiosk.phase, kiosk.error) == ("unavailable", "invalid_credentials")
        network.online = False
        await kiosk.start()
        assert (kiosk.phase, kiosk.error) == ("unavailable", "offline")
    run(scenario)


def _orders(api: ApiClient) -> list[dict[str, Any]]:
    from app.protocol.sync import PullRequest

    page = api.pull(PullRequest(cursors={}), "anna-phone")
    return [c.data for c in page.changes if c.entity == "order" and c.data is not None]
