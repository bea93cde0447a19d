"""A signed-in client of the in-process server, as the tests drive it.

`Device` keeps what a real device keeps (token, client id, next mutation id, epoch, cursors)
and speaks the wire protocol through Starlette's TestClient; it asserts nothing by itself
except where a helper promises a successful answer (`pull`, `push`) and that the work a push
leaves for later is done when `push_raw` returns.
"""

import uuid
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from app.protocol import API_PREFIX, SCHEMA_VERSION

DEMO_EMAILS = {
    "anna": "anna@example.com",
    "ben": "ben@example.com",
    "staff.ber": "staff.ber@example.com",
    "staff.ham": "staff.ham@example.com",
    "agent": "agent@example.com",
    "kiosk.ber": "kiosk.ber@example.com",
}


class Device:
    def __init__(self, http: TestClient, session: dict[str, Any], client_id: str | None = None) -> None:
        self.http = http
        self.access_token: str = session["access_token"]
        self.refresh_token: str = session["refresh_token"]
        self.user: dict[str, Any] = session["user"]
        self.client_id = client_id or f"test-{uuid.uuid4().hex}"
        self.next_mutation_id = 1
        self.epoch: str | None = None
        self.cursors: dict[str, int] = {}

    @property
    def user_id(self) -> int:
        value: int = self.user["id"]
        return value

    @property
    def scope(self) -> str:
        return f"user:{self.user_id}"

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}", "X-Client-Id": self.client_id,
                "X-Schema-Version": str(SCHEMA_VERSION), **extra}

    def post(self, path: str, body: Any = None, **headers: str) -> Response:
        return self.http.post(API_PREFIX + path, json=body, headers=self.headers(**headers))

    # --- pull -----------------------------------------------------------------------------------

    def pull_raw(self, body: dict[str, Any], **headers: str) -> Response:
        return self.post("/sync/pull", body, **headers)

    def pull(self, limit: int | None = None) -> dict[str, Any]:
        """One page from the device's own epoch and cursors; adopts the answer's epoch and cursors."""
        body: dict[str, Any] = {"epoch": self.epoch, "cursors": self.cursors}
        if limit is not None:
            body["limit"] = limit
        response = self.pull_raw(body)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        self.epoch = page["epoch"]
        self.cursors = dict(page["cursors"])
        return page

    def pull_all(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Pages until `more` is false."""
        pages = [self.pull(limit)]
        while pages[-1]["more"]:
            assert len(pages) < 10_000, "pull never finished"
            pages.append(self.pull(limit))
        return pages

    def changes(self, limit: int | None = None) -> list[dict[str, Any]]:
        return [change for page in self.pull_all(limit) for change in page["changes"]]

    # --- push -----------------------------------------------------------------------------------

    def mutation(self, name: str, args: dict[str, Any], mutation_id: int | None = None) -> dict[str, Any]:
        """A mutation with the next id (or the given one, which then doesn't advance the counter)."""
        if mutation_id is None:
            mutation_id = self.next_mutation_id
            self.next_mutation_id += 1
        return {"id": mutation_id, "name": name, "args": args, "client_time": "2026-01-01T10:00:00+01:00"}

    def push_raw(self, mutations: list[dict[str, Any]], client_id: str | None = None, **headers: str) -> Response:
        """The push; against the in-process app, also the work it left for a moment later (the bot's
        answer) done at once: a test reads the server as it is once that is over
        (tests/server/test_follow_ups covers the wait). A server in its own process does that work
        on its own time."""
        response = self.post("/sync/push", {"client_id": client_id or self.client_id, "mutations": mutations},
                             **headers)
        app = getattr(self.http, "app", None)  # a TestClient's; a plain httpx.Client has none
        if app is not None:
            assert app.state.follow_ups.settle(), "follow-up work did not finish"
        return response

    def push(self, *mutations: dict[str, Any]) -> dict[str, Any]:
        response = self.push_raw(list(mutations))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def send(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """Push one mutation and return its result."""
        result: dict[str, Any] = self.push(self.mutation(name, args))["results"][0]
        return result
