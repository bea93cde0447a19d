"""The command line every benchmark shares: `--quick`, `--strict`, and a summary line at the end."""

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.profiling import enabled_note
from bench.report import Reporter, machine


def main(name: str, run: Callable[[Reporter, argparse.Namespace, Path], None],
         configure: Callable[[argparse.ArgumentParser], None] | None = None, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}")
    parser.add_argument("--quick", action="store_true", help="a small smoke run (< 20 s); figures are indicative only")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (databases, server log)")
    parser.add_argument("--profile", action="store_true",
                        help="name the heaviest functions (py-spy on the server, cProfile on the client); "
                             "the client's own timings are slower under cProfile")
    if configure is not None:
        configure(parser)
    args = parser.parse_args(argv)
    reporter = Reporter(name)
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix=f"nahtlos-bench-{name}-"))
    if args.profile:
        reporter.note(profiler=enabled_note())
    try:
        run(reporter, args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    summary: dict[str, Any] = {"quick": args.quick, "seconds": round(time.perf_counter() - started, 1),
                               "missed": reporter.missed, "machine": machine()}
    if args.keep:
        summary["kept"] = str(tmp)
    print(json.dumps({"bench": name, "summary": summary}, ensure_ascii=False), flush=True)
    return 1 if args.strict and reporter.missed else 0
