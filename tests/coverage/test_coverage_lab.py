"""On the lab: after a web-node-loss run, `coverage` shows kill x nginx passed, the rest blank.

The run is made exactly as its scheduled job makes it: the command of the cron line that
`clustertui schedule ... --print` writes, run by /bin/sh, so this also proves that a
scheduled run lands in the history (as origin `schedule`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from clustertui.history import HistoryStore
from tests.support.cli import run_cli

pytestmark = pytest.mark.lab


def test_a_scheduled_web_node_loss_run_fills_kill_x_nginx(lab, tmp_path: Path) -> None:
    env = {"CLUSTERTUI_HISTORY": str(tmp_path / "history.sqlite")}
    printed = run_cli("schedule", str(lab.cluster_file), "web-node-loss", "--every", "1d", "--backend", "cron",
                      "--print", env=env)
    assert printed.returncode == 0, printed.stderr
    cron = [line for line in printed.stdout.splitlines() if line and not line.startswith("#")]
    assert len(cron) == 1
    command = cron[0].split(" ", 6)[6].replace("\\%", "%")  # after the times and the user, as cron runs it
    drill = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=180, check=False)
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
    with HistoryStore(tmp_path / "history.sqlite") as store:
        [run] = store.runs("lab")
    assert (run.name, run.origin, run.verdict) == ("web-node-loss", "schedule", "passed")
