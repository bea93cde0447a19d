"""Report how much the simulation ran (the integrator quotes it), even without `-s`."""

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.sim.test_sync_simulation import REPORT

    for line in REPORT:
        terminalreporter.write_line(line)
