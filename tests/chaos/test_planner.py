"""The planner without a network: scripts for every kind, their order, their refusals.

The node's survey is synthetic here; test_faults_lab.py runs the same scripts on the lab.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from dataclasses import replace

import pytest

from clustertui.chaos import CATALOG, FaultRequest, Refused, plan_fault
from clustertui.chaos.facts import NodeFacts, Route
from clustertui.chaos.faults.latency import handles
from clustertui.chaos.planner import check_request
from clustertui.config import load_cluster
from tests.support.paths import LAB_FILE
from tests.support.planning import FACTS, plan, survey


@pytest.fixture(scope="module")
def cluster():
    return load_cluster(LAB_FILE, check_files=False)


def sh_syntax(script: str) -> str:
    result = subprocess.run(["sh", "-n"], input=script, capture_output=True, text=True, timeout=5)
    return result.stderr


@pytest.mark.parametrize("kind", list(CATALOG))
@pytest.mark.parametrize("systemd", [False, True])
@pytest.mark.parametrize("backend", ["iptables", "nft"])
def test_scripts_are_valid_sh(cluster, kind: str, systemd: bool, backend: str) -> None:
    facts = replace(FACTS, systemd=systemd, processes={} if kind == "start" else FACTS.processes)
    extra = {"backend": backend} if CATALOG[kind].family == "firewall" else {}
    p = plan(cluster, kind, facts, **extra)
    assert sh_syntax(p.apply_script) == ""
    assert sh_syntax(p.revert_script) == ""
    assert p.timer.mechanism == ("systemd" if systemd else "detached")


def test_apply_script_order_ledger_then_timer_then_fault(cluster) -> None:
    p = plan(cluster, "block-port")
    lines = p.apply_script.splitlines()

    def first(predicate) -> int:
        return next(i for i, line in enumerate(lines) if predicate(line))

    ledger = first(lambda line: f"mv -f /run/clustertui/faults/{p.id}.json.tmp" in line)
    timer = first(lambda line: line.startswith("{ setsid nohup sh -c") and f"ctui-timer-{p.id}" in line)
    fault = first(lambda line: line.startswith("{ iptables -w 5 -N"))
    verify = first(lambda line: line.startswith("{ iptables -w 5 -C"))
    acting = first(lambda line: line.startswith("printf 'acting %s"))
    verified = first(lambda line: line.startswith("printf 'verified %s"))
    assert ledger < timer < acting < fault < verify < verified
    assert lines[0] == "trap '' HUP PIPE"  # a cut connection cannot stop it half-way
    # The record is one line of JSON naming the exact revert command.
    record = json.loads(p.record.to_json())
    assert record["revert"] == f"sh /run/clustertui/faults/{p.id}.revert manual"
    assert record["ttl"] == 30 and record["kind"] == "block-port" and record["node"] == "web1"


def test_sections_list_every_phase(cluster) -> None:
    sections = plan(cluster, "partition").sections()
    assert list(sections) == ["precheck", "ledger", "timer", "apply", "verify", "revert"]
    assert any("-s 198.18.0.12 -j DROP" in line for line in sections["apply"])
    assert any("kill -TERM" in line for line in sections["revert"])  # the revert cancels the timer


def test_firewall_rules_exempt_the_ssh_path(cluster) -> None:
    apply = "\n".join(plan(cluster, "partition").steps.apply)
    assert "-A ctui-" in apply
    assert "-p tcp --dport 22 -j RETURN" in apply and "-p tcp --sport 22 -j RETURN" in apply
    assert "-s 198.18.0.1 -j RETURN" in apply and "-d 198.18.0.1 -j RETURN" in apply
    assert "198.18.0.1 -j DROP" not in apply
    # Jumps are added last, once the chains are complete.
    assert apply.rstrip().splitlines()[-1].startswith("iptables -w 5 -I OUTPUT 1 -j ctui-")
    nft = plan(cluster, "loss", backend="nft").steps.apply[0]
    assert "tcp dport 22 accept" in nft and "ip saddr 198.18.0.1 accept" in nft
    assert "numgen random mod 10000 < 3000 drop" in nft


def test_partition_cuts_multicast_and_broadcast_on_the_cluster_interface(cluster) -> None:
    p = plan(cluster, "partition")
    apply = "\n".join(p.steps.apply)
    for chain, flag in (("in", "-i"), ("out", "-o")):
        for kind in ("MULTICAST", "BROADCAST"):
            rule = f"-A ctui-{p.id}-{chain} {flag} eth0 -m addrtype --dst-type {kind} -j DROP"
            assert rule in apply
            # after the exemptions: the controller's path is never cut
            assert apply.index(rule) > apply.index(f"-A ctui-{p.id}-{chain} -{'s' if chain == 'in' else 'd'} 198.18.0.1 -j RETURN")
            assert any(rule.replace("-A ", "-C ", 1) in check.test for check in p.steps.verify)
    assert "and its multicast and broadcast on eth0" in p.summary
    nft = plan(cluster, "partition", backend="nft")
    ruleset = nft.steps.apply[0]
    assert 'iifname "eth0" meta nfproto ipv4 fib daddr type { broadcast, multicast } drop' in ruleset
    assert 'oifname "eth0" meta nfproto ipv4 fib daddr type { broadcast, multicast } drop' in ruleset
    assert "-eq 16 ]" in nft.steps.verify[0].test  # 7 peers and the casts, each way
    # --mode unicast: the peers' addresses only, as before.
    unicast = plan(cluster, "partition", mode="unicast")
    assert "addrtype" not in "\n".join(unicast.steps.apply) and "(unicast only)" in unicast.summary
    assert "fib" not in plan(cluster, "partition", backend="nft", mode="unicast").steps.apply[0]
    assert "addrtype" not in "\n".join(plan(cluster, "loss").steps.apply)


def test_partition_needs_the_cluster_interface(cluster) -> None:
    lan_only = replace(FACTS, routes=(Route(ipaddress.IPv4Network("198.18.0.0/28"), "eth0"),))  # db1..3 unrouted
    with pytest.raises(Refused, match="has no route to db1, db2, db3: cannot tell the cluster's interface"):
        plan(cluster, "partition", lan_only)
    assert plan(cluster, "partition", lan_only, mode="unicast").steps.apply
    odd = replace(FACTS, routes=(Route(ipaddress.IPv4Network("0.0.0.0/0"), 'eth0"; flush'),))
    with pytest.raises(Refused, match="an interface that is not a plain name"):
        plan(cluster, "partition", odd)


def test_a_peer_at_the_controllers_address_is_left_out(cluster) -> None:
    facts = replace(FACTS, controller="198.18.0.12")  # web2's address, as if it were the controller
    p = plan(cluster, "partition", facts)
    assert "198.18.0.12 -j DROP" not in "\n".join(p.steps.apply)
    assert any("web2 (198.18.0.12) is the controller's address" in note for note in p.steps.notes)
    with pytest.raises(Refused, match="no peer is left"):
        plan(cluster, "partition", facts, peers="web2")


@pytest.mark.parametrize(
    ("kind", "facts", "params", "message"),
    [
        ("latency", replace(FACTS, netem=False), {}, "unsupported on this node: no sch_netem"),
        ("latency", replace(FACTS, netem=None, netem_detail="unshare: Operation not permitted"), {},
         "cannot tell whether this node has sch_netem"),
        ("block-port", FACTS, {"port": 22}, "port 22 is the SSH port"),
        ("block-port", replace(FACTS, firewalls=()), {}, "needs iptables or nft"),
        ("block-port", replace(FACTS, firewalls=("iptables",)), {"backend": "nft"}, "needs nft"),
        ("loss", replace(FACTS, firewalls=("iptables",), iptables_statistic=False), {}, "statistic match"),
        ("partition", replace(FACTS, controller=None), {}, r"\$SSH_CONNECTION is empty"),
        ("cpu-hog", FACTS, {"cores": 3}, "has 2 CPU"),
        ("mem-hog", FACTS, {"mb": 300}, "would exhaust web1"),
        ("kill", replace(FACTS, processes={"nginx": ()}), {}, "nginx is not running"),
        ("start", FACTS, {}, "nginx already runs"),
        ("kill", replace(FACTS, uid=1000), {}, "needs root"),
        ("cpu-hog", replace(FACTS, tools=frozenset()), {}, "cannot arm a dead-man timer"),
    ],
)
def test_refusals_name_the_reason(cluster, kind: str, facts: NodeFacts, params: dict, message: str) -> None:
    with pytest.raises(Refused, match=message):
        plan(cluster, kind, facts, **params)


def test_latency_prechecks_netem_before_anything_changes(cluster) -> None:
    p = plan(cluster, "latency")
    script = p.apply_script
    assert script.index("unshare -n tc qdisc add dev lo root netem") < script.index("mkdir -p /run/clustertui/faults")
    assert "unsupported on this node: no sch_netem" in script
    root, netem = handles(p.id)  # the fault's own handles (issue 9, defect 10): was a fixed c7ea:/c7eb:
    assert f"parent {root}4 handle {netem} netem delay 100000us 10000us" in "\n".join(p.steps.apply)


def test_services_that_carry_ssh_cannot_be_faulted(cluster) -> None:
    sshd = cluster.services["nginx"].model_copy(update={"name": "ssh", "process": "sshd", "port": 22})
    patched = cluster.model_copy(update={"services": {**cluster.services, "ssh": sshd}})
    with pytest.raises(Refused, match="carries the controller's SSH connection"):
        plan_fault(patched, FaultRequest("pause", "web1", {"service": "ssh"}), survey())


def test_drill_faults_become_requests(cluster) -> None:
    from clustertui.config import Fault

    request = FaultRequest.from_drill(Fault(kind="block-port", service="nginx", params={"direction": "out"}), "web2", 20)
    checked = check_request(cluster, request)
    assert (checked.params["port"], checked.params["direction"], checked.ttl) == (80, "out", 20.0)


@pytest.mark.parametrize("kind", list(CATALOG))
def test_only_a_fault_that_outlives_a_reboot_keeps_a_persistent_ledger(cluster, kind: str) -> None:
    """disk-fill's file stays after a reboot: its record and revert are also kept under
    /var/lib/clustertui, written after the /run ledger and before the timer and the fault,
    and every revert clears both."""
    facts = replace(FACTS, processes={} if kind == "start" else FACTS.processes)
    p = plan(cluster, kind, facts)
    keeps = "ctui_keep='/var/lib/clustertui/faults'/" in p.apply_script or "ctui_keep=/var/lib/clustertui/faults/" in p.apply_script
    assert keeps == (kind == "disk-fill")
    if kind == "disk-fill":
        lines = p.apply_script.splitlines()
        ledger = next(i for i, line in enumerate(lines) if f"{p.id}.json.tmp" in line)
        kept = next(i for i, line in enumerate(lines) if line.startswith('{ ctui_keep='))
        timer = next(i for i, line in enumerate(lines) if line.startswith("{ setsid nohup sh -c") and f"ctui-timer-{p.id}" in line)
        assert ledger < kept < timer
        assert f'"$ctui_keep"/{p.id}.*' in p.revert_script.splitlines()[-2]
        assert any('"$ctui_keep"' in line for line in p.sections()["ledger"])


def test_the_revert_command_falls_back_to_the_kept_script() -> None:
    from clustertui.chaos.outcomes import RevertReason
    from clustertui.chaos.results import revert_script_command

    command = revert_script_command("f-0123abcd", RevertReason.REBOOT)
    assert sh_syntax(command) == ""
    assert "exec sh \"$ctui_keep\"/f-0123abcd.revert reboot" in command


def test_the_apply_times_its_action_by_the_nodes_clock() -> None:
    """The `acting` and `verified` lines, as the script prints them, read back as node
    times; garbage or a `date` without %N gives no time (never an error)."""
    from clustertui.chaos.instants import node_instants

    printed = subprocess.run(["sh", "-c", "printf 'acting %s\\n' \"$(date +%s.%N)\"; printf 'applied f-1\\n'"],
                             capture_output=True, text=True, timeout=5).stdout
    instants = node_instants(printed + "verified 1700000000.250000000\n")
    assert instants.acted is not None and abs(instants.acted - __import__("time").time()) < 5
    assert instants.verified == 1700000000.25
    assert node_instants("acting 1700000000.N\nverified \x1b[31m\n") == type(instants)(None, None)
