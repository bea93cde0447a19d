"""JSON lines, percentiles and the machine a run happened on.

Every figure is one line: `{"bench", "figure", "value", "unit", "target", "ok"}` plus extra
keys. `target` is a string such as `"<= 2.5"`; a figure without a target (context for the
reader: the two times behind a ratio, a breakdown) has `"target": null, "ok": null`.
"""

import json
import math
import operator
import os
import platform
import sys
from collections.abc import Callable, Sequence
from typing import Any

_COMPARE: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


def meets(value: float, target: str) -> bool:
    """`meets(2.1, "<= 2.5")` -> True."""
    op, _, bound = target.partition(" ")
    return _COMPARE[op](value, float(bound))


class Reporter:
    """Prints the figures of one benchmark and remembers them (for the summary and the exit code)."""

    def __init__(self, bench: str) -> None:
        self.bench = bench
        self.figures: list[dict[str, Any]] = []

    def figure(self, figure: str, value: float, unit: str, target: str | None = None,
               **extra: Any) -> dict[str, Any]:
        if isinstance(value, float):
            value = round(value, 4 if abs(value) < 10 else 1)
        line: dict[str, Any] = {"bench": self.bench, "figure": figure, "value": value, "unit": unit,
                                "target": target, "ok": meets(float(value), target) if target else None}
        line.update(extra)
        self.figures.append(line)
        print(json.dumps(line, ensure_ascii=False), flush=True)
        return line

    def note(self, **fields: Any) -> None:
        """A line that is not a figure (setup sizes, what was skipped and why)."""
        print(json.dumps({"bench": self.bench, "note": fields}, ensure_ascii=False), flush=True)

    @property
    def missed(self) -> list[str]:
        return [f["figure"] for f in self.figures if f["ok"] is False]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def machine() -> dict[str, Any]:
    """`nproc`, the CPU model and the RAM, as the README table wants them."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    ram_gib = 0.0
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kib = next(int(line.split()[1]) for line in f if line.startswith("MemTotal"))
            ram_gib = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"nproc": nproc, "cpu": model, "ram_gib": ram_gib, "python": platform.python_version(),
            "platform": sys.platform}
