"""Process-level faults: the server dies between a push's commit and its answer; a device dies mid-page.

1. The server (`python -m server`'s main in its own process, forked from a fork server that imported
   it once, see support.py; temporary SQLite) runs with the fault hook of
   server/faults.py armed once per round: the push's transaction commits, then the process
   SIGKILLs itself before answering. The device (real `SyncEngine`, real cache, real HTTP) sees
   a dropped connection, keeps its outbox, fails again while the server is down, and retries
   after the restart. Every round proves: the effects were durable before the answer was lost,
   and the retry created none twice (one `message` row per body, one `sync_mutation` per
   mutation, `last_mutation_id` = mutations queued), the outbox drains, nothing is rejected.
2. A device process (tests/robustness/pull_victim.py) SIGKILLs itself after the K-th statement of
   a pull page's apply transaction, at a random K, on a full re-pull (cache wiped) or a delta
   pull (another device wrote meanwhile), with a message of its own in flight. On restart its
   cache holds exactly the server's state as of its cursors (no row past a cursor, no row of a
   committed page missing), its outbox is acknowledged only together with the final page, and
   one resync makes it equal to the server.

`NAHTLOS_ROBUST_KILLS` (default 10) rounds each; the issue's full run is 100.
"""

import json
import random
import shutil
import signal
import statistics
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from server.faults import KILL_AFTER_PUSH
from services.client import AccountSession
from services.errors import Offline
from services.storage import cache
from services.storage import outbox as outbox_repo
from services.storage.engine import open_cache
from services.storage.tables import rejection
from tests.conftest import SeededTemplate
from tests.robustness import pull_victim
from tests.robustness.support import (
    Rows,
    Server,
    cache_rows,
    close_device,
    device,
    env_int,
    forked,
    query,
    server_changes,
    server_view,
)

KILLS = env_int("NAHTLOS_ROBUST_KILLS", 10)
pytestmark = pytest.mark.timeout(300 + 20 * KILLS)


def _figures(name: str, **values: object) -> None:
    print(json.dumps({"test": name, **values}), flush=True)


def _bodies_on_server(db_path: Path, prefix: str) -> dict[str, int]:
    return dict(query(db_path, "SELECT body, count(*) FROM message WHERE body LIKE ? GROUP BY body", (f"{prefix}%",)))


def _unacknowledged(account: AccountSession) -> list[str]:
    with account.engine.connect() as conn:
        return [str(p.args.get("body") or p.name) for p in outbox_repo.pending(conn)]


# -- 1. the server dies after commit, before its answer ------------------------------------------

def test_server_killed_after_push_commit_every_retry_deduplicates(sqlite_template: SeededTemplate,
                                                                 tmp_path: Path) -> None:
    db_path = tmp_path / "server.sqlite"
    shutil.copy(sqlite_template.location, db_path)
    arm = tmp_path / "kill-after-next-push"
    server = Server(db_path, tmp_path / "server.log", env={KILL_AFTER_PUSH: str(arm)}, prefork=True).start()
    account = device(sqlite_template, server.url, tmp_path / "client", "dev0")
    rng = random.Random(6)
    queued: list[str] = []
    restarts: list[float] = []
    mutations = 0
    try:
        # Threads of its own: the seeded ones may be closed, and a closed thread refuses messages.
        threads = [account.messaging.create_thread(f"kill thread {i}") for i in range(3)]
        account.sync.sync_once()
        mutations += len(threads)
        for n in range(KILLS):
            batch = []
            for j in range(rng.randint(1, 6)):
                body = f"kill-{n}-{j}"
                if rng.random() < 0.2:
                    account.messaging.create_thread(f"subject {body}", body=body)
                else:
                    account.messaging.send(rng.choice(threads), body)
                batch.append(body)
            queued += batch
            mutations += len(batch)
            arm.touch()
            with pytest.raises(Offline):
                account.sync.sync_once()
            assert server.proc is not None
            assert server.proc.wait(timeout=30) == -signal.SIGKILL, "the fault hook did not fire"
            assert not arm.exists()
            # Committed although never answered: the effects are on disk, the device still holds them.
            assert _bodies_on_server(db_path, f"kill-{n}-") == dict.fromkeys(batch, 1)
            assert sorted(_unacknowledged(account)) == sorted(batch)
            with pytest.raises(Offline):  # the device retries while the server is still down
                account.sync.sync_once()
            started = time.perf_counter()
            server.restart()
            restarts.append(time.perf_counter() - started)
            account.sync.sync_once()  # the retry: answered from sync_mutation, then pulled
            assert _unacknowledged(account) == []
            assert _bodies_on_server(db_path, "kill-") == dict.fromkeys(queued, 1)
        with account.engine.connect() as conn:
            client_id = str(cache.read_state(conn)["client_id"])
            rejected = list(conn.execute(select(rejection)))
        statuses = dict(query(db_path, "SELECT status, count(*) FROM sync_mutation WHERE client_id = ? GROUP BY status",
                              (client_id,)))
        (last,) = query(db_path, "SELECT last_mutation_id FROM sync_client WHERE client_id = ?", (client_id,))[0]
        assert rejected == []
        assert statuses == {"ok": mutations} and last == mutations
        mine = [v for (entity, _), v in cache_rows(account).items() if entity == "message"]
        cached = [json.loads(data)["body"] for _, _, data in mine]
        assert sorted(b for b in cached if b.startswith("kill-")) == sorted(queued)
        assert cache_rows(account) == server_view(server_changes(sqlite_template, server.url))
    finally:
        close_device(account)
        server.stop()
    _figures("server_killed_after_push_commit", kills=KILLS, mutations=mutations, lost=0, duplicated=0,
             restart_p50_s=round(statistics.median(restarts), 2) if restarts else None)


# -- 2. a device dies in the middle of applying a pull page ----------------------------------------

def _victim(url: str, data_dir: Path, kill_at: int, limit: int, send: tuple[str, str]) -> tuple[int, dict[str, int]]:
    """Run the victim device process; its exit code and, when it was not killed, its statement count."""
    report = data_dir / "victim-report.json"
    report.unlink(missing_ok=True)
    argv = ["--url", url, "--data-dir", str(data_dir), "--device", "victim", "--kill-at", str(kill_at),
            "--limit", str(limit), "--send", *send, "--report", str(report)]
    process = forked(pull_victim.main, argv)
    code = process.wait(timeout=120)
    return code, json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}


def _check_consistent(mine: Rows, cursors: dict[str, int], server: dict[tuple[str, str], tuple[str, int, str, str]]
                      ) -> None:
    """The cache is the server's state as of its cursors: nothing past a cursor, nothing committed missing."""
    for key, (scope, seq, data) in mine.items():
        assert seq <= cursors.get(scope, -1), f"{key} at seq {seq} is past the cursor of {scope}: {cursors}"
        assert key in server, f"{key} is not on the server"
        s_scope, s_seq, op, s_data = server[key]
        if s_seq <= cursors.get(s_scope, -1):
            assert op == "U" and (s_scope, s_seq, s_data) == (scope, seq, data), f"{key} differs from the server"
        else:
            assert seq < s_seq, f"{key}: cached seq {seq}, server {s_seq}"
    for key, (scope, seq, op, data) in server.items():
        if op == "U" and seq <= cursors.get(scope, -1):
            assert mine.get(key) == (scope, seq, data), f"{key} (seq {seq}) is missing below the cursor of {scope}"


def test_device_killed_while_applying_a_page_is_consistent_on_restart(sqlite_template: SeededTemplate,
                                                                     tmp_path: Path) -> None:
    db_path = tmp_path / "server.sqlite"
    shutil.copy(sqlite_template.location, db_path)
    server = Server(db_path, tmp_path / "server.log", prefork=True).start()
    data_dir = tmp_path / "client"
    writer = device(sqlite_template, server.url, data_dir, "writer")
    victim = device(sqlite_template, server.url, data_dir, "victim")
    cache_path = victim.cache_path
    close_device(victim)  # the victim runs in its own processes; this one only prepared its sign-in
    rng = random.Random(66)
    limit = 10  # ~20 pages for anna's ~180 rows: many page boundaries to die between and within
    kills = completed = full_pulls = written = 0
    sent: list[str] = []
    try:
        threads = [writer.messaging.create_thread(f"writer thread {i}") for i in range(3)]
        for thread in threads:
            # With a person, not the bot: its answers come a moment after a push (server.sync.follow_ups)
            # and would move the server on after the victim's last pull, which this test checks against.
            writer.messaging.request_human(thread)
        writer.sync.sync_once()
        code, calibration = _victim(server.url, data_dir, 0, limit, (threads[0], "victim-calibration"))
        assert code == 0, f"the victim failed; exit code {code}"
        full = calibration["statements"]
        sent.append("victim-calibration")
        for n in range(KILLS):
            for j in range(rng.randint(1, 4)):  # the server moves on while the victim is away
                writer.messaging.send(rng.choice(threads), f"writer-{n}-{j}")
                written += 1
            writer.sync.sync_once()
            wipe = n % 2 == 0
            if wipe:  # a full re-pull (what a reset does); the outbox survives it
                engine = open_cache(cache_path)
                with engine.begin() as conn:
                    cache.wipe_synced(conn)
                engine.dispose()
                full_pulls += 1
            body = f"victim-{n}"
            sent.append(body)
            # Each writer message is its own transaction, so a full pull grows by a page (~5 statements)
            # per `limit` of them: draw the kill point over the whole pull, not only its first pages.
            kill_at = rng.randint(1, full + 5 * (written // limit) if wipe else 8)
            code, _ = _victim(server.url, data_dir, kill_at, limit, (rng.choice(threads), body))
            if code == -signal.SIGKILL:
                kills += 1
            else:
                assert code == 0, f"the victim failed; exit code {code}"
                completed += 1  # the pull had fewer statements than K: it finished instead
            changes = server_changes(sqlite_template, server.url)  # the server is still now
            head = max(seq for _, seq, _, _ in changes.values())
            account = device(sqlite_template, server.url, data_dir, "victim")  # the restart
            try:
                with account.engine.connect() as conn:
                    cursors = outbox_repo.cursors(conn)
                _check_consistent(cache_rows(account), cursors, changes)
                pending = _unacknowledged(account)
                if body not in pending:  # acknowledged only by the final page, in its transaction
                    assert cursors and all(c >= head for c in cursors.values()), (cursors, head)
                account.sync.sync_once()  # the resync converges
                assert _unacknowledged(account) == []
                assert cache_rows(account) == server_view(server_changes(sqlite_template, server.url))
            finally:
                close_device(account)
            assert _bodies_on_server(db_path, "victim-") == dict.fromkeys(sent, 1)
    finally:
        close_device(writer)
        server.stop()
    assert kills >= KILLS // 2, f"only {kills} of {KILLS} rounds died mid-page"
    _figures("device_killed_mid_page", rounds=KILLS, killed_mid_page=kills, finished_before_the_kill_point=completed,
             full_re_pulls=full_pulls, statements_per_full_pull=full, pages_per_full_pull=calibration["pages"],
             inconsistent=0, not_converged=0)
