"""Drills in the TUI: from the chaos menu after a confirmation, the live panel, stopping one,
the verdict and the saved reports; the drill app of `clustertui drill FILE NAME`; and the
CLI branch that picks it on a terminal.  Pilot on replayed state, with a fake runner."""

from __future__ import annotations

import io
import json
import types
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.widgets import Static

from clustertui.cli import drill_cmd
from clustertui.cli.main import cli
from clustertui.drills.result import DrillResult
from clustertui.tui.screens.chaos_menu import ChaosMenu
from clustertui.tui.screens.confirm import ConfirmScreen
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.widgets.drill_panel import DrillPanel
from tests.support.pilot import open_menu
from tests.support.waiting import until

LAB_FILE = str(Path(__file__).resolve().parents[2] / "sample_clusters" / "lab.yaml")

pytestmark = pytest.mark.usefixtures("lab_keys_at_home")


def panel_text(app) -> str:
    return str(app.screen_stack[0].query_one(DrillPanel).render())


async def start_from_menu(app, pilot, name: str = "web-node-loss") -> None:
    menu = await open_menu(app, pilot)
    menu.actions.highlighted = menu.actions.get_option_index(f"drill:{name}")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))


async def test_a_drill_from_the_menu_asks_first_then_shows_phase_and_verdict(make_app, make_link, tmp_path) -> None:
    # Phases of 1 s: the live panel is read during the fault phase, which a loaded machine
    # could let pass unseen at the default 0.2 s.
    app = make_app(link=make_link(phase_seconds=1.0))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await start_from_menu(app, pilot)
        text = str(app.screen.query_one("#confirm-text", Static).render())
        assert "Kill nginx on one web node" in text and "kill nginx on a web node (random), held 8s" in text
        assert "GET http://198.18.0.100/health at 20/s" in text and "detect ≤ 2s" in text
        assert "lb down ≤ 3s, lb up ≤ 5s" in text  # the cluster's side is expected too
        assert app.drill_run is None  # nothing runs before the confirmation
        await pilot.press("y")
        await until(pilot, lambda: app.drill_run is not None and app.drill_run.runner.progress.phase == "fault")
        live = panel_text(app)
        assert "phase    fault" in live and "target web2" in live and "fault f-d0d0d0d0" in live
        assert "▁" in live and "2 sent, 50.0% ok" in live  # the sparkline's dip, the counts
        assert "1 failed request, last: timed out after 1s" in live
        # The cluster's side, live: the fault's two instants, the balancer's reaction from the action.
        assert " cluster  acted→verified 73 ms  │ haproxy@lb1 web2 DOWN +1.9s" in live
        await until(pilot, lambda: app.drill_result is not None and app.drill_run.report is not None)
        final = panel_text(app)
        assert "PASSED" in final and "detect 0.4s" in final and "failover 0.9s" in final and "recover 1.2s" in final
        assert "✔ availability expected >= 95.0%, measured 98.0%" in final
        assert "acted→verified 50 ms  │ haproxy@lb1 web2 DOWN +2.0s" in final
        report = app.drill_run.report
        assert report.parent == tmp_path / "drills" and report.name.startswith("web-node-loss-")
        assert report.suffix == ".html" and report.name in final
        assert json.loads(report.with_suffix(".json").read_text())["verdict"] == "passed"
        await pilot.press("escape")  # closes the finished drill's panel
        assert not app.screen.query_one(DrillPanel).display


async def test_escape_stops_a_running_drill(make_app, make_link) -> None:
    app = make_app(link=make_link(phase_seconds=30))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await start_from_menu(app, pilot)
        await pilot.press("y")
        await until(pilot, lambda: app.drill_run is not None and app.drill_run.runner.progress.phase == "steady")
        await pilot.press("escape")
        await until(pilot, lambda: app.drill_result is not None)
        assert app.drill_result.verdict == "aborted" and "interrupted by the operator" in panel_text(app)


async def test_one_drill_at_a_time(make_app, make_link) -> None:
    app = make_app(link=make_link(phase_seconds=30))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await start_from_menu(app, pilot)
        await pilot.press("y")
        await until(pilot, lambda: app.drill_running)
        menu = await open_menu(app, pilot)
        text = str(menu.actions.get_option("drill:lb-failover").prompt)
        assert menu.actions.get_option("drill:lb-failover").disabled and "a drill is running" in text
        await pilot.press("escape", "escape")


async def test_the_drill_app_runs_at_once_and_keeps_the_verdict(make_app) -> None:
    app = make_app(start_drill="web-node-loss")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.drill_result is not None and app.drill_run.report is not None)
        await pilot.pause(0.3)
        assert isinstance(app.screen, OverviewScreen) and "PASSED" in panel_text(app)
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None)
    assert app.drill_result.exit_code == 0


async def test_quitting_the_drill_app_mid_drill_stops_it(make_app, make_link) -> None:
    app = make_app(link=make_link(phase_seconds=30), start_drill="web-node-loss")
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.drill_running)
        await pilot.press("q")
        await until(pilot, lambda: app.return_code is not None)
    assert app.drill_result.verdict == "aborted" and app.drill_result.exit_code == 3


async def test_the_menu_lists_the_files_drills(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        menu = await open_menu(app, pilot)
        assert isinstance(menu, ChaosMenu)
        ids = [option.id for option in menu.actions.options if option.id.startswith("drill:")]
        assert ids == ["drill:web-node-loss", "drill:lb-failover", "drill:redis-primary-loss",
                       "drill:etcd-leader-loss", "drill:web1-direct-no-redundancy"]


# -- the CLI branch ------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _result(verdict: str) -> DrillResult:
    return DrillResult(drill="web-node-loss", cluster="lab", description="", verdict=verdict, reason="",
                       started=1.0, ended=2.0)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """`drill_cmd` sees a terminal on stdin and stdout; what it prints on stderr is kept."""
    stderr = io.StringIO()
    monkeypatch.setattr(drill_cmd, "sys", types.SimpleNamespace(stdin=_Terminal(), stdout=_Terminal(), stderr=stderr))
    return stderr


@pytest.mark.parametrize(("verdict", "code"), [("passed", 0), ("failed", 1), ("aborted", 3)])
def test_on_a_terminal_drill_runs_the_app_and_exits_with_its_verdict(monkeypatch, terminal, tmp_path, verdict,
                                                                     code) -> None:
    ran = []
    monkeypatch.setattr("clustertui.tui.launch.run_drill_app",
                        lambda cluster, drill, recorder, exporter: ran.append((drill.name, exporter)) or _result(verdict))
    report, junit = tmp_path / "r.json", tmp_path / "j.xml"
    result = CliRunner().invoke(cli, ["drill", LAB_FILE, "web-node-loss", "-o", str(report), "--junit", str(junit)])
    assert result.exit_code == code and ran == [("web-node-loss", None)]  # no --metrics: no exporter
    assert json.loads(report.read_text())["verdict"] == verdict and junit.exists()  # written after the app
    assert f"drill web-node-loss: {verdict.upper()}" in terminal.getvalue()


def test_headless_or_without_a_terminal_the_drill_runs_headless(monkeypatch, terminal) -> None:
    headless = []

    async def fake_headless(cluster, drill, recorder, exporter, history):
        headless.append(drill.name)
        return _result("passed")

    monkeypatch.setattr(drill_cmd, "_run_headless", fake_headless)
    monkeypatch.setattr("clustertui.tui.launch.run_drill_app", lambda *a: pytest.fail("the app ran"))
    assert CliRunner().invoke(cli, ["drill", LAB_FILE, "web-node-loss", "--headless"]).exit_code == 0
    monkeypatch.setattr(drill_cmd, "sys", types.SimpleNamespace(stdin=io.StringIO(), stdout=_Terminal(),
                                                                stderr=io.StringIO()))
    assert CliRunner().invoke(cli, ["drill", LAB_FILE, "web-node-loss"]).exit_code == 0
    assert headless == ["web-node-loss", "web-node-loss"]
