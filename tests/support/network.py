"""The one fake in our tests: the network between a client and the real in-process server.

`Network` forwards requests to the real FastAPI app (through Starlette's TestClient) and
can be switched off, which raises the same httpx errors a real dead network raises.
"""

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient


class Network:
    def __init__(self, app: FastAPI) -> None:
        self.server = TestClient(app, raise_server_exceptions=True)
        self.online = True
        self.requests = 0
        self._lose_response_on: set[str] = set()

    def lose_next_response(self, path_suffix: str) -> None:
        """The next request to that path reaches the server, but its answer never arrives."""
        self._lose_response_on.add(path_suffix)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if not self.online:
            raise httpx.ConnectError("network is down", request=request)
        self.requests += 1
        lost = next((p for p in self._lose_response_on if request.url.path.endswith(p)), None)
        body = request.read()
        target = request.url.raw_path.decode("ascii")
        response = self.server.request(request.method, target, headers=dict(request.headers), content=body)
        if lost is not None:
            self._lose_response_on.discard(lost)
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return httpx.Response(response.status_code, headers=dict(response.headers), content=response.content)

    def client(self) -> httpx.Client:
        """An httpx.Client for one device, wired through this network."""
        return httpx.Client(base_url="http://testserver", transport=httpx.MockTransport(self.handle))
