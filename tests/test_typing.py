"""The code type-checks (shared/design/architecture.md, point 12): mypy over the whole repository
with the settings in pyproject.toml, exactly as `uv run mypy .` runs it from the root.

It shares that command's cache (.mypy_cache): about 35 s on a cold cache (a fresh clone, two cores),
a second or two once the cache is warm.
"""

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_reports_no_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # "." and the default cache dir are relative to the working directory
    stdout, stderr, status = api.run([".", "--config-file", "pyproject.toml"])
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert status == 0 and not errors, f"mypy found {len(errors)} error(s):\n{stdout}{stderr}"
