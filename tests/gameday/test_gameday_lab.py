"""The lab's game day, for real: `failover-tour` runs its three drills in sequence with the
cluster healthy between them, passes, and leaves no fault, rule or timer on any node."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

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


def test_the_lab_game_day_passes_headless_and_reverts_every_fault(lab, tmp_path) -> None:
    report, junit = tmp_path / "tour.json", tmp_path / "tour.xml"
    done = subprocess.run(
        [sys.executable, "-m", "clustertui", "gameday", str(lab.cluster_file), "failover-tour", "--headless",
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
