"""Several clusters in one TUI (Pilot): lab.yaml and lab-ha.yaml replayed from their lab
recordings, each cluster with its own real chaos and drill sessions on its own fake engine.
Rows are `cluster/node`; the header gives each cluster's health; `cluster:NAME` filters;
chaos goes to the node's own cluster's session and guards; halt and quit reach every one."""

from __future__ import annotations

import dataclasses

from textual.widgets import Input, Static

from clustertui.engine.health import ClusterHealth, quorum_for
from clustertui.transport.states import NodeState
from clustertui.tui.multi_source import MultiSource, merge
from clustertui.tui.screens.confirm import ConfirmScreen
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.fault_form import FaultForm
from clustertui.tui.screens.managers import ManagersScreen
from clustertui.tui.source import ReplaySource
from clustertui.tui.widgets.header import ClusterHeader
from clustertui.tui.widgets.node_table import NodeTable
from tests.support.pilot import open_menu
from tests.support.waiting import until
from tests.tui.managers_state import with_managers
from tests.tui.tui_state import with_node

LAB = ["lab/lb1", "lab/lb2", "lab/web1", "lab/web2", "lab/web3", "lab/db1", "lab/db2", "lab/db3"]
LAB_HA = ["lab-ha/ha1", "lab-ha/ha2", "lab-ha/ha3"]


def table(app) -> NodeTable:
    return app.screen_stack[0].query_one(NodeTable)


def header(app) -> str:
    return str(app.screen_stack[0].query_one(ClusterHeader).render())


def ha_down(snapshot, node: str = "ha2", up: int = 2):
    """lab-ha with one node unreachable (and its quorum as the engine would count it)."""
    snap = with_node(snapshot, node, state=NodeState.UNREACHABLE, detail="connection refused")
    health = ClusterHealth(quorum_for(snap.cluster_type, up, len(snap.nodes)), snap.health.services,
                           snap.health.endpoints)
    return dataclasses.replace(snap, health=health)


async def apply_kill(app, pilot, node: str, service: str) -> ConfirmScreen:
    menu = await open_menu(app, pilot, node)
    menu.actions.highlighted = menu.actions.get_option_index("kind:kill")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, FaultForm))
    form = app.screen
    form.query_one("#field-ttl", Input).value = "20s"
    form.query_one("#field-ttl", Input).focus()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen) or "refused" in str(
        form.query_one("#form-error", Static).render()))
    return app.screen


async def test_rows_are_cluster_slash_node_and_the_header_gives_each_clusters_health(make_several_app) -> None:
    app = make_several_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert sorted(table(app).visible_names) == sorted(LAB + LAB_HA)
        assert {v.cluster for v in app.latest.nodes} == {"lab", "lab-ha"}
        assert "lab 8/8 up · lab-ha 3/3 up" in header(app)
        assert "lab/web-vip" in header(app) and "lab-ha/ha-vip" in header(app)  # endpoints by cluster


async def test_a_cluster_that_lost_its_quorum_says_so_in_the_header(make_several_app, recorded_ha) -> None:
    app = make_several_app(ha_frames=[ha_down(ha_down(recorded_ha[0], "ha2"), "ha3", up=1)])
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        # shared-disk: one node holding the disk is quorum, so 1/3 still holds
        assert "lab 8/8 up · lab-ha 1/3 up" in header(app) and "QUORUM LOST" not in header(app)
    majority = dataclasses.replace(recorded_ha[0], cluster_type="majority")
    app = make_several_app(ha_frames=[ha_down(ha_down(majority, "ha2"), "ha3", up=1)])
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert "lab-ha 1/3 up QUORUM LOST" in header(app)


async def test_the_filter_cluster_keeps_one_clusters_nodes(make_several_app) -> None:
    app = make_several_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"cluster:lab-ha", "enter")
        assert sorted(table(app).visible_names) == LAB_HA
        await pilot.press("slash", "ctrl+u", *"cluster:lab", "enter")  # exact: not lab-ha
        assert sorted(table(app).visible_names) == sorted(LAB)
        await pilot.press("slash", "ctrl+u", *"cluster:lab role:db", "enter")
        assert sorted(table(app).visible_names) == ["lab/db1", "lab/db2", "lab/db3"]
        await pilot.press("slash", "ctrl+u", *"ha2", "enter")  # a bare word: the shown name
        assert table(app).visible_names == ["lab-ha/ha2"]


async def test_chaos_goes_to_the_nodes_own_cluster_with_its_guards(make_several_app, several_chaos) -> None:
    lab, lab_ha = several_chaos["lab"], several_chaos["lab-ha"]
    app = make_several_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        confirm = await apply_kill(app, pilot, "lab-ha/ha2", "corosync")
        assert isinstance(confirm, ConfirmScreen)
        assert app.chaos is not None and app.chaos.cluster.name == "lab-ha"
        assert confirm.box_title == "apply kill on lab-ha/ha2?"
        text = str(confirm.query_one("#confirm-text", Static).render())
        assert "on ha2" in text and "after 20s" in text
        await pilot.press("y")
        await until(pilot, lambda: lab_ha.applied)
        assert list(lab_ha.applied.values()) == ["ha2"] and not lab.applied  # lab-ha's engine only
        # lab's blast radius (max_faulted_nodes: 1) counts lab's faults only: web2 is allowed
        confirm = await apply_kill(app, pilot, "lab/web2", "nginx")
        assert isinstance(confirm, ConfirmScreen) and app.chaos.cluster.name == "lab"
        await pilot.press("y")
        await until(pilot, lambda: lab.applied)
        assert list(lab.applied.values()) == ["web2"] and list(lab_ha.applied.values()) == ["ha2"]
        # ... and a second lab node is refused by lab's guard, naming lab's faulted node
        form_end = await apply_kill(app, pilot, "lab/web3", "nginx")
        assert isinstance(form_end, FaultForm)
        assert "refused: blast radius" in str(form_end.query_one("#form-error", Static).render())
        assert len(lab.applied) == 1


async def test_the_menu_lists_one_clusters_nodes_and_refuses_a_mix(make_several_app) -> None:
    app = make_several_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        menu = await open_menu(app, pilot, "lab-ha/ha1")
        assert menu.box_title == "chaos · lab-ha"
        nodes = menu.node_list
        assert [nodes.get_option_at_index(i).value for i in range(nodes.option_count)] == ["ha1", "ha2", "ha3"]
        assert nodes.selected == ["ha1"]
        await pilot.press("escape")
        await pilot.pause()
        table(app).select_node("lab/web1")
        await pilot.press("space")
        table(app).select_node("lab-ha/ha1")
        await pilot.press("space", "c")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert any("several clusters" in n.message for n in app._notifications)


async def test_revert_and_halt_reach_each_clusters_session(make_several_app, several_chaos, recorded,
                                                           recorded_ha) -> None:
    lab, lab_ha = several_chaos["lab"], several_chaos["lab-ha"]
    lab.add("f-0000aaaa", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")
    lab_ha.add("f-0000bbbb", "ha1", "kill", "kill corosync on ha1", 45.0, "bob@laptop")
    frames = [dataclasses.replace(with_node(recorded[0], "web1", faults=("f-0000aaaa",)), active_faults=1)]
    ha_frames = [dataclasses.replace(with_node(recorded_ha[0], "ha1", faults=("f-0000bbbb",)), active_faults=1)]
    app = make_several_app(frames, ha_frames)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: {r.id: r.node for r in app.fault_rows()} == {
            "f-0000aaaa": "lab/web1", "f-0000bbbb": "lab-ha/ha1"} and all(r.kind for r in app.fault_rows()))
        assert "faults 2" in header(app)
        app.revert(["f-0000bbbb"])
        await until(pilot, lambda: ("revert", ("f-0000bbbb", "manual")) in lab_ha.calls)
        assert not any(call == "revert" for call, _ in lab.calls)  # lab's engine never asked
        await until(pilot, lambda: any(n.message == "f-0000bbbb on lab-ha/ha1: reverted and verified"
                                       for n in app._notifications))  # the node as the rows name it
        await pilot.press("H")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await until(pilot, lambda: ("revert_all", "halt") in lab.calls and ("revert_all", "halt") in lab_ha.calls)


async def test_detail_and_managers_show_the_nodes_own_cluster(make_several_app) -> None:
    app = make_several_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        table(app).select_node("lab-ha/ha2")
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, ManagersScreen))
        screen = app.screen
        await pilot.pause()
        head = str(screen.query_one("#managers-head", Static).render())
        assert head.startswith("lab-ha managers")
        assert set(screen._row_nodes.values()) <= set(LAB_HA) and screen._row_nodes
        await pilot.press("escape")
        app.open_node("lab-ha/ha2")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.node == "lab-ha/ha2"
        assert app.source.series("lab-ha/ha2", 60).times  # its own cluster's recorded history


def test_the_merge_names_every_node_event_finding_and_manager_by_its_cluster(recorded, recorded_ha) -> None:
    lab = with_managers(recorded[0])  # keepalived's split brain: a finding naming lb1 and lb2
    merged = merge([lab, recorded_ha[0]])
    assert merged.parts == (lab, recorded_ha[0]) and merged.part("lab-ha") is recorded_ha[0]
    assert [f.manager for f in merged.findings] == [f"lab/{f.manager}" for f in lab.findings]
    assert {n for f in merged.findings for n in f.nodes} == {f"lab/{n}" for f in lab.findings for n in f.nodes}
    assert {m.manager for m in merged.managers} == {f"lab/{m.manager}" for m in lab.managers} | {
        "lab-ha/pacemaker", "lab-ha/address"}
    assert all(e.node is None or e.node.split("/")[0] in ("lab", "lab-ha") for e in merged.events)
    assert [e.t for e in merged.events] == sorted(e.t for e in merged.events)
    assert len(merged.events) == len(lab.events) + len(recorded_ha[0].events)
    assert merged.health.quorum.holds and merged.active_faults == 0
    lost = merge([lab, ha_down(ha_down(dataclasses.replace(recorded_ha[0], cluster_type="majority"), "ha2"),
                               "ha3", up=1)])
    assert not lost.health.quorum.holds  # one cluster's lost quorum: the merge's does not hold


def test_the_source_routes_history_and_reconnects_to_the_nodes_cluster(recorded, recorded_ha) -> None:
    lab, ha = ReplaySource([recorded[0]], recorded[1]), ReplaySource([recorded_ha[0]], recorded_ha[1])
    source = MultiSource({"lab": lab, "lab-ha": ha})
    assert source.series("lab-ha/ha1", 60) == recorded_ha[1]["ha1"]
    assert source.series("lab/web1", 60) == recorded[1]["web1"]
    source.retry("lab-ha/ha2")
    assert ha.retried == ["ha2"] and lab.retried == []
    assert source.set_interval(2.0) == 2.0 and lab.interval == ha.interval == 2.0
