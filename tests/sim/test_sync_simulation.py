"""The deterministic sync simulation (see tests/sim/machine.py for the model and its invariants).

CI runs a bounded number of examples; `NAHTLOS_SIM_EXAMPLES=2000` runs thousands
(`NAHTLOS_SIM_STEPS` changes the steps per example). The number of examples run is printed
in the terminal summary and written to `sim-stats.json` in pytest's base temp directory.
"""

import os
import time
from pathlib import Path

import pytest
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

EXAMPLES = int(os.environ.get("NAHTLOS_SIM_EXAMPLES", "25"))
STEPS = int(os.environ.get("NAHTLOS_SIM_STEPS", "30"))


def test_sync_simulation(sqlite_template: SeededTemplate, tmp_path: Path,
                         tmp_path_factory: pytest.TempPathFactory) -> None:
    SyncSimulation.template = sqlite_template
    SyncSimulation.workdir = tmp_path
    SyncSimulation.cache_template = make_cache_template(tmp_path)
    STATS.clear()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        run_state_machine_as_test(SyncSimulation, settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None, print_blob=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]))
    finally:
        elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        REPORT.append(stats_line(elapsed, used))
        (tmp_path_factory.getbasetemp() / "sim-stats.json").write_text(stats_json(elapsed, used) + "\n",
                                                                        encoding="utf-8")
        print(REPORT[-1])
