"""`python -m bench [--full] [--only a,b] [--strict]`: every benchmark, one after the other, in quick mode
unless `--full`. Each runs in its own process; their JSON lines pass through unchanged."""

import argparse
import subprocess
import sys
import time

from bench.server_process import ROOT

# All of issue 6's benchmarks; ui_start needs Chromium (/usr/bin/chromium).
BENCHMARKS = ["initial_sync", "delta_sync", "push", "pull_load", "message_latency", "faq_search", "qr_decode",
              "sse_load", "ui_start"]
# Where a benchmark's own default is shorter than the run: the size under --full.
FULL_ARGS = {"message_latency": ["--count", "1000"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--full", action="store_true", help="the full runs (minutes each) instead of the quick ones")
    parser.add_argument("--only", default="", help="comma-separated names, e.g. push,pull_load")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or BENCHMARKS
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    failed: list[str] = []
    for name in names:
        cmd = [sys.executable, "-m", f"bench.{name}"] + (FULL_ARGS.get(name, []) if args.full else ["--quick"])
        if args.strict:
            cmd.append("--strict")
        started = time.perf_counter()
        code = subprocess.run(cmd, cwd=ROOT, timeout=900 if args.full else 300, check=False).returncode
        print(f'{{"bench": "{name}", "exit": {code}, "wall_s": {time.perf_counter() - started:.1f}}}', flush=True)
        if code:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
