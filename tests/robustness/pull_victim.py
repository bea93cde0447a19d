"""A device process that SIGKILLs itself in the middle of applying a pull page (tests/robustness).

`python -m tests.robustness.pull_victim --url U --data-dir D --device NAME --kill-at K [--limit L]
[--send THREAD_ID BODY]`: restores the signed-in device from D (its cache and tokens), optionally
queues one message, and runs one `SyncEngine.sync_once()` with pull pages of L rows. Counting the
statements that `services.storage.cache.apply_page` executes (inside the page's one transaction),
it kills itself right after the K-th one: the transaction is open, some rows of the page are
written, nothing is committed. K = 0 never kills. Without a kill it prints
`{"statements": n, "pages": p}` (or writes it to `--report FILE`) and exits 0. The robustness test
forks it from a fork server (tests/robustness/support.py) that has imported the client once.
"""

import argparse
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import event

from app.protocol.sync import PullResponse
from services.client import ClientCore
from services.storage import cache


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--device", required=True)
    parser.add_argument("--kill-at", type=int, default=0)
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--send", nargs=2, metavar=("THREAD_ID", "BODY"))
    parser.add_argument("--report", type=Path, help="write the JSON line here instead of stdout")
    args = parser.parse_args(argv)

    core = ClientCore(args.url, args.data_dir, args.device)
    account = core.restore()
    if account is None:
        print("device is not signed in", file=sys.stderr)
        return 2
    account.sync.pull_limit = args.limit
    if args.send:
        account.messaging.send(*args.send)

    counted = {"statements": 0, "pages": 0, "active": False}

    @event.listens_for(account.engine, "after_cursor_execute")
    def _after(*_: Any) -> None:
        if counted["active"]:
            counted["statements"] += 1
            if counted["statements"] == args.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    real_apply = cache.apply_page

    def apply_page(conn: Any, page: PullResponse) -> set[str]:
        counted["pages"] += 1
        counted["active"] = True
        try:
            return real_apply(conn, page)
        finally:
            counted["active"] = False

    cache.apply_page = apply_page  # services.sync calls it through the module: no source change
    account.sync.sync_once()
    line = json.dumps({"statements": counted["statements"], "pages": counted["pages"]})
    if args.report:
        args.report.write_text(line, encoding="utf-8")
    else:
        print(line, flush=True)
    account.close()
    core.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
