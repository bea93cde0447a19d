"""`push`: 1,000 queued offline mutations, pushed in batches of 100, then the same 1,000 replayed.

Two devices (the real client: `ClientCore`, `SyncEngine`, each with its SQLite outbox) queue
while they do not sync: a shopper's phone queues messages, profile updates and return edits
(nine in ten), the Berlin store's tablet queues pickup handovers (one in ten, by typed short
code, of pickups made ready for this run: bench/synthetic_pickups.py). Then both push to a
server in its own process over loopback, one after the other (the tablet first: a handover checks
the collector's name against the account, which the phone's profile edits change). `SyncEngine._push_all` is timed:
it is exactly the push half of `sync_once` (batches of `MAX_MUTATIONS_PER_PUSH` = 100, outbox
marked after each batch). Then the outbox entries are set back to `pending` and pushed again:
the server must answer every one from `sync_mutation` and change nothing (row counts and
`sync_counter.seq` equal).

Return edits (`return.update`, comment: last arrival wins) are included when the server accepts
a return for the demo order this run creates. Messages go to 10 threads in turn; the bot answers
each thread a moment after a push (server.sync.follow_ups: pushes to one thread within that moment
get one answer), after the push is answered, so the state the replay is compared with is taken
once the server is quiet, and its CPU until then is reported too.
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
from bench.synthetic_pickups import ReadyPickup, fill_ready_pickups
from server.db import Database
from server.models import Message, PickupHandover, SyncCounter, SyncLog, SyncMutation
from server.mutators import load_all
from services.client import AccountSession, ClientCore
from services.ids import new_id
from services.storage.tables import SYNCED, outbox, rejection

TARGET_RATE = ">= 2000"
TARGET_EFFECTS = "== 0"
STAFF_EMAIL, STAFF_PASSWORD, STORE = "staff.ber@example.com", "demo-staff", "BER-01"
HANDOVER_SHARE = 10  # one mutation in ten is the tablet's


def server_state(db: Database) -> dict[str, int]:
    """What a replay must not change."""
    with db.read() as session:
        return {
            "seq": int(session.scalar(select(SyncCounter.seq)) or 0),
            "messages": int(session.scalar(select(func.count()).select_from(Message)) or 0),
            "sync_log": int(session.scalar(select(func.count()).select_from(SyncLog)) or 0),
            "sync_mutation": int(session.scalar(select(func.count()).select_from(SyncMutation)) or 0),
            "handovers": int(session.scalar(select(func.count()).select_from(PickupHandover)) or 0),
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


def queue_handovers(tablet: AccountSession, pickups: list[ReadyPickup]) -> int:
    """The tablet hands each pickup over by its typed short code, offline (checked on the device first)."""
    for pickup in pickups:
        tablet.pickups.handover(pickup.pickup_id, pickup.code, pickup.customer_name)
    return len(pickups)


def outbox_status(account: AccountSession) -> dict[str, int]:
    with account.engine.connect() as conn:
        return {str(s): int(c) for s, c in conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status))}


def quiet(db: Database, still_s: float = 0.5, timeout_s: float = 60.0) -> dict[str, int]:
    """The server's state once it stops changing: the bot answers a push's threads a moment after the
    push is answered (server.sync.follow_ups), and a replay must be compared with what follows that."""
    deadline = time.monotonic() + timeout_s
    state, since = server_state(db), time.monotonic()
    while time.monotonic() - since < still_s and time.monotonic() < deadline:
        time.sleep(0.05)
        now = server_state(db)
        if now != state:
            state, since = now, time.monotonic()
    return state


def push_all(devices: list[AccountSession]) -> None:
    for device in devices:
        device.sync._push_all()


def set_back_to_pending(devices: list[AccountSession]) -> None:
    """Each device forgets it ever sent its queue (e.g. it lost every answer)."""
    for device in devices:
        with device.engine.begin() as conn:
            conn.execute(update(outbox).values(status="pending"))


def run(out: Reporter, args: argparse.Namespace, tmp: Path) -> None:
    count = 200 if args.quick else args.count
    handovers = count // HANDOVER_SHARE
    db = prepare_database(tmp / "server.sqlite")
    server = ServerProcess(tmp / "server.sqlite", tmp / "server.log").launch()
    try:
        filled = fill_account(db, ANNA_EMAIL, orders=0, messages=200, per_thread=20)
        pickups = fill_ready_pickups(db, ANNA_EMAIL, STORE, handovers)
        checkpoint(db)
        server.start()
        phone_core = ClientCore(server.url, tmp / "client", "push")
        tablet_core = ClientCore(server.url, tmp / "tablet", "push-tablet")
        try:
            account = phone_core.sign_in(ANNA_EMAIL, ANNA_PASSWORD)
            tablet = tablet_core.sign_in(STAFF_EMAIL, STAFF_PASSWORD)
            devices = [tablet, account]  # the handovers check the name the phone's profile edits change
            for device in devices:
                device.sync.sync_once()
            return_id = open_return(account)
            mix = queue(account, filled.thread_ids, return_id, count - handovers)
            mix["pickup.handover"] = queue_handovers(tablet, pickups)
            out.note(queued=count, mix=mix, batch=MAX_MUTATIONS_PER_PUSH, load_before=os.getloadavg()[0],
                     return_update="included" if return_id else "left out: no return could be opened",
                     handovers=f"{handovers} by the {STORE} tablet, pushed before the phone's queue")
            before = server_state(db)
            cpu = server.cpu_seconds()
            with ServerProfile(server.pid, tmp / "server-profile.txt", args.profile) as profile:
                started = time.perf_counter()
                push_all(devices)
                t_push = time.perf_counter() - started
            push_cpu = server.cpu_seconds() - cpu
            if args.profile:
                out.note(server_profile=profile.summary)
            after_push = quiet(db)
            push_cpu_with_bot = server.cpu_seconds() - cpu
            sent = sum(outbox_status(device).get("sent", 0) for device in devices)
            if sent != count:
                raise AssertionError(f"sent after the push: {sent} of {count}; rejections: "
                                     f"{rejections(account)[-5:]} {rejections(tablet)[-5:]}")

            set_back_to_pending(devices)
            cpu = server.cpu_seconds()
            started = time.perf_counter()
            push_all(devices)
            t_replay = time.perf_counter() - started
            replay_cpu = server.cpu_seconds() - cpu
            after_replay = quiet(db)

            left = 0
            for device in devices:
                device.sync.sync_once()  # pull: the server acknowledges every mutation, the outbox empties
                left += sum(outbox_status(device).values())
                device.close()
        finally:
            phone_core.close()
            tablet_core.close()
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
    out.figure("push_server_cpu_with_bot", push_cpu_with_bot, "s",
               note="server CPU until the bot's answers, given after the pushes are answered, are written too")
    out.figure("replay_rate", count / t_replay, "mutations/s", seconds=round(t_replay, 3), server_cpu_s=replay_cpu)
    out.figure("replay_new_effects", sum(abs(v) for v in effects.values()), "changes", TARGET_EFFECTS, detail=effects)
    out.figure("outbox_left_after_pull", left, "entries", "== 0")
    out.note(load_after=os.getloadavg()[0])


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=1000)


if __name__ == "__main__":
    raise SystemExit(main("push", run, configure))
