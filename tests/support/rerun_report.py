"""One line per rerun test for the summary: why its first try failed, and where.

The CI log keeps only the summary. A Playwright assertion's first line ("Locator expected to be
visible") does not say which locator or which step of the test it was, so the line also names
the locator Playwright waited for and the last place in a test module the failure passed.
"""

import re

_LOCATION = re.compile(r"^(tests/\S+?\.py):(\d+): ")


def rerun_reason(longrepr: str) -> str:
    lines = longrepr.strip().splitlines()
    errors = [line[1:].strip() for line in lines if line.startswith("E ")]  # pytest's "E   ..." lines
    reason = errors[0] if errors else (lines[-1] if lines else "no message")
    waited = next((e.removeprefix("- ").strip() for e in errors if "waiting for" in e), None)
    places = [f"{m[1]}:{m[2]}" for m in map(_LOCATION.match, lines) if m]
    in_test = [p for p in places if "/test_" in p]
    where = ", ".join(dict.fromkeys(in_test[-1:] + places[-1:]))  # the test's step, then the raise
    return "; ".join(part for part in (reason[:300], waited and waited[:300], where) if part)
