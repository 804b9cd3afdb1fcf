"""`clustertui schedule`: valid units (systemd-analyze verify), the calendar systemd computes,
quoting that survives odd file paths, and install/list/remove in a test directory."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO

GOOD = """\
name: sched
type: majority
ssh: {user: root}
nodes:
  - {name: "web[1-3]", host: "127.0.1.[11-13]", roles: [web]}
services:
  nginx: {roles: [web], process: nginx, port: 8080, http: "http://{host}:8080/health"}
drills:
  web-loss:
    traffic: [{http: "http://127.0.1.11:8080/health"}]
    fault: {kind: kill, service: nginx}
    target: {role: web}
"""
ODD_DIR = 'odd dir "q" \'s\' $HOME %n \\back ü'

needs_systemd_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None and os.environ.get("CLUSTERTUI_REQUIRE_LAB") != "1",
    reason="systemd-analyze not installed (`clustertui lab deps --install` installs it)",
)


def schedule(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clustertui", "schedule", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=60, check=False, env={**os.environ, **(env or {})})


def cluster_file(tmp_path: Path, directory: str = "plain") -> Path:
    path = tmp_path / directory / "sched.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(GOOD)
    return path


def printed(output: str) -> dict[str, str]:
    """`--print` output: `# PATH` headers, each followed by the file's text."""
    files: dict[str, str] = {}
    for chunk in re.split(r"^# (/\S*\n)", output, flags=re.M)[1:]:
        if chunk.endswith("\n") and chunk.startswith("/") and "\n" not in chunk[:-1]:
            current = chunk.strip()
            files[current] = ""
        else:
            files[current] += chunk
    return {Path(name).name: text.rstrip("\n") + "\n" for name, text in files.items()}


def systemd_argv(line: str) -> list[str]:
    """An ExecStart= value split as systemd does for what `render` writes (double-quoted words
    with \\\\ and \\" escapes; %% and $$ for a literal % and $)."""
    return [word.replace("%%", "%").replace("$$", "$") for word in shlex.split(line)]


def test_print_shows_a_service_and_a_timer(tmp_path: Path) -> None:
    path = cluster_file(tmp_path)
    result = schedule(str(path), "web-loss", "--every", "15m", "--window", "01:00-02:00", "--backend", "systemd",
                      env={"CLUSTERTUI_SCHEDULE_DIR": str(tmp_path / "units")})
    assert result.returncode == 0, result.stderr
    files = printed(result.stdout)
    assert sorted(files) == sorted(f"{stem}.{kind}" for stem in {Path(n).stem for n in files}
                                   for kind in ("service", "timer"))
    timer = next(text for name, text in files.items() if name.endswith(".timer"))
    service = next(text for name, text in files.items() if name.endswith(".service"))
    assert "OnCalendar=*-*-* 01:00,15,30,45:00\n" in timer
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    assert systemd_argv(exec_start.removeprefix("ExecStart=")) == [
        sys.executable, "-m", "clustertui", "drill", str(path), "web-loss", "--headless"]
    assert not (tmp_path / "units").exists(), "--print wrote files"


@needs_systemd_analyze
@pytest.mark.parametrize("directory", ["plain", ODD_DIR])
def test_units_pass_systemd_analyze_verify(tmp_path: Path, directory: str) -> None:
    path = cluster_file(tmp_path, directory)
    units = tmp_path / "units"
    env = {"CLUSTERTUI_SCHEDULE_DIR": str(units), "CLUSTERTUI_AUDIT_LOG": str(tmp_path / "a%b $c.jsonl")}
    result = schedule(str(path), "web-loss", "--every", "6h", "--backend", "systemd", "--install", env=env)
    assert result.returncode == 0, result.stderr
    written = sorted(units.iterdir())
    assert [p.suffix for p in written] == [".service", ".timer"]
    verify = subprocess.run(["systemd-analyze", "verify", "--man=no", *map(str, written)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert verify.stderr.strip() == "", verify.stderr
    service = written[0].read_text()
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    assert systemd_argv(exec_start.removeprefix("ExecStart="))[4] == str(path)
    environment = next(line for line in service.splitlines() if "CLUSTERTUI_AUDIT_LOG" in line)
    assert systemd_argv(environment.removeprefix("Environment=")) == [
        f"CLUSTERTUI_AUDIT_LOG={tmp_path / 'a%b $c.jsonl'}"]


@needs_systemd_analyze
@pytest.mark.parametrize(("every", "window", "expected"), [
    ("15m", "01:00-02:00", {"01:00", "01:15", "01:30", "01:45"}),
    ("90m", None, {f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 1440, 90)}),
    ("5h", None, {"00:00", "05:00", "10:00", "15:00", "20:00"}),
    ("2h", "23:00-03:00", {"23:00", "01:00"}),
    ("1d", "02:30-04:00", {"02:30"}),
])
def test_systemd_computes_the_documented_run_times(tmp_path: Path, every: str, window: str | None,
                                                   expected: set[str]) -> None:
    path = cluster_file(tmp_path)
    args = [str(path), "web-loss", "--every", every, "--backend", "systemd"] + (["--window", window] if window else [])
    result = schedule(*args)
    assert result.returncode == 0, result.stderr
    timer = next(text for name, text in printed(result.stdout).items() if name.endswith(".timer"))
    calendars = [line.removeprefix("OnCalendar=") for line in timer.splitlines() if line.startswith("OnCalendar=")]
    times: set[str] = set()
    for calendar in calendars:  # 40 runs of each entry: more than a day of every schedule above
        out = subprocess.run(["systemd-analyze", "calendar", "--iterations=40", calendar],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        times |= set(re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ \d{4}-\d\d-\d\d (\d\d:\d\d):00", out))
    assert times == expected


def test_cron_line_survives_sh_quoting(tmp_path: Path) -> None:
    path = cluster_file(tmp_path, ODD_DIR)
    env = {"CLUSTERTUI_SCHEDULE_DIR": str(tmp_path / "cron"), "XDG_STATE_HOME": str(tmp_path / "st%ate $x")}
    result = schedule(str(path), "web-loss", "--every", "30m", "--backend", "cron", "--install", env=env)
    assert result.returncode == 0, result.stderr
    [cron_file] = list((tmp_path / "cron").iterdir())
    lines = cron_file.read_text().splitlines()
    assert lines[0].startswith("# clustertui-job: {")
    fields = lines[1].split(" ", 6)
    assert fields[:5] == ["0,30", "*", "*", "*", "*"]
    command = fields[6]
    # cron turns an unescaped % into a newline and drops the backslash of \%; then /bin/sh runs it.
    assert re.search(r"(?<!\\)%", command) is None
    shell = command.replace("\\%", "%")
    argv = subprocess.run(["sh", "-c", f"printf '%s\\0' {shell}"], capture_output=True, text=True, check=True,
                          timeout=10).stdout.split("\0")[:-1]
    kept = {key: value for key, value in os.environ.items()
            if key.startswith("CLUSTERTUI_") and key != "CLUSTERTUI_SCHEDULE_DIR"}
    kept["XDG_STATE_HOME"] = str(tmp_path / "st%ate $x")
    kept["CLUSTERTUI_RUN_ORIGIN"] = "schedule"  # the history records the run as scheduled
    assert argv == ["env", *(f"{key}={value}" for key, value in sorted(kept.items())),
                    sys.executable, "-m", "clustertui", "drill", str(path), "web-loss", "--headless"]


def test_install_list_remove(tmp_path: Path) -> None:
    path = cluster_file(tmp_path)
    env = {"CLUSTERTUI_SCHEDULE_DIR": str(tmp_path / "units")}
    for every in ("1h", "2h"):  # scheduling the same drill again replaces it
        assert schedule(str(path), "web-loss", "--every", every, "--backend", "systemd", "--install",
                        env=env).returncode == 0
    listed = schedule("list", "--json", "--backend", "systemd", env=env)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert [(j["target"], j["kind"], j["every"], j["file"]) for j in data["jobs"]] == [
        ("web-loss", "drill", 7200.0, str(path))]
    name = data["jobs"][0]["name"]
    text = schedule("list", "--backend", "systemd", env=env).stdout
    assert text.startswith(f"{name}  drill web-loss of sched every 2h  (")
    removed = schedule("remove", name, "--backend", "systemd", env=env)
    assert removed.returncode == 0, removed.stderr
    assert list((tmp_path / "units").iterdir()) == []
    again = schedule("remove", name, "--backend", "systemd", env=env)
    assert again.returncode == 2 and "schedule list" in again.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["nope", "--every", "1h"], "no drill or scenario called 'nope'"),
    (["web-loss", "--every", "90s"], "expected --every of whole minutes"),
    (["web-loss", "--every", "36h"], "whole days"),
    (["web-loss", "--every", "1h", "--window", "25:00-26:00"], "expected a window HH:MM-HH:MM"),
    (["web-loss", "--every", "1h", "--window", "01:00-01:00"], "ends after it starts"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = schedule(str(cluster_file(tmp_path)), *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


SCENARIOS = """\
scenarios:
  tour:
    steps:
      - drill: web-loss
      - wait: 5s
  gated:
    steps:
      - drill: web-loss
      - pause: look at the dashboards first
"""


def test_a_scenario_runs_as_a_game_day_and_one_with_a_pause_is_refused(tmp_path: Path) -> None:
    path = cluster_file(tmp_path)
    path.write_text(GOOD + SCENARIOS)
    result = schedule(str(path), "tour", "--every", "1d", "--backend", "cron")
    assert result.returncode == 0, result.stderr
    line = [line for line in result.stdout.splitlines() if line][-1]
    assert line.endswith(f"-m clustertui gameday {path} tour --headless")
    refused = schedule(str(path), "gated", "--every", "1d", "--backend", "cron")
    assert refused.returncode == 2
    assert "scenario 'gated' waits for an operator at step 2 (pause: look at the dashboards first)" in refused.stderr


@pytest.mark.parametrize(("value", "interactive", "origin"), [
    ("schedule", False, "schedule"), (None, False, "cli"), (None, True, "tui"),
    ("\x1b[2J", False, "cli"), ("Schedule", False, "cli"), ("x" * 21, True, "tui"),
])
def test_the_run_origin_a_job_sets_is_taken_only_as_a_plain_word(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                                                  interactive: bool, origin: str) -> None:
    from clustertui.cli.run_origin import run_origin

    if value is None:
        monkeypatch.delenv("CLUSTERTUI_RUN_ORIGIN", raising=False)
    else:
        monkeypatch.setenv("CLUSTERTUI_RUN_ORIGIN", value)
    assert run_origin(interactive) == origin


@needs_systemd_analyze
@pytest.mark.parametrize(("every", "window"), [
    (15 * 60, "01:00-02:00"), (90 * 60, None), (5 * 3600, None), (2 * 3600, "23:00-03:00"), (86400, "02:30-04:00"),
    (7 * 86400, "03:00-04:00"),
])
def test_serve_computes_the_starts_systemd_computes(every: float, window: str | None) -> None:
    """`serve --schedule` runs jobs in-process: its next starts are the timer's, 30 in a row
    (from May, ending before the new year: systemd 252 skips the 1st of January of a day
    step, `*-*-01/7` going from 12-29 to 01-08, where cron and the documented rule run on 01-01)."""
    from datetime import datetime

    from clustertui.schedule.calendar import Window, entries, next_start

    calendar = entries(every, Window.parse(window))
    base = datetime(2026, 5, 20, 12, 34)
    ours: set[str] = set()
    at = base
    for _ in range(30):
        at = next_start(calendar, at)
        ours.add(f"{at:%Y-%m-%d %H:%M}")
    theirs: list[str] = []
    for entry in calendar:
        out = subprocess.run(["systemd-analyze", "calendar", "--iterations=30", f"--base-time={base:%Y-%m-%d %H:%M:%S}",
                              entry.on_calendar()], capture_output=True, text=True, timeout=30, check=True).stdout
        theirs += re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d):00", out)
    assert sorted(ours) == sorted(theirs)[:30]
