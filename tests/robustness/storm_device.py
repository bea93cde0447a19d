"""One device of the offline storm (tests/robustness/test_offline_storm.py), in its own process.

It restores its signed-in account from disk (cache with a full outbox, tokens), waits for the
common start signal, then runs the real background sync (`SyncEngine.start()`: sync thread and
SSE listener, backoff, pokes) until told to stop. The test watches its cache file from outside.
"""

from pathlib import Path
from typing import Any

from services.client import ClientCore


def run(url: str, data_dir: str, name: str, go: Any, stop: Any) -> None:
    core = ClientCore(url, Path(data_dir), name)
    account = core.restore()
    assert account is not None, f"{name} is not signed in"
    try:
        go.wait()
        account.sync.start()
        stop.wait()
    finally:
        account.close()
        core.close()
