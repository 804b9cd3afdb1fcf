"""Transport features against the lab: ProxyJump through one shared bastion, become: sudo."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState
from tests.support.nodes import unmount

pytestmark = pytest.mark.lab


def lab_file(lab, tmp_path: Path, nodes: str, service: str) -> Path:
    text = f"""
name: lab-part
type: majority
interval: 1s
ssh: {{user: root, identity: "{lab.identity}", known_hosts: "{lab.known_hosts}", connect_timeout: 5s}}
nodes:
{nodes}
services:
  {service}
"""
    path = tmp_path / "cluster.yaml"
    path.write_text(text)
    return path


async def wait_up(monitor: ClusterMonitor, timeout: float = 15) -> None:
    for _ in range(int(timeout * 10)):
        if all(s.state is NodeState.UP for s in monitor.nodes.values()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError({n: (s.state, s.detail) for n, s in monitor.nodes.items()})


def established_from(lab, node: str, peer: str) -> int:
    out = lab.node_exec(node, ["ss", "-Htn", "state", "established", "( sport = :22 )"]).stdout
    return sum(1 for line in out.splitlines() if line.split()[-1].startswith(peer + ":"))


async def test_proxy_jump_shares_one_bastion_connection(lab, tmp_path: Path) -> None:
    cluster = lab_file(
        lab, tmp_path,
        '  - {name: "web[1-3]", host: "198.18.0.[11-13]", roles: [web], ssh: {proxy_jump: "root@198.18.0.2"}}',
        "nginx: {roles: [web], process: nginx, port: 80}",
    )
    before = established_from(lab, "lb1", "198.18.0.1")
    monitor = ClusterMonitor(load_cluster(cluster))
    await monitor.start()
    try:
        await wait_up(monitor)
        await asyncio.sleep(1.5)
        assert all(s.samples >= 1 for s in monitor.nodes.values())
        # Three nodes, one connection to the bastion; the nodes see the bastion, not us.
        assert established_from(lab, "lb1", "198.18.0.1") - before == 1
        for web in ("web1", "web2", "web3"):
            assert established_from(lab, web, "198.18.0.2") >= 1
            assert established_from(lab, web, "198.18.0.1") == 0
    finally:
        await monitor.stop()


FAKE_SUDO_OK = """#!/bin/sh
# Stands in for `sudo -n -- CMD...` with NOPASSWD: records the call and runs CMD.
echo "$*" >> /tmp/fake-sudo.log
[ "$1" = "-n" ] || exit 97
shift; [ "$1" = "--" ] && shift
exec "$@"
"""
FAKE_SUDO_PASSWORD = """#!/bin/sh
echo "sudo: a password is required" >&2
exit 1
"""


async def test_become_sudo_runs_the_probe_through_sudo_n(lab, tmp_path: Path, wait_for) -> None:
    # A private tmpfs over /usr/local/bin in db2's own mount namespace holds a fake sudo.
    lab.node_exec("db2", ["mount", "-t", "tmpfs", "fake-sudo", "/usr/local/bin"], check=True)

    def install(script: str) -> None:
        lab.node_exec("db2", ["sh", "-c", "cat > /usr/local/bin/sudo && chmod 755 /usr/local/bin/sudo"],
                      input=script, check=True)

    try:
        install(FAKE_SUDO_OK)
        cluster = lab_file(lab, tmp_path, "  - {name: db2, host: 198.18.0.22, roles: [db], ssh: {become: sudo}}",
                           "redis: {roles: [db], process: redis-server, port: 6379}")
        monitor = ClusterMonitor(load_cluster(cluster))
        await monitor.start()
        try:
            await wait_up(monitor)
            log = lab.node_exec("db2", ["cat", "/tmp/fake-sudo.log"]).stdout
            assert log.startswith("-n -- sh -c ")
            install(FAKE_SUDO_PASSWORD)
            lab.node_exec("db2", ["pkill", "-x", "awk"])
            # The killed probe is one probe-error; the retry meets the password prompt.
            await asyncio.to_thread(
                wait_for, lambda: "sudo asks for a password" in monitor.nodes["db2"].detail, 10,
                what="the probe to report the password prompt",
            )
            assert monitor.nodes["db2"].state is NodeState.PROBE_ERROR
        finally:
            await monitor.stop()
    finally:
        unmount(lab, "db2", "/usr/local/bin")
        lab.node_exec("db2", ["rm", "-f", "/tmp/fake-sudo.log"])
