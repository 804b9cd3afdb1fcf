"""The lab fixture's health check heals what a test leaves broken, in place.

A test that dies half-way can leave a fake binary mounted with a process running from it
(the "target is busy" that once left web1's awk replaced for the rest of the run), a
stopped daemon, a firewall rule, a dead service.  The survey must see each of these, heal
it without rebuilding the lab, and find nothing afterwards.
"""

from __future__ import annotations

import time

import pytest

from tests.support import lab_health
from tests.support.nodes import mount_points, pids, sh

pytestmark = pytest.mark.lab

FAKE = "#!/bin/sh\nwhile :; do sleep 0.2; done\n"


def test_a_busy_mount_a_stopped_daemon_a_rule_and_a_dead_service_are_healed_in_place(lab) -> None:
    inits = {node: lab.node_init_pid(node) for node in ("web1", "db2")}
    lab.node_exec("web1", ["sh", "-c", "cat > /tmp/fake-mawk && chmod 755 /tmp/fake-mawk"], input=FAKE, check=True)
    lab.node_exec("web1", ["mount", "--bind", "/tmp/fake-mawk", "/usr/bin/mawk"], check=True)
    runner = lab.node_popen("web1", ["/usr/bin/mawk"])  # runs from the mount: umount alone is busy
    try:
        time.sleep(0.3)
        assert lab.node_exec("web1", ["umount", "/usr/bin/mawk"]).returncode != 0, "the mount should be busy"
        lab.node_exec("web1", ["pkill", "-STOP", "-x", "nginx"], check=True)
        lab.node_exec("web1", ["iptables", "-I", "INPUT", "-p", "tcp", "--dport", "8081", "-j", "DROP"], check=True)
        lab.node_exec("db2", ["pkill", "-KILL", "-x", "redis-sentinel"], check=True)

        found = {r.node: r.found for r in map(lambda n: lab_health.survey(lab, n), ("web1", "db2"))}
        assert "mount on /usr/bin/mawk" in found["web1"]
        assert any(f.startswith("stopped: nginx") for f in found["web1"])
        assert any(f.startswith("iptables: -A INPUT") for f in found["web1"])
        assert any(f.startswith("service sentinel") for f in found["db2"])

        reported: list[str] = []
        damaged = lab_health.check_and_heal(lab, reported.append)
        assert {r.node for r in damaged} >= {"web1", "db2"}
        assert not any(line.startswith("rebuilding") for line in reported), reported
        assert {node: lab.node_init_pid(node) for node in inits} == inits, "healed in place, not rebuilt"
        assert "/usr/bin/mawk" not in mount_points(inits["web1"])
        assert "T" not in sh(lab, "web1", "ps -o stat= -C nginx")
        assert "8081" not in lab.node_exec("web1", ["iptables", "-S"]).stdout
        assert pids(lab, "db2", "redis-sentinel")
        assert [r for r in map(lambda n: lab_health.survey(lab, n), lab.spec.names) if r.found] == []
    finally:
        runner.kill()
        runner.wait(timeout=5)
        lab.node_exec("web1", ["rm", "-f", "/tmp/fake-mawk"])


def test_a_healthy_lab_costs_little_and_reports_nothing(lab) -> None:
    started = time.monotonic()
    assert lab_health.check_and_heal(lab) == []
    took = time.monotonic() - started
    print(f"\nLAB-HEALTH survey of a healthy lab: {took:.3f}s")
    assert took < 2.0
