"""The one fake in our tests: the network between a client and the real in-process server.

`Network` forwards requests to the real FastAPI app (through Starlette's TestClient) and
can be switched off, which raises the same httpx errors a real dead network raises.
`restart(app)` swaps in a new app (a server restart over the same database).

`Link` is one device's connection through an `Upstream` (a `Network`, or in
tests/robustness/sim_cluster.py a load balancer in front of real server processes), with
faults injected per request (the sync simulation queues them): the request is lost before
the server sees it, the answer is lost after the server committed, the request is delivered
twice, or it is held in the network and delivered after the device's next request (a
reordering).
"""

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient


class Network:
    def __init__(self, app: FastAPI) -> None:
        self.server = TestClient(app, raise_server_exceptions=True)
        self.online = True
        self.requests = 0
        self._lose_response_on: set[str] = set()
        self._open = False

    def open(self) -> "Network":
        """Keep one event loop for all requests (faster than one per request); `close()` ends it."""
        if not self._open:
            self.server.__enter__()
            self._open = True
        return self

    def close(self) -> None:
        if self._open:
            self._open = False
            self.server.__exit__(None, None, None)

    def lose_next_response(self, path_suffix: str) -> None:
        """The next request to that path reaches the server, but its answer never arrives."""
        self._lose_response_on.add(path_suffix)

    def restart(self, app: FastAPI) -> None:
        """From now on requests reach `app` (a new server process; the old one is gone)."""
        was_open = self._open
        self.close()
        self.server = TestClient(app, raise_server_exceptions=True)
        if was_open:
            self.open()

    def forward(self, request: "Sent") -> httpx.Response:
        """Deliver a request to the server as it is now; returns the server's answer once the work
        a push leaves for a moment later (the bot's answer) is done too, so that what a device
        pulls next does not depend on a race with the server's background thread
        (tests/server/test_follow_ups covers the wait itself)."""
        self.requests += 1
        response = self.server.request(request.method, request.target, headers=request.headers,
                                       content=request.body)
        if request.path.endswith("/sync/push"):
            app: FastAPI = self.server.app  # type: ignore[assignment]  # TestClient types it as any ASGI app
            assert app.state.follow_ups.settle(), "follow-up work did not finish"
        return httpx.Response(response.status_code, headers=dict(response.headers), content=response.content)

    def forward_all(self, copies: Sequence["Sent"]) -> list[httpx.Response | httpx.TransportError]:
        """Deliver copies of a request one after the other (one app, one event loop: no overlap)."""
        return [self.forward(sent) for sent in copies]

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.online:
            raise httpx.ConnectError("network is down", request=request)
        lost = next((p for p in self._lose_response_on if request.url.path.endswith(p)), None)
        response = self.forward(Sent.of(request))
        if lost is not None:
            self._lose_response_on.discard(lost)
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return response

    def client(self) -> httpx.Client:
        """An httpx.Client for one device, wired through this network."""
        return httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(self.handle))


@dataclass(frozen=True)
class Sent:
    """A request as it travels: it can be held back and delivered later, or twice."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @classmethod
    def of(cls, request: httpx.Request) -> "Sent":
        return cls(request.method, request.url.raw_path.decode("ascii"), dict(request.headers), request.read())

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


class Fault(StrEnum):
    DROP_REQUEST = "drop_request"  # lost before the server sees it (ConnectError)
    DROP_RESPONSE = "drop_response"  # the server handled it, the answer is lost (ReadError)
    DUPLICATE = "duplicate"  # the server gets it twice; the device sees the second answer
    HOLD = "hold"  # the device times out; the server gets it after the device's next request


class Upstream(Protocol):
    """What a `Link` delivers through: one in-process app, or several server processes."""

    online: bool

    def forward_all(self, copies: Sequence[Sent]) -> list[httpx.Response | httpx.TransportError]:
        """Deliver every copy (a duplicated request: two); an answer, or the transport error, per copy."""
        ...


class Link:
    """One device's connection through an `Upstream`, with per-request faults.

    `faults` is consumed one entry per request (`None` = deliver normally); when it is
    empty requests pass. `offline` drops every request. `delivered` lists every request
    the server received from this device, in order, held ones included.
    """

    def __init__(self, network: Upstream, name: str = "device") -> None:
        self.network = network
        self.name = name
        self.offline = False
        self.faults: deque[Fault | None] = deque()
        self.held: list[Sent] = []
        self.delivered: list[Sent] = []
        self.injected: dict[Fault, int] = dict.fromkeys(Fault, 0)
        self.answers: Counter[str] = Counter()  # "POST /api/v1/sync/push 409": how often

    def _deliver(self, sent: Sent, copies: int = 1) -> httpx.Response | httpx.TransportError:
        """Deliver `copies` copies of the request; what the device gets is the outcome of the last one
        (a transport error where a server process died with the request)."""
        self.delivered.extend([sent] * copies)
        outcomes = self.network.forward_all([sent] * copies)
        for outcome in outcomes:
            if isinstance(outcome, httpx.Response):
                self.answers[f"{sent.method} {sent.path} {outcome.status_code}"] += 1
        return outcomes[-1]

    def release_held(self) -> int:
        """Deliver every held request now (their answers, or errors, go nowhere). Returns how many."""
        held, self.held = self.held, []
        for sent in held:
            self._deliver(sent)
        return len(held)

    def handle(self, request: httpx.Request) -> httpx.Response:
        fault = self.faults.popleft() if self.faults else None
        if self.offline or not self.network.online or fault is Fault.DROP_REQUEST:
            if fault is Fault.DROP_REQUEST:
                self.injected[fault] += 1
            raise httpx.ConnectError(f"{self.name}: network is down", request=request)
        sent = Sent.of(request)
        if fault is not None:
            self.injected[fault] += 1
        if fault is Fault.HOLD:
            self.held.append(sent)
            raise httpx.ReadTimeout(f"{self.name}: no answer in time", request=request)
        outcome = self._deliver(sent, 2 if fault is Fault.DUPLICATE else 1)
        self.release_held()  # anything held back arrives after this request: reordered
        if isinstance(outcome, httpx.TransportError):
            raise outcome
        if fault is Fault.DROP_RESPONSE:
            raise httpx.ReadError(f"{self.name}: connection reset after the server answered", request=request)
        return outcome

    def client(self) -> httpx.Client:
        return httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(self.handle))
