"""The TUI against the real lab (Pilot): rows for every node, a stopped nginx turning red
within two intervals, the filter, and Enter opening a node."""

from __future__ import annotations

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState
from clustertui.tui.app import ClusterApp
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.source import MonitorSource
from clustertui.tui.widgets.node_table import NodeTable
from tests.support.waiting import until

pytestmark = pytest.mark.lab

INTERVAL = 1.0
LAB_NODES = {"lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3"}


@pytest.fixture
def lab_app(lab, builtin_themes) -> ClusterApp:
    cluster = load_cluster(lab.cluster_file)
    return ClusterApp(MonitorSource(ClusterMonitor(cluster, interval=INTERVAL)), builtin_themes)


def table(app: ClusterApp) -> NodeTable:
    return app.screen_stack[0].query_one(NodeTable)


def all_up(app: ClusterApp) -> bool:
    return app.latest is not None and all(v.state is NodeState.UP for v in app.latest.nodes) and all(
        s.up for v in app.latest.nodes for s in v.services
    )


async def test_rows_for_all_nodes_and_nginx_turns_red_within_two_intervals(lab, lab_app, nginx_stopped) -> None:
    async with lab_app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: all_up(lab_app), timeout=20)
        assert set(table(lab_app).visible_names) == LAB_NODES
        def web2_red() -> bool:
            return ("✖", "bad") in table(lab_app).cell("web2", "services")

        assert not web2_red()
        with nginx_stopped("web2"):
            took = await until(pilot, web2_red, timeout=4 * INTERVAL)
            assert took <= 2 * INTERVAL + 0.25, f"red after {took:.2f}s"
            assert table(lab_app).visible_names[0] == "web2"  # the worst node comes first
        await until(pilot, lambda: not web2_red(), timeout=6 * INTERVAL)


async def test_filter_narrows_and_enter_opens_the_detail(lab, lab_app) -> None:
    async with lab_app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: all_up(lab_app), timeout=20)
        await pilot.press("slash", *"role:db", "enter")
        assert sorted(table(lab_app).visible_names) == ["db1", "db2", "db3"]
        await pilot.press("down", "enter")
        await pilot.pause()
        screen = lab_app.screen
        assert isinstance(screen, DetailScreen) and screen.node == table(lab_app).visible_names[1]
        cluster = load_cluster(lab.cluster_file)
        expected = len(cluster.services_on(cluster.node(screen.node)))  # redis, sentinel, etcd
        await until(pilot, lambda: screen.query_one("#services").row_count == expected, timeout=3 * INTERVAL)
        await pilot.press("escape")
        assert lab_app.screen is lab_app.screen_stack[0]
