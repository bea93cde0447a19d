"""`python -m bench.table < results.jsonl`: the JSON lines of a run as the Markdown table in bench/README.md.

Only figures with a target are rows; each row also names the figures that explain it
(ratios' two sides, CPU-based floors), taken from the same run.
"""

import json
import sys
from typing import Any, TextIO

# Context shown beside a target figure: (bench, figure with a target) -> figures of the same run.
CONTEXT: dict[tuple[str, str], list[str]] = {
    ("initial_sync", "sync_vs_raw_insert"): ["sync_time", "raw_insert_time", "cpu_sync_vs_raw_insert"],
    ("delta_sync", "p50_small"): ["p95_small", "cpu_per_round_small"],
    ("delta_sync", "p50_large"): ["p95_large", "cpu_per_round_large"],
    ("delta_sync", "ratio_p50_large_vs_small"): ["ratio_cpu_large_vs_small"],
    ("push", "push_rate"): ["push_per_server_cpu_second", "replay_rate"],
    ("pull_load", "pull_mixed_per_core"): ["health_per_core", "pull_empty_per_core", "pull_10_rows_per_core",
                                           "ratio_pull_mixed_to_health"],
    ("pull_load", "pull_mixed_p99"): ["pull_mixed_p50"],
    ("message_latency", "p50"): ["p50_send_to_poke_at_b", "p50_poke_to_in_cache"],
    ("message_latency", "p99"): ["max"],
}


def _value(line: dict[str, Any]) -> str:
    value = line["value"]
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{text} {line['unit']}"


def render(lines: list[dict[str, Any]], out: TextIO) -> None:
    figures = {(f["bench"], f["figure"]): f for f in lines if "figure" in f}
    out.write("| Benchmark | Figure | Result | Target | Met | Context (same run) |\n|---|---|---|---|---|---|\n")
    for (bench, name), line in figures.items():
        if line.get("target") is None:
            continue
        context = "; ".join(f"{c} {_value(figures[(bench, c)])}" for c in CONTEXT.get((bench, name), [])
                            if (bench, c) in figures)
        out.write(f"| `{bench}` | {name} | {_value(line)} | {line['target']} | {'yes' if line['ok'] else '**no**'} "
                  f"| {context} |\n")


if __name__ == "__main__":
    render([json.loads(line) for line in sys.stdin if line.startswith("{")], sys.stdout)
