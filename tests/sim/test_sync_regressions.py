"""Scenarios the simulation found, replayed step by step on the same machine (fast, readable, always run).

Each test drives `SyncSimulation` by hand exactly as Hypothesis would: `setup`, then `step`s
(each followed by the per-step invariant), then `teardown`, which heals and checks everything.
"""

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SeededTemplate
from tests.sim.machine import SyncSimulation, make_cache_template
from tests.support.network import Fault


@pytest.fixture
def machine(sqlite_template: SeededTemplate, tmp_path: Path) -> SyncSimulation:
    SyncSimulation.template = sqlite_template
    SyncSimulation.workdir = tmp_path
    SyncSimulation.cache_template = make_cache_template(tmp_path)
    return SyncSimulation()


def replay(machine: SyncSimulation, devices: int, steps: list[dict[str, Any]], with_ben: bool = False) -> None:
    machine.setup(offsets=[0] * devices, with_ben=with_ben, limits=[2000] * 5)
    machine.monotonic()
    for step in steps:
        machine.step(**{"dev": 0, "pick": 0, "faults": [], **step})
        machine.monotonic()
    machine.teardown()


def test_rejection_after_a_renumbered_queue_is_recorded(machine: SyncSimulation) -> None:
    """The server forgot the device (restore), the queue restarts at id 1 under a new client id:
    a rejection of the new id 1 must not be mistaken for the old id 1's."""
    replay(machine, 1, [
        {"action": "sync"},
        {"action": "snapshot"},
        {"action": "bogus", "pick": 2},  # id 1: unknown mutation, rejected
        {"action": "sync"},
        {"action": "restore"},  # the server no longer knows this client id
        {"action": "bogus", "pick": 0},  # id 2 -> mutation_gap -> renumbered to id 1 -> rejected
    ])


def test_sent_but_unacknowledged_mutation_survives_a_restore(machine: SyncSimulation) -> None:
    """Pushed and applied, but the pull that would acknowledge it failed; then the server is
    restored to a snapshot without it. The device must send it again, not keep it forever."""
    replay(machine, 1, [
        {"action": "sync"},
        {"action": "snapshot"},
        {"action": "thread"},
        {"action": "sync", "faults": [None, Fault.DROP_REQUEST]},  # push ok, pull lost
        {"action": "restore"},
    ])


def test_device_that_never_pulled_learns_the_server_forgot_its_pushes(machine: SyncSimulation) -> None:
    """Without an epoch yet there is no reset: the pull's `last_mutation_id` below what a push
    answered is what tells the device the server forgot (the rejected entry must not linger,
    the applied one must be sent again)."""
    replay(machine, 1, [
        {"action": "snapshot"},
        {"action": "bogus", "pick": 0},
        {"action": "thread"},
        {"action": "sync", "faults": [None, Fault.DROP_REQUEST]},  # push answered, the first pull lost
        {"action": "restore"},
    ])


def test_held_push_delivered_after_the_retry(machine: SyncSimulation) -> None:
    replay(machine, 2, [
        {"action": "message"},
        {"action": "thread+body"},
        {"action": "sync", "faults": [Fault.HOLD]},
        {"action": "message", "pick": 1},
        {"action": "sync", "faults": [Fault.DUPLICATE, Fault.DROP_RESPONSE]},
        {"action": "sync", "dev": 1},
    ])


def test_pending_messages_keep_their_order_when_the_clock_goes_back(machine: SyncSimulation) -> None:
    replay(machine, 1, [
        {"action": "sync"},
        {"action": "offline"},
        {"action": "message"},
        {"action": "clock", "pick": 0},  # the device clock is set 25 hours back
        {"action": "message"},
        {"action": "sync"},  # offline: both stay pending, shown in the order they were written
    ])


def test_forgotten_queue_with_a_rejected_entry_in_the_middle_is_not_applied_twice(machine: SyncSimulation) -> None:
    """The server forgot three answered entries: applied, rejected, applied. Resending the two
    applied ones under the old ids leaves a hole where the rejected one was: the server applies
    the first, refuses the second with mutation_gap, and a renumbered queue would apply the first
    once more."""
    replay(machine, 1, [
        {"action": "sync"},
        {"action": "snapshot"},
        {"action": "profile"},
        {"action": "bogus", "pick": 2},
        {"action": "profile"},
        {"action": "sync", "faults": [None, Fault.DROP_REQUEST]},  # all three answered, the pull lost
        {"action": "restore"},
    ])
