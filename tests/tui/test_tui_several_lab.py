"""Two of the lab's cluster files in one real monitor (Pilot): lab.yaml and lab-ha.yaml,
loaded as `clustertui monitor lab.yaml lab-ha.yaml` loads them, show all eleven nodes up,
each named with its cluster, and the header gives each cluster's health."""

from __future__ import annotations

import pytest

from clustertui.cli.several import load_all_or_exit
from clustertui.transport.states import NodeState
from clustertui.tui.launch import build_several_app
from clustertui.tui.widgets.header import ClusterHeader
from clustertui.tui.widgets.node_table import NodeTable
from tests.support.waiting import until

pytestmark = pytest.mark.lab

LAB = {f"lab/{name}" for name in ("lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3")}
LAB_HA = {f"lab-ha/{name}" for name in ("ha1", "ha2", "ha3")}


async def test_both_lab_clusters_in_one_monitor_all_up_with_their_cluster(lab, builtin_themes) -> None:
    files = (str(lab.cluster_file), str(lab.cluster_file.with_name("lab-ha.yaml")))
    app = build_several_app(load_all_or_exit(files), catalog=builtin_themes, interval=1.0)
    async with app.run_test(size=(160, 40)) as pilot:
        def all_up() -> bool:
            latest = app.latest
            return latest is not None and len(latest.nodes) == 11 and all(
                v.state is NodeState.UP for v in latest.nodes)

        await until(pilot, all_up, timeout=15, what="the eleven nodes of both clusters up")
        assert app.latest is not None
        assert {(v.cluster, v.name) for v in app.latest.nodes} == {
            (name.split("/")[0], name) for name in LAB | LAB_HA}
        await pilot.pause()
        assert set(app.screen_stack[0].query_one(NodeTable).visible_names) == LAB | LAB_HA
        header = str(app.screen_stack[0].query_one(ClusterHeader).render())
        assert "lab 8/8 up · lab-ha 3/3 up" in header
