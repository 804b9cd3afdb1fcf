"""A command that connects raises its soft limit on open files for a large cluster (one
socket per node and one more), or, when even the hard limit is too low, exits 3 in one
line before connecting anywhere (transport/open_files.py)."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

from clustertui.transport.open_files import needed
from tests.support.paths import REPO


def cluster(tmp_path: Path, nodes: int) -> Path:
    """`nodes` nodes on 127.1.x.y port 1, where nothing listens: every connection is refused."""
    (tmp_path / "known_hosts").write_text("")
    doc = {
        "name": "many", "type": "majority", "interval": "1s",
        "ssh": {"user": "root", "known_hosts": str(tmp_path / "known_hosts"), "connect_timeout": "10s"},
        "nodes": [{"name": f"n{i:04d}", "host": f"127.1.{i // 250}.{i % 250 + 1}", "port": 1} for i in range(nodes)],
    }
    path = tmp_path / "many.yaml"
    with path.open("w") as out:
        YAML().dump(doc, out)
    return path


def run_limited(soft: int, hard: int, *args: str) -> subprocess.CompletedProcess[str]:
    """`clustertui ARGS` with RLIMIT_NOFILE lowered to (soft, hard) for that process only."""
    return subprocess.run(
        [sys.executable, "-m", "clustertui", *args], capture_output=True, text=True, timeout=300, cwd=REPO,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)),
    )


def test_a_hard_limit_too_low_for_the_cluster_is_one_line_and_exit_3(tmp_path: Path) -> None:
    result = run_limited(512, 512, "check", str(cluster(tmp_path, 1000)))
    assert result.returncode == 3, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"1000 nodes need about {needed(1000)} open files" in lines[0] and "512" in lines[0]
    assert result.stdout == ""


def soft_limit(pid: int) -> int | None:
    """The soft limit on open files of process `pid`, from /proc (None once it is gone)."""
    try:
        limits = Path(f"/proc/{pid}/limits").read_text()
    except OSError:
        return None
    line = next(line for line in limits.splitlines() if line.startswith("Max open files"))
    return int(line.split()[3])


def test_the_soft_limit_is_raised_for_the_cluster_before_connecting(tmp_path: Path) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nodes = 600
    assert hard == resource.RLIM_INFINITY or hard >= needed(nodes), "this machine's hard limit is too low for the test"
    report = subprocess.Popen(
        [sys.executable, "-m", "clustertui", "report", str(cluster(tmp_path, nodes)), "--duration", "5s",
         "-o", str(tmp_path / "r.json")],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)),
    )
    seen = [256]
    while report.poll() is None and seen[-1] < needed(nodes):
        limit = soft_limit(report.pid)
        if limit is not None:
            seen.append(limit)
        time.sleep(0.05)
    _, stderr = report.communicate(timeout=300)
    assert "Traceback" not in stderr  # (exit 3: no node can be reached, none listens)
    assert seen[-1] >= needed(nodes)
