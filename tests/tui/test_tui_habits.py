"""Keys an htop/k9s user expects, through Pilot: j/k and g/G, space marks nodes for the
chaos menu, d shows the disk, swap and PSI columns, the detail's hint names the right key."""

from __future__ import annotations

import dataclasses

from clustertui.tui.screens.chaos_menu import ChaosMenu
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.widgets.node_header import NodeHeader
from clustertui.tui.widgets.node_table import MARK, NodeTable
from tests.tui.tui_state import with_node


def table_of(app) -> NodeTable:
    return app.screen_stack[0].query_one(NodeTable)


async def test_j_k_g_G_move_like_vim(make_app, bad_day) -> None:
    app = make_app([bad_day])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = table_of(app)
        order = table.visible_names
        assert table.cursor_node == order[0]
        await pilot.press("j", "j")
        assert table.cursor_node == order[2]
        await pilot.press("k")
        assert table.cursor_node == order[1]
        await pilot.press("G")
        assert table.cursor_node == order[-1]
        await pilot.press("j")  # stays on the last row
        assert table.cursor_node == order[-1]
        await pilot.press("g")
        assert table.cursor_node == order[0]
        await pilot.press("down", "end", "up", "home")
        assert table.cursor_node == order[0]


async def test_space_marks_nodes_and_the_chaos_menu_acts_on_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = table_of(app)
        table.select_node("web1")
        await pilot.press("space")  # marks web1, moves down
        assert table.marked == {"web1"} and table.cursor_node != "web1"
        table.select_node("web3")
        await pilot.press("space")
        table.select_node("db1")
        await pilot.pause()
        line = table.render_line(1 + table.visible_names.index("web1")).text
        assert line.startswith(MARK + "web1")
        assert table.render_line(1 + table.visible_names.index("db1")).text.startswith(" db1")
        await pilot.press("c")
        await pilot.pause()
        menu = app.screen
        assert isinstance(menu, ChaosMenu) and sorted(menu.selected) == ["web1", "web3"]  # not db1 under the cursor
        await pilot.press("escape")
        await pilot.pause()
        table.select_node("web3")
        await pilot.press("space")  # unmarks
        assert table.marked == {"web1"}
        await pilot.press("escape")  # esc clears the marks
        assert table.marked == set()
        table.select_node("db1")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChaosMenu) and app.screen.selected == ["db1"]  # none marked: the cursor's


async def test_marks_survive_the_filter_and_ticks(make_app, recorded) -> None:
    app = make_app([recorded[0], recorded[0]])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        table = table_of(app)
        table.select_node("db2")
        await pilot.press("space", "slash", *"role:web", "enter")
        assert "db2" not in table.visible_names and table.marked_nodes == ["db2"]
        app.tick()
        await pilot.pause()
        assert table.marked_nodes == ["db2"]


async def test_d_toggles_the_disk_swap_and_psi_columns(make_app, recorded) -> None:
    web1 = recorded[0].node("web1")
    sample = dataclasses.replace(web1.sample, swap_total=4 << 30, swap_used=3 << 30, psi_io=31.5)
    app = make_app([with_node(recorded[0], "web1", sample=sample)])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = table_of(app)
        assert "disk" not in [c.key for c in table.columns_layout.columns]
        await pilot.press("d")
        await pilot.pause()
        header = table.render_line(0).text
        assert "DISK" in header and "SWAP" in header and "PSI" in header and "…" not in header
        assert table.cell("web1", "swap") == ((" 75%", "bad"),)
        assert table.cell("web1", "psi") == ((" 32%", "bad"),)
        assert table.cell("web1", "disk")[0][0].strip().endswith("%")
        row = table.render_line(1 + table.visible_names.index("web1")).text
        assert " 75%" in row and len(row.rstrip()) <= 80
        await pilot.press("d")
        await pilot.pause()
        assert "DISK" not in table.render_line(0).text


async def test_detail_shows_disk_swap_and_pressure(make_app, recorded) -> None:
    web1 = recorded[0].node("web1")
    sample = dataclasses.replace(web1.sample, swap_total=4 << 30, swap_used=1 << 30,
                                 psi_cpu=1.25, psi_io=0.0, psi_memory=40.0)
    app = make_app([with_node(recorded[0], "web1", sample=sample)])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("web1")
        await pilot.pause()
        text = app.screen.query_one(NodeHeader).render()
        third = text.plain.splitlines()[2]
        assert third.startswith(" disk / 21% ") and "swap 25% 1.0G/4.0G" in third
        assert "pressure cpu 1.2% io 0.0% mem 40.0%" in third
        bad = app.palette.style("bad")
        assert any(span.style == bad and third_text == "40.0%"
                   for span in text.spans for third_text in [text.plain[span.start:span.end]])


async def test_detail_says_once_when_a_nodes_service_watch_is_off(make_app, recorded) -> None:
    """A node whose probe could not start its service watch (probe/watch.py) says so, and
    why, on the detail's first line; a node whose watch runs says nothing."""
    web1 = recorded[0].node("web1")
    app = make_app([with_node(recorded[0], "web1", sample=dataclasses.replace(web1.sample, watch="no-tail-pid"))])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("web1")
        await pilot.pause()
        text = app.screen.query_one(NodeHeader).render().plain
        assert text.splitlines()[0].endswith("watch off (tail has no --pid): services seen per frame")
        assert text.count("watch off") == 1
    app = make_app([with_node(recorded[0], "web1", sample=dataclasses.replace(web1.sample, watch="on"))])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("web1")
        await pilot.pause()
        assert "watch" not in app.screen.query_one(NodeHeader).render().plain


async def test_down_node_hint_names_the_reconnect_key(make_app, bad_day) -> None:
    app = make_app([bad_day])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("db3")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        second = app.screen.query_one(NodeHeader).render().plain.splitlines()[1]
        assert "r: reconnect now" in second and "c: reconnect" not in second
        await pilot.press("r")
        assert app.source.retried == ["db3"]
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_singular_counts(make_app, recorded) -> None:
    one = dataclasses.replace(recorded[0], nodes=recorded[0].nodes[:1])
    app = make_app([one])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("slash", "x")
        await pilot.pause()
        assert str(app.screen.query_one("#filter-count").render()) == "0 of 1 node"
