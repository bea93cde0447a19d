"""Dependencies point one way (shared/design/architecture.md); import-linter enforces it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_flet_0x_api_in_the_code() -> None:
    """Flet 1.0 removed these; examples from 0.2x still use them (see shared/design/flet-1.0-guide.md)."""
    old = ("ft.app(", "page.go(", "client_storage", "ElevatedButton", "ft.colors.", "UserControl",
           "page.open(", "page.snack_bar", "src_base64")
    offenders = [f"{path.relative_to(ROOT)}: {needle}"
                 for folder in ("app", "views", "services") for path in (ROOT / folder).rglob("*.py")
                 for needle in old if needle in path.read_text(encoding="utf-8")]
    offenders += [f"main.py: {n}" for n in old if n in (ROOT / "main.py").read_text(encoding="utf-8")]
    assert offenders == []
