"""Every test here is a `robustness` test: `uv run pytest -m robustness` runs them, `-m "not robustness"` skips them."""

from pathlib import Path

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.robustness)
