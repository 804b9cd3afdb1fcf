"""The chaos menu, the fault form, the confirmation, the faults panel, revert, halt, quit
and read-only, driven with Pilot on the recorded lab state and a fake chaos engine."""

from __future__ import annotations

import asyncio
import dataclasses

from textual.widgets import Input, Select, SelectionList, Static

from clustertui.chaos import FaultRequest
from clustertui.tui import keys
from clustertui.tui.app import exit_lines
from clustertui.tui.commands import palette_commands
from clustertui.tui.screens.chaos_menu import ChaosMenu
from clustertui.tui.screens.confirm import ConfirmScreen
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.fault_form import FaultForm
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.widgets.faults_panel import FaultsPanel
from clustertui.tui.widgets.node_events import NodeEvents
from tests.support.pilot import open_menu
from tests.support.waiting import until
from tests.tui.fakes import NO_NETEM, FakeChaos
from tests.tui.tui_state import with_node


def alice_on_web1(snapshot):
    """The recording with one fault in web1's ledger, as the probe reports it."""
    return dataclasses.replace(with_node(snapshot, "web1", faults=("f-0badc0de",)), active_faults=1)


def prompt(menu: ChaosMenu, option_id: str) -> tuple[str, bool]:
    option = menu.actions.get_option(option_id)
    return str(option.prompt), option.disabled


def panel_rows(app) -> dict[str, list[str]]:
    panel = app.screen_stack[0].query_one(FaultsPanel)
    return {str(key.value): [str(cell) for cell in panel.get_row(key)] for key in panel.rows}


async def open_form(app, pilot, kind: str = "kill", node: str = "web2") -> FaultForm:
    menu = await open_menu(app, pilot, node)
    menu.actions.highlighted = menu.actions.get_option_index(f"kind:{kind}")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, FaultForm))
    return app.screen


async def plan_kill(app, pilot, ttl: str = "20s") -> ConfirmScreen:
    form = await open_form(app, pilot)
    ttl_field = form.query_one("#field-ttl", Input)
    ttl_field.value = ttl
    ttl_field.focus()
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    return app.screen


async def test_menu_preselects_the_cursor_node_and_says_why_not(make_app, fake_chaos) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        menu = await open_menu(app, pilot, "web2")
        assert menu.query_one(SelectionList).selected == ["web2"]
        assert prompt(menu, "kind:kill")[1] is False
        text, disabled = prompt(menu, "kind:latency")
        assert disabled and NO_NETEM in text
        text, disabled = prompt(menu, "kind:start")
        assert disabled and "nginx already runs" in text
        assert not prompt(menu, "drill:web-node-loss")[1]
        assert ("availability", None) in fake_chaos.calls
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_the_form_asks_for_the_kinds_parameters_and_the_files_ttl(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = await open_form(app, pilot, "kill")
        assert form.query_one("#field-service", Select).value == "nginx"
        assert form.query_one("#field-ttl", Input).value == "60s"  # chaos.default_ttl of lab.yaml
        await pilot.press("escape", "escape")
        form = await open_form(app, pilot, "block-port")
        assert form.query_one("#field-direction", Select).value == "in"
        assert form.query_one("#field-port", Input).value == ""


async def test_a_bad_value_is_one_line_in_the_form(make_app, fake_chaos) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = await open_form(app, pilot)
        form.query_one("#field-ttl", Input).value = "soon"
        form.query_one("#field-ttl", Input).focus()
        await pilot.press("enter")
        error = form.query_one("#form-error", Static)
        await until(pilot, lambda: "invalid: ttl: expected a duration" in str(error.render()))
        assert isinstance(app.screen, FaultForm) and not fake_chaos.applied


async def test_a_guard_refusal_is_one_line_with_its_reason(make_app, make_link, lab_cluster) -> None:
    reason = "blast radius: 1 node(s) already faulted (db3) and chaos.max_faulted_nodes is 1; revert a fault first"
    app = make_app(link=make_link(FakeChaos(lab_cluster, refuse=reason)))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        form = await open_form(app, pilot)
        form.query_one("#field-ttl", Input).focus()
        await pilot.press("enter")
        error = form.query_one("#form-error", Static)
        await until(pilot, lambda: str(error.render()) == f"refused: {reason}")


async def test_the_confirmation_shows_the_exact_commands_and_y_applies(make_app, fake_chaos) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        confirm = await plan_kill(app, pilot)
        text = str(confirm.query_one("#confirm-text", Static).render())
        plan = FakeChaos(fake_chaos.cluster)
        expected = await plan.plan(FaultRequest("kill", "web2", {"service": "nginx"}, ttl=20))
        for commands in expected.sections().values():
            for command in commands:
                assert command in text
        assert "fault f-00000001 on web2" in text and "after 20s" in text
        assert not fake_chaos.applied
        await pilot.press("y")
        await until(pilot, lambda: "f-00000001" in panel_rows(app))
        assert fake_chaos.applied == {"f-00000001": "web2"}
        row = panel_rows(app)["f-00000001"]
        assert row[1:3] == ["web2", "kill"] and row[4] == "you" and row[5] == "kill nginx on web2"
        assert app.screen_stack[0].faults_panel.display


async def test_escape_on_the_confirmation_applies_nothing(make_app, fake_chaos) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await plan_kill(app, pilot)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert isinstance(app.screen, OverviewScreen) and not fake_chaos.applied
        assert [call for call, _ in fake_chaos.calls].count("apply") == 0


async def test_a_fault_on_two_nodes_is_guarded_as_a_whole(make_app, fake_chaos) -> None:
    app = make_app()  # lab.yaml: max_faulted_nodes 1
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        menu = await open_menu(app, pilot, "web2")
        menu.node_list.select("web3")
        await pilot.pause()
        menu.actions.highlighted = menu.actions.get_option_index("kind:kill")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, FaultForm))
        app.screen.query_one("#field-ttl", Input).focus()
        await pilot.press("enter")
        error = app.screen.query_one("#form-error", Static)
        await until(pilot, lambda: str(error.render()).startswith("refused: web3: blast radius"))


async def test_faults_of_others_show_who_and_count_down(make_app, recorded, fake_chaos) -> None:
    fake_chaos.add("f-0badc0de", "web1", "cpu-hog", "cpu-hog 2 cores on web1", 45.0, "alice@laptop")
    app = make_app([alice_on_web1(recorded[0])])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: panel_rows(app).get("f-0badc0de", [""] * 6)[4] == "alice@laptop")
        row = panel_rows(app)["f-0badc0de"]
        assert row[1:3] == ["web1", "cpu-hog"] and row[5] == "cpu-hog 2 cores on web1"
        first = int(row[3].strip().rstrip("s"))
        assert 40 <= first <= 45
        await until(pilot, lambda: int(panel_rows(app)["f-0badc0de"][3].strip().rstrip("s")) < first, timeout=3)
        assert "faults 1" in str(app.screen.query_one("#cluster-header").render())


async def test_x_reverts_only_a_fault_picked_in_the_panel(make_app, recorded, fake_chaos) -> None:
    fake_chaos.add("f-0badc0de", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")
    app = make_app([alice_on_web1(recorded[0])])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "f-0badc0de" in panel_rows(app))
        await pilot.press("x")  # the node table has the focus: x only moves to the panel
        panel = app.screen.query_one(FaultsPanel)
        assert panel.has_focus and not any(call == "revert" for call, _ in fake_chaos.calls)
        await pilot.press("x")
        await until(pilot, lambda: ("revert", ("f-0badc0de", "manual")) in fake_chaos.calls)
        await until(pilot, lambda: "f-0badc0de" not in panel_rows(app))


async def test_f_goes_to_the_faults_panel_and_back(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one(FaultsPanel)
        assert not panel.display  # no faults: hidden
        await pilot.press("f")
        assert panel.display and panel.has_focus and "none" in str(panel.border_title)
        await pilot.press("f")
        assert not panel.display and app.screen.table.has_focus


async def test_halt_asks_first_then_reverts_every_fault(make_app, recorded, fake_chaos) -> None:
    fake_chaos.add("f-0badc0de", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")
    app = make_app([alice_on_web1(recorded[0])])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "f-0badc0de" in panel_rows(app))
        await pilot.press("H")
        assert isinstance(app.screen, ConfirmScreen)
        text = str(app.screen.query_one("#confirm-text", Static).render())
        assert "f-0badc0de  web1" in text and "by alice@laptop" in text
        await pilot.press("n")
        assert not any(call == "revert_all" for call, _ in fake_chaos.calls)
        await pilot.press("H", "y")
        await until(pilot, lambda: ("revert_all", "halt") in fake_chaos.calls)
        await until(pilot, lambda: not panel_rows(app))


async def test_read_only_hides_and_refuses_every_chaos_action(make_app, fake_chaos) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("c", "H", "x")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
        for action in ("chaos_menu", "halt", "revert_fault", "revert_node_faults"):
            assert app.check_action(action, ()) is False
        titles = {command.title for command in palette_commands(app, app.screen)}
        assert not {"Chaos", "Halt", "Revert"} & titles and not any(t.startswith("Drill:") for t in titles)
        app.open_chaos_menu(["web2"])  # asked for some other way: still refused
        app.confirm_drill("web-node-loss")
        app.revert(["f-0badc0de"])
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen) and fake_chaos.calls == []
        assert {k.action for k in keys.keys("overview", read_only=True)}.isdisjoint({"chaos_menu", "revert_fault"})


async def test_without_a_link_there_is_no_chaos(make_app) -> None:
    app = make_app(link=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen) and app.chaos_off


async def test_the_palette_runs_drills_and_reverts_faults(make_app, recorded, fake_chaos) -> None:
    fake_chaos.add("f-0badc0de", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")
    app = make_app([alice_on_web1(recorded[0])])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "f-0badc0de" in panel_rows(app))
        titles = {command.title for command in palette_commands(app, app.screen)}
        assert {"Chaos", "Halt", "Drill: web-node-loss", "Revert: f-0badc0de"} <= titles


async def test_the_detail_screen_reconnects_on_r_and_acts_on_its_node(make_app, recorded, fake_chaos) -> None:
    fake_chaos.add("f-0badc0de", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")
    app = make_app([alice_on_web1(recorded[0])])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: "f-0badc0de" in panel_rows(app))
        app.open_node("web1")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        events = app.screen.query_one(NodeEvents)
        [line] = events.faults
        assert line.startswith("f-0badc0de  kill nginx on web1 ·") and line.endswith("left · by alice@laptop")
        await pilot.press("r")
        assert app.source.retried == ["web1"]
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)  # it may be someone else's: asked first
        assert "f-0badc0de  web1" in str(app.screen.query_one("#confirm-text", Static).render())
        await pilot.press("y")
        await until(pilot, lambda: ("revert", ("f-0badc0de", "manual")) in fake_chaos.calls)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ChaosMenu))
        assert app.screen.query_one(SelectionList).selected == ["web1"]


async def test_quitting_reverts_this_sessions_faults_and_says_so(make_app, make_link, lab_cluster) -> None:
    chaos = FakeChaos(lab_cluster)
    chaos.add("f-0badc0de", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")  # not ours: stays
    app = make_app(link=make_link(chaos))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await chaos.apply(await chaos.plan(FaultRequest("kill", "web3", {"service": "nginx"}, ttl=20)))
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None)
    assert ("revert_own", "exit") in chaos.calls and chaos.closed
    assert list(chaos.ledger) == ["f-0badc0de"]
    assert exit_lines(app) == ["reverted f-00000001 on web3 on exit: reverted and verified"]


async def test_q_again_quits_at_once_and_leaves_the_rest_to_the_timers(make_app, make_link, lab_cluster) -> None:
    chaos = FakeChaos(lab_cluster)
    stuck = asyncio.Event()

    async def hanging_revert_own(reason: str = "exit"):
        await stuck.wait()  # an unreachable node: the revert would wait for its timeout
        return []

    chaos.revert_own = hanging_revert_own  # type: ignore[method-assign]
    app = make_app(link=make_link(chaos))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await chaos.apply(await chaos.plan(FaultRequest("kill", "web3", {"service": "nginx"}, ttl=20)))
        await pilot.press("q")
        await pilot.pause(0.2)
        assert app.return_code is None  # still reverting
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None)
    assert app.abandoned == ["f-00000001"] and chaos.revert_on_exit is False
    assert exit_lines(app) == ["left f-00000001 to its node's timer: it reverts when its lease ends, or at its TTL"]


async def test_status_surveys_never_pile_up(make_app, recorded, fake_chaos) -> None:
    fake_chaos.add("f-0badc0de", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")
    fake_chaos.status_delay = 0.5
    app = make_app([alice_on_web1(recorded[0])])
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: len(fake_chaos.status_started) == 1)
        for _ in range(20):
            app.poll_status(now=True)
            app.tick()
        await pilot.pause(1.3)
        # one survey in flight, the requests made during it folded into one more
        assert len(fake_chaos.status_started) == 2
        assert fake_chaos.status_started[1] - fake_chaos.status_started[0] >= 0.5
