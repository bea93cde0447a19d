"""The sync simulation (tests/sim/machine.py) against two server processes on one PostgreSQL database.

Issue #6: "the simulation passes against it". The same machine, rules and invariants (nothing
lost, nothing duplicated, convergence after healing, ben never sees anna's rows, messages in
seq order); only the server side differs (tests/robustness/sim_cluster.py):
- two `python -m server` processes share the test's own PostgreSQL database (a new database per
  test, dropped afterwards: no other test's data or pokes meet this one);
- every request of every device goes to either process (drawn per step, then round robin: a
  load balancer without sticky sessions); the transport faults (lost request, answer lost after
  commit, duplicate, held back) stay in the devices' links, and a duplicate reaches both
  processes at the same moment;
- "restart" SIGKILLs one process or both and starts them again, or arms one to die right after
  its next push commits (server/faults.py), to be started again before the next step;
- "restore" stops both, puts back a snapshot of the tables (copied into a schema of the same
  database) and starts both under a new epoch;
- a "sync" with an odd `pick` syncs two devices at the same time (threads), so their pushes
  and pulls meet on the two processes.

CI runs a few examples (6: about 25 s with the processes' start). The full run:
`NAHTLOS_SIM2P_EXAMPLES=1000` (a cap) and/or `NAHTLOS_SIM2P_SECONDS=1140` (a time budget:
batches of examples run until it is spent; 560 examples in 19 min on the 2-core machine),
`NAHTLOS_SIM_STEPS` steps per example. The figures go to the terminal summary and to
`sim2p-stats.json` in pytest's base temp directory.
"""

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import rule

from tests.conftest import SeededTemplate, seeded_postgres
from tests.robustness.sim_cluster import TwoProcesses
from tests.sim.machine import (
    ACTION,
    DEVICE,
    FAULTS,
    PICK,
    STATS,
    SimServer,
    SyncSimulation,
)
from tests.sim.runner import run_simulation
from tests.support.network import Fault

if TYPE_CHECKING:
    from sqlalchemy import Engine

EXAMPLES = int(os.environ.get("NAHTLOS_SIM2P_EXAMPLES", "6"))
SECONDS = float(os.environ.get("NAHTLOS_SIM2P_SECONDS", "0"))  # 0: no time budget, run EXAMPLES
STEPS = int(os.environ.get("NAHTLOS_SIM_STEPS", "30"))

# Room for the run (1.5-3 s an example on the 2-core machine) and for Hypothesis to shrink a failure.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(600 + int(max(SECONDS, 10 * EXAMPLES)))]


class TwoProcessSimulation(SyncSimulation):
    cluster: ClassVar[TwoProcesses]

    def open_server(self) -> SimServer:
        return self.cluster.begin()

    @rule(action=ACTION, dev=DEVICE, pick=PICK, faults=FAULTS, routes=st.lists(st.integers(0, 1), max_size=8))
    def step(self, action: str, dev: int, pick: int, faults: list[Fault | None], routes: list[int]) -> None:
        """The base step, with this step's requests routed as drawn, and some syncs two at a time."""
        self.cluster.supervise()
        self.cluster.network.routes.clear()
        self.cluster.network.routes.extend(routes)
        if action == "sync" and pick % 2:
            self.clean = False  # as the base step: a failure mid-step must not be healed over
            self._sync_together(dev, faults)
            return
        super().step(action, dev, pick, faults)

    def _sync_together(self, dev: int, faults: list[Fault | None]) -> None:
        """Two devices sync at the same time, the faults dealt out between them."""
        STATS["step:sync_together"] += 1
        pair = [self._device(dev), self._device(dev + 1)]
        for n, device in enumerate(pair):
            device.link.faults.extend(faults[n::2])
            self.touched.add(device.name)
        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(self._sync_round, pair))
        for device, outcome in zip(pair, outcomes, strict=True):
            self._synced(device, outcome)


@pytest.fixture
def own_postgres(postgres_admin: "Engine") -> Iterator[SeededTemplate]:
    """A database of this test's own (not the session's shared one): its processes write freely."""
    with seeded_postgres(postgres_admin) as template:
        yield template


def test_sync_simulation_two_server_processes(own_postgres: SeededTemplate, tmp_path: Path,
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    assert own_postgres.postgres is not None
    cluster = TwoProcessSimulation.cluster = TwoProcesses(own_postgres.postgres, tmp_path / "servers")
    try:
        run_simulation(TwoProcessSimulation, own_postgres, tmp_path, examples=EXAMPLES, steps=STEPS, seconds=SECONDS,
                       label="2 server processes on PostgreSQL: ", extra=cluster.figures,
                       stats_file=tmp_path_factory.getbasetemp() / "sim2p-stats.json")
    finally:
        cluster.stop()
