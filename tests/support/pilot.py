"""Pilot steps that several TUI test modules share (they never import one another)."""

from __future__ import annotations

from typing import Any

from tests.support.waiting import until


async def open_menu(app: Any, pilot: Any, node: str = "web2") -> Any:
    """Select ``node`` in the overview, press ``c``: the chaos menu, its availability read."""
    from clustertui.tui.screens.chaos_menu import ChaosMenu

    app.screen_stack[0].table.select_node(node)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, ChaosMenu) and app.screen.availability is not None,
                what="the chaos menu")
    return app.screen
