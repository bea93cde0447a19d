"""`delta_sync`: pull one changed row when the account holds 10k vs 100k rows.

Two servers (separate processes), one whose database holds 10k rows for the account and one
with 100k, each with a client cache that is caught up. Each round changes one message row
server-side (written through the server's database with `server.sync.log.stage` +
`commit_seq`, the same path a mutator takes), then times the client's `sync_once()` (an
empty outbox, so: one pull and its apply). Rounds alternate between the two sizes so that
noise from the machine hits both alike. Targets: t(100k)/t(10k) <= 1.2, p50 <= 3 ms.
"""

import argparse
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from app.protocol.sync import Entity
from bench.cli import main
from bench.profiling import ClientProfile, ServerProfile
from bench.report import Reporter, percentile
from bench.server_process import (
    ServerProcess,
    checkpoint,
    prepare_database,
    seeded_template,
)
from bench.synthetic import ANNA_EMAIL, ANNA_PASSWORD, Filled, fill_account
from bench.timing import SyncProbe
from server.db import Database
from server.models import Message, SyncLog
from server.sync.log import commit_seq, stage
from services.client import AccountSession, ClientCore
from services.storage.tables import SYNCED

TARGET_RATIO = "<= 1.2"
TARGET_P50_MS = "<= 3"


@dataclass
class Side:
    """One account size: its server, its database (for writing changes) and its caught-up client."""

    label: str
    rows: int
    filled: Filled
    server: ServerProcess
    db: Database
    core: ClientCore
    account: AccountSession
    probe: SyncProbe
    times: list[float] = field(default_factory=list)
    http: list[float] = field(default_factory=list)
    apply: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0
    server_cpu_s: float = 0.0


def change_one_message(db: Database, filled: Filled, rng: random.Random, n: int) -> str:
    """Edit the body of one random message: one `sync_log` row in the account's scope gets a new seq."""
    message_id = rng.choice(filled.message_ids)
    log = SyncLog.__table__
    with db.write() as session:
        payload: dict[str, Any] = dict(session.execute(
            select(log.c.payload).where(log.c.scope == filled.scope, log.c.entity == Entity.MESSAGE.value,
                                        log.c.entity_id == message_id)).scalar_one())
        payload["body"] = f"{payload['body'].split(' [edit')[0]} [edit {n}]"
        session.execute(update(Message).where(Message.id == message_id).values(body=payload["body"]))
        stage(session, [filled.scope], Entity.MESSAGE, message_id, payload)
        commit_seq(session)
    return message_id


def cached_body(account: AccountSession, message_id: str) -> str:
    table = SYNCED[Entity.MESSAGE]
    with account.engine.connect() as conn:
        data = conn.execute(select(table.c.data).where(table.c.id == message_id)).scalar_one()
    return str(data["body"])


def open_side(label: str, orders: int, messages: int, tmp: Path, seed: int, template: Path) -> Side:
    folder = tmp / label
    folder.mkdir()
    db = prepare_database(folder / "server.sqlite", template)
    server = ServerProcess(folder / "server.sqlite", folder / "server.log").launch()
    filled = fill_account(db, ANNA_EMAIL, orders, messages, seed=seed)
    checkpoint(db)
    server.start()
    core = ClientCore(server.url, folder / "client", f"delta-{label}")
    account = core.sign_in(ANNA_EMAIL, ANNA_PASSWORD)
    account.sync.sync_once()  # catch up: the initial sync
    probe = SyncProbe(account.api).__enter__()
    return Side(label, filled.rows, filled, server, db, core, account, probe)


def close_side(side: Side) -> None:
    side.probe.__exit__(None, None, None)
    side.account.close()
    side.core.close()
    side.server.stop()
    side.db.dispose()


def run(out: Reporter, args: argparse.Namespace, tmp: Path) -> None:
    small_orders, small_messages = (100, 900) if args.quick else (1_000, 9_000)
    large_orders, large_messages = (1_000, 9_000) if args.quick else (10_000, 90_000)
    rounds = 30 if args.quick else args.rounds
    sides: list[Side] = []
    try:
        template = seeded_template()
        sides.append(open_side("small", small_orders, small_messages, tmp, seed=10, template=template))
        sides.append(open_side("large", large_orders, large_messages, tmp, seed=11, template=template))
        out.note(small_rows=sides[0].rows, large_rows=sides[1].rows, rounds=rounds, load_before=os.getloadavg()[0])
        rng = random.Random(6)
        warmup = 5
        server_profile = ServerProfile(sides[1].server.pid, tmp / "server-profile.txt", args.profile)
        client_profile = ClientProfile(args.profile)
        with server_profile:
            measure(sides, rng, rounds, warmup, client_profile)
        if args.profile:
            out.note(large_server_profile=server_profile.summary, client_profile=client_profile.summary)
    finally:
        for side in sides:
            close_side(side)
    report(out, sides)


def measure(sides: list[Side], rng: random.Random, rounds: int, warmup: int, profile: ClientProfile) -> None:
    """Rounds alternate between the sizes (and which goes first), so noise hits both alike."""
    for n in range(rounds + warmup):
        if n == warmup:
            server_cpu = {side.label: side.server.cpu_seconds() for side in sides}
        for side in sides if n % 2 == 0 else reversed(sides):
            message_id = change_one_message(side.db, side.filled, rng, n)
            side.probe.reset()
            with profile:  # cProfile (when --profile) around the client's sync only
                started, cpu_started = time.perf_counter(), time.process_time()
                side.account.sync.sync_once()
                elapsed = time.perf_counter() - started
            if n >= warmup:
                side.client_cpu_s += time.process_time() - cpu_started
            if not cached_body(side.account, message_id).endswith(f"[edit {n}]"):
                raise AssertionError(f"{side.label}: the changed row did not arrive")
            if n >= warmup:
                side.times.append(elapsed * 1000)
                side.http.append(side.probe.send_s * 1000)
                side.apply.append(side.probe.apply_s * 1000)
    for side in sides:
        side.server_cpu_s = side.server.cpu_seconds() - server_cpu[side.label]  # the server did nothing but pulls


def report(out: Reporter, sides: list[Side]) -> None:
    small, large = sides
    for side in sides:
        p50 = percentile(side.times, 50)
        out.figure(f"p50_{side.label}", p50, "ms", TARGET_P50_MS, rows=side.rows)
        out.figure(f"p95_{side.label}", percentile(side.times, 95), "ms", rows=side.rows)
        out.figure(f"p50_{side.label}_http_and_server", percentile(side.http, 50), "ms",
                   note="ApiClient._send of the pull")
        out.figure(f"p50_{side.label}_apply_page", percentile(side.apply, 50), "ms")
        # CPU per round, client and server: the floor an idle machine would reach.
        out.figure(f"cpu_per_round_{side.label}", (side.client_cpu_s + side.server_cpu_s) / len(side.times) * 1000,
                   "ms", client_ms=round(side.client_cpu_s / len(side.times) * 1000, 2),
                   server_ms=round(side.server_cpu_s / len(side.times) * 1000, 2))
    out.figure("ratio_p50_large_vs_small", percentile(large.times, 50) / percentile(small.times, 50), "ratio",
               TARGET_RATIO, small_rows=small.rows, large_rows=large.rows)
    out.figure("ratio_p95_large_vs_small", percentile(large.times, 95) / percentile(small.times, 95), "ratio")
    out.figure("ratio_cpu_large_vs_small", (large.client_cpu_s + large.server_cpu_s) /
               max(1e-9, small.client_cpu_s + small.server_cpu_s), "ratio")
    out.note(load_after=os.getloadavg()[0])


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=300, help="measured changes per size (default 300)")


if __name__ == "__main__":
    raise SystemExit(main("delta_sync", run, configure))
