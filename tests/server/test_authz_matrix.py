"""The authorization matrix: every route and every mutation x every kind of caller x {own, foreign} object.

Callers: anonymous, anna, ben (customers), staff of BER-01, staff of HAM-01, a support agent and
the BER-01 kiosk. Each gets an expected answer per route and per mutation, and every answer is
scanned for *leak markers*: strings that belong to someone else (the other customer's email,
order ids and numbers, card number, a secret thread, photo and return made for this test, the
other store's pickups). Ground truth comes from the domain tables, not from the sync log.

Routes are discovered from the app's OpenAPI schema and mutations from `server.mutators.REGISTRY`,
so a new route or mutation fails `test_every_route_has_an_expectation` /
`test_every_mutation_has_an_expectation` until its author adds a row to ROUTES / MUTATIONS below.
"""

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from starlette.types import Message

from app.protocol import API_PREFIX, SCHEMA_VERSION
from app.protocol.auth import Role
from server.db import Database
from server.models import (
    LoyaltyAccount,
    Order,
    Pickup,
    PickupHandover,
    Return,
    SyncLog,
    User,
)
from server.mutators import REGISTRY, load_all
from server.scopes import scopes_for
from server.seed.ids import demo_id
from tests.server.conftest import MakeDevice
from tests.server.dbstate import snapshot
from tests.server.device import Device
from tests.server.kiosk import handoff, loyalty_token, redeem, scan, session_device
from tests.server.shopper import (
    BEN_DELIVERED,
    DELIVERED_5_DAYS,
    GUEST_ORDER,
    PROCESSING,
    image_bytes,
    item_id,
    order_id,
    upload,
    withdrawal,
)

CALLERS = ["anonymous", "anna", "ben", "staff.ber", "staff.ham", "agent", "kiosk.ber"]
CUSTOMERS = ("anna", "ben")
OTHER = {"anna": "ben", "ben": "anna"}
STORE = {"staff.ber": "BER-01", "staff.ham": "HAM-01", "kiosk.ber": "BER-01"}
BEN_PROCESSING = "NA-100268"  # ben's pickup order at HAM-01, still cancellable
PASSWORDS = {"anna": "demo-anna", "ben": "demo-ben", "staff.ber": "demo-staff", "staff.ham": "demo-staff",
             "agent": "demo-agent", "kiosk.ber": "demo-kiosk"}
# Rejection codes that say "not yours" without telling whether the thing exists.
REFUSALS = {"not_found", "forbidden", "conflict"}
BOOKKEEPING = {"sync_client", "sync_mutation", "auth_session"}
ANNA_PICKUP = demo_id("pickup", "NA-100252")  # ready at BER-01
BEN_PICKUP = demo_id("pickup", "NA-100268")  # being prepared at HAM-01
PICKUP_OF = {"anna": ANNA_PICKUP, "ben": BEN_PICKUP}
STORE_PICKUP = {"BER-01": ANNA_PICKUP, "HAM-01": BEN_PICKUP}
FAQ_ARTICLE = demo_id("faq_article", "return-label-lost:de")

load_all()


# --- the world every test starts from ------------------------------------------------------------


@dataclass
class World:
    """Signed-in devices, things each customer made for this test, and who may see which markers."""

    app: FastAPI
    http: TestClient
    db: Database
    devices: dict[str, Device]
    made: dict[str, dict[str, str]] = field(default_factory=dict)  # customer -> thread_id, return_id, ...
    forbidden: dict[str, set[str]] = field(default_factory=dict)  # caller -> markers it must never see
    private: dict[str, set[str]] = field(default_factory=dict)  # customer -> all of its markers

    def assert_no_leak(self, who: str, text: str, what: str, sent: str = "") -> None:
        """No marker `who` may not see is in `text`, unless `who` sent it itself (echoed ids are no leak)."""
        leaked = sorted(m for m in self.forbidden[who] if m in text and m not in sent)
        assert not leaked, f"{what} as {who} leaked {leaked}"

    def user_id(self, who: str) -> int:
        return self.devices[who].user_id


def _make_secrets(device: Device, who: str) -> dict[str, str]:
    tag = uuid.uuid4().hex[:10]
    made = {"thread_id": f"secret-thread-{who}-{tag}", "message_id": f"secret-msg-{who}-{tag}",
            "photo_message_id": f"secret-photo-{who}-{tag}", "subject": f"SECRET-SUBJECT-{who}-{tag}",
            "body": f"SECRET-BODY-{who}-{tag}", "return_id": f"secret-return-{who}-{tag}"}
    photo = upload(device, image_bytes())
    assert photo.status_code == 201, photo.text
    made["attachment_id"] = photo.json()["id"]
    number = DELIVERED_5_DAYS if who == "anna" else BEN_DELIVERED
    answers = device.push(
        device.mutation("thread.create", {"thread_id": made["thread_id"], "subject": made["subject"],
                                          "first_message_id": made["message_id"], "body": made["body"]}),
        device.mutation("message.send", {"message_id": made["photo_message_id"], "thread_id": made["thread_id"],
                                         "body": made["body"] + "-2", "attachment_ids": [made["attachment_id"]]}),
        device.mutation("return.create", withdrawal(made["return_id"], number=number)),
    )["results"]
    assert [a["status"] for a in answers] == ["ok"] * 3, answers
    return made


def _markers(world: World) -> None:
    with world.db.read() as session:
        users = {who: session.get_one(User, world.user_id(who)) for who in CUSTOMERS}
        pickups = list(session.scalars(select(Pickup)))
        orders = {who: list(session.scalars(select(Order).where(Order.customer_id == users[who].id)))
                  for who in CUSTOMERS}
        cards = {who: session.scalars(select(LoyaltyAccount.card_number).where(
            LoyaltyAccount.customer_id == users[who].id)).one() for who in CUSTOMERS}
    secret_keys = ("thread_id", "message_id", "photo_message_id", "subject", "body", "attachment_id")
    secrets = {who: {world.made[who][k] for k in secret_keys} for who in CUSTOMERS}
    private = {who: secrets[who] | {users[who].email, cards[who], world.made[who]["return_id"]}
               | {o.id for o in orders[who]} | {o.number for o in orders[who]}
               | {p.id for p in pickups if p.customer_id == users[who].id} for who in CUSTOMERS}
    everything = private["anna"] | private["ben"] | {p.id for p in pickups}
    world.private = private
    world.forbidden["anonymous"] = everything
    for who in CUSTOMERS:
        world.forbidden[who] = private[OTHER[who]]
    for who, store in STORE.items():
        # A store device sees its store's pickups, with their order's id and number, nothing else.
        own = {p.id for p in pickups if p.store_id == store}
        with world.db.read() as session:
            own |= {x for p in pickups if p.store_id == store
                    for x in (p.order_id, session.get_one(Order, p.order_id).number)}
        world.forbidden[who] = everything - own
    # The support desk sees conversations that asked for a human (and their shopper's context),
    # never a conversation that did not.
    world.forbidden["agent"] = secrets["anna"] | secrets["ben"]


@pytest.fixture
def world(app: FastAPI, client: TestClient, device: MakeDevice, db: Database) -> World:
    devices = {who: device(who) for who in CALLERS if who != "anonymous"}
    w = World(app, client, db, devices)
    for who in CUSTOMERS:
        w.made[who] = _make_secrets(devices[who], who)
    _markers(w)
    return w


# --- calling as someone ------------------------------------------------------------------------------


def auth_headers(w: World, who: str) -> dict[str, str]:
    if who == "anonymous":
        return {"X-Schema-Version": str(SCHEMA_VERSION)}
    return w.devices[who].headers()


def call(w: World, who: str, method: str, path: str, **kwargs: Any) -> Response:
    headers = {**auth_headers(w, who), **kwargs.pop("headers", {})}
    return w.http.request(method, API_PREFIX + path, headers=headers, **kwargs)


def foreign_customer(who: str) -> str:
    """Whose things count as foreign for `who` (the anonymous and non-customers: anna's)."""
    return OTHER.get(who, "anna")


def own_customer(who: str) -> str:
    return who if who in CUSTOMERS else "anna"


# --- routes ----------------------------------------------------------------------------------------------


Expect = Callable[[str, bool], int]


@dataclass(frozen=True)
class RouteCase:
    """`request(world, who, own)` makes the call; `expect(who, own)` is the status it must get."""

    request: Callable[[World, str, bool], Response]
    expect: Expect
    # Markers the answer may carry by design (a session opened with a shopper's own code shows her).
    shows: Callable[[World, str, bool], set[str]] = lambda w, who, own: set()


def signed_in(ok: int) -> Expect:
    return lambda who, own: 401 if who == "anonymous" else ok


def customers_only(ok: int) -> Expect:
    return lambda who, own: 401 if who == "anonymous" else ok if who in CUSTOMERS else 403


def _login(w: World, who: str, own: bool) -> Response:
    if who == "anonymous":
        return call(w, who, "POST", "/auth/login", json={"email": "nobody@example.com", "password": "x"})
    email = w.devices[who].user["email"]
    # Foreign: the caller's own email with someone else's password.
    password = PASSWORDS[who] if own else PASSWORDS[foreign_customer(who)]
    return call(w, who, "POST", "/auth/login", json={"email": email, "password": password})


def _refresh(w: World, who: str, own: bool) -> Response:
    if who == "anonymous":
        return call(w, who, "POST", "/auth/refresh", json={"refresh_token": "not-a-token"})
    device = w.devices[who]
    # Foreign: an access token where a refresh token belongs (a token of the wrong kind).
    token = device.refresh_token if own else device.access_token
    return call(w, who, "POST", "/auth/refresh", json={"refresh_token": token})


def _pull(w: World, who: str, own: bool) -> Response:
    if own:
        return call(w, who, "POST", "/sync/pull", json={})
    # Foreign: asking for the other customer's and the other store's scopes, as their device.
    other = w.devices[foreign_customer(who)]
    cursors = {other.scope: 0, "store:BER-01": 0, "store:HAM-01": 0, "agent": 0}
    return call(w, who, "POST", "/sync/pull", json={"cursors": cursors},
                headers={"X-Client-Id": other.client_id})


def _push(w: World, who: str, own: bool) -> Response:
    client_id = (w.devices[who].client_id if who != "anonymous" and own
                 else w.devices[foreign_customer(who)].client_id)
    # Own: the device's next mutation; foreign: mutation 1 under someone else's device id.
    mutation = (w.devices[who].mutation("profile.update", {}) if who != "anonymous" and own
                else {"id": 1, "name": "profile.update", "args": {}})
    return call(w, who, "POST", "/sync/push", json={"client_id": client_id, "mutations": [mutation]})


def _events(w: World, who: str, own: bool) -> Response:
    token = None if who == "anonymous" else w.devices[who].access_token
    status, body = asyncio.run(_sse_status(w.app, token))
    return Response(status, text=body)


def _lookup(w: World, who: str, own: bool) -> Response:
    email = "clara.wagner@example.com" if own else "anna@example.com"
    return call(w, who, "POST", "/orders/lookup", json={"number": GUEST_ORDER, "email": email})


def _upload(w: World, who: str, own: bool) -> Response:
    headers = auth_headers(w, who)
    return w.http.post(API_PREFIX + "/attachments", files={"file": ("p.png", image_bytes(), "image/png")},
                       headers=headers)


def _download(w: World, who: str, own: bool) -> Response:
    if own and who not in CUSTOMERS and who != "anonymous":
        mine = _upload(w, who, True)
        assert mine.status_code == 201, mine.text
        attachment = mine.json()["id"]
    else:
        owner = own_customer(who) if own else foreign_customer(who)
        attachment = w.made[owner]["attachment_id"]
    return call(w, who, "GET", f"/attachments/{attachment}")


def _pickup_code(w: World, who: str, own: bool) -> Response:
    return call(w, who, "POST", f"/pickups/{PICKUP_OF[_target(who, own)]}/code")


def _qr(w: World, who: str, own: bool) -> Response:
    # Own: anna's loyalty card scanned; foreign: anna's pickup code, a code of the wrong kind.
    anna = w.devices["anna"]
    token = (loyalty_token(anna) if own else
             anna.post(f"/pickups/{ANNA_PICKUP}/code").json()["token"])
    return call(w, who, "POST", "/auth/qr", json={"token": token})


def _qr_shows(w: World, who: str, own: bool) -> set[str]:
    # The kiosk that scanned anna's own card holds her kiosk session: her profile is what it opened.
    return w.private["anna"] if who == "kiosk.ber" and own else set()


def _handoff(w: World, who: str, own: bool) -> Response:
    return call(w, who, "POST", "/auth/handoff", json={"route": "/orders" if own else "/returns"})


def _handoff_redeem(w: World, who: str, own: bool) -> Response:
    # Own: a fresh link the customer made (whoever opens it is signed in as her: that is the point);
    # foreign: the other customer's link, opened once already by that customer.
    owner = w.devices[_target(who, own)]
    made = handoff(owner)
    assert made.status_code == 200, made.text
    token = made.json()["token"]
    if not own:
        assert redeem(w.http, token).status_code == 200
    return call(w, who, "POST", "/auth/handoff/redeem", json={"token": token})


def _redeem_shows(w: World, who: str, own: bool) -> set[str]:
    return w.private[_target(who, own)] if own else set()


def _carrier(w: World, who: str, own: bool) -> Response:
    # Without a configured webhook token the route answers 404 to everyone, with or without a bearer.
    headers = {} if own else {"Authorization": "Bearer guessed"}
    event = {"event_id": _new("evt"), "tracking_number": "NOPE" if not own else "X1", "status": "delivered",
             "at": "2030-01-01T07:12:00Z", "description": {"en": "Delivered"}}
    return call(w, who, "POST", "/carrier/events", json=event, headers=headers)


def _plain(method: str, path: str) -> Callable[[World, str, bool], Response]:
    return lambda w, who, own: call(w, who, method, path)


ROUTES: dict[tuple[str, str], RouteCase] = {
    ("GET", "/health"): RouteCase(_plain("GET", "/health"), lambda who, own: 200),
    ("POST", "/auth/login"): RouteCase(_login, lambda who, own: 200 if own and who != "anonymous" else 401),
    ("POST", "/auth/refresh"): RouteCase(_refresh, lambda who, own: 200 if own and who != "anonymous" else 401),
    ("POST", "/auth/logout"): RouteCase(_plain("POST", "/auth/logout"), signed_in(204)),
    ("POST", "/sync/pull"): RouteCase(_pull, signed_in(200)),
    ("POST", "/sync/push"): RouteCase(_push, lambda who, own: 401 if who == "anonymous" else 200 if own else 403),
    ("GET", "/sync/events"): RouteCase(_events, signed_in(200)),
    ("POST", "/orders/lookup"): RouteCase(_lookup, lambda who, own: 200 if own else 404),
    ("POST", "/attachments"): RouteCase(_upload, signed_in(201)),
    # Someone else's photo is "not found"; the support desk opens photos sent in conversations.
    ("GET", "/attachments/{attachment_id}"): RouteCase(
        _download, lambda who, own: 401 if who == "anonymous" else 200 if own or who == "agent" else 404),
    ("GET", "/account/export"): RouteCase(_plain("GET", "/account/export"), customers_only(200)),
    ("GET", "/codes/public-key"): RouteCase(_plain("GET", "/codes/public-key"), lambda who, own: 200),
    ("POST", "/loyalty/card"): RouteCase(_plain("POST", "/loyalty/card"), customers_only(200)),
    # The other customer's pickup looks like a closed one: not found.
    ("POST", "/pickups/{pickup_id}/code"): RouteCase(
        _pickup_code, lambda who, own: 401 if who == "anonymous" else 403 if who not in CUSTOMERS
        else 200 if own else 404),
    # Only a kiosk exchanges scanned codes; a code of the wrong kind is the scanner's problem (400).
    ("POST", "/auth/qr"): RouteCase(
        _qr, lambda who, own: 401 if who == "anonymous" else 403 if who != "kiosk.ber" else 200 if own else 400,
        shows=_qr_shows),
    ("POST", "/auth/handoff"): RouteCase(_handoff, customers_only(200)),
    # Needs no session; a link works once (410 afterwards), whoever opens it.
    ("POST", "/auth/handoff/redeem"): RouteCase(_handoff_redeem, lambda who, own: 200 if own else 410,
                                                shows=_redeem_shows),
    ("POST", "/carrier/events"): RouteCase(_carrier, lambda who, own: 404),
}
# Routes that exist but whose expectations are not written yet (work in progress elsewhere).
PENDING_ROUTES: set[tuple[str, str]] = set()


def discovered_routes(app: FastAPI) -> set[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return {(method.upper(), path[len(API_PREFIX):]) for path, ops in paths.items() for method in ops
            if path.startswith(API_PREFIX)}


def test_every_route_has_an_expectation(app: FastAPI) -> None:
    routes = discovered_routes(app)
    missing = sorted(routes - set(ROUTES) - PENDING_ROUTES)
    assert not missing, (f"routes without an authorization expectation: {missing}. Add a RouteCase for each to "
                         f"ROUTES in {__file__} (who may call it, and what a foreign object looks like).")
    gone = sorted(set(ROUTES) - routes)
    assert not gone, f"ROUTES names routes the app no longer has: {gone}"


def _route_ids() -> list[Any]:
    return [pytest.param(key, id=f"{key[0]} {key[1]}") for key in ROUTES]


@pytest.mark.parametrize("route", _route_ids())
def test_route_matrix(world: World, route: tuple[str, str]) -> None:
    case = ROUTES[route]
    failures = []
    # Logging out revokes the caller's session: do it last, after every other caller had its turn.
    for own in (False, True):
        for who in CALLERS:
            response = case.request(world, who, own)
            want = case.expect(who, own)
            label = f"{route[0]} {route[1]} as {who} ({'own' if own else 'foreign'})"
            if response.status_code != want:
                failures.append(f"{label}: {response.status_code}, expected {want}: {response.text[:200]}")
            if not response.headers.get("content-type", "").startswith("image/"):
                world.assert_no_leak(who, response.text, label, sent=" ".join(case.shows(world, who, own)))
            if route == ("POST", "/sync/pull") and response.status_code == 200:
                _check_pull(world, who, response.json(), label)
                if not own:  # under someone else's device id: nothing about that device
                    assert (response.json()["last_mutation_id"], response.json()["rejections"]) == (0, []), label
    assert not failures, "\n".join(failures)


def _check_pull(w: World, who: str, page: dict[str, Any], label: str) -> None:
    """All pages of the caller's pull: only its own scopes, and no foreign marker in any of them."""
    device = w.devices[who]
    role = Role(device.user["role"])
    allowed = set(scopes_for(role, device.user_id, device.user.get("store_id")))
    assert set(page["cursors"]) <= allowed, label
    changes = [*page["changes"], *[c for p in device.pull_all(limit=500) for c in p["changes"]]]
    assert changes, f"{label}: nothing to pull at all"
    assert {c["scope"] for c in changes} <= allowed, label
    w.assert_no_leak(who, json.dumps(changes), label + " (all pages)")


# --- SSE: pokes reach only the scopes a caller may pull --------------------------------------------------


async def _sse(app: FastAPI, token: str | None, stop: asyncio.Event, connected: asyncio.Event
               ) -> tuple[int, str]:
    """GET /sync/events straight through ASGI (TestClient would wait for the endless stream to end)."""
    headers = [(b"host", b"testserver"), (b"x-schema-version", str(SCHEMA_VERSION).encode())]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    path = API_PREFIX + "/sync/events"
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
             "client": ("testclient", 50000), "server": ("testserver", 80)}
    status, chunks, asked = 0, [], False

    async def receive() -> Message:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await stop.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b"").decode())
            connected.set()

    await app(scope, receive, send)
    return status, "".join(chunks)


async def _sse_status(app: FastAPI, token: str | None) -> tuple[int, str]:
    stop, connected = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(_sse(app, token, stop, connected))
    await asyncio.wait_for(connected.wait(), 10)
    stop.set()
    return await asyncio.wait_for(task, 10)


def test_pokes_reach_only_callers_that_may_pull_the_touched_scopes(world: World) -> None:
    w = world

    async def scenario() -> dict[str, tuple[int, str]]:
        stop = asyncio.Event()
        connected = {who: asyncio.Event() for who in CALLERS}
        tasks = {who: asyncio.create_task(_sse(w.app, None if who == "anonymous" else w.devices[who].access_token,
                                                stop, connected[who])) for who in CALLERS}
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in connected.values())), 10)

        def writes() -> None:
            anna, ben = w.devices["anna"], w.devices["ben"]
            assert anna.send("message.send", {"message_id": "poke-1", "thread_id": w.made["anna"]["thread_id"],
                                              "body": "hello"})["status"] == "ok"
            assert ben.send("order.cancel", {"order_id": order_id(BEN_PROCESSING)})["status"] == "ok"

        await asyncio.to_thread(writes)
        await asyncio.sleep(0.3)  # pokes hop from the push thread onto this loop
        stop.set()
        return {who: await asyncio.wait_for(task, 10) for who, task in tasks.items()}

    streams = asyncio.run(scenario())

    seen: dict[str, set[str]] = {}
    for who, (status, body) in streams.items():
        assert status == (401 if who == "anonymous" else 200), (who, body)
        pokes = [json.loads(line[len("data: "):]) for line in body.splitlines() if line.startswith("data: ")]
        seen[who] = {scope for poke in pokes for scope in poke["scopes"]}
        if who != "anonymous":
            device = w.devices[who]
            allowed = set(scopes_for(Role(device.user["role"]), device.user_id, device.user.get("store_id")))
            assert seen[who] <= allowed, (who, seen[who])
    assert seen["anna"] == {w.devices["anna"].scope}
    assert seen["ben"] == {w.devices["ben"].scope}
    assert seen["staff.ham"] == {"store:HAM-01"}
    assert seen["staff.ber"] == seen["kiosk.ber"] == seen["agent"] == seen["anonymous"] == set()


# --- mutations --------------------------------------------------------------------------------------------

Args = Callable[[World, str, bool], dict[str, Any] | None]


@dataclass(frozen=True)
class MutationCase:
    """`args(world, who, own)`: the arguments for `who` acting on its own (or a foreign) object, or
    None when that combination has no object to act on. An allowed caller's own call must not be
    refused as `not_found`/`forbidden`; a foreign one must be refused with one of REFUSALS and change
    nothing; a caller whose role is not allowed gets `forbidden` and changes nothing."""

    args: Args
    own_codes: frozenset[str] = frozenset({"ok"})  # acceptable outcomes of an own call ("ok" or a code)
    own_codes_of: dict[str, frozenset[str]] = field(default_factory=dict)  # per caller, instead of own_codes


_NOW = datetime.now(UTC)


def _new(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _target(who: str, own: bool) -> str:
    return own_customer(who) if own else foreign_customer(who)


def _cancel(w: World, who: str, own: bool) -> dict[str, Any]:
    number = PROCESSING if _target(who, own) == "anna" else BEN_PROCESSING
    return {"order_id": order_id(number)}


def _report(w: World, who: str, own: bool) -> dict[str, Any]:
    number = DELIVERED_5_DAYS if _target(who, own) == "anna" else BEN_DELIVERED
    return {"order_id": order_id(number), "thread_id": _new("t"), "message_id": _new("m"), "kind": "damaged",
            "description": "Broken"}


def _return_create(w: World, who: str, own: bool) -> dict[str, Any]:
    # The secret return holds position 0 of each order; ben's order has no other item, so his own
    # call is a duplicate_return: refused for a business rule, not as someone else's order.
    number, position = (DELIVERED_5_DAYS, 1) if _target(who, own) == "anna" else (BEN_DELIVERED, 0)
    return {"return_id": _new("r"), "order_id": order_id(number), "kind": "withdrawal",
            "items": [{"order_item_id": item_id(number, position), "quantity": 1}]}


def _thread_create(w: World, who: str, own: bool) -> dict[str, Any]:
    number = DELIVERED_5_DAYS if _target(who, own) == "anna" else BEN_DELIVERED
    return {"thread_id": _new("t"), "subject": "About my order", "order_id": order_id(number)}


def _message(w: World, who: str, own: bool) -> dict[str, Any]:
    return {"message_id": _new("m"), "thread_id": w.made[_target(who, own)]["thread_id"], "body": "Hello"}


def _redeem(w: World, who: str, own: bool) -> dict[str, Any] | None:
    if own:
        return {"redemption_id": _new("red"), "reward_id": "no-such-reward"}
    return None  # reusing someone else's redemption id: covered by test_mutators_loyalty


def _pickup(w: World, who: str, own: bool) -> str:
    """A store device's own pickups are its store's; everyone else's are the customer's."""
    if who in STORE:
        mine = STORE_PICKUP[STORE[who]]
        return mine if own else next(p for p in STORE_PICKUP.values() if p != mine)
    return PICKUP_OF[_target(who, own)]


def _handover(w: World, who: str, own: bool) -> dict[str, Any]:
    pickup_id = _pickup(w, who, own)
    with w.db.read() as session:
        pickup = session.get_one(Pickup, pickup_id)
        code, name = pickup.code, session.get_one(User, pickup.customer_id).name
    # The right code and recipient: only the store (and the pickup's state) may stand in the way.
    return {"handover_id": _new("h"), "pickup_id": pickup_id, "code": code, "recipient_name": name,
            "delegate": False, "items_complete": True, "age_check_done": True}


def _resolve(w: World, who: str, own: bool) -> dict[str, Any]:
    """A handover exception recorded at the store of the caller's own (or a foreign) pickup."""
    pickup_id = _pickup(w, who, own)
    handover_id = _new("h")
    with w.db.write() as session:
        pickup = session.get_one(Pickup, pickup_id)
        staff = session.scalars(select(User).where(User.store_id == pickup.store_id)).first()
        assert staff is not None
        session.add(PickupHandover(id=handover_id, pickup_id=pickup_id, store_id=pickup.store_id, staff_id=staff.id,
                                   staff_name=staff.name, at=pickup.hold_until or pickup.ready_at or _NOW,
                                   outcome="exception", reason="cancelled", recipient_name="Someone",
                                   items_complete=True))
    return {"handover_id": handover_id, "resolution": "goods_returned"}


def _feedback(w: World, who: str, own: bool) -> dict[str, Any]:
    args = {"feedback_id": _new("fb"), "article_id": FAQ_ARTICLE, "helpful": True}
    if not own:  # foreign: the id of the other customer's stored answer (a second answer updates the first)
        stored = w.devices[foreign_customer(who)].send("faq.feedback", args)
        assert stored["status"] == "ok", stored
        args["feedback_id"] = stored["result"]["feedback_id"]
    return args


def _return_code(w: World, owner: str) -> str:
    """The QR of `owner`'s secret return (kept: dropping it off clears it from the row)."""
    if "return_code" not in w.made[owner]:
        with w.db.read() as session:
            token = session.get_one(Return, w.made[owner]["return_id"]).qr_token
        assert token
        w.made[owner]["return_code"] = token
    return w.made[owner]["return_code"]


def _drop_off(w: World, who: str, own: bool) -> dict[str, Any] | None:
    if who in STORE and not own:
        return None  # staff drop off any shopper's return: there is no foreign one for them
    owner = _target(who, own)
    return {"return_id": w.made[owner]["return_id"], "code": _return_code(w, owner)}


def _human_thread(w: World) -> str:
    """A fresh conversation of anna's that asked for a human: what the support desk may act on."""
    thread_id = _new("t")
    anna = w.devices["anna"]
    assert anna.send("thread.create", {"thread_id": thread_id, "subject": "Help"})["status"] == "ok"
    assert anna.send("thread.request_human", {"thread_id": thread_id})["status"] == "ok"
    return thread_id


def _thread_ref(w: World, who: str, own: bool) -> str:
    """Own: the customer's secret thread (for the agent: a queued one); foreign: the other's secret thread
    (for the agent: one that never asked for a human)."""
    if who == "agent" and own:
        return _human_thread(w)
    return w.made[_target(who, own)]["thread_id"]


def _fresh_thread(w: World, who: str, own: bool) -> str:
    if not own:
        return w.made[_target(who, own)]["thread_id"]
    thread_id = _new("t")
    owner = w.devices[_target(who, own)]
    assert owner.send("thread.create", {"thread_id": thread_id, "subject": "Help"})["status"] == "ok"
    return thread_id


def _rate(w: World, who: str, own: bool) -> dict[str, Any]:
    thread_id = _fresh_thread(w, who, own)
    if own:
        assert w.devices[_target(who, own)].send("thread.close", {"thread_id": thread_id})["status"] == "ok"
    return {"thread_id": thread_id, "rating": 4, "comment": "Fine"}


def _agent_thread(w: World, who: str, own: bool) -> str:
    return _human_thread(w) if own else w.made[_target(who, own)]["thread_id"]


MUTATIONS: dict[str, MutationCase] = {
    "profile.update": MutationCase(lambda w, who, own: {"name": "Renamed"} if own else None),
    "order.cancel": MutationCase(_cancel),
    "order.report_problem": MutationCase(_report),
    "return.create": MutationCase(_return_create, own_codes=frozenset({"ok", "duplicate_return"})),
    "return.update": MutationCase(lambda w, who, own: {
        "return_id": w.made[_target(who, own)]["return_id"], "changes": {"comment": {"from": None, "to": "Too big"}}}),
    "return.cancel": MutationCase(lambda w, who, own: {"return_id": w.made[_target(who, own)]["return_id"]}),
    "thread.create": MutationCase(_thread_create),
    "message.send": MutationCase(_message),
    # The own call is refused for an unknown reward: what matters here is that it is not refused as foreign.
    "loyalty.redeem": MutationCase(_redeem, own_codes=frozenset({"reward_unavailable"})),
    "account.delete": MutationCase(lambda w, who, own: {"confirm": True} if own else None),
    # Ben's pickup is still being prepared: refused for that, not as someone else's.
    "pickup.check_in": MutationCase(lambda w, who, own: {"pickup_id": _pickup(w, who, own)},
                                    own_codes=frozenset({"ok", "pickup_not_ready"})),
    "pickup.set_delegate": MutationCase(lambda w, who, own: {"pickup_id": _pickup(w, who, own),
                                                             "delegate_name": "Max Mustermann"}),
    "pickup.mark_ready": MutationCase(lambda w, who, own: {"pickup_id": _pickup(w, who, own)}),
    # Hamburg's pickup is not ready yet: its own handover is refused for that.
    "pickup.handover": MutationCase(_handover, own_codes=frozenset({"ok", "pickup_not_ready"})),
    "pickup.resolve_exception": MutationCase(_resolve),
    "faq.feedback": MutationCase(_feedback),
    # A shopper's ordinary session never drops off ("not from the sofa"); her kiosk session does:
    # test_kiosk_sessions_reach_only_their_shoppers_things.
    "return.drop_off": MutationCase(_drop_off, own_codes_of={c: frozenset({"forbidden"}) for c in CUSTOMERS}),
    "thread.close": MutationCase(lambda w, who, own: {"thread_id": _thread_ref(w, who, own)}),
    "thread.mark_read": MutationCase(lambda w, who, own: {"thread_id": _thread_ref(w, who, own), "read_up_to": 1}),
    "thread.rate": MutationCase(_rate),
    "thread.request_human": MutationCase(lambda w, who, own: {"thread_id": _fresh_thread(w, who, own)}),
    "thread.create.v2": MutationCase(lambda w, who, own: {**_thread_create(w, who, own),
                                                          "context": None, "attachment_ids": []}),
    "agent.take": MutationCase(lambda w, who, own: {"thread_id": _agent_thread(w, who, own)}),
    "agent.reply": MutationCase(lambda w, who, own: {"thread_id": _agent_thread(w, who, own),
                                                     "message_id": _new("m"), "body": "Hello from the desk"}),
}
# Mutations that are registered but whose expectations are not written yet (work in progress elsewhere).
PENDING_MUTATIONS: set[str] = set()


def test_every_mutation_has_an_expectation() -> None:
    missing = sorted(set(REGISTRY) - set(MUTATIONS) - PENDING_MUTATIONS)
    assert not missing, (f"mutations without an authorization expectation: {missing}. Add a MutationCase for each "
                         f"to MUTATIONS in {__file__} (own and foreign arguments per caller).")


def _domain(db: Database) -> dict[str, list[tuple[str, ...]]]:
    return {t: rows for t, rows in snapshot(db).items() if t not in BOOKKEEPING}


def _scopes_at(db: Database, seq: int) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(SyncLog.scope).where(SyncLog.seq == seq)))


def _mutation_ids() -> list[Any]:
    return [pytest.param(name, id=name) for name in sorted(REGISTRY) if name in MUTATIONS]


@pytest.mark.parametrize("name", _mutation_ids())
def test_mutation_matrix(world: World, name: str) -> None:
    w, case, registered = world, MUTATIONS[name], REGISTRY[name]
    failures: list[str] = []
    anonymous = call(w, "anonymous", "POST", "/sync/push", json={
        "client_id": "anonymous-device", "mutations": [{"id": 1, "name": name, "args": {}}]})
    if anonymous.status_code != 401:
        failures.append(f"{name} as anonymous: {anonymous.status_code}")
    # Foreign first: an own call (account.delete) may end the caller's account.
    for own in (False, True):
        for who in CALLERS[1:]:
            args = case.args(w, who, own)
            if args is None:
                continue
            label = f"{name} as {who} ({'own' if own else 'foreign'})"
            device = w.devices[who]
            allowed = Role(device.user["role"]) in registered.roles
            before = _domain(w.db)
            result = device.send(name, args)
            outcome = "ok" if result["status"] == "ok" else result["code"]
            w.assert_no_leak(who, json.dumps(result), label, sent=json.dumps(args))
            if not allowed:
                expected_ok = outcome == "forbidden"
            elif own:
                expected_ok = outcome in case.own_codes_of.get(who, case.own_codes)
            else:
                expected_ok = outcome in REFUSALS
            if not expected_ok:
                failures.append(f"{label}: {outcome} {result.get('result')}")
            if outcome != "ok":
                if _domain(w.db) != before:
                    failures.append(f"{label}: refused ({outcome}) but changed domain rows")
            elif result.get("seq"):
                foreign_scopes = {d.scope for c, d in w.devices.items() if c in CUSTOMERS and c != who}
                if who in CUSTOMERS and _scopes_at(w.db, result["seq"]) & foreign_scopes:
                    failures.append(f"{label}: wrote into another customer's scope")
    assert not failures, "\n".join(failures)


# --- kiosk sessions: a shopper signed in at the BER-01 kiosk with her loyalty card ---------------------


def _kiosk_session(w: World, who: str) -> Device:
    answer = scan(w.devices["kiosk.ber"], loyalty_token(w.devices[who]))
    assert answer.status_code == 200, answer.text
    return session_device(w.devices["kiosk.ber"], answer.json())


def test_kiosk_sessions_reach_only_their_shoppers_things(world: World) -> None:
    w = world
    anna = _kiosk_session(w, "anna")
    ben_return = {"return_id": w.made["ben"]["return_id"], "code": _return_code(w, "ben")}
    refused = {
        "pickup.check_in": {"pickup_id": BEN_PICKUP},
        "return.drop_off": ben_return,
        # A code of ben's, but for anna's return id: the code must be for this very return.
        "return.drop_off ": {"return_id": w.made["anna"]["return_id"], "code": ben_return["code"]},
    }
    for name, args in refused.items():
        before = _domain(w.db)
        result = anna.send(name.strip(), args)
        assert (result["status"], result.get("code")) == ("rejected", "not_found"), (name, result)
        assert _domain(w.db) == before, name
        w.assert_no_leak("anna", json.dumps(result), name, sent=json.dumps(args))
    # Outside the kiosk's allow-list: refused even on her own things.
    limited = anna.send("thread.close", {"thread_id": w.made["anna"]["thread_id"]})
    assert (limited["status"], limited.get("code")) == ("rejected", "kiosk_session_limited")
    assert anna.http.get(API_PREFIX + "/account/export", headers=anna.headers()).status_code == 403
    # Her own things work.
    assert anna.send("pickup.check_in", {"pickup_id": ANNA_PICKUP})["status"] == "ok"
    own_return = {"return_id": w.made["anna"]["return_id"], "code": _return_code(w, "anna")}
    assert anna.send("return.drop_off", own_return)["status"] == "ok"
    changes = anna.changes(limit=500)
    allowed = set(scopes_for(Role.CUSTOMER, w.user_id("anna"), None))
    assert changes and {c["scope"] for c in changes} <= allowed and w.devices["ben"].scope not in allowed
    w.assert_no_leak("anna", json.dumps(changes), "pull in anna's kiosk session")


def test_a_kiosk_session_does_not_reach_another_stores_pickup(world: World) -> None:
    w = world
    assert w.devices["staff.ham"].send("pickup.mark_ready", {"pickup_id": BEN_PICKUP})["status"] == "ok"
    ben = _kiosk_session(w, "ben")  # ben at the Berlin kiosk; his pickup waits in Hamburg

    before = _domain(w.db)
    result = ben.send("pickup.check_in", {"pickup_id": BEN_PICKUP})

    assert (result["status"], result.get("code")) == ("rejected", "not_found"), result
    assert _domain(w.db) == before
