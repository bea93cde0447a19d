"""`sse_load`: many idle SSE listeners plus a steady stream of writes against one server process.

N raw asyncio connections (never httpx) hold `GET /sync/events` open: most are anna's devices,
every tenth one is ben's. One writer connection pushes one `message.send` of anna per request
at R writes/s for T seconds and notes the `seq` each push answer carries. Every listener parses
its event stream and notes each poke's `seq` and arrival time.

Figures: `server_5xx` == 0 (writes and stream opens), `stream_failures` == 0 (a stream that
did not open or ended early), `lost_pokes` == 0 (an (anna listener, write) pair where the
listener never saw a poke with a seq >= the write's seq; pokes carry no data, so one poke covers
every write up to its seq), `leaked_pokes` == 0 (pokes at ben's listeners for anna's writes),
`rss_per_idle_stream_kib` (server RSS after N streams opened and idled, minus before, over N),
and write -> poke latency p50/p99 over every (listener, write) pair.
Full run (the issue's): 200 listeners, 10 writes/s, 60 s. `--quick`: 50 listeners, 10 s.
"""

import argparse
import asyncio
import bisect
import json
import os
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.protocol import API_PREFIX, SCHEMA_VERSION
from bench.cli import main
from bench.rawhttp import build_request
from bench.report import Reporter, percentile
from bench.server_process import ServerProcess, prepare_database
from services.ids import new_id

ANNA = ("anna@example.com", "demo-anna")
BEN = ("ben@example.com", "demo-ben")
BEN_EVERY = 10  # every tenth listener is ben's: anna's writes must never poke him


@dataclass
class Listener:
    user: str
    status: int = 0
    opened_at: float = 0.0
    ended_early: bool = False
    pokes: list[tuple[float, int]] = field(default_factory=list)  # (monotonic time, seq)


@dataclass
class Write:
    sent_at: float
    status: int = 0
    seq: int | None = None


@dataclass
class LoadResult:
    listeners: list[Listener]
    writes: list[Write]
    rss_before_kib: int
    rss_idle_kib: int
    rss_after_kib: int
    open_seconds: float

    @property
    def stream_failures(self) -> int:
        return sum(1 for item in self.listeners if item.status != 200 or item.ended_early)

    @property
    def server_5xx(self) -> int:
        return (sum(1 for w in self.writes if w.status >= 500)
                + sum(1 for item in self.listeners if item.status >= 500))

    def coverage(self) -> tuple[int, int, list[float]]:
        """(pairs, lost, latencies in s) over every (anna listener, answered write)."""
        done = [(w, w.seq) for w in self.writes if w.seq is not None]
        pairs = lost = 0
        latencies: list[float] = []
        for item in self.listeners:
            if item.user != "anna" or item.status != 200:
                continue
            times = [t for t, _ in item.pokes]
            running, top = [], 0
            for _, seq in item.pokes:  # the highest seq seen so far, at each poke
                top = max(top, seq)
                running.append(top)
            for w, written in done:
                pairs += 1
                k = bisect.bisect_left(running, written)
                if k == len(running):
                    lost += 1
                else:
                    latencies.append(max(0.0, times[k] - w.sent_at))
        return pairs, lost, latencies

    @property
    def leaked(self) -> int:
        return sum(len(item.pokes) for item in self.listeners if item.user == "ben")


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes]]:
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return int(head[9:12]), headers


async def _listen(host: str, port: int, token: str, item: Listener, opened: asyncio.Event,
                  stop: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(build_request("GET", f"{API_PREFIX}/sync/events", f"{host}:{port}", {
            "Authorization": f"Bearer {token}", "Accept": "text/event-stream",
            "X-Schema-Version": str(SCHEMA_VERSION), "X-Client-Id": new_id()}))
        await writer.drain()
        item.status, headers = await _read_head(reader)
        item.opened_at = time.monotonic()
        opened.set()
        if item.status != 200:
            return
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        buffer = b""
        while not stop.is_set():
            if chunked:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                data = await reader.readexactly(size + 2)
                if size == 0:
                    item.ended_early = True
                    return
                buffer += data[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    item.ended_early = True
                    return
                buffer += data
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                now = time.monotonic()
                lines = event.split(b"\n")
                if b"event: poke" in lines:
                    payload = next(line[6:] for line in lines if line.startswith(b"data: "))
                    item.pokes.append((now, int(json.loads(payload)["seq"])))
    except (asyncio.IncompleteReadError, ConnectionError):
        if not stop.is_set():
            item.ended_early = True
    finally:
        writer.close()


async def _post(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, Any]:
    writer.write(request)
    await writer.drain()
    status, headers = await _read_head(reader)
    body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return status, json.loads(body) if body else None


class Writer:
    """anna's one writing device: contiguous mutation ids over one keep-alive connection."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port, self.token = host, port, token
        self.client_id = new_id()
        self.next_id = 1

    def _push(self, name: str, args: dict[str, Any]) -> bytes:
        body = json.dumps({"client_id": self.client_id, "mutations": [
            {"id": self.next_id, "name": name, "args": args, "client_time": "2026-01-01T00:00:00Z"}]}).encode()
        self.next_id += 1
        return build_request("POST", f"{API_PREFIX}/sync/push", f"{self.host}:{self.port}", {
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
            "X-Schema-Version": str(SCHEMA_VERSION)}, body)

    async def run(self, writes: list[Write], rate: float, seconds: float, thread_id: str | None = None) -> None:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            if thread_id is None:
                thread_id = new_id()
                status, _ = await _post(reader, writer, self._push("thread.create", {
                    "thread_id": thread_id, "subject": "sse load"}))
                assert status == 200, f"thread.create answered {status}"
            started = time.monotonic()
            for i in range(int(rate * seconds)):
                pause = started + i / rate - time.monotonic()
                if pause > 0:
                    await asyncio.sleep(pause)
                w = Write(sent_at=time.monotonic())
                writes.append(w)
                w.status, answer = await _post(reader, writer, self._push("message.send", {
                    "message_id": new_id(), "thread_id": thread_id, "body": f"sse load {i}", "attachment_ids": []}))
                if w.status == 200 and answer["results"][0]["status"] == "ok":
                    w.seq = int(answer["results"][0]["seq"])
        finally:
            writer.close()


async def _load(host: str, port: int, server_pid: int, tokens: dict[str, str], clients: int, rate: float,
                seconds: float, settle: float) -> LoadResult:
    stop = asyncio.Event()
    listeners = [Listener("ben" if i % BEN_EVERY == BEN_EVERY - 1 else "anna") for i in range(clients)]
    opened = [asyncio.Event() for _ in listeners]
    warm = Listener("ben")  # one stream opened and closed first: one-off allocations are not per stream
    warm_task = asyncio.create_task(_listen(host, port, tokens["ben"], warm, ready := asyncio.Event(), stop))
    await asyncio.wait_for(ready.wait(), timeout=60)
    warm_task.cancel()
    await asyncio.gather(warm_task, return_exceptions=True)
    await asyncio.sleep(0.5)
    rss_before = rss_kib(server_pid)
    began = time.monotonic()
    tasks = [asyncio.create_task(_listen(host, port, tokens[item.user], item, ev, stop))
             for item, ev in zip(listeners, opened, strict=True)]
    for ev in opened:
        await asyncio.wait_for(ev.wait(), timeout=120)
    open_seconds = time.monotonic() - began
    await asyncio.sleep(settle)  # idle: only the open streams and their queues
    rss_idle = rss_kib(server_pid)
    writes: list[Write] = []
    await Writer(host, port, tokens["anna"]).run(writes, rate, seconds)
    await asyncio.sleep(settle)  # the last pokes travel
    rss_after = rss_kib(server_pid)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return LoadResult(listeners, writes, rss_before, rss_idle, rss_after, open_seconds)


def run_load(url: str, server_pid: int, tokens: dict[str, str], clients: int, rate: float, seconds: float,
             settle: float = 3.0) -> LoadResult:
    """Connect `clients` listeners to the server at `url`, then write at `rate`/s for `seconds`."""
    host, port = url.removeprefix("http://").split(":")
    return asyncio.run(_load(host, int(port), server_pid, tokens, clients, rate, seconds, settle))


def report(out: Reporter, result: LoadResult, clients: int, rate: float, seconds: float) -> None:
    pairs, lost, latencies = result.coverage()
    answered = sum(1 for w in result.writes if w.seq is not None)
    out.note(listeners=clients, ben_listeners=sum(1 for i in result.listeners if i.user == "ben"),
             writes_per_s=rate, seconds=seconds, writes=len(result.writes), answered=answered,
             open_all_s=round(result.open_seconds, 2), load_avg_1m=round(os.getloadavg()[0], 1))
    out.figure("server_5xx", result.server_5xx, "responses", "== 0")
    out.figure("stream_failures", result.stream_failures, "streams", "== 0")
    out.figure("unanswered_writes", len(result.writes) - answered, "writes", "== 0")
    out.figure("lost_pokes", lost, "pairs", "== 0", pairs=pairs)
    out.figure("leaked_pokes", result.leaked, "pokes", "== 0", note="pokes at ben's listeners for anna's writes")
    per_stream = (result.rss_idle_kib - result.rss_before_kib) / clients
    out.figure("rss_per_idle_stream_kib", per_stream, "KiB", None, rss_before_kib=result.rss_before_kib,
               rss_idle_kib=result.rss_idle_kib, rss_after_writes_kib=result.rss_after_kib)
    if latencies:
        out.figure("poke_latency_p50", percentile(latencies, 50) * 1000, "ms", None)
        out.figure("poke_latency_p99", percentile(latencies, 99) * 1000, "ms", None,
                   max_ms=round(max(latencies) * 1000, 1))


def _login(url: str, email: str, password: str) -> str:
    request = urllib.request.Request(f"{url}{API_PREFIX}/auth/login", method="POST",
                                     data=json.dumps({"email": email, "password": password}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return str(json.loads(response.read())["access_token"])


def run(out: Reporter, args: argparse.Namespace, tmp: Path) -> None:
    clients = args.clients or (50 if args.quick else 200)
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    prepare_database(tmp / "server.sqlite").dispose()
    with ServerProcess(tmp / "server.sqlite", tmp / "server.log") as server:
        tokens = {"anna": _login(server.url, *ANNA), "ben": _login(server.url, *BEN)}
        result = run_load(server.url, server.pid, tokens, clients, args.rate, seconds)
    report(out, result, clients, args.rate, seconds)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=0, help="SSE listeners (default 200, quick 50)")
    parser.add_argument("--rate", type=float, default=10.0, help="writes per second")
    parser.add_argument("--seconds", type=float, default=0.0, help="how long to write (default 60, quick 10)")


if __name__ == "__main__":
    raise SystemExit(main("sse_load", run, configure))
