"""The TUI (Pilot) beside a node whose probe reports a 400-digit MemTotal: the node is
`probe-error` with the reason in its detail screen, the app keeps running (the node detail
crashed with OverflowError before), and the honest neighbour's detail draws its charts."""

from __future__ import annotations

import time
from pathlib import Path

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState
from clustertui.tui.app import ClusterApp
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.source import MonitorSource
from clustertui.tui.themes import BUILTIN_DIR, ThemeCatalog
from tests.hostile.cluster import write_cluster
from tests.hostile.node import HostileNode, replace_line


async def test_node_detail_of_a_node_with_absurd_numbers(hostile: HostileNode, honest: HostileNode, tmp_path: Path) -> None:
    hostile.behaviour.frame = replace_line(b"m ", b"m " + b"9" * 400 + b" 1000 3.3 0 0")
    cluster = load_cluster(write_cluster(tmp_path / "c.yaml", [hostile.node_yaml("evil"), honest.node_yaml("good")]))
    app = ClusterApp(MonitorSource(ClusterMonitor(cluster)), ThemeCatalog.load((BUILTIN_DIR,)))

    def states() -> dict[str, NodeState]:
        return {view.name: view.state for view in app.latest.nodes} if app.latest is not None else {}

    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 20
        while states() != {"evil": NodeState.PROBE_ERROR, "good": NodeState.UP}:
            assert time.monotonic() < deadline, states()
            await pilot.pause(0.1)
        for node in ("evil", "good"):
            assert app.overview is not None and app.overview.table.select_node(node)
            await pilot.press("enter")
            await pilot.pause(1.2)  # a tick or two of the detail with this node's data
            assert isinstance(app.screen, DetailScreen) and app.screen.node == node
            shown = app.export_screenshot().replace("&#160;", " ")  # SVG text: spaces are &#160;
            if node == "evil":
                assert "probe-error" in shown and "not a count" in shown
            await pilot.press("escape")
        assert app.is_running
