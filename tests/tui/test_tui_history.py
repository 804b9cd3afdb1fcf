"""The drills' history in the TUI: last verdicts in the chaos menu, the history screen
(trend charts, runs, regression flags), and drills run in the TUI recorded into it.
Snapshots at a fixed clock; Pilot on replayed state with the fake chaos engine."""

from __future__ import annotations

import time
from functools import partial

import pytest
from textual.widgets import DataTable

from clustertui.chaos import ChaosSession
from clustertui.drills.session import DrillSession
from clustertui.history import DrillRecorder, HistoryStore, Retention
from clustertui.tui.screens.chaos_menu import ChaosMenu
from clustertui.tui.screens.history import HistoryScreen
from tests.support.history import DAY, lab_result, record
from tests.support.pilot import open_menu
from tests.support.waiting import until
from tests.tui.fakes import FakeRunner

NOW = 1_795_000_000.0  # 2026-11-18, the snapshots' clock
FOREVER = Retention(keep_for=3650 * DAY)
pytestmark = pytest.mark.usefixtures("lab_keys_at_home")


def fill(path, now: float):
    """web-node-loss: five steady runs a day apart, then one whose failover slowed down;
    lb-failover: one failed run 3 hours before `now`."""
    for days, failover in ((6, 0.62), (5, 0.7), (4, 0.58), (3, 0.66), (2, 0.61), (1, 2.9)):
        record(path, lab_result(started=now - days * DAY - 60, time_to_failover_s=failover,
                                availability=0.97 if failover > 1 else 1.0), FOREVER)
    record(path, lab_result("lb-failover", started=now - 3 * 3600 - 60, verdict="failed"), FOREVER)
    return path


@pytest.fixture
def history_db(own_history):
    """The runs at the snapshots' fixed clock."""
    return fill(own_history, NOW)


@pytest.fixture
def recent_history(own_history):
    """The runs before the real clock (the chaos menu's ages are from now)."""
    return fill(own_history, time.time())


async def _history_of_web_node_loss(pilot) -> None:
    app = pilot.app
    await pilot.pause()
    app.push_screen(HistoryScreen(app.history_file, "lab", list(app.drills.drills), "web-node-loss", app.palette,
                                  clock=lambda: NOW))
    await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.history is not None)
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_screen(snap_compare, make_app, history_db, size) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_history_of_web_node_loss)


def test_history_screen_of_a_drill_never_run(snap_compare, make_app) -> None:
    async def open_it(pilot) -> None:
        await pilot.pause()
        pilot.app.open_history("redis-primary-loss")
        await until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen) and pilot.app.screen.history)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_it)


async def test_the_screen_shows_the_runs_and_flags_the_regression(make_app, history_db) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await _history_of_web_node_loss(pilot)
        screen = app.screen
        assert screen.history.total == 6 and screen.history.regressed
        table = screen.query_one(DataTable)
        newest = [str(cell) for cell in table.get_row_at(0)]
        assert newest[3] == "passed" and newest[7] == "2.90 s" and newest[9] == "slower-failover"
        assert all(str(table.get_row_at(i)[9]) == "" for i in range(1, 6))
        await pilot.press("right_square_bracket")  # the next drill of the file
        await until(pilot, lambda: screen.history.name == "lb-failover")
        assert str(screen.query_one(DataTable).get_row_at(0)[3]) == "failed"
        await pilot.press("escape")
        assert not isinstance(app.screen, HistoryScreen)


async def test_the_chaos_menu_shows_each_drills_last_verdict_and_h_opens_its_history(make_app, recent_history) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        menu = await open_menu(app, pilot)
        await until(pilot, lambda: menu.last, what="the history read")
        prompts = {o.id: str(o.prompt) for o in menu.actions.options if o.id and o.id.startswith("drill:")}
        assert "✔ passed 1d ago" in prompts["drill:web-node-loss"]
        assert "✖ failed 3h ago" in prompts["drill:lb-failover"]
        assert "never run" in prompts["drill:redis-primary-loss"]
        menu.actions.highlighted = menu.actions.get_option_index("drill:lb-failover")
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.history is not None)
        assert app.screen.history.name == "lb-failover"


async def test_h_opens_the_history_even_read_only(make_app, history_db) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("h")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and app.screen.history is not None)
        assert app.screen.history.name == "web-node-loss" and app.screen.history.total == 6


async def test_a_drill_run_in_the_tui_is_recorded_and_shows_in_the_menu(make_app, lab_cluster, fake_chaos,
                                                                        own_history, tmp_path) -> None:
    session = DrillSession(ChaosSession(lab_cluster, fake_chaos), partial(FakeRunner, lab_cluster, seconds=0.1),
                           reports_dir=tmp_path / "drills", recorder=DrillRecorder(lab_cluster, "tui"))
    app = make_app(link=session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.start_drill("web-node-loss")
        await until(pilot, lambda: app.drill_result is not None and app.drill_run.history_id is not None)
        menu = await open_menu(app, pilot)
        await until(pilot, lambda: menu.last, what="the history read")
        assert isinstance(menu, ChaosMenu) and menu.last["web-node-loss"].id == app.drill_run.history_id
    with HistoryStore(own_history) as store:
        [run] = store.runs("lab")
        assert (run.name, run.verdict, run.origin, run.target) == ("web-node-loss", "passed", "tui", "web2")
        assert abs(run.started - time.time()) < 120
