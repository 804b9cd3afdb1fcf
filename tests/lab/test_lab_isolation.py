"""Each node is its own little machine: hostname, processes, /run, CPU and memory views."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from clustertui.lab import DEFAULT_SPEC

pytestmark = pytest.mark.lab


def test_hostname_per_node(lab) -> None:
    for node in DEFAULT_SPEC.names:
        assert lab.node_exec(node, ["hostname"], check=True).stdout.strip() == node


def test_pid_namespace_per_node(lab) -> None:
    marker = "987654"  # a unique sleep argument to look for
    lab.node_exec("web1", ["sh", "-c", f"sleep {marker} >/dev/null 2>&1 &"], check=True)
    try:
        on_web1 = lab.node_exec("web1", ["ps", "-eo", "args"]).stdout
        on_web2 = lab.node_exec("web2", ["ps", "-eo", "args"]).stdout
        assert f"sleep {marker}" in on_web1
        assert f"sleep {marker}" not in on_web2
        # PID 1 of each node is its own init.
        assert lab.node_exec("web2", ["cat", "/proc/1/comm"]).stdout.strip() == "sh"
    finally:
        lab.node_exec("web1", ["pkill", "-f", f"sleep {marker}"])
    # Killing by name in one node leaves the others alone (the point of the PID namespace).
    assert "sleep" not in lab.node_exec("web1", ["pgrep", "-af", f"sleep {marker}"]).stdout


def test_run_is_per_node(lab) -> None:
    # A directory of this test's own: /run/clustertui itself may hold other tests' ledgers.
    lab.node_exec("web1", ["sh", "-c", "mkdir -p /run/ctui-isolation && echo web1 > /run/ctui-isolation/probe"],
                  check=True)
    try:
        assert lab.node_exec("web1", ["cat", "/run/ctui-isolation/probe"]).stdout.strip() == "web1"
        assert lab.node_exec("web2", ["test", "-e", "/run/ctui-isolation"]).returncode != 0
        from pathlib import Path

        assert not Path("/run/ctui-isolation").exists()
    finally:
        lab.node_exec("web1", ["rm", "-rf", "/run/ctui-isolation"])


def test_tmp_and_home_are_per_node(lab) -> None:
    # A probe's service-watch directory (probe/watch.py) is the node's own, and lives until
    # its ticker sees the probe gone (up to one interval after the last monitor stopped).
    listed = [n for n in lab.node_exec("db1", ["ls", "-A", "/tmp"]).stdout.split() if not n.startswith("clustertui-watch.")]
    assert listed in ([], ["redis-sentinel.conf"])
    # The host's ~/.bashrc (pyenv) is hidden by the node's own /root.
    assert lab.node_exec("db1", ["test", "-e", "/root/.bashrc"]).returncode != 0


def test_ssh_session_runs_in_the_node_cgroup(lab) -> None:
    res = subprocess.run(lab.ssh_argv("web3", ["cat", "/proc/self/cgroup"]), capture_output=True, text=True, timeout=10)
    assert res.returncode == 0, res.stderr
    assert "/clustertui-lab/web3" in res.stdout


def _cpu_busy(lab, node: str) -> tuple[int, int]:
    """(busy, total) jiffies from the node's own /proc/stat (LXCFS)."""
    first = lab.node_exec(node, ["cat", "/proc/stat"], check=True).stdout.splitlines()[0].split()
    assert first[0] == "cpu"
    v = [int(x) for x in first[1:]]
    busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy, sum(v)


def test_lxcfs_cpu_is_per_node(lab) -> None:
    """A CPU hog on web1 shows on web1's /proc/stat only."""
    w1, w2 = _cpu_busy(lab, "web1"), _cpu_busy(lab, "web2")
    hog = lab.node_popen("web1", ["timeout", "3", "sh", "-c", "while :; do :; done"])
    assert hog.wait(timeout=20) == 124
    w1b, w2b = _cpu_busy(lab, "web1"), _cpu_busy(lab, "web2")
    busy1, busy2 = w1b[0] - w1[0], w2b[0] - w2[0]
    # ~300 jiffies (3 s of one CPU at USER_HZ=100); web2 idles.
    assert busy1 >= 150, (busy1, busy2)
    assert busy2 <= 30, (busy1, busy2)
    assert busy1 > 5 * max(busy2, 1)


def test_lxcfs_memtotal_is_the_node_limit(lab) -> None:
    for node in ("web1", "db2"):
        meminfo = lab.node_exec(node, ["cat", "/proc/meminfo"], check=True).stdout
        total_kb = int(meminfo.split("MemTotal:")[1].split()[0])
        assert total_kb * 1024 == DEFAULT_SPEC.node(node).memory_limit


def test_lxcfs_uptime_is_the_nodes(lab) -> None:
    node_up = float(lab.node_exec("web1", ["cat", "/proc/uptime"], check=True).stdout.split()[0])
    host_up = float(Path("/proc/uptime").read_text().split()[0])
    assert node_up < host_up


def test_node_exec_reaches_the_nodes_firewall_and_network(lab) -> None:
    addrs = lab.node_exec("db3", ["ip", "-4", "-o", "addr", "show", "dev", "eth0"]).stdout
    assert "198.18.0.23/24" in addrs
    routes = lab.node_exec("db3", ["ip", "route"]).stdout
    assert "default" not in routes  # nothing leaves 198.18.0.0/24


def test_stopping_nginx_on_one_node_is_seen_only_there(lab) -> None:
    from clustertui.lab import http_get

    lab.node_exec("web2", ["nginx", "-s", "stop"], check=True)
    try:
        deadline = time.monotonic() + 5
        while http_get("http://198.18.0.12/health")[0] != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert http_get("http://198.18.0.12/health")[0] == 0
        assert http_get("http://198.18.0.11/health") == (200, "web1")
        assert lab.node_exec("web1", ["pgrep", "-x", "nginx"]).returncode == 0
    finally:
        lab.node_exec("web2", ["nginx"], check=True)
    deadline = time.monotonic() + 5
    while http_get("http://198.18.0.12/health") != (200, "web2") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert http_get("http://198.18.0.12/health") == (200, "web2")
