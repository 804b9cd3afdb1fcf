"""`clustertui gameday` as a user runs it: listing, bad names and files (one line, exit 2),
the headless pause rule, and a headless run's reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from clustertui.history import HistoryStore, RunKind
from tests.support.cli import run_cli
from tests.support.gameday import CLUSTER


@pytest.fixture
def cluster_file(tmp_path: Path) -> Path:
    path = tmp_path / "t.yaml"
    path.write_text(CLUSTER)
    return path


def test_without_a_name_it_lists_the_scenarios_and_their_steps(cluster_file) -> None:
    done = run_cli("gameday", str(cluster_file))
    assert done.returncode == 0, done.stderr
    assert "abc: 3 step(s)\n  1. drill a\n  2. drill b\n  3. drill c\n" in done.stdout
    assert "nested: 3 step(s)\n  1. warm > wait 0.01s\n  2. warm > drill a\n  3. drill c\n" in done.stdout


def test_an_unknown_scenario_is_a_usage_error(cluster_file) -> None:
    done = run_cli("gameday", str(cluster_file), "abd")
    assert done.returncode == 2
    assert done.stderr == f"clustertui: error: {cluster_file}: no scenario called 'abd'; did you mean 'abc'?\n"


def test_a_bad_scenario_is_one_line_with_file_and_line(cluster_file) -> None:
    cluster_file.write_text(CLUSTER + "  broken:\n    steps: [{drill: zz}]\n")
    done = run_cli("gameday", str(cluster_file), "broken", "--headless")
    assert done.returncode == 2
    line = CLUSTER.count("\n") + 2
    assert done.stderr == (f"clustertui: error: {cluster_file}:{line}: scenarios.broken.steps[0].drill: expected a "
                           "drill defined under drills: (a, b, c), found 'zz'\n")


def test_headless_a_pause_is_refused_without_yes(cluster_file) -> None:
    done = run_cli("gameday", str(cluster_file), "short", "--headless")
    assert done.returncode == 2
    assert done.stderr == (f"clustertui: error: {cluster_file}: scenario 'short' waits for the operator at step 2 "
                           "(pause: hand over); run it on a terminal, or pass --yes to continue past pauses\n")


def test_an_unknown_report_format_is_refused_first(cluster_file, tmp_path) -> None:
    done = run_cli("gameday", str(cluster_file), "short", "--headless", "-o", str(tmp_path / "r.pdf"))
    assert done.returncode == 2 and "unknown report format '.pdf'; use one of .json, .md, .html" in done.stderr


def test_a_headless_run_writes_one_report_per_format(cluster_file, tmp_path) -> None:
    report, junit, history = tmp_path / "run.json", tmp_path / "run.xml", tmp_path / "history.sqlite"
    done = run_cli("gameday", str(cluster_file), "short", "--headless", "--yes", "-o", str(report), "--junit", str(junit),
                   "--history", str(history), env={"XDG_STATE_HOME": str(tmp_path / "state")})
    assert done.returncode == 0, done.stderr
    assert "recorded in the history as run 1" in done.stderr
    with HistoryStore(history) as store:
        [run] = store.runs("t", kind=None)
        assert (run.kind, run.name, run.verdict, run.origin) == (RunKind.SCENARIO, "short", "passed", "cli")
        assert store.run(run.id).report["steps"][1]["label"] == "pause: hand over"
    assert "Traceback" not in done.stderr
    assert "gameday short: PASSED (3 steps" in done.stderr
    assert "  2. pause: hand over: passed" in done.stderr
    data = json.loads(report.read_text())
    assert data["scenario"] == "short" and data["verdict"] == "passed"
    assert [s["verdict"] for s in data["steps"]] == ["passed"] * 3
    assert data["steps"][1]["notes"] == ["continued without the operator (--yes)"]
    offsets = [s["offset_s"] for s in data["steps"]]
    assert offsets == sorted(offsets) and offsets[0] >= 0
    suites = ET.parse(junit).getroot()
    assert suites.tag == "testsuites" and suites[0].get("tests") == "3" and suites[0].get("failures") == "0"


def test_no_history_records_nothing(cluster_file, tmp_path) -> None:
    history = tmp_path / "history.sqlite"
    done = run_cli("gameday", str(cluster_file), "short", "--headless", "--yes", "--no-history",
                   env={"XDG_STATE_HOME": str(tmp_path / "state"), "CLUSTERTUI_HISTORY": str(history)})
    assert done.returncode == 0, done.stderr
    assert not history.exists() and "recorded in the history" not in done.stderr
