"""`push`: 1,000 queued offline mutations, pushed in batches of 100, then the same 1,000 replayed.

One device (the real client: `ClientCore`, `SyncEngine`, its SQLite outbox) queues messages,
profile updates and return edits while it does not sync, then pushes them to a server in its
own process over loopback. `SyncEngine._push_all` is timed: it is exactly the push half of
`sync_once` (batches of `MAX_MUTATIONS_PER_PUSH` = 100, outbox marked after each batch).
Then the outbox entries are set back to `pending` and pushed again: the server must answer
every one from `sync_mutation` and change nothing (row counts and `sync_counter.seq` equal).

Pickup handovers are staff mutations (`pickup.handover`), not yet implemented on the server;
they are left out and the run says so. Return edits (`return.update`, comment: last arrival
wins) are included when the server accepts a return for the demo order this run creates.
Target: >= 2,000 mutations/s; the replay creates 0 new effects.
"""

import argparse
import os
import time
from pathlib import Path

from sqlalchemy import func, select, update

from app.protocol.sync import MAX_MUTATIONS_PER_PUSH, Entity
from bench.cli import main
from bench.profiling import ServerProfile
from bench.report import Reporter
from bench.server_process import ServerProcess, checkpoint, prepare_database
from bench.synthetic import ANNA_EMAIL, ANNA_PASSWORD, fill_account
from server.db import Database
from server.models import Message, SyncCounter, SyncLog, SyncMutation
from server.mutators import load_all
from services.client import AccountSession, ClientCore
from services.ids import new_id
from services.storage.tables import SYNCED, outbox, rejection

TARGET_RATE = ">= 2000"
TARGET_EFFECTS = "== 0"


def server_state(db: Database) -> dict[str, int]:
    """What a replay must not change."""
    with db.read() as session:
        return {
            "seq": int(session.scalar(select(SyncCounter.seq)) or 0),
            "messages": int(session.scalar(select(func.count()).select_from(Message)) or 0),
            "sync_log": int(session.scalar(select(func.count()).select_from(SyncLog)) or 0),
            "sync_mutation": int(session.scalar(select(func.count()).select_from(SyncMutation)) or 0),
        }


def rejections(account: AccountSession) -> list[tuple[int, str]]:
    with account.engine.connect() as conn:
        return [(r.mutation_id, r.code) for r in conn.execute(select(rejection.c.mutation_id, rejection.c.code))]


def open_return(account: AccountSession) -> str | None:
    """Create a withdrawal for a delivered demo order; its id if the server accepted it (else None)."""
    if "return.update" not in load_all():
        return None
    table = SYNCED[Entity.ORDER]
    with account.engine.connect() as conn:
        orders = [r.data for r in conn.execute(select(table.c.data))]
    before = len(rejections(account))
    for order in orders:
        if order.get("status") != "delivered" or not order.get("items"):
            continue
        item = order["items"][0]
        return_id = new_id()
        account.sync.mutate("return.create", {"return_id": return_id, "order_id": order["id"], "kind": "withdrawal",
                                              "items": [{"order_item_id": item["id"], "quantity": 1}]}, {"return"})
        account.sync.sync_once()
        if len(rejections(account)) == before:
            account.sync.mutate("return.update", {"return_id": return_id,
                                                  "changes": {"comment": {"from": None, "to": "probe"}}}, {"return"})
            account.sync.sync_once()
            if len(rejections(account)) == before:
                return return_id
        before = len(rejections(account))
    return None


def queue(account: AccountSession, threads: list[str], return_id: str | None, count: int) -> dict[str, int]:
    """Queue `count` mutations: messages, profile updates and (if possible) return edits."""
    mix: dict[str, int] = {"message.send": 0, "profile.update": 0, "return.update": 0}
    for n in range(count):
        slot = n % 10
        if slot in (3, 7):
            account.profile.update(name=f"Anna Schmidt {n}", marketing_email=n % 4 == 0)
            mix["profile.update"] += 1
        elif slot == 5 and return_id is not None:
            account.sync.mutate("return.update", {"return_id": return_id, "changes": {
                "comment": {"from": None, "to": f"Bitte per PayPal erstatten ({n})"}}}, {"return"})
            mix["return.update"] += 1
        else:
            account.messaging.send(threads[n % len(threads)], f"Offline geschrieben, Nachricht {n}: passt die Größe M?")
            mix["message.send"] += 1
    return mix


def outbox_status(account: AccountSession) -> dict[str, int]:
    with account.engine.connect() as conn:
        return {str(s): int(c) for s, c in conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))}


def run(out: Reporter, args: argparse.Namespace, tmp: Path) -> None:
    count = 200 if args.quick else args.count
    db = prepare_database(tmp / "server.sqlite")
    server = ServerProcess(tmp / "server.sqlite", tmp / "server.log").launch()
    try:
        filled = fill_account(db, ANNA_EMAIL, orders=0, messages=200, per_thread=20)
        checkpoint(db)
        server.start()
        core = ClientCore(server.url, tmp / "client", "push")
        try:
            account = core.sign_in(ANNA_EMAIL, ANNA_PASSWORD)
            account.sync.sync_once()
            return_id = open_return(account)
            mix = queue(account, filled.thread_ids, return_id, count)
            out.note(queued=count, mix=mix, batch=MAX_MUTATIONS_PER_PUSH, load_before=os.getloadavg()[0],
                     return_update="included" if return_id else "left out: no return could be opened",
                     handovers="left out: pickup.handover (staff) is not implemented on the server yet"
                     if "pickup.handover" not in load_all() else "staff mutation: not in a shopper's outbox")
            before = server_state(db)
            cpu = server.cpu_seconds()
            with ServerProfile(server.pid, tmp / "server-profile.txt", args.profile) as profile:
                started = time.perf_counter()
                account.sync._push_all()
                t_push = time.perf_counter() - started
            push_cpu = server.cpu_seconds() - cpu
            if args.profile:
                out.note(server_profile=profile.summary)
            after_push = server_state(db)
            status = outbox_status(account)
            if status.get("sent", 0) != count:
                raise AssertionError(f"outbox after the push: {status}; rejections: {rejections(account)[-5:]}")

            # Replay: the device forgets it ever sent them (e.g. it lost every answer).
            with account.engine.begin() as conn:
                conn.execute(update(outbox).values(status="pending"))
            cpu = server.cpu_seconds()
            started = time.perf_counter()
            account.sync._push_all()
            t_replay = time.perf_counter() - started
            replay_cpu = server.cpu_seconds() - cpu
            after_replay = server_state(db)

            account.sync.sync_once()  # pull: the server acknowledges every mutation, the outbox empties
            left = outbox_status(account)
            account.close()
        finally:
            core.close()
    finally:
        server.stop()
        db.dispose()

    effects = {k: after_replay[k] - after_push[k] for k in after_push}
    applied = {k: after_push[k] - before[k] for k in after_push}
    out.figure("push_rate", count / t_push, "mutations/s", TARGET_RATE, seconds=round(t_push, 3),
               server_cpu_s=push_cpu, applied=applied)
    out.figure("push_per_mutation", t_push / count * 1000, "ms")
    out.figure("push_per_server_cpu_second", count / push_cpu if push_cpu else 0.0, "mutations/s per core",
               note="what one idle server core would do")
    out.figure("replay_rate", count / t_replay, "mutations/s", seconds=round(t_replay, 3), server_cpu_s=replay_cpu)
    out.figure("replay_new_effects", sum(abs(v) for v in effects.values()), "changes", TARGET_EFFECTS, detail=effects)
    out.figure("outbox_left_after_pull", sum(left.values()), "entries", "== 0")
    out.note(load_after=os.getloadavg()[0])


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=1000)


if __name__ == "__main__":
    raise SystemExit(main("push", run, configure))
