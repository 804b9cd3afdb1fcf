"""The history and the coverage on the lab, for real, from three runs of web-node-loss:

1. a run made exactly as its scheduled job makes it (the command of the cron line that
   `clustertui schedule ... --print` writes, run by /bin/sh): it lands in the history as
   origin `schedule`, and `coverage` then shows kill x nginx passed and the rest blank;
2. a run from the command line: `history` shows both, each with the figures of its own report;
3. a run made slower on purpose -- the same drill from a copy of the file whose fault blocks
   port 80 instead of killing nginx, so HAProxy waits for its connect timeout and two failed
   checks before it takes the node out -- is flagged as a regression (and `history diff`
   says the cluster file changed).

One test, because each drill costs the lab's only slot ~15 s and the three runs serve
both commands (the figures of the flags are checked without the lab in tests/history).
The first two runs hold the fault 4 s instead of the sample's 8 s (a copy of the lab's
file): HAProxy takes the node out ~2 s after the kill, so the figures the history and the
coverage are checked against are all measured well inside the hold; the slow run keeps
the sample's 8 s, its failover waiting for HAProxy's check timeouts.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from clustertui.history import HistoryStore
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


def scheduled_run(file: Path, env: dict[str, str]) -> None:
    """web-node-loss as cron would run it from `schedule --print`'s line."""
    printed = run_cli("schedule", str(file), "web-node-loss", "--every", "1d", "--backend", "cron", "--print", env=env)
    assert printed.returncode == 0, printed.stderr
    cron = [line for line in printed.stdout.splitlines() if line and not line.startswith("#")]
    assert len(cron) == 1
    command = cron[0].split(" ", 6)[6].replace("\\%", "%")  # after the times and the user, as cron runs it
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def assert_coverage_after_one_kill(file: Path, env: dict[str, str]) -> None:
    result = run_cli("coverage", str(file), "--json", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    filled = {(service, kind): cell["verdict"] for service, kinds in report["services"].items()
              for kind, cell in kinds.items() if cell is not None}
    assert filled == {("nginx", "kill"): "passed"}
    assert report["services"]["nginx"]["kill"]["drill"] == "web-node-loss"
    text = run_cli("coverage", str(file), env=env).stdout.splitlines()
    nginx = next(line for line in text if line.startswith("nginx"))
    assert nginx.split()[1] == "passed"
    assert all(line.split()[1:] in ([], ["n/a"]) for line in text[1:-1] if not line.startswith("nginx"))


KILL, HOLD = "fault: {kind: kill, service: nginx}", "hold: 8s"


def lab_copy(lab, tmp_path: Path, old: str, new: str) -> Path:
    """The lab's file with web-node-loss's first `old` (which comes before any other drill's)
    replaced by `new`."""
    text = Path(lab.cluster_file).read_text()
    assert text.count(old) >= 1 and text.index(old) < text.index("  lb-failover:"), old
    path = tmp_path / f"lab-{new.split(':')[0]}.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_runs_fill_coverage_and_history_and_a_slower_failover_is_flagged(lab, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    env = {"CLUSTERTUI_HISTORY": str(db)}
    assert Path(lab.cluster_file).read_text().count(KILL) == 2  # web-node-loss's comes first
    file = lab_copy(lab, tmp_path, HOLD, "hold: 4s")

    scheduled_run(file, env)
    with HistoryStore(db) as store:
        [first] = store.runs("lab")
    assert (first.name, first.origin, first.verdict) == ("web-node-loss", "schedule", "passed")
    assert_coverage_after_one_kill(file, env)

    code, report, run_id = drill(file, db, tmp_path / "run.json")
    assert code == 0, report["reason"]
    done = run_cli("history", str(file), "web-node-loss", "--json", env=env)
    assert done.returncode == 0, done.stderr
    [shown] = json.loads(done.stdout)["drills"]
    assert [r["id"] for r in shown["runs"]] == [first.id, run_id]
    for field in FIGURES:
        assert shown["runs"][1][field] == report[field], (field, shown["runs"][1][field], report[field])
    assert all(row["flags"] == [] for row in shown["runs"])
    table = run_cli("history", str(file), env=env)
    assert table.returncode == 0 and "web-node-loss: 2 runs, 2 passed" in table.stdout

    slow_file = lab_copy(lab, tmp_path, KILL, "fault: {kind: block-port, service: nginx}")
    _code, slow, slow_id = drill(slow_file, db, tmp_path / "slow.json")
    baseline = [shown["runs"][0]["time_to_failover_s"], report["time_to_failover_s"]]
    assert slow["time_to_failover_s"] is not None and slow["time_to_failover_s"] > 1.5 * max(baseline), (slow, baseline)

    done = run_cli("history", str(slow_file), "web-node-loss", "--json", env=env)
    assert done.returncode == 1, (done.stdout, done.stderr)  # the newest run regressed
    [shown] = json.loads(done.stdout)["drills"]
    assert shown["regressed"] and shown["runs"][-1]["id"] == slow_id
    kinds = [flag["kind"] for flag in shown["runs"][-1]["flags"]]
    assert "slower-failover" in kinds, shown["runs"][-1]
    for field in FIGURES:
        assert shown["runs"][-1][field] == slow[field], field

    diff = run_cli("history", "diff", str(run_id), str(slow_id), env=env)
    assert diff.returncode == 0, diff.stderr
    line = next(line for line in diff.stdout.splitlines() if line.startswith("cluster file"))
    assert line.rstrip().endswith("changed")
    assert next(line for line in diff.stdout.splitlines() if line.startswith("fault")).rstrip().endswith("changed")
