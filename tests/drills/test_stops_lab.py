"""Stop conditions on the lab, for real: a drill whose traffic goes straight to its target
stops at once and reverts; and `chaos apply --hold --abort-when` reverts a held fault when
its condition fails.  That the same condition armed on a healthy drill never trips is shown
by the lab's own web-node-loss, which arms it (tests/drills/test_drills_lab.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.support.paths import REPO

pytestmark = pytest.mark.lab

DIRECT = {
    "description": "Traffic straight to web1; killing its nginx leaves nothing to serve: stop at once.",
    "traffic": [{"http": "http://198.18.0.11/health", "rate": 20, "timeout": "500ms"}],
    "steady_state": {"min_success": 0.99, "services": {"nginx": 3}},
    "fault": {"kind": "kill", "service": "nginx"},
    "target": {"node": "web1"},
    "hold": "20s",
    "abort_when": [{"availability_below": 0.5, "over": "1s"}],
}
NODES = ("lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3")


def cluster_with(lab, tmp_path: Path, **drills: dict) -> Path:
    """The lab's cluster file with these drills in place of its own."""
    yaml = YAML(typ="safe", pure=True)
    data = yaml.load(Path(lab.cluster_file).read_text())
    data["drills"] = drills
    data.pop("scenarios", None)  # they name the drills replaced here
    path = tmp_path / "lab-stops.yaml"
    with path.open("w") as out:
        yaml.dump(data, out)
    return path


def drill(file: Path, name: str, tmp_path: Path, audit: Path) -> tuple[int, dict, str]:
    report = tmp_path / f"{name}.json"
    done = subprocess.run(
        [sys.executable, "-m", "clustertui", "drill", str(file), name, "--headless", "-o", str(report),
         "--junit", str(tmp_path / f"{name}.xml")],
        cwd=REPO, capture_output=True, text=True, timeout=240, env={**os.environ, "CLUSTERTUI_AUDIT_LOG": str(audit)},
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(report.read_text()), done.stderr


def nothing_left(lab, fault_id: str) -> None:
    for node in NODES:
        listing = lab.node_exec(node, ["sh", "-c", "ls /run/clustertui/faults 2>/dev/null"]).stdout.split()
        assert not [f for f in listing if f.startswith(fault_id)], f"{node} still has {listing}"
        assert lab.node_exec(node, ["pgrep", "-f", f"{fault_id}.revert"]).stdout == ""


def test_a_drill_straight_to_its_target_stops_and_reverts_within_1_5_s(lab, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    code, data, stderr = drill(cluster_with(lab, tmp_path, direct=DIRECT), "direct", tmp_path, audit)
    assert (code, data["verdict"]) == (3, "aborted"), f"{data['reason']}\n{stderr}"
    assert data["reason"].startswith("stop condition availability_below=0.5,over=1s at +"), data["reason"]
    assert data["stop"]["condition"] == "availability_below=0.5,over=1s"
    fault = data["fault"]
    assert fault["reverted_t"] - fault["applied_t"] <= 1.5, fault  # the hold was 20 s
    assert data["stop"]["t"] <= fault["reverted_t"]
    assert data["checks"] == [] and data["availability"] < 0.5
    assert "drill direct: ABORTED" in stderr
    live = next(line for line in stderr.splitlines() if line.endswith("; reverting"))  # said as it happened
    assert live.startswith("drill direct: stop condition availability_below=0.5,over=1s at +"), stderr
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    abort = [r for r in records if r["action"] == "abort"]
    assert len(abort) == 1 and abort[0]["fault"] == fault["id"] and abort[0]["reason"] == data["reason"]
    assert [r["reason"] for r in records if r["action"] == "revert"] == ["stop-condition"]
    nothing_left(lab, fault["id"])
    assert lab.node_exec("web1", ["pgrep", "-x", "nginx"]).stdout.strip()  # reverted: nginx runs again


def test_a_held_fault_reverts_when_its_command_condition_fails(lab, tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "clustertui", "chaos", str(lab.cluster_file), "apply", "kill", "--node", "web1",
         "--service", "nginx", "--ttl", "5m", "--hold", "--yes",
         "--abort-when", "command_fails='curl -sf --max-time 1 http://198.18.0.11/health',every=200ms",
         "--abort-when", "node_down=other"],
        cwd=REPO, capture_output=True, text=True, timeout=120, env={**os.environ, "CLUSTERTUI_AUDIT_LOG": str(audit)},
    )
    elapsed = time.monotonic() - started
    fault_id = done.stdout.strip()
    assert done.returncode == 3, done.stderr
    assert f"{fault_id}: aborted: stop condition command_fails=" in done.stderr
    assert "2 stop condition(s) armed" in done.stderr
    assert elapsed < 60  # not the 5 min TTL
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    abort = next(r for r in records if r["action"] == "abort")
    assert abort["fault"] == fault_id and abort["reason"].startswith("stop condition command_fails=")
    nothing_left(lab, fault_id)
    assert lab.node_exec("web1", ["pgrep", "-x", "nginx"]).stdout.strip()


def test_a_condition_that_holds_already_refuses_the_held_fault(lab, tmp_path: Path, nginx_stopped) -> None:
    audit = tmp_path / "audit.jsonl"
    with nginx_stopped("web3"):
        done = subprocess.run(
            [sys.executable, "-m", "clustertui", "chaos", str(lab.cluster_file), "apply", "kill", "--node", "web1",
             "--service", "nginx", "--ttl", "5m", "--hold", "--yes", "--abort-when", "service_down=nginx"],
            cwd=REPO, capture_output=True, text=True, timeout=120,
            env={**os.environ, "CLUSTERTUI_AUDIT_LOG": str(audit)},
        )
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("clustertui: error: not applied: stop condition service_down=nginx holds already "
                                  "(nginx is down on web3)"), done.stderr
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [r["result"] for r in records if r["action"] == "apply"] == [
        "refused: stop condition service_down=nginx holds already (nginx is down on web3)"]
    assert lab.node_exec("web1", ["pgrep", "-x", "nginx"]).stdout.strip()  # never killed


def test_a_held_cpu_hog_reverts_when_its_node_runs_hot(lab, tmp_path: Path) -> None:
    """The samples path: the node's own CPU (LXCFS), as its probe reports it, trips the condition."""
    audit = tmp_path / "audit.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "clustertui", "chaos", str(lab.cluster_file), "apply", "cpu-hog", "--node", "web2",
         "--ttl", "5m", "--hold", "--yes", "--abort-when", "cpu_above=40,node=web2"],
        cwd=REPO, capture_output=True, text=True, timeout=120, env={**os.environ, "CLUSTERTUI_AUDIT_LOG": str(audit)},
    )
    fault_id = done.stdout.strip()
    assert done.returncode == 3, done.stderr
    assert f"{fault_id}: aborted: stop condition cpu_above=40,node=web2 at +" in done.stderr
    assert "(web2 CPU " in done.stderr
    nothing_left(lab, fault_id)
