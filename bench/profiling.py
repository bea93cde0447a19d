"""`--profile`: where the time goes, named by function.

`ServerProfile` attaches py-spy (if installed: `uv tool install py-spy`) to the server process
for the measured phase only, sampling the thread that holds the GIL (= Python CPU time), and
`ClientProfile` runs cProfile around client code in this process. Both reduce to a few lines:
the heaviest functions inclusive (project code: server/, services/, app/) and by own time.
"""

import cProfile
import pstats
import re
import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any, Self

_PROJECT = re.compile(r"(^|[ (/])(server|services|app)/[\w/]+\.py")
_LINE = re.compile(r":\d+\)$")
_SHORTEN = re.compile(r" \(/.*?/(site-packages|lib/python3\.\d+|main)/")


def py_spy() -> str | None:
    return shutil.which("py-spy") or next((str(p) for p in [Path.home() / ".local/bin/py-spy"] if p.exists()), None)


def _ours(frame: str) -> bool:
    return "site-packages" not in frame and _PROJECT.search(frame) is not None


def _frame(text: str) -> str:
    return _SHORTEN.sub(" (", text)


def summarise_collapsed(path: Path, top: int = 12) -> dict[str, Any]:
    """From py-spy's raw output: inclusive shares of project functions and of project lines
    (the line a function was on when sampled), and own-time shares of every function."""
    functions: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [_frame(f) for f in stack.split(";")]
        total += n
        own[_LINE.sub(")", frames[-1])] += n
        ours = [f for f in frames if _ours(f)]
        for frame in set(ours):
            lines[frame] += n
        for function in {_LINE.sub(")", f) for f in ours}:
            functions[function] += n
    if not total:
        return {"samples": 0}

    def share(counter: Counter[str]) -> list[str]:
        return [f"{v / total * 100:.1f}% {k}" for k, v in counter.most_common(top)]

    return {"samples": total, "project_functions": share(functions), "project_lines": share(lines),
            "own_time": share(own)}


class ServerProfile:
    """py-spy on a running process from `__enter__` to `__exit__` (no-op without py-spy)."""

    def __init__(self, pid: int, out: Path, enabled: bool = True, rate: int = 200) -> None:
        self.pid, self.out, self.rate = pid, out, rate
        self.exe = py_spy() if enabled else None
        self.proc: subprocess.Popen[bytes] | None = None
        self.summary: dict[str, Any] | None = None

    def __enter__(self) -> Self:
        if self.exe is not None:
            self.proc = subprocess.Popen([self.exe, "record", "-p", str(self.pid), "-r", str(self.rate), "--gil",
                                          "--nonblocking",
                                          "-f", "raw", "-o", str(self.out)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return
        if self.out.exists():
            self.summary = summarise_collapsed(self.out)


class ClientProfile:
    """cProfile around client code in this process (no-op when disabled); entering it again adds up."""

    def __init__(self, enabled: bool = True) -> None:
        self.profile = cProfile.Profile() if enabled else None

    def __enter__(self) -> Self:
        if self.profile is not None:
            self.profile.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.profile is not None:
            self.profile.disable()

    @property
    def summary(self) -> dict[str, Any] | None:
        if self.profile is None:
            return None
        rows = pstats.Stats(self.profile).stats  # type: ignore[attr-defined]
        total = sum(tt for (_cc, _nc, tt, _ct, _callers) in rows.values()) or 1.0

        def name(key: tuple[str, int, str]) -> str:
            file, line, func = key
            return f"{func} ({_frame(' (' + file)[2:]}:{line})" if file != "~" else func

        by_cum = sorted(((ct, k) for k, (_cc, _nc, _tt, ct, _c) in rows.items() if _ours(k[0])),
                        reverse=True)[:12]
        by_own = sorted(((tt, k) for k, (_cc, _nc, tt, _ct, _c) in rows.items()), reverse=True)[:12]
        return {"project_inclusive": [f"{ct / total * 100:.1f}% {name(k)}" for ct, k in by_cum],
                "own_time": [f"{tt / total * 100:.1f}% {name(k)}" for tt, k in by_own]}


def enabled_note() -> str:
    return "py-spy found" if py_spy() else "py-spy not installed: server profiles skipped (uv tool install py-spy)"

