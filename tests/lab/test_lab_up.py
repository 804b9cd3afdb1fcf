"""The lab comes up, every service answers from the controller, and `up` is idempotent."""

from __future__ import annotations

import subprocess
import time

import pytest

from clustertui.lab import DEFAULT_SPEC, http_get, lab_status, lab_up, redis_command, vip_holder

pytestmark = pytest.mark.lab


def test_up_is_idempotent_and_quick(lab) -> None:
    t0 = time.monotonic()
    report = lab_up(lab.state_dir)
    assert report.already_up
    assert time.monotonic() - t0 < 5


def test_status_is_up(lab) -> None:
    st = lab_status(lab.state_dir)
    assert st.overall == "up", st.to_dict()
    assert [n.name for n in st.nodes] == list(DEFAULT_SPEC.names)
    for node in st.nodes:
        assert node.netns and node.init_pid
        assert node.memory_limit == DEFAULT_SPEC.node(node.name).memory_limit  # 256 MiB; 320 MiB on ha1-3


@pytest.mark.parametrize("node", [n.name for n in DEFAULT_SPEC.with_role("web")])
def test_nginx_health_names_the_node(lab, node: str) -> None:
    assert http_get(f"http://{DEFAULT_SPEC.node(node).address}/health") == (200, node)


@pytest.mark.parametrize("node", [n.name for n in DEFAULT_SPEC.with_role("lb")])
def test_haproxy_monitor_and_stats(lab, node: str) -> None:
    address = DEFAULT_SPEC.node(node).address
    assert http_get(f"http://{address}/lb-health")[0] == 200
    status, body = http_get(f"http://{address}:8404/;csv")
    assert status == 200
    up = [line.split(",")[1] for line in body.splitlines() if line.startswith("web_nodes,web") and ",UP," in line]
    assert sorted(up) == ["web1", "web2", "web3"]


def test_vip_balances_over_every_web_node(lab) -> None:
    assert vip_holder(DEFAULT_SPEC) in {"lb1", "lb2"}
    bodies = {http_get(f"http://{DEFAULT_SPEC.vip}/health")[1] for _ in range(9)}
    assert bodies == {"web1", "web2", "web3"}


def test_redis_replication_and_sentinels(lab) -> None:
    dbs = DEFAULT_SPEC.with_role("db")
    for db in dbs:
        assert redis_command(db.address, 6379, "PING") == "PONG"
        master = redis_command(db.address, 26379, "SENTINEL", "get-master-addr-by-name", "mymaster")
        assert isinstance(master, list) and master[1] == "6379"
        fields = redis_command(db.address, 26379, "SENTINEL", "MASTER", "mymaster")
        assert isinstance(fields, list)
        info = dict(zip(fields[::2], fields[1::2], strict=True))
        assert int(info["num-other-sentinels"]) == 2
    roles = [str(redis_command(db.address, 6379, "ROLE")[0]) for db in dbs]  # type: ignore[index]
    assert sorted(roles) == ["master", "slave", "slave"]


@pytest.mark.parametrize("node", DEFAULT_SPEC.names)
def test_ssh_login_with_lab_key(lab, node: str) -> None:
    res = subprocess.run(lab.ssh_argv(node, ["hostname"]), capture_output=True, text=True, timeout=10)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == node


def test_ssh_login_is_cheap(lab) -> None:
    """A login does little work on the node: no host ~/.bashrc (pyenv) runs."""
    cpuacct = None
    from clustertui.lab.cgroups import detect_layout

    layout = detect_layout()
    if layout.version == 1 and "cpuacct" in layout.mounts:
        cpuacct = layout.mounts["cpuacct"] / "clustertui-lab" / "web2" / "cpuacct.usage"
    argv = lab.ssh_argv("web2", ["true"])
    subprocess.run(argv, check=True, timeout=10)  # warm caches
    before = int(cpuacct.read_text()) if cpuacct else 0
    t0 = time.monotonic()
    for _ in range(3):
        subprocess.run(argv, check=True, timeout=10)
    wall = (time.monotonic() - t0) / 3
    assert wall < 1.0
    if cpuacct:
        node_cpu_ms = (int(cpuacct.read_text()) - before) / 3 / 1e6
        assert node_cpu_ms < 100, f"{node_cpu_ms:.0f} ms of node CPU per login"


def test_vip_follows_haproxy(lab) -> None:
    """Stopping HAProxy on the VIP holder moves the VIP (keepalived track_script)."""
    holder = vip_holder(DEFAULT_SPEC)
    assert holder is not None
    other = next(n.name for n in DEFAULT_SPEC.with_role("lb") if n.name != holder)
    lab.node_exec(holder, ["killall", "haproxy"], check=True)
    try:
        deadline = time.monotonic() + 10
        while vip_holder(DEFAULT_SPEC) != other and time.monotonic() < deadline:
            time.sleep(0.1)
        assert vip_holder(DEFAULT_SPEC) == other
        assert http_get(f"http://{DEFAULT_SPEC.vip}/health")[0] == 200
    finally:
        lab.node_exec(holder, ["haproxy", "-f", "/etc/haproxy/haproxy.cfg"], check=True)
    deadline = time.monotonic() + 10
    while http_get(f"http://{DEFAULT_SPEC.node(holder).address}/lb-health")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert http_get(f"http://{DEFAULT_SPEC.vip}/health")[0] == 200
