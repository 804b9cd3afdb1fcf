"""On the lab: after a web-node-loss run, `coverage` shows kill x nginx passed, the rest blank."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.lab


def test_a_web_node_loss_run_fills_kill_x_nginx(lab, tmp_path: Path) -> None:
    env = {"CLUSTERTUI_HISTORY": str(tmp_path / "history.sqlite")}
    drill = run_cli("drill", str(lab.cluster_file), "web-node-loss", "--headless", env=env, timeout=180)
    assert drill.returncode == 0, drill.stdout + drill.stderr
    result = run_cli("coverage", str(lab.cluster_file), "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    filled = {(service, kind): cell["verdict"] for service, kinds in report["services"].items()
              for kind, cell in kinds.items() if cell is not None}
    assert filled == {("nginx", "kill"): "passed"}
    assert report["services"]["nginx"]["kill"]["drill"] == "web-node-loss"
    text = run_cli("coverage", str(lab.cluster_file), env=env).stdout.splitlines()
    nginx = next(line for line in text if line.startswith("nginx"))
    assert nginx.split()[1] == "passed"
    assert all(line.split()[1:] in ([], ["n/a"]) for line in text[1:-1] if not line.startswith("nginx"))
