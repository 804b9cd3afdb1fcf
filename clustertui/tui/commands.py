"""What the command palette (ctrl+p) offers: jump to a node, switch theme, every action,
run a drill, revert a fault.

Commands are generated from the same tables as the keys (keys.py, the sort modes, the theme
catalog), from the cluster file's drills and from the latest snapshot's nodes and faults,
so nothing needs registering twice.  Chaos commands (drills, reverts, the chaos keys) pass
the same check as the chaos keys: none with --read-only.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.screen import Screen

from clustertui.tui import keys
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.sorting import SORTS

if TYPE_CHECKING:
    from clustertui.tui.app import ClusterApp

#: Actions the palette already has from Textual itself (Quit) or that open the palette.
BUILT_IN = {"quit", "command_palette"}


def palette_commands(app: ClusterApp, screen: Screen) -> Iterator[SystemCommand]:
    scopes = ["app"]
    if isinstance(screen, OverviewScreen):
        scopes.append("overview")
    elif isinstance(screen, DetailScreen):
        scopes.append("detail")
    for scope in scopes:
        target = app if scope == "app" else screen
        for key in keys.keys(scope, app.chaos_off, local=app.chaos is None):
            if key.action not in BUILT_IN:
                yield SystemCommand(key.label, f"{key.help}  (key: {keys.key_text(key)})",
                                    partial(target.run_action, key.action))
    if isinstance(screen, OverviewScreen):
        for mode in SORTS:
            yield SystemCommand(f"Sort by {mode}", f"Order the node rows by {mode}",
                                partial(screen.action_sort, mode), discover=False)
    for name, entry in app.catalog.entries.items():
        yield SystemCommand(f"Theme: {name}", entry.description or f"Switch to the {name} theme",
                            partial(setattr, app, "theme", name), discover=False)
    if app.latest is not None:
        for view in app.latest.nodes:
            yield SystemCommand(
                f"Node: {view.name}",
                f"Open {view.name} ({', '.join(view.roles) or 'no roles'} · {view.state} · {view.host})",
                partial(app.open_node, view.name),
                discover=False,
            )
    if not app.chaos_off and app.drills is not None:
        for name, drill in app.drills.drills.items():
            yield SystemCommand(f"Drill: {name}", drill.description or f"Run the drill {name} (asks first)",
                                partial(app.confirm_drill, name), discover=False)
        for row in app.fault_rows():
            yield SystemCommand(f"Revert: {row.id}", f"Revert {row.summary or row.kind or 'the fault'} on {row.node}",
                                partial(app.revert, [row.id]), discover=False)
