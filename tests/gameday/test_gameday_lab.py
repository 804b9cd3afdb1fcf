"""The lab's game day, for real: `failover-tour` runs its three drills in sequence with the
cluster healthy between them, passes, and leaves no fault, rule or timer on any node."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.support.clusters import write_cluster
from tests.support.paths import REPO

pytestmark = pytest.mark.lab

NODES = ("lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3")


def no_fault_left(lab, fault_ids: list[str]) -> None:
    for node in NODES:
        listing = lab.node_exec(node, ["sh", "-c", "ls /run/clustertui/faults 2>/dev/null"]).stdout.split()
        assert not listing, f"{node} still has {listing}"
        assert "ctui-" not in lab.node_exec(node, ["iptables", "-S"]).stdout, node
        for fault_id in fault_ids:
            assert lab.node_exec(node, ["pgrep", "-f", f"{fault_id}.revert"]).stdout == "", f"{node}: {fault_id}"


#: The tour's drills held shorter than the samples' (which tests/drills/test_drills_lab.py runs
#: as they are): what is tested here is the game day around them. web-node-loss fails over
#: at once (HAProxy retries) and its balancers mark the node down ~2 s after the kill; Sentinel
#: promotes within ~3 s (redis-primary-loss has no availability to keep). lb-failover keeps its
#: 10 s: its ~3 s outage must stay under 40 % of the hold.
SHORTER_HOLDS = {"web-node-loss": ("hold: 8s", "hold: 4s"), "redis-primary-loss": ("hold: 12s", "hold: 6s")}


def tour_file(lab, tmp_path: Path) -> Path:
    """The lab's file with SHORTER_HOLDS: its failover-tour unchanged."""
    text = lab.cluster_file.read_text()
    for name, (old, new) in SHORTER_HOLDS.items():
        start = text.index(f"\n  {name}:\n")
        end = text.index("\n    expect:", start)
        assert text[start:end].count(old) == 1, (name, old)
        text = text[:start] + text[start:end].replace(old, new) + text[end:]
    path = tmp_path / "lab-tour.yaml"
    path.write_text(text)
    return path


def test_the_lab_game_day_passes_headless_and_reverts_every_fault(lab, tmp_path) -> None:
    report, junit = tmp_path / "tour.json", tmp_path / "tour.xml"
    done = subprocess.run(
        [sys.executable, "-m", "clustertui", "gameday", str(tour_file(lab, tmp_path)), "failover-tour", "--headless",
         "-o", str(report), "--junit", str(junit)],
        cwd=REPO, capture_output=True, text=True, timeout=420,
    )
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(report.read_text())
    assert done.returncode == 0, done.stderr
    assert data["verdict"] == "passed"
    assert data["stop_conditions"] == ["availability_below=0.3,over=8s", "quorum_lost"]
    assert [(s["label"], s["verdict"]) for s in data["steps"]] == [
        ("drill web-node-loss", "passed"),
        ("check the cluster healthy (within 30s)", "passed"),
        ("drill lb-failover", "passed"),
        ("check the cluster healthy (within 30s)", "passed"),
        ("drill redis-primary-loss", "passed"),
    ]
    drills = [d for s in data["steps"] for d in s["drills"]]
    assert [d["drill"] for d in drills] == ["web-node-loss", "lb-failover", "redis-primary-loss"]
    for drill in drills:  # each applied its fault and verified its revert
        assert drill["fault"]["applied_t"] is not None and drill["fault"]["reverted_t"] is not None
    offsets = [s["offset_s"] for s in data["steps"]]
    assert offsets == sorted(offsets)  # one timeline, in order
    suites = ET.parse(junit).getroot()
    assert suites[0].get("tests") == "5" and suites[0].get("failures") == "0" and len(suites) == 4
    no_fault_left(lab, [d["fault"]["id"] for d in drills])
    assert "recorded in the history as run" in done.stderr


SCENARIOS = """\
  nginx-blip:
    steps:
      - fault: {{kind: kill, service: nginx}}
        target: {{node: web1}}
        hold: 2s
      - check: {{services: {{nginx: 3}}, endpoints: [web-vip], within: 20s}}
  tripped:
    abort_when: [{{command_fails: "test -e {flag}", every: 200ms, timeout: 200ms}}]
    steps:
      - fault: {{kind: kill, service: nginx}}
        target: {{node: web2}}
        hold: 60s
      - wait: 1s
"""


def lab_with_scenarios(lab, tmp_path, flag) -> Path:
    path = tmp_path / "lab.yaml"
    path.write_text(lab.cluster_file.read_text() + SCENARIOS.format(flag=flag))
    return path


def run_gameday(path: Path, name: str, report: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "clustertui", "gameday", str(path), name, "--headless", "-o", str(report)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_a_fault_step_is_held_reverted_and_the_cluster_checked(lab, tmp_path) -> None:
    path, report = lab_with_scenarios(lab, tmp_path, tmp_path / "flag"), tmp_path / "blip.json"
    process = run_gameday(path, "nginx-blip", report)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    steps = json.loads(report.read_text())["steps"]
    assert [(s["kind"], s["verdict"]) for s in steps] == [("fault", "passed"), ("check", "passed")]
    fault_id = steps[0]["notes"][0].split(":")[0]
    assert steps[0]["notes"][0].endswith("kill nginx on web1") and steps[0]["notes"][1].startswith("revert: ")
    assert steps[0]["duration_s"] >= 2.0
    no_fault_left(lab, [fault_id])


def test_a_stop_condition_ends_a_held_fault_at_once_and_reverts_it(lab, tmp_path) -> None:
    flag = tmp_path / "flag"
    flag.touch()
    path, report = lab_with_scenarios(lab, tmp_path, flag), tmp_path / "tripped.json"
    started = time.monotonic()
    process = run_gameday(path, "tripped", report)
    try:
        deadline = time.monotonic() + 60  # until the fault is on web2 (its ledger entry)
        while not lab.node_exec("web2", ["sh", "-c", "ls /run/clustertui/faults 2>/dev/null"]).stdout.strip():
            assert time.monotonic() < deadline and process.poll() is None, "the fault was never applied"
            time.sleep(0.2)
        flag.unlink()  # the condition's command fails from now on
        _out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 3, err
    assert time.monotonic() - started < 45  # not the 60 s hold
    data = json.loads(report.read_text())
    steps = data["steps"]
    assert [s["verdict"] for s in steps] == ["aborted", "skipped"]
    assert steps[0]["reason"].startswith(f"stop condition command_fails='test -e {flag}',every=200ms,timeout=200ms")
    assert data["stop_conditions"] and data["reason"].startswith("step 1 (kill nginx on web2 for 60s) aborted: stop")
    no_fault_left(lab, [steps[0]["notes"][0].split(":")[0]])


def test_a_ramp_widens_the_blast_radius_up_to_the_guard(lab, tmp_path) -> None:
    """web-node-loss on one web node, then on two at once (the guard allows two here): the
    load balancers keep serving from the node left, so both levels pass."""
    path = write_cluster(tmp_path / "lab.yaml", keep_drills=True, max_faulted_nodes=2)
    text = path.read_text()
    # web-node-loss, as the ramp's drill: held 4 s, and expecting 80 % availability rather
    # than the sample's 95 %: with two of three web nodes killed at once, requests fail for
    # the ~2 s HAProxy takes to mark both down (92.9-96.5 % measured at a 4 s hold). The
    # ramp's levels and guard are what is tested; the drill as shipped runs in test_drills_lab.
    shipped = "    hold: 8s\n    expect:\n      availability: 0.95\n"
    assert text.count(shipped) == 1
    path.write_text(text.replace(shipped, "    hold: 4s\n    expect:\n      availability: 0.8\n") + "  widen:\n    steps:\n"
                    "      - ramp: {drill: web-node-loss, role: web, from: 1, to: 2}\n")
    report = tmp_path / "widen.json"
    process = run_gameday(path, "widen", report)
    _out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err
    [step] = json.loads(report.read_text())["steps"]
    assert step["verdict"] == "passed"
    assert [n.split(":")[0] for n in step["notes"]] == ["1 node(s) (web1)", "2 node(s) (web1, web2)"]
    drills = step["drills"]
    assert sorted(d["target"] for d in drills) == ["web1", "web1", "web2"]
    applied = [d["fault"]["applied_t"] for d in drills[1:]]
    assert max(applied) - min(applied) < 1.0  # the level's faults start together (0.12-0.25 s measured)
    no_fault_left(lab, [d["fault"]["id"] for d in drills])
