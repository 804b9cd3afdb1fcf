"""The hostile node is a real SSH node: honest by default, so that every other test's
failure is the lie it tells, not a broken harness."""

from __future__ import annotations

import json
from pathlib import Path

from tests.hostile.cluster import run_cli, write_cluster
from tests.hostile.node import HostileNode


def test_an_honest_hostile_node_checks_up(hostile: HostileNode, tmp_path: Path) -> None:
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()])
    result = run_cli("check", str(cluster), "--json")
    assert result.returncode == 0, result.stderr
    nodes = json.loads(result.stdout)["nodes"]
    assert [n["state"] for n in nodes] == ["up"]
    assert any("exec awk" in c for c in hostile.commands)


def test_a_wrong_host_key_is_refused(hostile: HostileNode, tmp_path: Path) -> None:
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    hostile.known_hosts.write_text(f"[{hostile.host}]:{hostile.port} {other}\n")
    cluster = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml()])
    result = run_cli("check", str(cluster), "--json")
    assert result.returncode == 1
    nodes = json.loads(result.stdout)["nodes"]
    assert nodes[0]["state"] == "host-key-mismatch"
    assert not hostile.commands  # nothing was sent to a node we could not verify
