"""`initial_sync`: an empty client pulls 10,000 orders + 100,000 messages of one account.

The server runs as its own process on a SQLite file holding the demo data plus the synthetic
rows (`bench.synthetic`). The client is the real one (`ClientCore.sign_in` + `SyncEngine.sync_once`
over real HTTP on loopback). The baseline inserts exactly the rows the client ended up with
into a fresh cache of the same schema, in one transaction with Core `insert()` executemany.
Target: sync time <= 2.5x the baseline, both measured in this run.
"""

import argparse
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench.cli import main
from bench.profiling import ClientProfile, ServerProfile
from bench.report import Reporter
from bench.server_process import ServerProcess, checkpoint, prepare_database
from bench.synthetic import (
    ANNA_EMAIL,
    ANNA_PASSWORD,
    BEN_EMAIL,
    BEN_PASSWORD,
    fill_account,
)
from bench.timing import SyncProbe
from services.client import ClientCore
from services.storage.engine import open_cache
from services.storage.tables import SYNCED

TARGET_RATIO = "<= 2.5"


def synced_rows(engine: Any) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        return {entity.value: [dict(r) for r in conn.execute(select(table)).mappings()]
                for entity, table in SYNCED.items()}


def raw_insert(path: Path, rows: dict[str, list[dict[str, Any]]]) -> tuple[float, float]:
    """Wall and CPU seconds for one transaction of Core bulk inserts of `rows` into a fresh cache."""
    engine = open_cache(path)
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        with engine.begin() as conn:
            for entity, table in SYNCED.items():
                if rows[entity.value]:
                    conn.execute(insert(table), rows[entity.value])
        return time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        engine.dispose()


def run(out: Reporter, args: argparse.Namespace, tmp: Path) -> None:
    orders, messages = (500, 5_000) if args.quick else (args.orders, args.messages)
    db = prepare_database(tmp / "server.sqlite")
    server = ServerProcess(tmp / "server.sqlite", tmp / "server.log").launch()  # imports while we fill
    try:
        filled = fill_account(db, ANNA_EMAIL, orders, messages)
        checkpoint(db)
        db.dispose()
        out.note(orders=orders, messages=messages, threads=len(filled.thread_ids), synthetic_rows=filled.rows,
                 load_before=os.getloadavg()[0])
        server.start()
        core = ClientCore(server.url, tmp / "client", "initial-sync")
        try:
            # Warm both sides up on a small account first (a real server is long-running; the
            # first requests of a fresh process pay for imports and statement compilation).
            warm = core.sign_in(BEN_EMAIL, BEN_PASSWORD)
            warm.sync.sync_once()
            raw_insert(tmp / "warm.sqlite", synced_rows(warm.engine))
            warm.close()

            account = core.sign_in(ANNA_EMAIL, ANNA_PASSWORD)
            cpu_before = server.cpu_seconds()
            with SyncProbe(account.api) as probe, \
                    ServerProfile(server.pid, tmp / "server-profile.txt", args.profile) as server_profile, \
                    ClientProfile(args.profile) as client_profile:
                started, cpu_started = time.perf_counter(), time.process_time()
                account.sync.sync_once()
                t_sync = time.perf_counter() - started
                client_cpu = time.process_time() - cpu_started
            server_cpu = server.cpu_seconds() - cpu_before
            rows = synced_rows(account.engine)
            account.close()
        finally:
            core.close()
    finally:
        server.stop()

    total = sum(len(v) for v in rows.values())
    if len(rows["order"]) < orders or len(rows["message"]) < messages:
        raise AssertionError(f"the cache holds {len(rows['order'])} orders and {len(rows['message'])} messages")
    t_raw, raw_cpu = raw_insert(tmp / "raw.sqlite", rows)

    out.figure("sync_time", t_sync, "s", rows=total, pages=probe.pulls, rows_per_s=round(total / t_sync))
    out.figure("raw_insert_time", t_raw, "s", rows=total, rows_per_s=round(total / t_raw))
    out.figure("sync_vs_raw_insert", t_sync / t_raw, "ratio", TARGET_RATIO)
    # The same ratio in CPU seconds (client + server against the raw insert's): what an idle
    # machine would show, since a busy one stretches wall time but not CPU time.
    out.figure("cpu_sync_vs_raw_insert", (client_cpu + server_cpu) / raw_cpu, "ratio",
               client_cpu_s=round(client_cpu, 2), server_cpu_s=round(server_cpu, 2), raw_cpu_s=round(raw_cpu, 2))
    # Where the sync time went (client side; the HTTP share includes the server's work).
    out.figure("share_http_and_server", probe.send_s, "s", note="ApiClient._send: request, server, JSON decode")
    out.figure("share_pydantic_validate", probe.validate_s, "s", note="PullResponse.model_validate")
    out.figure("share_apply_page", probe.apply_s, "s", note="services.storage.cache.apply_page")
    out.figure("share_other", t_sync - probe.pull_s - probe.apply_s, "s", note="transactions, commits, bookkeeping")
    out.figure("server_cpu", server_cpu, "s", note="server process CPU time (all threads) during the sync")
    if args.profile:
        out.note(server_profile=server_profile.summary, client_profile=client_profile.summary)
    out.note(load_after=os.getloadavg()[0])


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=100_000)


if __name__ == "__main__":
    raise SystemExit(main("initial_sync", run, configure))
