"""Load: many connected SSE clients plus a steady write rate against `python -m server` (bench/sse_load.py).

No 5xx, every stream stays open, every write is answered, no lost poke (each of anna's listeners
sees, for every write, a poke whose seq is at least the write's), none of anna's pokes at ben's
listeners; the server's memory per idle stream is printed. `NAHTLOS_ROBUST_SSE_CLIENTS` (CI 50,
the issue's 200), `NAHTLOS_ROBUST_SSE_SECONDS` (CI 10, the issue's 60), `NAHTLOS_ROBUST_SSE_RATE` (10/s).
"""

import shutil
from pathlib import Path

import pytest

from bench.report import Reporter
from bench.sse_load import report, run_load
from tests.conftest import SeededTemplate
from tests.robustness.support import ANNA, BEN, Server, env_int

CLIENTS = env_int("NAHTLOS_ROBUST_SSE_CLIENTS", 50)
SECONDS = env_int("NAHTLOS_ROBUST_SSE_SECONDS", 10)
RATE = env_int("NAHTLOS_ROBUST_SSE_RATE", 10)
pytestmark = pytest.mark.timeout(600 + 2 * SECONDS)


def test_sse_clients_under_steady_writes_lose_no_poke(sqlite_template: SeededTemplate, tmp_path: Path) -> None:
    db_path = tmp_path / "server.sqlite"
    shutil.copy(sqlite_template.location, db_path)
    tokens = {"anna": sqlite_template.sessions[ANNA]["access_token"],
              "ben": sqlite_template.sessions[BEN]["access_token"]}
    with Server(db_path, tmp_path / "server.log") as server:
        result = run_load(server.url, server.pid, tokens, CLIENTS, RATE, SECONDS)
    out = Reporter("sse_load")
    report(out, result, CLIENTS, RATE, SECONDS)
    pairs, lost, _ = result.coverage()
    assert result.server_5xx == 0
    assert result.stream_failures == 0
    assert len(result.writes) == RATE * SECONDS and all(w.seq is not None for w in result.writes)
    assert pairs == len(result.writes) * sum(1 for item in result.listeners if item.user == "anna")
    assert lost == 0, f"{lost} of {pairs} (listener, write) pairs never saw a covering poke"
    assert result.leaked == 0, "ben's listeners were poked for anna's writes"
