"""A pure ASGI middleware that refuses bodies over a per-path limit, before they are read whole."""

import json
from collections.abc import Callable
from typing import Any

from app.protocol.errors import ErrorCode
from server.errors import locale_from_header, message_for

Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


class BodyLimit:
    def __init__(self, app: Any, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        headers = dict(scope.get("headers") or [])
        locale = locale_from_header((headers.get(b"accept-language") or b"").decode("latin-1"))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(send, limit, locale)
            return
        if declared is None or not declared.isdigit():
            # A streamed (chunked) body: read it here, up to the limit, before the app sees any of it.
            # Raising from inside the app's receive() would not do: FastAPI turns any error while
            # reading a body into a 400 and answers before we could say 413.
            await self._buffered(scope, receive, send, limit, locale)
            return
        # A declared length within the limit: the HTTP parser delivers exactly that many bytes (more
        # would be the next request), so nothing needs watching; unwrapped, every request saves two
        # extra coroutine layers (8 % of a pull's server CPU).
        await self.app(scope, receive, send)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, limit: int, locale: str) -> None:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before it finished sending
            body += message.get("body", b"")
            if len(body) > limit:
                await self._refuse(send, limit, locale)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if replayed:
                message: dict[str, Any] = await receive()  # e.g. http.disconnect, for SSE
                return message
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(send: Send, limit: int, locale: str) -> None:
        body = json.dumps({"code": ErrorCode.PAYLOAD_TOO_LARGE, "message": message_for(ErrorCode.PAYLOAD_TOO_LARGE, locale),
                           "detail": {"max_bytes": limit}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
