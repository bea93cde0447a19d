"""Fault injection for the process-level robustness tests; inert unless an environment variable arms it.

`NAHTLOS_FAULT_KILL_AFTER_PUSH=/path/to/arm-file`: when the app has finished a `POST .../sync/push`
(its transaction committed: the route returns only after COMMIT) and that file exists, the server
removes the file and SIGKILLs itself before the first byte of the answer is sent. The client sees
a dropped connection for a push whose effects are durable, the case exactly-once delivery is for.
One armed file = one kill, so the restarted server (same environment) answers the client's retry.

Read once by `create_app`; without the variable nothing is installed (tests/robustness).
"""

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

KILL_AFTER_PUSH = "NAHTLOS_FAULT_KILL_AFTER_PUSH"

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Any]


class KillAfterPush:
    """ASGI middleware: SIGKILL the process between a push's commit and its answer, when armed."""

    def __init__(self, app: Any, arm_file: Path) -> None:
        self.app = app
        self.arm_file = arm_file

    async def __call__(self, scope: Scope, receive: Callable[[], Any], send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith("/sync/push"):
            await self.app(scope, receive, send)
            return

        async def send_or_die(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200 and self._disarm():
                os.kill(os.getpid(), signal.SIGKILL)
            await send(message)

        await self.app(scope, receive, send_or_die)

    def _disarm(self) -> bool:
        try:
            self.arm_file.unlink()
        except FileNotFoundError:
            return False
        return True


def install(app: FastAPI) -> None:
    """Add the fault hooks the environment asks for (none by default)."""
    arm_file = os.environ.get(KILL_AFTER_PUSH)
    if arm_file:
        app.add_middleware(KillAfterPush, arm_file=Path(arm_file))
