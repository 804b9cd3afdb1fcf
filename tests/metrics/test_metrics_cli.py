"""`--metrics` from the command line: bad values (exit 2), a port in use (exit 3), and `serve`
scraped over HTTP on 127.0.0.1 and stopped by SIGTERM (exit 0).  The cluster's nodes point at
closed loopback ports, so no lab is needed: they show as unreachable."""

from __future__ import annotations

import socket
import time

import pytest

from tests.support.cli import run_cli
from tests.support.serve import serving
from tests.support.waiting import wait_for

CLUSTER = """\
name: closed
type: majority
interval: 500ms
ssh: {user: root, connect_timeout: 1s}
nodes:
  - {name: n1, host: 127.0.0.1, port: 1, roles: [web]}
  - {name: n2, host: 127.0.0.1, port: 2, roles: [web]}
services:
  web: {roles: [web], process: nginx, port: 80}
drills:
  web-loss:
    traffic: [{http: "http://127.0.0.1:1/health"}]
    fault: {kind: kill, service: web}
    target: {role: web}
"""

COMMANDS = [
    ["monitor", "c.yaml"],
    ["report", "c.yaml", "--duration", "1s", "-o", "r.json"],
    ["drill", "c.yaml", "d", "--headless"],
    ["gameday", "c.yaml", "s", "--headless"],
    ["serve", "c.yaml"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_bad_address_is_a_usage_error(command: list[str]) -> None:
    result = run_cli(*command, "--metrics", "9108")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--metrics" in result.stderr and "expected HOST:PORT" in result.stderr


@pytest.fixture
def cluster_file(tmp_path):
    path = tmp_path / "closed.yaml"
    path.write_text(CLUSTER)
    return path


@pytest.mark.parametrize("command", ["serve", "report"])
def test_a_port_in_use_is_one_line_and_exit_3(cluster_file, tmp_path, command: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        extra = ["--duration", "1s", "-o", str(tmp_path / "r.json")] if command == "report" else []
        result = run_cli(command, str(cluster_file), *extra, "--metrics", f"127.0.0.1:{port}")
    assert result.returncode == 3
    assert result.stderr == f"clustertui: error: --metrics 127.0.0.1:{port}: cannot listen: Address already in use\n"
    assert not (tmp_path / "r.json").exists()  # refused before recording anything


def test_serve_exports_until_sigterm(cluster_file) -> None:
    seen: dict = {}
    with serving(str(cluster_file)) as served:
        assert served.url.startswith("http://127.0.0.1:")

        def unreachable() -> bool:
            seen.update(served.scrape())
            return seen.get(("clustertui_node_state", (("cluster", "closed"), ("node", "n1"),
                                                       ("state", "unreachable")))) == 1
        wait_for(unreachable, timeout=20, step=0.25, what="n1 to be exported as unreachable")
        assert seen[("clustertui_node_up", (("cluster", "closed"), ("node", "n2")))] == 0
        assert seen[("clustertui_nodes", (("cluster", "closed"),))] == 2
        assert ("process_cpu_seconds_total", ()) in seen  # the daemon's own figures too
        stopping = time.monotonic()
    assert served.code == 0, served.stderr
    assert time.monotonic() - stopping < 10
    assert served.stderr[-1] == "serve closed: stopped"


@pytest.mark.parametrize(("schedule", "why"), [
    ("web-loss", "expected NAME=D[@HH:MM-HH:MM]"),
    ("web-los=1h", "no drill or scenario called 'web-los'; did you mean 'web-loss'?"),
    ("web-loss=90s", "expected --every of whole minutes"),
    ("web-loss=1h@25:00-26:00", "expected a window HH:MM-HH:MM"),
    ("web-loss=often", "'often' is not"),
])
def test_a_bad_schedule_is_a_usage_error(cluster_file, schedule: str, why: str) -> None:
    result = run_cli("serve", str(cluster_file), "--metrics", "127.0.0.1:0", "--schedule", schedule)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and why in result.stderr, result.stderr
