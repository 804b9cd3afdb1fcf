"""The history on the lab, for real: two runs of web-node-loss show in `history` with the
figures of their own reports, and a run made slower on purpose -- the same drill from a
copy of the file whose fault blocks port 80 instead of killing nginx, so HAProxy waits
for its connect timeout and two failed checks before it takes the node out -- is flagged
as a regression (and `history diff` says the cluster file changed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.lab

FIGURES = ("verdict", "availability", "longest_outage_s", "time_to_detect_s", "time_to_failover_s",
           "time_to_recover_s", "target", "started")


def drill(file: Path, db: Path, report: Path) -> tuple[int, dict, int]:
    """Run web-node-loss headless into `db`: its exit code, its JSON report, its run id."""
    done = run_cli("drill", str(file), "web-node-loss", "--headless", "-o", str(report), timeout=240,
                   env={"CLUSTERTUI_HISTORY": str(db)})
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    found = re.search(r"recorded in the history as run (\d+)", done.stderr)
    assert found, done.stderr
    return done.returncode, json.loads(report.read_text()), int(found.group(1))


def test_runs_show_with_their_reports_figures_and_a_slower_failover_is_flagged(lab, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    runs = [drill(lab.cluster_file, db, tmp_path / f"run{i}.json") for i in (1, 2)]
    assert [code for code, _, _ in runs] == [0, 0], [r["reason"] for _, r, _ in runs]

    done = run_cli("history", str(lab.cluster_file), "web-node-loss", "--json", env={"CLUSTERTUI_HISTORY": str(db)})
    assert done.returncode == 0, done.stderr
    [shown] = json.loads(done.stdout)["drills"]
    assert [r["id"] for r in shown["runs"]] == [run_id for _, _, run_id in runs]
    for row, (_, report, _) in zip(shown["runs"], runs, strict=True):
        for field in FIGURES:
            assert row[field] == report[field], (field, row[field], report[field])
        assert row["flags"] == []
    table = run_cli("history", str(lab.cluster_file), env={"CLUSTERTUI_HISTORY": str(db)})
    assert table.returncode == 0 and "web-node-loss: 2 runs, 2 passed" in table.stdout

    slow_file = tmp_path / "lab-slow-failover.yaml"
    text = Path(lab.cluster_file).read_text()
    assert text.count("fault: {kind: kill, service: nginx}") == 2  # web-node-loss's comes first
    slow_file.write_text(text.replace("fault: {kind: kill, service: nginx}", "fault: {kind: block-port, service: nginx}", 1))
    _code, slow, slow_id = drill(slow_file, db, tmp_path / "slow.json")
    baseline = sorted(report["time_to_failover_s"] for _, report, _ in runs)
    assert slow["time_to_failover_s"] is not None and slow["time_to_failover_s"] > 1.5 * max(baseline), slow

    done = run_cli("history", str(slow_file), "web-node-loss", "--json", env={"CLUSTERTUI_HISTORY": str(db)})
    assert done.returncode == 1, (done.stdout, done.stderr)  # the newest run regressed
    [shown] = json.loads(done.stdout)["drills"]
    assert shown["regressed"] and shown["runs"][-1]["id"] == slow_id
    kinds = [flag["kind"] for flag in shown["runs"][-1]["flags"]]
    assert "slower-failover" in kinds, shown["runs"][-1]
    for field in FIGURES:
        assert shown["runs"][-1][field] == slow[field], field

    diff = run_cli("history", "diff", str(runs[0][2]), str(slow_id), env={"CLUSTERTUI_HISTORY": str(db)})
    assert diff.returncode == 0, diff.stderr
    line = next(line for line in diff.stdout.splitlines() if line.startswith("cluster file"))
    assert line.rstrip().endswith("changed")
    assert next(line for line in diff.stdout.splitlines() if line.startswith("fault")).rstrip().endswith("changed")
