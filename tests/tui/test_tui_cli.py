"""`clustertui monitor`, `clustertui demo` and `clustertui` alone, up to the app's start."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from clustertui.cli import monitor_cmd
from clustertui.cli.main import cli
from clustertui.lab import LabReport, MissingPrerequisite

LAB_FILE = str(Path(__file__).resolve().parents[2] / "sample_clusters" / "lab.yaml")


pytestmark = pytest.mark.usefixtures("lab_keys_at_home")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Record the app launches instead of taking over the terminal."""
    calls: list[dict] = []

    def fake_run(cluster, **options) -> None:
        from clustertui.tui.themes import ThemeCatalog

        ThemeCatalog.load().resolve(options["theme"])  # the real theme check
        calls.append({"cluster": cluster, **options})

    monkeypatch.setattr("clustertui.tui.launch.run_monitor", fake_run)
    return calls


def test_monitor_passes_its_options(started: list[dict], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["monitor", LAB_FILE, "--theme", "light", "--read-only", "--interval", "2s"])
    assert result.exit_code == 0, result.output
    [call] = started
    assert call["cluster"].name == "lab" and call["theme"] == "light" and call["read_only"] is True
    assert call["interval"] == 2.0 and call["local"] is False


def test_monitor_bad_file_is_exit_2(started: list[dict], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ntype: majority\nnodes: []\nintreval: 1s\n")
    result = CliRunner().invoke(cli, ["monitor", str(bad)])
    assert result.exit_code == 2 and str(bad) in result.output and started == []


def test_unknown_theme_is_exit_2_with_the_choices(started: list[dict]) -> None:
    result = CliRunner().invoke(cli, ["monitor", LAB_FILE, "--theme", "neon"])
    assert result.exit_code == 2
    assert "unknown theme 'neon'; available: default, " in result.output


def test_too_short_interval_is_exit_2(started: list[dict]) -> None:
    result = CliRunner().invoke(cli, ["monitor", LAB_FILE, "--interval", "10ms"])
    assert result.exit_code == 2 and "at least 100ms" in result.output


def test_no_command_monitors_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    called = []
    monkeypatch.setattr(monitor_cmd, "run_local", lambda: called.append(True))
    assert CliRunner().invoke(cli, []).exit_code == 0 and called == [True]


def test_local_cluster_is_this_machine_alone(started: list[dict]) -> None:
    monitor_cmd.run_local()
    [call] = started
    cluster = call["cluster"]
    assert call["local"] is True and cluster.type == "single-node"
    [node] = cluster.nodes
    assert node.host == "127.0.0.1" and node.name == cluster.name


@pytest.fixture
def lab_calls(monkeypatch: pytest.MonkeyPatch, started: list[dict], tmp_path: Path):
    downs: list[Path] = []
    monkeypatch.setattr("clustertui.lab.lab_down", lambda state_dir=None: downs.append(state_dir) or _Down())
    return downs


class _Down:
    failures: ClassVar[list[str]] = []


@pytest.mark.parametrize("already_up", [False, True])
def test_demo_takes_down_only_a_lab_it_brought_up(monkeypatch, lab_calls, started, tmp_path, already_up) -> None:
    monkeypatch.setattr("clustertui.lab.lab_up", lambda progress=None: LabReport(tmp_path, already_up=already_up))
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert [c["cluster"].name for c in started] == ["lab"]
    assert lab_calls == ([] if already_up else [tmp_path])


def test_demo_without_lab_prerequisites_is_exit_3(monkeypatch, lab_calls, started) -> None:
    def missing(progress=None):
        raise MissingPrerequisite(["not root"])

    monkeypatch.setattr("clustertui.lab.lab_up", missing)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 3 and "the demo needs the lab: not root" in result.output
    assert started == [] and lab_calls == []
