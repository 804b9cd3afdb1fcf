"""Every sample drill, for real, on the lab: verdicts, plausible timings, nothing left behind."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.integration.helpers import run_cli

pytestmark = pytest.mark.lab


def ledgers_empty(lab) -> None:
    for node in ("lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3"):
        listing = lab.node_exec(node, ["sh", "-c", "ls /run/clustertui/faults 2>/dev/null"]).stdout.split()
        assert listing == [], f"{node} still has {listing}"
        rules = lab.node_exec(node, ["iptables", "-S"]).stdout
        assert "clustertui" not in rules, f"{node}: {rules}"


def run_drill(lab, name: str, tmp_path: Path) -> tuple[int, dict, str]:
    report, junit = tmp_path / f"{name}.json", tmp_path / f"{name}.xml"
    result = run_cli("drill", str(lab.cluster_file), name, "--headless", "-o", str(report), "--junit", str(junit),
                     timeout=240)
    assert "Traceback" not in result.stderr, result.stderr
    data = json.loads(report.read_text())
    ET.parse(junit)  # well-formed JUnit XML
    return result.returncode, data, result.stderr


def assert_plausible(data: dict) -> None:
    fault = next(p for p in data["phases"] if p["name"] == "fault")
    detect, failover = data["time_to_detect_s"], data["time_to_failover_s"]
    assert detect is not None and failover is not None and data["time_to_recover_s"] is not None
    assert 0 <= detect <= failover <= fault["duration_s"] + 0.2
    assert data["requests"]["total"]["sent"] > 0


@pytest.mark.parametrize("name", ["web-node-loss", "lb-failover", "redis-primary-loss"])
def test_sample_drill_passes(lab, tmp_path: Path, name: str) -> None:
    code, data, stderr = run_drill(lab, name, tmp_path)
    assert (code, data["verdict"]) == (0, "passed"), f"{data['reason']}\n{stderr}"
    assert_plausible(data)
    assert all(c["passed"] for c in data["checks"])
    ledgers_empty(lab)


def test_drill_without_redundancy_fails(lab, tmp_path: Path) -> None:
    code, data, _stderr = run_drill(lab, "web1-direct-no-redundancy", tmp_path)
    assert (code, data["verdict"]) == (1, "failed")
    failed = {c["name"] for c in data["checks"] if not c["passed"]}
    assert "availability" in failed and data["availability"] < 0.5
    junit = ET.parse(tmp_path / "web1-direct-no-redundancy.xml").getroot()
    assert int(junit.get("failures")) >= 1
    ledgers_empty(lab)


def test_drill_aborts_when_the_steady_state_does_not_hold(lab, tmp_path: Path) -> None:
    lab.node_exec("web3", ["nginx", "-s", "stop"], check=True)
    try:
        code, data, _stderr = run_drill(lab, "web-node-loss", tmp_path)
    finally:
        lab.node_exec("web3", ["nginx"], check=True)
    assert (code, data["verdict"]) == (3, "aborted")
    assert "nginx runs on 2 node(s), needs 3" in data["reason"]
    assert data["fault"]["id"] is None
    ledgers_empty(lab)
