"""Benchmarks of the sync protocol against the targets of issue 6.

Each module is one benchmark, run as `uv run python -m bench.<name> [--quick]`; it prints one
JSON line per figure (see `bench.report`). `uv run python -m bench` runs them all in quick mode.
The server always runs as its own process (`python -m server`) on a temporary SQLite file.
"""
