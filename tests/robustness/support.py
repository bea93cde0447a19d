"""Shared pieces of the robustness tests: the server as its own process, devices, and the server's view.

The server runs as `python -m server` (bench/server_process.py) on a copy of the session's seeded
SQLite template, with the test secret so the template's sessions are valid (no argon2 per device).
`Server` keeps one port across restarts: a device's base URL survives its server being killed.
Processes that start often (a server restarted 100 times, a device process per round) are forked
from a multiprocessing fork server that imported the server and client once: here, under load,
importing them costs 5 s of CPU and 15-35 s of wall time per fresh interpreter. The forked process
runs the same entry code (`server.__main__.main`) and opens its database and sockets itself.
"""

import json
import multiprocessing
import multiprocessing.context
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterable
from contextlib import closing
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Self

from sqlalchemy import select

from app.embedded import free_port
from app.protocol.auth import TokenResponse
from app.protocol.sync import PullRequest
from bench.server_process import ROOT, ServerProcess, sqlite_url
from services.api_client import ApiClient, make_http_client
from services.client import AccountSession, ClientCore
from services.storage.tables import SYNCED
from tests.conftest import TEST_ACCESS_TTL_S, TEST_SECRET, SeededTemplate

ANNA = "anna@example.com"
BEN = "ben@example.com"
Rows = dict[tuple[str, str], tuple[str, int, str]]  # (entity, id) -> (scope, seq, canonical payload)


def env_int(name: str, ci: int) -> int:
    """A size knob: the bounded CI value unless the environment asks for the full run."""
    return int(os.environ.get(name, str(ci)))


def canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _serve(port: int, env: dict[str, str], log_path: str) -> None:
    """The body of a forked server process: `python -m server --port P`'s main(), output to the log."""
    os.environ.update(env)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    from server.__main__ import main

    raise SystemExit(main(["--port", str(port)]))


_FORKS: multiprocessing.context.ForkServerContext | None = None


def fork_context() -> multiprocessing.context.ForkServerContext:
    """A fork server that has imported the server once: a restart then costs a fork, not ~5 s CPU of imports."""
    global _FORKS
    if _FORKS is None:
        _FORKS = multiprocessing.get_context("forkserver")
        _FORKS.set_forkserver_preload(["server.__main__", "server.main", "tests.robustness.support",
                                       "tests.robustness.pull_victim", "tests.robustness.storm_device"])
    return _FORKS


class ForkedProcess:
    """Just enough of `subprocess.Popen` for `ServerProcess` (pid, poll, wait, signals)."""

    def __init__(self, process: BaseProcess) -> None:
        self.process = process

    @property
    def pid(self) -> int:
        assert self.process.pid is not None
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.exitcode

    def poll(self) -> int | None:
        return self.process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self.process.join(timeout)
        if self.process.exitcode is None:
            raise subprocess.TimeoutExpired("server", timeout or 0)
        return self.process.exitcode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def forked(target: Callable[..., object], *args: object) -> ForkedProcess:
    """Run `target(*args)` in a process forked from the fork server (the client and server already imported)."""
    process = fork_context().Process(target=target, args=args, daemon=True)
    process.start()
    return ForkedProcess(process)


class Server(ServerProcess):
    """`python -m server` on a fixed port (kept across restarts), with the test secret.

    `prefork=True` (for tests that restart it many times) runs the same `server.__main__.main()` in a
    process forked from a fork server that imported it once; otherwise a fresh interpreter each time.
    """

    def __init__(self, db_path: Path, log_path: Path, env: dict[str, str] | None = None, prefork: bool = False) -> None:
        super().__init__(db_path, log_path, {"NAHTLOS_SECRET_KEY": TEST_SECRET,
                                             "NAHTLOS_ACCESS_TOKEN_TTL_S": str(TEST_ACCESS_TTL_S), **(env or {})})
        self.port = free_port()
        self.prefork = prefork

    def launch(self) -> Self:
        env = {"NAHTLOS_DATABASE_URL": sqlite_url(self.db_path), "NAHTLOS_AUTO_MIGRATE": "false", **self.extra_env}
        if self.prefork:
            self.proc = forked(_serve, self.port, env, str(self.log_path))  # type: ignore[assignment]
            return self
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "server", "--port", str(self.port)],
                                         cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
        return self

    def restart(self) -> Self:
        """A new process on the same database and port (the previous one must be gone)."""
        assert self.proc is not None and self.proc.poll() is not None, "the old server still runs"
        self.proc = None
        return self.start()

    def rss_kib(self) -> int:
        with open(f"/proc/{self.pid}/status", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def device(template: SeededTemplate, url: str, data_dir: Path, name: str, email: str = ANNA) -> AccountSession:
    """A signed-in device (the template's session, no argon2) with a real cache and real HTTP."""
    core = ClientCore(url, data_dir, name)
    core.token_file.write_text(json.dumps(template.sessions[email]), encoding="utf-8")
    account = core.restore()
    assert account is not None
    return account


def close_device(account: AccountSession) -> None:
    account.close()
    account.core.close()


def cache_rows(account: AccountSession) -> Rows:
    rows: Rows = {}
    with account.engine.connect() as conn:
        for entity, table in SYNCED.items():
            for r in conn.execute(select(table.c.id, table.c.scope, table.c.seq, table.c.data)):
                rows[(entity.value, r.id)] = (r.scope, int(r.seq), canon(r.data))
    return rows


def server_changes(template: SeededTemplate, url: str, email: str = ANNA) -> dict[tuple[str, str], tuple[str, int, str, str]]:
    """A fresh full pull of the user's scopes: (entity, id) -> (scope, seq, op, payload), tombstones kept."""
    with make_http_client(url) as http:
        api = ApiClient(http)
        api.set_tokens(TokenResponse.model_validate(template.sessions[email]))
        rows: dict[tuple[str, str], tuple[str, int, str, str]] = {}
        request = PullRequest(limit=5000)
        while True:
            page = api.pull(request, "robustness-observer")
            for change in page.changes:
                rows[(change.entity.value, change.id)] = (change.scope, change.seq, change.op, canon(change.data))
            if not page.more:
                return rows
            request = PullRequest(epoch=page.epoch, cursors=page.cursors, limit=5000)


def server_view(changes: dict[tuple[str, str], tuple[str, int, str, str]]) -> Rows:
    """What a caught-up cache holds: the live rows of a full pull."""
    return {k: (scope, seq, data) for k, (scope, seq, op, data) in changes.items() if op == "U"}


def query(db_path: Path, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
    """Read the server's database directly (read-only), as an auditor would."""
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)) as conn:
        return list(conn.execute(sql, tuple(params)))
