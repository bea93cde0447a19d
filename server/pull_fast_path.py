"""POST /sync/pull in orderly cases, answered beside FastAPI's request machinery (a pure ASGI layer).

A pull is the request every device sends most, and most pulls find nothing or a few rows. For
those, FastAPI's routing, dependency solving and body validation cost about as much as the pull's
own reads. This layer answers a pull whose token, headers and body are all in order by calling the
same `server.sync.pull.pull` and sending its page. Everything else goes to the FastAPI route with
the body as received: a missing, expired or forged token, a kiosk session, another schema version,
an over-long client id, a body that is not a valid `PullRequest`, and every error the pull itself
raises (reset, expired scope, a database failure). The route answers those exactly as before, so
error codes, their languages and the 422 shape keep one source.
"""


from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.protocol import API_PREFIX, SCHEMA_VERSION
from app.protocol.sync import PullRequest
from server.auth import Principal, TokenService, parse_bearer
from server.db import Database
from server.errors import ApiError
from server.routes.deps import run_read
from server.sync.pull import pull

PATH = API_PREFIX + "/sync/pull"
MAX_CLIENT_ID = 64  # as the route's `X-Client-Id` header allows
_SCHEMA = str(SCHEMA_VERSION).encode()

class PullFastPath:
    def __init__(self, app: ASGIApp, tokens: TokenService, db: Database) -> None:
        self.app = app
        self.tokens = tokens
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body, interrupted = await _read_body(receive)
        answer = await self._answer(scope, body) if interrupted is None else None
        if answer is None:
            await self.app(scope, _replay(body, interrupted, receive), send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})

    async def _answer(self, scope: Scope, body: bytes) -> bytes | None:
        """The page's JSON, or None for anything the route should answer."""
        headers = dict(scope["headers"])
        principal = self._principal(headers.get(b"authorization", b""))
        schema = headers.get(b"x-schema-version")
        client_id = headers.get(b"x-client-id")
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if (principal is None or (schema is not None and schema.strip() != _SCHEMA)
                or (client_id is not None and len(client_id) > MAX_CLIENT_ID) or content_type != b"application/json"):
            return None
        try:
            request = PullRequest.model_validate_json(body)
            page = await run_read(self.db, pull, self.db, principal,
                                  client_id.decode("latin-1") if client_id is not None else None, request)
        except Exception:  # noqa: BLE001 - invalid body, reset, expired scope, a failing database: the route answers
            return None
        return page.to_json()

    def _principal(self, authorization: bytes) -> Principal | None:
        token = parse_bearer(authorization.decode("latin-1"))
        if token is None:
            return None
        try:
            principal = self.tokens.principal(token)
        except ApiError:
            return None
        return None if principal.kiosk_store is not None else principal  # the route checks a kiosk's scope


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The body (BodyLimit, outside this layer, has capped it) and, if the client left before it
    was whole, the message that said so."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, interrupted: Message | None, receive: Receive) -> Receive:
    """The route's `receive`: the body as it came (then the disconnect, if it came), then the rest."""
    queued: list[Message] = [{"type": "http.request", "body": body, "more_body": interrupted is not None}]
    if interrupted is not None:
        queued.append(interrupted)

    async def again() -> Message:
        if queued:
            return queued.pop(0)
        message = await receive()
        return message

    return again
