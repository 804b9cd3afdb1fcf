"""Game days in the TUI: from the chaos menu after a confirmation, the scenario panel as the
steps run, a manual pause answered by the operator, esc stopping it, the verdict and the
saved reports; and a snapshot of the panel mid-run.  Pilot on replayed state, fake drills."""

from __future__ import annotations

import asyncio
import io
import json
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import Static

from clustertui.cli import gameday_cmd
from clustertui.cli.main import cli
from clustertui.config.scenario import Scenario, Step
from clustertui.drills.result import PASSED, Verdict
from clustertui.drills.runner import Progress, Stage
from clustertui.gameday.result import ScenarioResult, StepResult
from clustertui.gameday.session import ScenarioRun
from clustertui.tui.screens.confirm import ConfirmScreen
from clustertui.tui.widgets.scenario_panel import ScenarioPanel
from tests.support.pilot import open_menu
from tests.support.waiting import until

LAB_FILE = str(Path(__file__).resolve().parents[2] / "sample_clusters" / "lab.yaml")


def panel_text(app) -> str:
    return str(app.screen_stack[0].query_one(ScenarioPanel).render())


@pytest.fixture
def handover(lab_cluster):
    """The lab with one more scenario: a manual pause, then a drill."""
    extra = Scenario(name="handover", description="hand over, then lose a web node",
                     steps=[Step(pause="check the dashboards, then continue"), Step(drill="web-node-loss")])
    return lab_cluster.model_copy(update={"scenarios": {**lab_cluster.scenarios, "handover": extra}})


async def test_a_game_day_from_the_menu_asks_first_then_runs_every_step(make_app, tmp_path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        menu = await open_menu(app, pilot)
        menu.actions.highlighted = menu.actions.get_option_index("scenario:failover-tour")
        await pilot.pause()
        detail = str(menu.query_one("#menu-detail", Static).render())
        assert "Every failover of the lab in turn" in detail
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        text = str(app.screen.query_one("#confirm-text", Static).render())
        assert "1. drill web-node-loss\n2. check the cluster healthy (within 30s)\n3. drill lb-failover" in text
        assert app.scenario_run is None  # nothing runs before the confirmation
        await pilot.press("y")
        await until(pilot, lambda: app.scenario_run is not None and app.scenario_run.runner.progress.current == 1)
        live = panel_text(app)
        assert "▶ 1. drill web-node-loss" in live and "· 2. check the cluster healthy (within 30s)  next" in live
        assert "stop on  availability_below=0.3,over=8s, quorum_lost" in live
        await until(pilot, lambda: app.scenario_result is not None and app.scenario_run.report is not None,
                    timeout=30)
        final = panel_text(app)
        assert " PASSED " in final and "✔ 5. drill redis-primary-loss  passed" in final
        report = app.scenario_run.report
        assert report.parent == tmp_path / "gamedays" and report.name.startswith("failover-tour-")
        data = json.loads(report.with_suffix(".json").read_text())
        assert data["verdict"] == "passed" and len(data["steps"]) == 5
        await pilot.press("escape")  # closes the finished game day's panel
        assert not app.screen.query_one(ScenarioPanel).display


async def test_a_pause_waits_for_the_operator_who_continues(make_app, make_gamedays, handover) -> None:
    app = make_app(gamedays=make_gamedays(handover))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.start_scenario("handover")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert app.screen.box_title == "game day paused"
        assert "check the dashboards" in str(app.screen.query_one("#confirm-text", Static).render())
        assert "waiting for the operator" in panel_text(app)
        await pilot.press("y")
        await until(pilot, lambda: app.scenario_result is not None, timeout=30)
        assert [s.shown for s in app.scenario_result.steps] == ["passed", "passed"]
        assert app.scenario_result.steps[0].notes[0].startswith("continued by the operator after")


async def test_declining_at_a_pause_stops_the_game_day(make_app, make_gamedays, handover) -> None:
    app = make_app(gamedays=make_gamedays(handover))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.start_scenario("handover")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: app.scenario_result is not None)
        assert [s.shown for s in app.scenario_result.steps] == ["aborted", "skipped"]
        assert "ABORTED" in panel_text(app)


async def test_escape_stops_a_running_game_day(make_app, make_gamedays) -> None:
    app = make_app(gamedays=make_gamedays(phase_seconds=30))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.start_scenario("failover-tour")
        await until(pilot, lambda: app.scenario_run is not None and app.scenario_run.runner.progress.running)
        await pilot.press("escape")
        await until(pilot, lambda: app.scenario_result is not None)
        result = app.scenario_result
        assert [s.shown for s in result.steps] == ["aborted"] + ["skipped"] * 4
        assert result.steps[0].reason == "interrupted by the operator"


class _Drill:
    """A drill runner frozen mid-fault, for a deterministic snapshot."""

    def __init__(self) -> None:
        self.progress = Progress(phase=Stage.FAULT, target="lb1", fault_id="f-1b1b1b1b")


def test_scenario_panel_mid_run(snap_compare, make_app) -> None:
    async def mid_run(pilot) -> None:
        await pilot.pause()
        app = pilot.app
        scenario = app.gamedays.scenarios["failover-tour"]
        runner = app.gamedays.new_runner(scenario, lambda _progress: None, asyncio.Event())
        progress = runner.progress
        t = 1_780_000_000.0
        labels = {step.index: step.label for step in progress.steps}
        progress.done[1] = StepResult(1, labels[1], "drill", PASSED, "", t, t + 21.4)
        progress.done[2] = StepResult(2, labels[2], "check", PASSED, "", t + 21.4, t + 22.9)
        progress.current = 3
        progress.running = [("lb-failover", _Drill())]
        app.scenario_run = ScenarioRun(scenario, runner, asyncio.Event(), started=t)
        app._scenario_changed()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=mid_run)


# -- the CLI branch ------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.usefixtures("lab_keys_at_home")
@pytest.mark.parametrize(("verdict", "code"), [(Verdict.PASSED, 0), (Verdict.FAILED, 1), (Verdict.ABORTED, 3)])
def test_on_a_terminal_gameday_runs_the_app_and_exits_with_its_verdict(monkeypatch, tmp_path, verdict, code) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(gameday_cmd, "sys", types.SimpleNamespace(stdin=_Terminal(), stdout=_Terminal(), stderr=stderr))
    ran = []

    def app(cluster, scenario, recorder, exporter):
        ran.append((scenario.name, recorder is not None, exporter))
        step = StepResult(1, "drill web-node-loss", "drill", verdict, "")
        return ScenarioResult(scenario.name, cluster.name, "", verdict, "", 1.0, 2.0, (step,))

    monkeypatch.setattr("clustertui.tui.launch.run_gameday_app", app)
    report = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["gameday", LAB_FILE, "failover-tour", "-o", str(report), "--no-history"])
    assert result.exit_code == code and ran == [("failover-tour", False, None)]  # no --metrics: no exporter
    assert json.loads(report.read_text())["verdict"] == verdict  # written after the app
    assert f"gameday failover-tour: {verdict.upper()}" in stderr.getvalue()
