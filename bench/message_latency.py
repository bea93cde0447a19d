"""`message_latency`: device A sends a message, device B sees it in its cache (SSE poke, then pull).

Three processes besides this one's coordinator: the server (`python -m server`), device A and
device B (`python -m bench.message_latency --role sender|receiver`), so neither device shares a
GIL with the server or with the other. Both are the real client: `ClientCore.sign_in` and
`SyncEngine.start()` (sync thread + SSE listener thread) over real HTTP on loopback.

A calls `MessagingService.send` at a steady rate and notes `time.monotonic_ns()` just before;
B notes the time when its change listener fires and the message is in its `synced_message`
table. CLOCK_MONOTONIC is one clock for every process on a Linux machine, so the two stamps
compare. Lost = sent but never seen by B; duplicated = a body that reached B's cache or the
server's `message` table more than once.
Default 300 messages at 5/s (60 s); the issue's full run is `--count 1000` (200 s).
Targets: p50 <= 15 ms, p99 <= 60 ms, 0 lost, 0 duplicated.
"""

import argparse
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select

from bench.cli import main
from bench.profiling import ServerProfile
from bench.report import Reporter, percentile
from bench.server_process import ROOT, ServerProcess, checkpoint, prepare_database
from bench.synthetic import ANNA_EMAIL, ANNA_PASSWORD, fill_account

TARGET_P50_MS = "<= 15"
TARGET_P99_MS = "<= 60"
MARK = "latency-probe"


_SAY = threading.Lock()


def say(**fields: Any) -> None:
    """One JSON line to the coordinator; whole lines only (the sync, SSE and main threads all talk)."""
    line = json.dumps(fields) + "\n"
    with _SAY:
        sys.stdout.write(line)
        sys.stdout.flush()


def wait_online(account: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while account.sync.status.connectivity != "online" or account.sync._sse_response is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"device not online: {account.sync.status}")
        time.sleep(0.02)


# -- the two devices (child processes) -----------------------------------------------------
def sender(args: argparse.Namespace) -> None:
    from services.client import ClientCore

    core = ClientCore(args.url, Path(args.data_dir), "device-a")
    account = core.sign_in(ANNA_EMAIL, ANNA_PASSWORD)
    push = account.api.push

    def timed_push(request: Any) -> Any:  # when the server's answer is back, per message
        response = push(request)
        t = time.monotonic_ns()
        for m in request.mutations:
            if m.name == "message.send":
                say(pushed=m.args["message_id"], t=t)
        return response

    account.api.push = timed_push  # type: ignore[method-assign]
    account.sync.start()
    try:
        wait_online(account)
        say(ready=True)
        sys.stdin.readline()  # "go"
        started = time.monotonic()
        for i in range(args.count):
            pause = started + i / args.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            t = time.monotonic_ns()
            message_id = account.messaging.send(args.thread, f"{MARK} {i}")
            say(sent=i, id=message_id, t=t)
        deadline = time.monotonic() + 30
        while account.sync.status.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        say(done=True, pending=account.sync.status.pending)
    finally:
        account.close()
        core.close()


def receiver(args: argparse.Namespace) -> None:
    from services.client import ClientCore
    from services.storage.tables import SYNCED

    table = SYNCED["message"]  # type: ignore[index]
    core = ClientCore(args.url, Path(args.data_dir), "device-b")
    account = core.sign_in(ANNA_EMAIL, ANNA_PASSWORD)
    last_seq = 0

    def on_changes(entities: set[str]) -> None:
        nonlocal last_seq
        t = time.monotonic_ns()
        if "message" not in entities and "*" not in entities:
            return
        with account.engine.connect() as conn:
            rows = conn.execute(select(table.c.id, table.c.seq, table.c.data)
                                .where(table.c.thread_id == args.thread, table.c.seq > last_seq)).all()
        for row in rows:
            last_seq = max(last_seq, int(row.seq))
            body = str(row.data["body"])
            if body.startswith(MARK):
                say(seen=int(body.split()[-1]), id=row.id, t=t)

    account.sync.on_changes(on_changes)
    request_sync = account.sync.request_sync

    def poked() -> None:  # the SSE listener calls this on every poke (and on connect)
        say(poke=time.monotonic_ns())
        request_sync()

    account.sync.request_sync = poked  # type: ignore[method-assign]
    account.sync.start()
    try:
        wait_online(account)
        with account.engine.connect() as conn:
            last_seq = int(conn.scalar(select(func.coalesce(func.max(table.c.seq), 0))) or 0)
        say(ready=True)
        sys.stdin.read()  # until the coordinator closes our stdin
        with account.engine.connect() as conn:
            bodies = conn.execute(select(table.c.data["body"].as_string(), func.count())
                                  .where(table.c.thread_id == args.thread).group_by(table.c.data["body"].as_string())
                                  ).all()
        say(cache_rows=sum(int(c) for b, c in bodies if str(b).startswith(MARK)),
            cache_duplicates=sum(int(c) - 1 for b, c in bodies if str(b).startswith(MARK) and int(c) > 1))
    finally:
        account.close()
        core.close()


# -- the coordinator -------------------------------------------------------------------------
class Device:
    def __init__(self, role: str, url: str, data_dir: Path, thread: str, count: int, rate: float) -> None:
        self.role = role
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.message_latency", "--role", role, "--url", url, "--data-dir", str(data_dir),
             "--thread", thread, "--count", str(count), "--rate", str(rate)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            if line.startswith("{"):
                try:
                    self.events.put(json.loads(line))
                except ValueError:
                    self.events.put({"garbled": line})
        self.events.put({"exited": self.proc.wait()})

    def next(self, timeout: float) -> dict[str, Any]:
        event = self.events.get(timeout=timeout)
        if "exited" in event:
            raise RuntimeError(f"device {self.role} exited with {event['exited']}")
        return event

    def wait_for(self, key: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            event = self.next(max(0.01, deadline - time.monotonic()))
            if key in event:
                return event

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def run(out: Reporter, args: argparse.Namespace, tmp: Path) -> None:
    count, rate = (20, 10.0) if args.quick else (args.count, args.rate)
    db = prepare_database(tmp / "server.sqlite")
    server = ServerProcess(tmp / "server.sqlite", tmp / "server.log").launch()
    devices: list[Device] = []
    try:
        thread = fill_account(db, ANNA_EMAIL, orders=0, messages=1, per_thread=1).thread_ids[0]
        checkpoint(db)
        server.start()
        b = Device("receiver", server.url, tmp / "devices", thread, count, rate)
        devices.append(b)
        a = Device("sender", server.url, tmp / "devices", thread, count, rate)
        devices.append(a)
        b.wait_for("ready", 90)
        a.wait_for("ready", 90)
        out.note(count=count, rate_per_s=rate, load_before=os.getloadavg()[0])
        profile = ServerProfile(server.pid, tmp / "server-profile.txt", args.profile).__enter__()
        a.send("go")
        sent: dict[int, int] = {}
        ids: dict[str, int] = {}
        pushed: dict[str, int] = {}
        pokes: list[int] = []
        seen: dict[int, list[int]] = {}
        done_at: float | None = None
        deadline = time.monotonic() + count / rate + 60
        while time.monotonic() < deadline:
            for event in _drain(a):
                if "sent" in event:
                    sent[event["sent"]] = event["t"]
                    ids[event["id"]] = event["sent"]
                elif "pushed" in event:
                    pushed.setdefault(event["pushed"], event["t"])
                elif "done" in event:
                    done_at = time.monotonic()
            for event in _drain(b):
                if "seen" in event:
                    seen.setdefault(event["seen"], []).append(event["t"])
                elif "poke" in event:
                    pokes.append(event["poke"])
            if done_at is not None and (len(seen) >= len(sent) or time.monotonic() > done_at + 10):
                break  # all seen, or 10 s after A has no more pending: the rest is lost
            time.sleep(0.05)
        profile.__exit__(None, None, None)
        if args.profile:
            out.note(server_profile=profile.summary)
        b.close_stdin()
        final = b.wait_for("cache_rows", 30)
        with db.read() as session:
            from server.models import Message
            server_rows = dict(session.execute(select(Message.body, func.count()).where(Message.thread_id == thread)
                                               .group_by(Message.body)).all())
    finally:
        for device in devices:
            device.stop()
        server.stop()
        db.dispose()

    latencies = [(seen[i][0] - t) / 1e6 for i, t in sent.items() if i in seen]
    lost = [i for i in sent if i not in seen]
    server_probe_rows = {b: c for b, c in server_rows.items() if str(b).startswith(MARK)}
    duplicated = (sum(c - 1 for c in server_probe_rows.values() if c > 1) + int(final["cache_duplicates"])
                  + sum(len(v) - 1 for v in seen.values() if len(v) > 1))
    if latencies:
        out.figure("p50", percentile(latencies, 50), "ms", TARGET_P50_MS, messages=len(latencies))
        out.figure("p99", percentile(latencies, 99), "ms", TARGET_P99_MS)
        out.figure("max", max(latencies), "ms")
        stages = breakdown(sent, ids, pushed, sorted(pokes), seen)
        for stage, values in stages.items():
            if values:
                out.figure(f"p50_{stage}", percentile(values, 50), "ms", p99=round(percentile(values, 99), 1))
    out.figure("lost", len(lost) + (count - len(sent)), "messages", "== 0", first_lost=lost[:5])
    out.figure("duplicated", duplicated, "messages", "== 0", server_rows=sum(server_probe_rows.values()),
               cache_rows=final["cache_rows"])
    out.note(load_after=os.getloadavg()[0])


def breakdown(sent: dict[int, int], ids: dict[str, int], pushed: dict[str, int], pokes: list[int],
              seen: dict[int, list[int]]) -> dict[str, list[float]]:
    """Per message: send -> A has the push answer; send -> the poke at B; that poke -> in B's cache."""
    stages: dict[str, list[float]] = {"send_to_push_answered": [], "send_to_poke_at_b": [], "poke_to_in_cache": []}
    for message_id, i in ids.items():
        if message_id in pushed:
            stages["send_to_push_answered"].append((pushed[message_id] - sent[i]) / 1e6)
        if i in seen:
            before = [p for p in pokes if sent[i] <= p <= seen[i][0]]
            if before:
                stages["send_to_poke_at_b"].append((before[0] - sent[i]) / 1e6)
                stages["poke_to_in_cache"].append((seen[i][0] - before[-1]) / 1e6)
    return stages


def _drain(device: Device) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while True:
        try:
            event = device.events.get_nowait()
        except queue.Empty:
            return events
        if "exited" in event and event["exited"] != 0:
            raise RuntimeError(f"device {device.role} exited with {event['exited']}")
        if "garbled" in event:
            raise RuntimeError(f"unreadable line from device {device.role}: {event['garbled']!r}")
        events.append(event)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=300, help="messages to send (default 300; the issue's run: 1000)")
    parser.add_argument("--rate", type=float, default=5.0, help="messages per second (default 5)")
    parser.add_argument("--role", choices=["sender", "receiver"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--thread", help=argparse.SUPPRESS)


if __name__ == "__main__":
    if "--role" in sys.argv:
        parsed = argparse.ArgumentParser()
        configure(parsed)
        child = parsed.parse_args()
        (sender if child.role == "sender" else receiver)(child)
    else:
        raise SystemExit(main("message_latency", run, configure))
