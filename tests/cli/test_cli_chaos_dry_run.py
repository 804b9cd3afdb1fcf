"""`chaos apply --dry-run` works without reaching the node: it plans against an assumed survey
and says what is checked on the node at apply. The nodes here refuse connections (127.0.0.1
on closed ports), so nothing leaves this machine."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess]


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["kill", "--service", "nginx"], ["ctui_family nginx @nginx.service", "whether nginx runs"]),
        (["block-port", "--service", "nginx"], ["iptables -w 5", "firewall backend auto", "never matched"]),
        (["latency", "--delay", "100ms", "--peers", "web2"], ["tc qdisc add dev DEV", "sch_netem, and DEV"]),
        (["cpu-hog"], ["load 1 core(s) of web1", "the number of CPUs"]),
    ],
)
def test_dry_run_plans_without_the_node(run: Run, closed_cluster: Path, args: list[str], expect: list[str]) -> None:
    done = run("chaos", str(closed_cluster), "apply", args[0], "--node", "web1", *args[1:], "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("web1 is unreachable: connection refused; planned without it")
    for section in ("precheck:", "ledger:", "timer:", "apply:", "verify:", "revert:", "assumed here"):
        assert section in done.stderr
    for text in expect:
        assert text in done.stderr, text
    assert "root on the node" in done.stderr and "blast-radius and quorum guards" in done.stderr


def test_dry_run_json_lists_what_it_assumed(run: Run, closed_cluster: Path) -> None:
    done = run("chaos", str(closed_cluster), "apply", "stop", "--node", "web2", "--service", "nginx", "--ttl", "1d",
               "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["dry_run"] is True and plan["ttl"] == 86400 and plan["node"] == "web2"
    assert any("root" in line for line in plan["assumed"]) and "trap '' HUP PIPE" in plan["apply_script"]


def test_dry_run_still_refuses_what_needs_no_node(run: Run, closed_cluster: Path, tmp_path: Path) -> None:
    (tmp_path / "off.yaml").write_text(closed_cluster.read_text().replace("enabled: true", "enabled: false"))
    done = run("chaos", str(tmp_path / "off.yaml"), "apply", "cpu-hog", "--node", "web1", "--dry-run")
    assert done.returncode == 3 and "chaos is disabled" in done.stderr
    done = run("chaos", str(closed_cluster), "apply", "kill", "--node", "web1", "--service", "redis", "--dry-run")
    assert done.returncode == 2 and "service 'redis' does not run on web1" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lease", "5s"], "--lease: needs --hold (a fault left to its TTL has no lease)"),
        (["--hold", "--lease", "1s"], "--lease: expected a lease from 3s to 5m, found 1s"),
        (["--hold", "--lease", "6m"], "--lease: expected a lease from 3s to 5m, found 360s"),
        (["--hold", "--lease", "20s", "--ttl", "20s"], "--lease: expected a lease shorter than the TTL (20s), found 20s"),
    ],
)
def test_a_bad_lease_is_one_line_and_exit_2(run: Run, closed_cluster: Path, args: list[str], message: str) -> None:
    done = run("chaos", str(closed_cluster), "apply", "cpu-hog", "--node", "web1", *args, "--dry-run")
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [f"clustertui: error: {message}"]


def test_a_held_fault_is_planned_on_a_lease_and_a_ttl_one_is_not(run: Run, closed_cluster: Path) -> None:
    def planned(*args: str) -> dict:
        done = run("chaos", str(closed_cluster), "apply", "cpu-hog", "--node", "web1", *args, "--dry-run", "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    held = planned("--hold", "--lease", "5s", "--ttl", "5m")
    assert held["lease"] == 5 and "ctui-lease-" in held["apply_script"] and "ctui_renew 500 " in held["apply_script"]
    assert planned("--hold")["lease"] == 10, "the default: chaos.lease"
    plain = planned()
    assert plain["lease"] is None and "ctui-lease-" not in plain["apply_script"]
    assert planned("--hold", "--ttl", "8s")["lease"] is None, "a TTL within the lease keeps the TTL timer"
