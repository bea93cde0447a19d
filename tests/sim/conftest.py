"""Report how much the simulation ran (the integrator quotes it), even without `-s`."""

import sys

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    machine = sys.modules.get("tests.sim.machine")  # only if the simulation was collected
    for line in getattr(machine, "REPORT", []):
        terminalreporter.write_line(line)
