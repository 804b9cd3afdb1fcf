"""`clustertui history` and `history diff` as a user runs them: the table, its JSON (the
report's own figures), regression flags and exit 1, the dashboard and the diff page, and
each kind of bad input as one line with its exit code."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest

from clustertui.drills.export import to_json
from tests.support.cli import run_cli
from tests.support.history import DAY, held_exclusively, lab_result, record
from tests.support.paths import LAB_FILE

LAB = str(LAB_FILE)
BASE = lab_result().time_to_failover_s  # as recorded on the lab


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite"


def history(db: Path, *args: str):
    return run_cli("history", *args, env={"CLUSTERTUI_HISTORY": str(db)})


def test_nothing_recorded_yet_lists_the_drills_and_creates_nothing(db: Path) -> None:
    done = history(db, LAB)
    assert done.returncode == 0, done.stderr
    assert "no runs recorded" in done.stdout and "web-node-loss: never run" in done.stdout
    assert not db.exists()


def test_the_json_holds_the_reports_figures(db: Path) -> None:
    now = time.time()
    results = [lab_result("web-node-loss", started=now - d * DAY) for d in (2, 1)]
    ids = [record(db, r) for r in results]
    record(db, lab_result("redis-primary-loss", started=now - DAY))
    done = history(db, LAB, "web-node-loss", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    [drill] = data["drills"]
    assert drill["name"] == "web-node-loss" and drill["runs_stored"] == 2 and not drill["regressed"]
    assert [r["id"] for r in drill["runs"]] == ids
    for shown, result in zip(drill["runs"], results, strict=True):
        report = to_json(result)
        for field in ("verdict", "availability", "longest_outage_s", "time_to_detect_s", "time_to_failover_s",
                      "time_to_recover_s", "target", "started"):
            assert shown[field] == report[field], field


def test_the_table_shows_each_drill_with_its_trend(db: Path) -> None:
    now = time.time()
    for d, failover in ((3, 0.6), (2, 0.7), (1, 0.65)):
        record(db, lab_result(started=now - d * DAY, time_to_failover_s=failover))
    done = history(db, LAB)
    assert done.returncode == 0, done.stderr
    assert "web-node-loss: 3 runs, 3 passed; failover trend " in done.stdout
    assert re.search(r"failover trend [▁-█]{3}", done.stdout)
    assert "lb-failover: never run" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.lstrip().startswith("3 "))
    assert "passed" in row and "100.00%" in row and "0.65 s" in row


def test_a_slower_failover_is_flagged_and_exits_1(db: Path) -> None:
    now = time.time()
    for d in (3, 2):
        record(db, lab_result(started=now - d * DAY))
    slow = record(db, lab_result(started=now - DAY, time_to_failover_s=2.4))
    done = history(db, LAB, "web-node-loss")
    assert done.returncode == 1, done.stderr
    assert "REGRESSION" in done.stdout and f"failover 2.40 s > 1.5 x {BASE:.2f} s" in done.stdout
    data = json.loads(history(db, LAB, "--json").stdout)
    [flagged] = [r for d in data["drills"] for r in d["runs"] if r["flags"]]
    assert flagged["id"] == slow and flagged["flags"][0]["kind"] == "slower-failover"


def test_since_and_last(db: Path) -> None:
    now = time.time()
    for d in (10, 5, 1):
        record(db, lab_result(started=now - d * DAY))

    def shown(*args: str) -> int:
        done = history(db, LAB, "web-node-loss", "--json", *args)
        assert done.returncode == 0, done.stderr
        return len(json.loads(done.stdout)["drills"][0]["runs"])

    assert (shown("--since", "7d"), shown("--since", "2d"), shown("--last", "1"), shown("--last", "0")) == (2, 1, 1, 3)
    day = time.strftime("%Y-%m-%d", time.gmtime(now - 6 * DAY))
    assert shown("--since", day) == 2


@pytest.mark.parametrize(("args", "message", "code"), [
    (["--since", "last tuesday"], "Invalid value for '--since': 'last tuesday' is not a duration back from now", 2),
    (["no-such-drill"], "no drill or game day called 'no-such-drill'", 2),
    (["-o", "out.txt"], "unknown format '.txt'", 2),
])
def test_bad_input_is_one_line(db: Path, args: list[str], message: str, code: int) -> None:
    record(db, lab_result())
    done = history(db, LAB, *args)
    assert done.returncode == code, (done.stdout, done.stderr)
    [line] = done.stderr.splitlines()
    assert line.startswith("clustertui: error: ") and message in line, line


def test_a_damaged_or_newer_database_is_one_line(db: Path) -> None:
    db.write_bytes(b"garbage" * 1000)
    done = history(db, LAB)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"{db}: not a usable clustertui history" in done.stderr and "Traceback" not in done.stderr
    db.unlink()
    record(db, lab_result())
    with sqlite3.connect(db) as raw:
        raw.execute("PRAGMA user_version = 3")
    done = history(db, LAB)
    assert done.returncode == 2 and "written by a newer clustertui" in done.stderr
    assert done.stderr.count("\n") == 1


def test_diff_sets_two_runs_side_by_side(db: Path, tmp_path: Path) -> None:
    now = time.time()
    a = record(db, lab_result(started=now - 2 * DAY))
    b = record(db, lab_result(started=now - DAY, time_to_failover_s=2.4, availability=0.9))
    done = history(db, "diff", str(a), str(b))
    assert done.returncode == 0, done.stderr
    failover = next(line for line in done.stdout.splitlines() if line.startswith("failover"))
    assert f"{BASE:.2f} s" in failover and "2.40 s" in failover and f"{2.4 - BASE:+.2f} s" in failover
    assert re.search(r"availability\s+100\.00%\s+90\.00%\s+-10\.00 points", done.stdout)
    data = json.loads(history(db, "diff", str(a), str(b), "--json").stdout)
    assert (data["first"]["id"], data["second"]["id"]) == (a, b)
    page = tmp_path / "diff.html"
    done = history(db, "diff", str(a), str(b), "-o", str(page))
    assert done.returncode == 0, done.stderr
    html = page.read_text()
    assert html.count("<svg") == 2 and "<script" not in html and "http://" not in html.split("<body>")[1].split("<table>")[0]
    assert f"run {a}" in html and f"run {b}" in html and "0 = the fault took effect" in html
    assert html.count("<polyline") >= 4  # both runs, on both charts


@pytest.mark.parametrize(("args", "message"), [
    (["diff", "1", "99"], "no run with id 99"),
    (["diff", "1", "x"], "Invalid value for 'RUN': 'x' is not a valid integer"),
])
def test_diff_of_an_unknown_run_is_one_line_exit_2(db: Path, args: list[str], message: str) -> None:
    record(db, lab_result())
    done = history(db, *args)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert message in line


def test_the_dashboard_is_self_contained_with_trends_and_escapes_node_text(db: Path, tmp_path: Path) -> None:
    now = time.time()
    for d in (3, 2):
        record(db, lab_result(started=now - d * DAY))
    record(db, lab_result(started=now - DAY, verdict="failed", reason="<script>alert(1)</script>\x1b[2J",
                          time_to_failover_s=3.0))
    page = tmp_path / "history.html"
    done = history(db, LAB, "-o", str(page))
    assert done.returncode == 1 and f"wrote {page}" in done.stderr  # the newest run regressed
    html = page.read_text()
    assert "<script" not in html and "\x1b" not in html
    assert html.count("<svg") == 2  # web-node-loss's trends; the drills never run have none
    assert "REGRESSION" in html and f"failover 3.00 s &gt; 1.5 x {BASE:.2f} s" in html


def test_game_days_are_listed_after_the_drills(db: Path) -> None:
    from clustertui.history import HistoryStore, NewRun, RunKind

    now = time.time()
    with HistoryStore(db) as store:
        store.record_run(NewRun(kind=RunKind.SCENARIO, cluster="lab", name="failover-tour", verdict="passed",
                                started=now - 60, ended=now, report={"scenario": "failover-tour"}, cluster_hash="h"))
    data = json.loads(history(db, LAB, "--json").stdout)
    assert [(d["name"], d["kind"]) for d in data["drills"]][-1] == ("failover-tour", "scenario")
    assert data["drills"][-1]["runs"][0]["verdict"] == "passed"
    done = history(db, LAB, "failover-tour")
    assert done.returncode == 0 and "game day failover-tour: 1 runs, 1 passed" in done.stdout


def test_drill_refuses_a_bad_history_before_the_drill(db: Path, tmp_path: Path) -> None:
    """Nothing is injected when the run could not be recorded: one line, the history's code."""
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id")], check=True)
    (tmp_path / "known_hosts").write_text("")
    text = LAB_FILE.read_text().replace("~/.local/state/clustertui/lab/id_ed25519", str(tmp_path / "id"))
    cluster = tmp_path / "lab.yaml"
    cluster.write_text(text.replace("~/.local/state/clustertui/lab/known_hosts", str(tmp_path / "known_hosts")))
    db.write_bytes(b"garbage" * 1000)
    done = run_cli("drill", str(cluster), "web-node-loss", "--headless", "--history", str(db))
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    assert "not a usable clustertui history" in line and "--no-history runs the drill without it" in line


def test_a_locked_database_is_one_line_exit_3(db: Path) -> None:
    record(db, lab_result())
    with held_exclusively(db):
        done = history(db, LAB)  # waits the busy timeout (5 s), then gives up
    assert done.returncode == 3, (done.stdout, done.stderr)
    [line] = done.stderr.splitlines()
    assert line.startswith("clustertui: error: ") and "locked by another process" in line
