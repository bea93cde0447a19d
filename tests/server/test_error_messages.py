"""Every stable code has an English and a German message, and the table defines each code once."""

import ast
from pathlib import Path

from app.protocol.errors import ErrorCode, RejectionCode
from server.errors import MESSAGES, message_for


def test_every_code_has_both_languages() -> None:
    for code in [*ErrorCode, *RejectionCode]:
        assert code.value in MESSAGES, code
        en, de = MESSAGES[code.value]
        assert en and de and en != de, code
        assert message_for(code.value, "de") == de


def test_no_code_is_defined_twice() -> None:
    """ErrorCode and RejectionCode share some strings; a second entry would silently win."""
    tree = ast.parse(Path(__file__).resolve().parents[2].joinpath("server/errors.py").read_text(encoding="utf-8"))
    table = next(n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign)
                 and getattr(n.target, "id", "") == "MESSAGES")
    assert isinstance(table, ast.Dict)
    values = [getattr(ErrorCode, k.attr, None) or getattr(RejectionCode, k.attr) for k in table.keys
              if isinstance(k, ast.Attribute)]
    assert len(values) == len({v.value for v in values})
