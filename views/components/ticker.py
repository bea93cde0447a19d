"""Re-render a component periodically, for texts like "synced 2 minutes ago"."""

from __future__ import annotations

import asyncio

import flet as ft


def use_ticker(seconds: float) -> int:
    """Return a counter that increases every ``seconds`` while the component is mounted."""
    tick, set_tick = ft.use_state(0)

    async def run() -> None:
        n = 0
        while True:
            await asyncio.sleep(seconds)
            n += 1
            set_tick(n)

    # An explicit cleanup makes Flet cancel the running loop when the component unmounts.
    ft.use_effect(run, dependencies=[], cleanup=lambda: None)
    return tick
