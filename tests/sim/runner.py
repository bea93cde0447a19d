"""Running a simulation variant: a number of examples or a time budget, and its figures reported.

Every variant (tests/sim/test_sync_simulation.py, the four-device and the two-process runs in
tests/robustness) runs the same way; they differ in the machine class and their size knobs.
"""

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.conftest import SeededTemplate
from tests.sim.machine import (
    REPORT,
    STATS,
    SyncSimulation,
    make_cache_template,
    stats_json,
    stats_line,
)

BATCH = 10  # examples per Hypothesis run when a time budget is set (each run draws fresh seeds)


def _run(machine: type[SyncSimulation], examples: int, steps: int) -> None:
    run_state_machine_as_test(machine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, database=None, print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]))


def run_simulation(machine: type[SyncSimulation], template: SeededTemplate, workdir: Path, *, examples: int,
                   steps: int, seconds: float = 0, label: str = "", stats_file: Path,
                   extra: Callable[[], Mapping[str, int]] | None = None) -> None:
    """Run `examples` examples of `steps` steps (with `seconds` > 0: batches until either is spent)
    on copies of `template`, the examples' files in `workdir`.

    The figures (STATS, plus `extra()`'s, e.g. the server side's own counts) go to the terminal
    summary and, as JSON, to `stats_file`, also when the run fails.
    """
    # Hypothesis builds the machine without arguments: what it needs is set on the class.
    machine.template = template
    machine.workdir = workdir
    machine.cache_template = make_cache_template(workdir)
    STATS.clear()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        if seconds <= 0:
            _run(machine, examples, steps)
        else:
            while STATS["examples"] < examples and time.perf_counter() - started < seconds:
                _run(machine, min(BATCH, examples - STATS["examples"]), steps)
    finally:
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        if extra is not None:
            STATS.update(extra())
        REPORT.append(label + stats_line(elapsed, used))
        stats_file.write_text(stats_json(elapsed, used) + "\n", encoding="utf-8")
        print(REPORT[-1])
    # Every heal (mid-run and the one closing each example) ended converged; none was skipped.
    assert STATS["examples"] >= 1 and STATS["converged"] == STATS["heals"] >= STATS["examples"]
