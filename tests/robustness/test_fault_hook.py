"""The fault hook of server/faults.py is installed only when its environment variable names an arm file."""

import shutil
from pathlib import Path

import pytest

from server.db import Database
from server.faults import KILL_AFTER_PUSH, KillAfterPush
from server.main import create_app
from tests.conftest import SeededTemplate, server_settings


def _middleware(template: SeededTemplate, tmp_path: Path) -> list[type]:
    path = tmp_path / "server.sqlite"
    shutil.copy(template.location, path)
    db = Database(f"sqlite:///{path}")
    try:
        app = create_app(server_settings(f"sqlite:///{path}"), db=db)
        return [m.cls for m in app.user_middleware]  # type: ignore[misc]
    finally:
        db.dispose()


def test_no_fault_hook_by_default(sqlite_template: SeededTemplate, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KILL_AFTER_PUSH, raising=False)
    assert KillAfterPush not in _middleware(sqlite_template, tmp_path)


def test_fault_hook_when_armed_by_the_environment(sqlite_template: SeededTemplate, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KILL_AFTER_PUSH, str(tmp_path / "arm"))
    assert KillAfterPush in _middleware(sqlite_template, tmp_path)
