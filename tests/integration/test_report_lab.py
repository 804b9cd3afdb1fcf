"""`clustertui report` against the real lab."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.paths import REPO

pytestmark = pytest.mark.lab


def test_ten_second_report_sees_cpu_burner_and_nginx_stop(lab, tmp_path: Path, nginx_stopped) -> None:
    out = tmp_path / "report.json"
    report = _report(lab.cluster_file, "--duration", "10s", "-o", str(out))
    try:
        time.sleep(3)
        burner = lab.node_popen("web1", ["timeout", "5", "sh", "-c", "while :; do :; done"])
        time.sleep(1)
        with nginx_stopped("web2"):
            stopped_at = time.time()
            time.sleep(3)
        burner.wait(timeout=10)
        _stdout, stderr = report.communicate(timeout=60)
    finally:
        report.kill()
    assert report.returncode == 0, stderr
    data = json.loads(out.read_text())
    assert data["cluster"] == "lab" and data["interval_s"] == 1.0
    nodes = {n["name"]: n for n in data["nodes"]}
    assert set(nodes) == {"lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3"}
    for name, node in nodes.items():
        assert len(node["samples"]) >= 9, f"{name}: {len(node['samples'])} samples"
        assert node["state"] == "up"

    def busy(node: str) -> float:
        window = [s["cpu_percent"] for s in nodes[node]["samples"]
                  if stopped_at - 0.5 <= s["t"] <= stopped_at + 3 and s["cpu_percent"] is not None]
        assert window, node
        return max(window)

    assert busy("web1") > 35.0, nodes["web1"]["samples"]
    assert busy("web2") < 15.0, nodes["web2"]["samples"]
    down = [e for e in data["events"] if e["kind"] == "service-down" and e["node"] == "web2"]
    assert down and down[0]["detail"].startswith("nginx")
    assert down[0]["t"] - stopped_at <= 2.0, f"detected after {down[0]['t'] - stopped_at:.2f}s"
    assert any(e["kind"] == "service-up" and e["node"] == "web2" for e in data["events"])
    assert 0 < nodes["web2"]["services"]["nginx"]["up_ratio"] < 1
    assert nodes["web1"]["services"]["nginx"] == {"state": "up", "up_ratio": 1.0}
    assert data["health"]["quorum"]["holds"] is True


def _report(cluster_file: Path, *args: str) -> subprocess.Popen[str]:
    """`clustertui report CLUSTER ARGS` started in a fresh interpreter, as a user runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "clustertui", "report", str(cluster_file), *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _connected_nodes(pid: int) -> int:
    """How many SSH connections process ``pid`` holds open (one per node it records)."""
    out = subprocess.run(["ss", "-Htnp", "state", "established", "( dport = :22 )"],
                         capture_output=True, text=True).stdout
    return sum(1 for line in out.splitlines() if f"pid={pid}," in line)


def test_other_formats(lab, tmp_path: Path) -> None:
    # The three recordings run at once: each is its own process, as three users would run them.
    suffixes = (".md", ".html", ".csv")
    runs = {suffix: _report(lab.cluster_file, "--duration", "3s", "--interval", "500ms", "-o",
                            str(tmp_path / f"report{suffix}")) for suffix in suffixes}
    try:
        results = {suffix: (run, *run.communicate(timeout=120)) for suffix, run in runs.items()}
    finally:
        for run in runs.values():
            run.kill()
    for suffix, (run, _stdout, stderr) in results.items():
        assert run.returncode == 0, f"{suffix}: {stderr}"
        text = (tmp_path / f"report{suffix}").read_text()
        if suffix == ".csv":
            rows = text.strip().splitlines()
            assert rows[0].startswith("time,t,node,host,cpu_percent") and len(rows) > 8 * 4
            assert rows[0].endswith(",disk_percent,swap_percent,psi_cpu,psi_io,psi_memory")
        elif suffix == ".html":
            assert text.count(">CPU and memory</text>") == 8 and "web1" in text and "<script" not in text
            assert text.count(">disk and swap in use</text>") == 8
        else:
            assert "| web1 | 198.18.0.11 | up |" in text


def test_ctrl_c_writes_what_was_collected(lab, tmp_path: Path, wait_for) -> None:
    out = tmp_path / "partial.json"
    report = _report(lab.cluster_file, "--duration", "5m", "--interval", "500ms", "-o", str(out))
    try:
        # Connected to all 8 nodes, then four intervals: at least two samples each.
        wait_for(lambda: _connected_nodes(report.pid) == 8, timeout=30, what="the report to connect to 8 nodes")
        time.sleep(2.0)
        report.send_signal(signal.SIGINT)
        _stdout, stderr = report.communicate(timeout=30)
    finally:
        report.kill()
    assert report.returncode == 3, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    data = json.loads(out.read_text())
    assert data["interrupted"] is True
    assert len(data["nodes"]) == 8 and all(len(n["samples"]) >= 2 for n in data["nodes"])


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    cluster = REPO / "sample_clusters" / "lab.yaml"
    bad_format = run_cli("report", str(cluster), "--duration", "1s", "-o", str(tmp_path / "r.pdf"))
    assert bad_format.returncode == 2 and "unknown report format '.pdf'" in bad_format.stderr
    bad_duration = run_cli("report", str(cluster), "--duration", "soon", "-o", str(tmp_path / "r.json"))
    assert bad_duration.returncode == 2 and "not a duration" in bad_duration.stderr
    assert "Traceback" not in bad_format.stderr + bad_duration.stderr
