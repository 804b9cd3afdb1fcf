"""Jump hosts on the lab (issues 9.12 and 11.1): `check`, `chaos apply` and a drill's primary
lookup reach the nodes through a bastion, and fail cleanly when the bastion is down.

lb2 is the bastion. For the test, every other node's firewall accepts SSH only from lb2,
not from the controller (198.18.0.1), so a connection that skipped the jump would be
refused: a passing run is proof that the traffic went through lb2. The rules are removed
afterwards. "The bastion is down" is lb2 refusing SSH from the controller.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import LAB_CLUSTER_FILE
from tests.support.cli import run_cli

pytestmark = pytest.mark.lab

BASTION, BASTION_NODE, CONTROLLER = "198.18.0.3", "lb2", "198.18.0.1"
BEHIND = ("lb1", "web1", "web2", "web3", "db1", "db2", "db3")
JUMP = f"root@{BASTION}"
REJECT_SSH = ["INPUT", "-p", "tcp", "--dport", "22", "-s", CONTROLLER, "-j", "REJECT", "--reject-with", "tcp-reset"]

DRILL = """
  jump-primary:
    description: The target is named by a command run on web2, over SSH, through the bastion.
    traffic:
      - {http: "http://198.18.0.100/health", rate: 10, timeout: 1s}
    steady_state: {min_success: 0.9, services: {nginx: 3}, quorum: false}
    fault: {kind: kill, service: nginx}
    target:
      primary: {command: "curl -s --max-time 2 http://198.18.0.12/health", node: web2}
    hold: 3s
    expect: {availability: 0.5}
"""


def jumped_cluster(tmp_path: Path) -> Path:
    """sample_clusters/lab.yaml with every node but lb2 behind lb2, and one more drill."""
    text = LAB_CLUSTER_FILE.read_text()
    text = text.replace('- {name: "lb[1-2]", host: "198.18.0.[2-3]", roles: [lb]}',
                        f'- {{name: lb1, host: 198.18.0.2, roles: [lb], ssh: {{proxy_jump: "{JUMP}"}}}}\n'
                        '  - {name: lb2, host: 198.18.0.3, roles: [lb]}')
    for group in ('roles: [web]}', 'roles: [db]}'):
        # Only the node groups (`- {name: ...}`), not a manager that names the same roles.
        line = next(line for line in text.splitlines() if line.lstrip().startswith("- {name:") and line.endswith(group))
        text = text.replace(line, line[:-1] + f', ssh: {{proxy_jump: "{JUMP}"}}}}')
    path = tmp_path / "lab-jump.yaml"
    # The drill goes first under `drills:` (the file has sections after it: lint, scenarios).
    assert "\ndrills:\n" in text
    path.write_text(text.replace("\ndrills:\n", "\ndrills:\n" + DRILL.lstrip("\n"), 1))
    return path


@contextmanager
def ssh_only_from_bastion(lab) -> Iterator[None]:
    """The nodes behind the bastion refuse SSH from the controller; removed on the way out."""
    added = []
    try:
        for node in BEHIND:
            lab.node_exec(node, ["iptables", "-I", *REJECT_SSH], check=True)
            added.append(node)
        yield
    finally:
        for node in added:
            lab.node_exec(node, ["iptables", "-D", *REJECT_SSH], check=True)


@contextmanager
def bastion_down(lab) -> Iterator[None]:
    lab.node_exec(BASTION_NODE, ["iptables", "-I", *REJECT_SSH], check=True)
    try:
        yield
    finally:
        lab.node_exec(BASTION_NODE, ["iptables", "-D", *REJECT_SSH], check=True)


def check_json(path: Path) -> tuple[int, dict]:
    result = run_cli("check", str(path), "--json")
    assert result.stdout, result.stderr
    return result.returncode, {n["name"]: n for n in json.loads(result.stdout)["nodes"]}


def test_check_chaos_and_a_drill_go_through_the_bastion(lab, tmp_path: Path) -> None:
    cluster = jumped_cluster(tmp_path)
    with ssh_only_from_bastion(lab):
        # Without the jump the nodes are out of reach: the firewall really is in the way.
        code, direct = check_json(LAB_CLUSTER_FILE)
        assert code == 1 and direct["web1"]["state"] == "unreachable", direct["web1"]
        assert direct["lb2"]["state"] == "up"

        code, nodes = check_json(cluster)
        assert code == 0, nodes
        assert {name: n["state"] for name, n in nodes.items()} == dict.fromkeys(nodes, "up")

        applied = run_cli("chaos", str(cluster), "apply", "kill", "--node", "web3", "--service", "nginx",
                          "--ttl", "60s", "--yes")
        assert applied.returncode == 0, applied.stderr
        fault = applied.stdout.strip()
        reverted = run_cli("chaos", str(cluster), "revert", fault)
        assert reverted.returncode == 0, reverted.stderr

        report = tmp_path / "drill.json"
        drill = run_cli("drill", str(cluster), "jump-primary", "--headless", "-o", str(report))
        result = json.loads(report.read_text())
        assert (drill.returncode, result["verdict"]) == (0, "passed"), (result["reason"], drill.stderr[-2000:])
        assert result["target"] == "web2"  # printed by web2's nginx, read over SSH through lb2


def test_a_bastion_that_is_down_fails_cleanly(lab, tmp_path: Path) -> None:
    cluster = jumped_cluster(tmp_path)
    with ssh_only_from_bastion(lab), bastion_down(lab):
        code, nodes = check_json(cluster)
        assert code == 1
        for name in BEHIND:
            assert nodes[name]["state"] == "unreachable", nodes[name]
            assert nodes[name]["detail"] == f"jump host {JUMP}: connection refused", nodes[name]
        assert (nodes["lb2"]["state"], nodes["lb2"]["detail"]) == ("unreachable", "connection refused")

        applied = run_cli("chaos", str(cluster), "apply", "kill", "--node", "web3", "--service", "nginx",
                          "--ttl", "60s", "--yes")
        assert applied.returncode == 3
        lines = [line for line in applied.stderr.splitlines() if not line.startswith("(")]
        assert len(lines) == 1 and "Traceback" not in applied.stderr, applied.stderr
        assert "web3" in lines[0] and f"jump host {JUMP}: connection refused" in lines[0], lines

        # Steady state holds (traffic to the VIP, no service counted); the primary lookup on
        # web2 cannot get through the bastion: the drill aborts with the reason.
        report = tmp_path / "drill.json"
        text = cluster.read_text().replace("services: {nginx: 3}, quorum: false", "services: {}, quorum: false")
        cluster.write_text(text)
        drill = run_cli("drill", str(cluster), "jump-primary", "--headless", "-o", str(report))
        result = json.loads(report.read_text())
        assert (drill.returncode, result["verdict"]) == (3, "aborted"), drill.stderr[-2000:]
        assert result["reason"] == (f"target: cannot reach web2 for the primary command (unreachable): "
                                    f"jump host {JUMP}: connection refused")
        assert result["fault"]["id"] is None and "Traceback" not in drill.stderr
