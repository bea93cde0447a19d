"""The deterministic sync simulation (see tests/sim/machine.py for the model and its invariants).

CI runs a bounded number of examples; `NAHTLOS_SIM_EXAMPLES=2000` runs thousands
(`NAHTLOS_SIM_STEPS` changes the steps per example). The number of examples run is printed
in the terminal summary and written to `sim-stats.json` in pytest's base temp directory.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import SeededTemplate
from tests.sim.machine import SyncSimulation
from tests.sim.runner import run_simulation

EXAMPLES = int(os.environ.get("NAHTLOS_SIM_EXAMPLES", "25"))
STEPS = int(os.environ.get("NAHTLOS_SIM_STEPS", "30"))


def test_sync_simulation(sqlite_template: SeededTemplate, tmp_path: Path,
                         tmp_path_factory: pytest.TempPathFactory) -> None:
    run_simulation(SyncSimulation, sqlite_template, tmp_path, examples=EXAMPLES, steps=STEPS,
                   stats_file=tmp_path_factory.getbasetemp() / "sim-stats.json")
