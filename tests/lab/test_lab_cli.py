"""`clustertui lab ...` from the command line: exit codes, JSON, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clustertui.cli.lab_commands import lab_group
from clustertui.lab.spec import DEFAULT_SPEC

REPO = Path(__file__).resolve().parents[2]
RUN_LAB = "from clustertui.cli.lab_commands import lab_group; lab_group()"


@pytest.mark.lab
def test_status_json(lab) -> None:
    res = CliRunner().invoke(lab_group, ["status", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["overall"] == "up"
    names = list(DEFAULT_SPEC.names)  # lab.yaml's eight, then the HA cluster's ha1-3
    assert names[:8] == ["lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3"]
    assert [n["name"] for n in data["nodes"]] == names
    web1 = next(n for n in data["nodes"] if n["name"] == "web1")
    assert web1["services"] == {"sshd": "up", "node-exporter": "up", "nginx": "up"}
    assert web1["memory_limit"] == 256 * 1024 * 1024 and web1["init_pid"] > 1
    assert data["vip"]["up"] and data["vip"]["holder"] in ("lb1", "lb2")
    assert data["prometheus"] == {"url": "http://198.18.0.1:9090", "up": True, "detail": f"{len(names)}/{len(names)} node_exporters scraped"}


@pytest.mark.lab
def test_status_table_and_up_again(lab) -> None:
    proc = subprocess.run([sys.executable, "-c", RUN_LAB, "status"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "web1" in proc.stdout and "lab: up" in proc.stdout
    proc = subprocess.run([sys.executable, "-c", RUN_LAB, "up"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "already up" in proc.stdout


@pytest.mark.lab
def test_status_exit_1_when_a_service_is_down(lab) -> None:
    lab.node_exec("web3", ["nginx", "-s", "stop"], check=True)
    try:
        import time

        time.sleep(0.3)
        res = CliRunner().invoke(lab_group, ["status", "--json"])
        assert res.exit_code == 1
        data = json.loads(res.stdout)
        web3 = next(n for n in data["nodes"] if n["name"] == "web3")
        assert data["overall"] == "degraded" and web3["services"]["nginx"] == "down"
    finally:
        lab.node_exec("web3", ["nginx"], check=True)


def test_missing_prerequisite_is_one_line_exit_3(monkeypatch: pytest.MonkeyPatch) -> None:
    import clustertui.lab.up as up_mod

    line = "missing haproxy (load balancers): run `clustertui lab deps --install` or apt-get install haproxy"
    monkeypatch.setattr(up_mod, "missing_prerequisites", lambda: [line])
    res = CliRunner().invoke(lab_group, ["up"])
    assert res.exit_code == 3
    assert res.stderr.strip().splitlines() == [f"clustertui: error: {line}"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
@pytest.mark.parametrize("command", ["up", "down", "status"])
def test_not_root_exit_3(command: str) -> None:
    proc = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", RUN_LAB, command],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/nonexistent", "PYTHONPATH": str(REPO)},
        timeout=60,
    )
    assert proc.returncode == 3, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("clustertui: error: not root")


def test_deps_lists_packages() -> None:
    res = CliRunner().invoke(lab_group, ["deps"])
    assert res.exit_code in (0, 1)
    for pkg in ("haproxy", "keepalived", "nginx-light", "redis-sentinel", "lxcfs", "openssh-server"):
        assert pkg in res.stdout
