"""`pull_load`: 50 concurrent clients doing empty and 10-row pulls against one server process.

The server is `python -m server` (one uvicorn worker) in its own process; the load comes from
`bench.rawhttp` (raw asyncio HTTP/1.1, keep-alive, one request in flight per connection, so
50 connections = 50 clients that pull again as soon as they have an answer). Every client has
its own `X-Client-Id`. An empty pull sends cursors at the head; a 10-row pull sends the
account's cursor 10 seqs back (9 messages and their thread, real payloads).

Phases, each on the same server: `/health` (the framework's ceiling on this machine), empty
pulls, 10-row pulls, and the mix (half the clients each). Throughput per server core divides
by the CPU time the server process actually used (from /proc), so it does not matter that the
load generator shares the machine. If `wrk` is installed, it measures `/health` and the mixed
pulls too, as a check that the generator is not the limit.
Targets (mixed phase): >= 3,000 pulls/s per server core, p99 <= 30 ms.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from app.protocol import API_PREFIX, SCHEMA_VERSION
from bench.cli import main
from bench.profiling import ServerProfile
from bench.rawhttp import Result, build_request, hammer
from bench.report import Reporter, percentile
from bench.server_process import ServerProcess, checkpoint, prepare_database
from bench.synthetic import ANNA_EMAIL, ANNA_PASSWORD, fill_account

CLIENTS = 50
TARGET_PER_CORE = ">= 3000"
TARGET_P99_MS = "<= 30"


def post_json(url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def pull_body(epoch: str, user_scope: str, head: int, rows: int) -> bytes:
    return json.dumps({"epoch": epoch, "cursors": {user_scope: head - rows, "public": head},
                       "limit": 2000}).encode()


def phase(out: Reporter, server: ServerProcess, name: str, per_conn: list[list[bytes]], seconds: float,
          target_per_core: str | None = None, target_p99: str | None = None, profile: Path | None = None) -> float:
    hammer("127.0.0.1", server.port, per_conn, min(1.0, seconds / 2))  # warm-up
    cpu = server.cpu_seconds()
    started = time.perf_counter()
    with ServerProfile(server.pid, profile or Path("-"), profile is not None) as profiled:
        result: Result = hammer("127.0.0.1", server.port, per_conn, seconds)
    wall = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu
    if profiled.summary is not None:
        out.note(phase=name, server_profile=profiled.summary)
    done = len(result.latencies)
    rps = done / wall
    if result.errors:
        raise AssertionError(f"{name}: {result.errors} errors, statuses {result.statuses}")
    out.figure(f"{name}_per_core", done / cpu if cpu else 0.0, "req/s per core", target_per_core,
               rps=round(rps), server_cores_used=round(cpu / wall, 2), requests=done)
    out.figure(f"{name}_p50", percentile(result.latencies, 50) * 1000, "ms")
    out.figure(f"{name}_p99", percentile(result.latencies, 99) * 1000, "ms", target_p99)
    return rps


def wrk(url: str, seconds: float, lua: Path | None) -> dict[str, float] | None:
    """Requests/s and p99 (ms) measured by wrk, or None when wrk is not installed."""
    if shutil.which("wrk") is None:
        return None
    cmd = ["wrk", "-t1", f"-c{CLIENTS}", f"-d{max(1, round(seconds))}s", "--latency"]
    if lua is not None:
        cmd += ["-s", str(lua)]
    text = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 30, check=False).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
    if rps is None or p99 is None:
        return None
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return {"rps": float(rps.group(1)), "p99_ms": float(p99.group(1)) * scale}


def wrk_script(path: Path, headers: dict[str, str], bodies: list[bytes]) -> Path:
    """A wrk Lua script that POSTs the bodies in turn with our headers."""
    lua_bodies = ", ".join("[[" + b.decode() + "]]" for b in bodies)
    lua_headers = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    path.write_text(f'wrk.method = "POST"\n{lua_headers}\nlocal bodies = {{{lua_bodies}}}\nlocal n = 0\n'
                    "request = function()\n  n = n + 1\n"
                    "  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])\nend\n")
    return path


def run(out: Reporter, args: argparse.Namespace, tmp: Path) -> None:
    seconds = 1.0 if args.quick else args.seconds
    db = prepare_database(tmp / "server.sqlite")
    server = ServerProcess(tmp / "server.sqlite", tmp / "server.log").launch()
    try:
        filled = fill_account(db, ANNA_EMAIL, orders=200, messages=2000)
        checkpoint(db)
        db.dispose()
        server.start()
        api = f"{server.url}{API_PREFIX}"
        tokens = post_json(f"{api}/auth/login", {"email": ANNA_EMAIL, "password": ANNA_PASSWORD})
        health = server.health()
        epoch, head = str(health["epoch"]), int(str(health["seq"]))
        host = f"127.0.0.1:{server.port}"

        def headers(client: int) -> dict[str, str]:
            return {"Authorization": f"Bearer {tokens['access_token']}", "X-Client-Id": f"bench-load-{client:04d}",
                    "X-Schema-Version": str(SCHEMA_VERSION), "Content-Type": "application/json"}

        empty, ten = pull_body(epoch, filled.scope, head, 0), pull_body(epoch, filled.scope, head, 10)
        check = post_json(f"{api}/sync/pull", json.loads(ten), headers(0))
        if len(check["changes"]) != 10 or check["more"]:
            raise AssertionError(f"a 10-row pull answered {len(check['changes'])} rows")
        out.note(clients=CLIENTS, seconds_per_phase=seconds, ten_row_response_bytes=len(json.dumps(check)),
                 load_before=os.getloadavg()[0])

        health_req = build_request("GET", f"{API_PREFIX}/health", host)
        pull = {kind: [build_request("POST", f"{API_PREFIX}/sync/pull", host, headers(c), body)
                       for c in range(CLIENTS)] for kind, body in (("empty", empty), ("ten", ten))}
        profile = (lambda name: tmp / f"profile-{name}.txt" if args.profile else None)
        health_rps = phase(out, server, "health", [[health_req]] * CLIENTS, seconds, profile=profile("health"))
        phase(out, server, "pull_empty", [[r] for r in pull["empty"]], seconds)
        phase(out, server, "pull_10_rows", [[r] for r in pull["ten"]], seconds)
        mixed = [[pull["empty"][c] if c % 2 == 0 else pull["ten"][c]] for c in range(CLIENTS)]
        mixed_rps = phase(out, server, "pull_mixed", mixed, seconds, TARGET_PER_CORE, TARGET_P99_MS,
                          profile=profile("pull_mixed"))
        out.figure("ratio_pull_mixed_to_health", mixed_rps / health_rps, "ratio",
                   note="the same server's /health requests/s, same 50 connections")

        checked = None if args.quick else wrk(f"{api}/health", seconds, None)
        if checked is not None:
            out.figure("wrk_health_rps", checked["rps"], "req/s", p99_ms=checked["p99_ms"],
                       note="cross-check of the load generator")
            lua = wrk_script(tmp / "pull.lua", headers(999), [empty, ten])
            checked = wrk(f"{api}/sync/pull", seconds, lua)
            if checked is not None:
                out.figure("wrk_pull_mixed_rps", checked["rps"], "req/s", p99_ms=checked["p99_ms"])
        out.note(load_after=os.getloadavg()[0])
    finally:
        server.stop()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase (default 10)")


if __name__ == "__main__":
    raise SystemExit(main("pull_load", run, configure))
