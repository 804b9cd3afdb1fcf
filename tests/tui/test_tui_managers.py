"""The managers in the TUI: `m` shows the panel, a new finding opens it by itself, node
rows carry the roles the managers give them, and manager text is data."""

from __future__ import annotations

import dataclasses

from clustertui.tui.finding_alerts import FindingAlerts
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.managers import ManagersScreen
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.widgets.managers_panel import ManagersPanel
from clustertui.tui.widgets.node_table import NodeTable
from tests.tui.managers_state import SPLIT, with_managers


def panel(app) -> ManagersPanel:
    return app.screen_stack[0].query_one(ManagersPanel)


async def test_m_toggles_the_managers_panel(make_app, recorded) -> None:
    app = make_app([with_managers(recorded[0], findings=())])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not panel(app).has_class("-shown")  # no finding: hidden until asked for
        await pilot.press("m")
        assert panel(app).has_class("-shown")
        text = panel(app).render().plain
        assert "haproxy@lb1: web1 UP · web2 DOWN (L7STS, 3s ago) · web3 UP" in text
        assert "haproxy@lb2: slow (no whole answer within 1s)" in text
        assert "VIP 198.18.0.100 on lb1 and lb2" in text
        assert "redis mymaster: primary db1, replicas db2 (ok, lag 0) db3 (ok, lag 0), sentinels 3/3 agree" in text
        await pilot.press("m")
        assert not panel(app).has_class("-shown")


async def test_a_new_finding_opens_the_panel_and_rows_show_manager_roles(make_app, recorded) -> None:
    quiet, split = with_managers(recorded[0], findings=()), with_managers(recorded[0])
    app = make_app([quiet, split])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not panel(app).has_class("-shown")
        app.tick()
        await pilot.pause()
        assert panel(app).has_class("-shown") and panel(app).border_title == "managers · 1 finding"
        assert "vip-two-holders [vip] 198.18.0.100 is held by lb1 and lb2 (split brain)" in panel(app).render().plain
        table = app.screen_stack[0].query_one(NodeTable)
        assert [text for text, _ in table.cell("lb1", "roles")] == ["lb", " ▸VIP 198.18.0.100"]
        assert [text for text, _ in table.cell("db1", "roles")] == ["db", " ▸primary"]
        web2 = table.cell("web2", "roles")
        assert [text for text, _ in web2] == ["web", " ▸DOWN@lb1"] and web2[1][1] == "bad"


async def test_manager_text_is_data_in_the_panel(make_app, recorded) -> None:
    snapshot = with_managers(recorded[0])
    lb = snapshot.managers[0]
    (first, second) = lb.balancers
    evil = dataclasses.replace(first.servers[0], server="[bold red]web1\x1b]0;owned\x07", status_text="UP[/]")
    lb = dataclasses.replace(lb, balancers=(dataclasses.replace(first, servers=(evil,)), second))
    app = make_app([dataclasses.replace(snapshot, managers=(lb, *snapshot.managers[1:]))])
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        text = panel(app).render().plain
        assert "[bold red]web1\ufffd]0;owned" in text and "UP[/]" in text  # literally, never markup
        assert "\x1b" not in text and "\x07" not in text


async def test_the_managers_screen_shows_every_manager_in_detail(make_app, recorded) -> None:
    quiet, split = with_managers(recorded[0], findings=()), with_managers(recorded[0])
    app = make_app([quiet, split])
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("M")
        screen = app.screen
        assert isinstance(screen, ManagersScreen)
        table = screen.table
        rows = {str(key.value): [cell.plain for cell in table.get_row(key)] for key in table.rows}
        assert rows["lb/lb1/web_nodes/web2"] == ["lb", "lb1", "web_nodes/web2", "DOWN",
                                                 "check L7STS 1ms · changed 3s ago · 0 sessions"]
        assert rows["lb/read/lb2"][1:4] == ["lb2", "read", "slow"]
        assert rows["vip/vip/198.18.0.100"][3] == "on lb1 and lb2"
        assert rows["redis/master/mymaster"][2:4] == ["mymaster", "primary db1"]
        assert rows["redis/replica/mymaster/198.18.0.22:6379"][2:4] == ["mymaster replica db2", "link ok"]
        assert not any(key.startswith("finding/") for key in rows)
        table.move_cursor(row=table.get_row_index("vip/vip/198.18.0.100"))
        app.tick()  # the split brain: its finding row comes first, the cursor stays on its row
        await pilot.pause()
        first = table.coordinate_to_cell_key((0, 0)).row_key.value
        assert first == "finding/vip-two-holders/vip/198.18.0.100"
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == "vip/vip/198.18.0.100"
        await pilot.press("enter")  # the row's node
        assert isinstance(app.screen, DetailScreen) and app.screen.node == "lb1"
        await pilot.press("escape")
        assert isinstance(app.screen, ManagersScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_a_finding_is_a_toast_when_it_appears_and_when_it_clears_not_on_every_poll(make_app, recorded) -> None:
    quiet, split = with_managers(recorded[0], findings=()), with_managers(recorded[0])
    app = make_app([quiet, split, split, split, quiet, quiet])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(5):
            app.tick()
            await pilot.pause()
        toasts = [(n.title, n.message, n.severity) for n in app._notifications]
        assert toasts == [
            ("finding", "vip-two-holders [vip] 198.18.0.100 is held by lb1 and lb2 (split brain)", "error"),
            ("finding cleared", "vip-two-holders [vip] 198.18.0.100 is held by lb1 and lb2 (split brain)",
             "information"),
        ]


def test_findings_that_change_on_one_tick_make_one_toast_each_way() -> None:
    alerts = FindingAlerts()
    many = tuple(dataclasses.replace(SPLIT, subject=f"198.18.0.{i}", detail=f"split {i}") for i in range(5))
    (toast,) = alerts.see(many)
    assert toast.title == "5 findings" and toast.error
    assert toast.message.splitlines()[-1] == "… and 2 more (M: the managers screen)"
    assert alerts.see(many) == []
    (toast,) = alerts.see(many[:3])
    assert toast.title == "2 findings cleared" and not toast.error and "split 3" in toast.message


async def test_manager_text_is_data_on_the_managers_screen(make_app, recorded) -> None:
    snapshot = with_managers(recorded[0])
    lb = snapshot.managers[0]
    (first, second) = lb.balancers
    evil = dataclasses.replace(first.servers[0], backend="[bold]web\x1b[2J", status_text="UP[/]\x07")
    lb = dataclasses.replace(lb, balancers=(dataclasses.replace(first, servers=(evil,)), second))
    app = make_app([dataclasses.replace(snapshot, managers=(lb, *snapshot.managers[1:]))])
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("M")
        table = app.screen.table
        cells = [cell.plain for cell in table.get_row("lb/lb1/[bold]web\x1b[2J/web1")]
        assert cells[2:4] == ["[bold]web\ufffd[2J/web1", "UP[/]\ufffd"]  # literally, never markup
