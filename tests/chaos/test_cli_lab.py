"""`clustertui chaos` as users run it, against the lab: dry-run, guards, input safety, audit.

Every refusal is exit 3 with one `clustertui: error: ...` line naming the reason; bad input
is exit 2; --dry-run prints the exact commands and changes nothing.
"""

from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from clustertui.chaos import AuditLog
from tests.support.cli import run_cli, run_cli_all, run_cli_here
from tests.support.clusters import CANARY, PAYLOADS, write_cluster
from tests.support.nodes import leftovers, sh
from tests.support.paths import LAB_FILE

pytestmark = pytest.mark.lab


def chaos(cluster_file: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("chaos", str(cluster_file), *args, env=env)


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("clustertui: error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def snapshot(lab, node: str) -> dict[str, str]:
    """Everything a fault could change on a node."""
    return {
        "iptables": sh(lab, node, "iptables -w 5 -S"),
        "nft": sh(lab, node, "nft list ruleset"),
        "tc": sh(lab, node, "tc qdisc show"),
        "ledger": sh(lab, node, "ls -a /run/clustertui/faults 2>/dev/null"),
        "processes": sh(lab, node, "ps -eo pid,stat,args | grep -v -e 'ps -eo' -e 'grep -v'"),
        "tmp": sh(lab, node, "ls -a /tmp"),
    }


@pytest.fixture(scope="module")
def ghost_file(tmp_path_factory) -> Path:
    """The lab plus six nodes that refuse connections: 7 of 14 healthy after any fault."""
    ghosts = [{"name": f"ghost{i}", "host": "198.18.0.11", "port": i, "roles": ["web"]} for i in range(1, 7)]
    return write_cluster(tmp_path_factory.mktemp("ghosts") / "ghosts.yaml", nodes_extra=ghosts, max_faulted_nodes=8)


def test_dry_run_prints_the_exact_commands_and_changes_nothing(lab, audit_log: Path) -> None:
    cases = [
        ("block-port", "web1", "--port", "80", "--direction", "both"),
        ("partition", "web1", "--peers", "web2,db1"),
        ("cpu-hog", "web1", "--cores", "1"),
        ("disk-fill", "web1", "--path", "/tmp", "--mb", "4"),
        ("kill", "web1", "--service", "nginx"),
    ]
    before = snapshot(lab, "web1")
    # Seven independent dry runs, side by side (each a fresh process, as a user runs it).
    *results, text_run, json_run = run_cli_all([
        *(("chaos", str(LAB_FILE), "apply", kind, "--node", node, *params, "--dry-run") for kind, node, *params in cases),
        ("chaos", str(LAB_FILE), "apply", "block-port", "--node", "web1", "--port", "80", "--dry-run"),
        ("chaos", str(LAB_FILE), "apply", "partition", "--node", "web1", "--dry-run", "--json"),
    ])
    for result in results:
        assert result.returncode == 0, result.stderr
        assert result.stdout == ""
        for section in ("precheck:", "ledger:", "timer:", "apply:", "verify:", "revert:"):
            assert section in result.stderr
    text = text_run.stderr
    assert "iptables -w 5 -I INPUT 1 -j ctui-f-" in text and "setsid nohup sh -c" in text
    as_json = json.loads(json_run.stdout)
    assert as_json["dry_run"] is True and "trap '' HUP PIPE" in as_json["apply_script"]
    assert as_json["commands"]["apply"][-1].startswith("iptables -w 5 -I OUTPUT 1 -j ctui-")
    assert snapshot(lab, "web1") == before
    actions = [record["action"] for record in AuditLog(audit_log).read()]
    assert actions == ["dry-run"] * 7


def test_apply_prints_the_id_status_sees_it_revert_reverts_it(lab, roomy_file, audit_log: Path) -> None:
    applied = chaos(roomy_file, "apply", "disk-fill", "--node", "web2", "--path", "/tmp", "--mb", "2", "--ttl", "30s", "--yes")
    assert applied.returncode == 0, applied.stderr
    fault_id = applied.stdout.strip()
    try:
        assert fault_id.startswith("f-") and len(fault_id) == 10
        status = chaos(roomy_file, "status")
        assert fault_id in status.stdout and "disk-fill" in status.stdout
        reverted = chaos(roomy_file, "revert", fault_id, "--json")
        assert reverted.returncode == 0, reverted.stderr
        assert json.loads(reverted.stdout)[0]["status"] == "reverted"
        assert leftovers(lab, "web2", fault_id) == []
        again = chaos(roomy_file, "revert", fault_id)
        assert again.returncode == 1 and f"no fault {fault_id} in any node's ledger" in again.stdout
    except BaseException:
        chaos(roomy_file, "revert", fault_id)  # only when the test's own revert did not happen
        raise
    apply, revert = [r for r in AuditLog(audit_log).read() if r["action"] in ("apply", "revert")][:2]
    for record in (apply, revert):
        for key in ("time", "user", "host", "cluster", "node", "fault", "params", "commands", "result", "revert_result"):
            assert key in record, key
        assert (record["cluster"], record["node"], record["fault"]) == ("lab", "web2", fault_id)
    assert apply["result"] == "applied and verified" and apply["params"]["mb"] == 2
    assert "fallocate" in " ".join(apply["commands"]["apply"])
    assert revert["result"] == "reverted and verified" and f"reverted {fault_id}" in revert["revert_result"]
    assert revert["commands"][0].endswith(f"exec sh /run/clustertui/faults/{fault_id}.revert manual")


def test_guards_refuse_with_exit_3(lab, ghost_file, tmp_path: Path, audit_log: Path) -> None:
    disabled = write_cluster(tmp_path / "off.yaml", enabled=False)
    db_only = write_cluster(tmp_path / "db.yaml", allow_roles=["db"])
    # Every call is refused (or only plans): none changes a node, so they run side by side.
    off, wrong_role, quorum, forced, planned_without, unreachable, no_yes = run_cli_all([
        ("chaos", str(disabled), "apply", "cpu-hog", "--node", "web1", "--yes"),
        ("chaos", str(db_only), "apply", "cpu-hog", "--node", "web1", "--yes"),
        ("chaos", str(ghost_file), "apply", "cpu-hog", "--node", "web1", "--dry-run"),
        ("chaos", str(ghost_file), "apply", "cpu-hog", "--node", "web1", "--dry-run", "--force"),
        ("chaos", str(ghost_file), "apply", "cpu-hog", "--node", "ghost1", "--dry-run", "--force"),
        ("chaos", str(ghost_file), "apply", "cpu-hog", "--node", "ghost1", "--yes", "--force"),
        ("chaos", str(LAB_FILE), "apply", "cpu-hog", "--node", "web1"),  # no --yes, and stdin is not a terminal
    ])
    assert off.returncode == 3 and "chaos is disabled in off.yaml" in error_line(off)
    assert wrong_role.returncode == 3 and "web1 (roles: web) may not be faulted" in error_line(wrong_role)

    assert quorum.returncode == 3
    assert "quorum guard: with web1 faulted, 7 of 14 nodes would be healthy" in error_line(quorum)
    assert forced.returncode == 0

    assert planned_without.returncode == 0
    assert "ghost1 is unreachable: connection refused; planned without it" in planned_without.stderr
    assert unreachable.returncode == 3 and "ghost1 is unreachable: connection refused" in error_line(unreachable)

    assert no_yes.returncode == 3 and "pass --yes" in error_line(no_yes)

    refusals = [r for r in AuditLog(audit_log).read() if str(r["result"]).startswith("refused")]
    assert len(refusals) == 5 and all(r["user"] and r["cluster"] == "lab" for r in refusals)


def test_blast_radius_counts_the_nodes_ledgers(lab) -> None:
    first = chaos(LAB_FILE, "apply", "cpu-hog", "--node", "db1", "--cores", "1", "--ttl", "20s", "--yes")
    assert first.returncode == 0, first.stderr
    fault_id = first.stdout.strip()
    try:
        # Two dry runs side by side.  A fresh process with no memory of the first fault: the
        # count comes from db1's ledger.  A second fault on the same node does not widen the
        # blast radius.
        with ThreadPoolExecutor(2) as pool:
            other = pool.submit(chaos, LAB_FILE, "apply", "cpu-hog", "--node", "db2", "--dry-run",
                                env={"CLUSTERTUI_FAULTS_DIR": "/nonexistent/clustertui-test"})
            same = pool.submit(chaos, LAB_FILE, "apply", "disk-fill", "--node", "db1", "--path", "/tmp", "--mb", "1",
                               "--dry-run")
            second, same_node = other.result(), same.result()
        assert second.returncode == 3
        assert "blast radius: 1 node(s) already faulted (db1)" in error_line(second)
        assert same_node.returncode == 0, same_node.stderr
    finally:
        assert chaos(LAB_FILE, "revert", fault_id).returncode == 0
    assert leftovers(lab, "db1", fault_id) == []


OPTIONS = ("--node", "--service", "--peers", "--percent", "--delay", "--jitter", "--cores", "--mb", "--path",
           "--ttl", "--port", "--proto", "--direction", "--backend", "--mode")
KIND_FOR = {"--service": "kill", "--peers": "partition", "--mode": "partition", "--percent": "loss", "--delay": "latency",
            "--jitter": "latency", "--cores": "cpu-hog", "--mb": "mem-hog", "--path": "disk-fill", "--port": "block-port",
            "--proto": "block-port", "--direction": "block-port", "--backend": "block-port"}


def test_metacharacters_never_reach_a_shell(lab, roomy_file) -> None:
    """Each option gets each payload (through the real CLI's entry point, in this process: the
    same parsing and checks, without 48 interpreter start-ups): exit 2, and no canary anywhere."""
    sh(lab, "web1", f"rm -f {CANARY}")
    for option in OPTIONS:
        for payload in PAYLOADS[:3]:
            kind = KIND_FOR.get(option, "cpu-hog")
            args = ["apply", kind, "--node", "web1", option, payload, "--dry-run"]
            if option == "--node":
                args = ["apply", kind, "--node", payload, "--dry-run"]
            result = run_cli_here("chaos", str(roomy_file), *args)
            assert result.returncode == 2, f"{option} {payload!r}: exit {result.returncode}\n{result.stderr}"
    for payload in PAYLOADS[:3]:
        assert run_cli_here("chaos", str(roomy_file), "revert", payload).returncode == 2
    assert sh(lab, "web1", f"ls {CANARY} 2>/dev/null") == ""
    assert not Path(CANARY).exists()


def test_a_hostile_operator_name_is_recorded_not_run(lab, roomy_file) -> None:
    """The one free text that reaches a node: who applied the fault, from $USER."""
    hostile = f"$(touch {CANARY})'`touch {CANARY}`"
    sh(lab, "web3", f"rm -f {CANARY}")
    env = {"USER": hostile, "LOGNAME": hostile}
    applied = chaos(roomy_file, "apply", "cpu-hog", "--node", "web3", "--cores", "1", "--ttl", "20s", "--yes", env=env)
    assert applied.returncode == 0, applied.stderr
    fault_id = applied.stdout.strip()
    try:
        status = json.loads(chaos(roomy_file, "status", "--json").stdout)
        recorded = next(f for f in status["faults"] if f["id"] == fault_id)
        assert recorded["by"].startswith(hostile + "@")
    finally:
        assert chaos(roomy_file, "revert", fault_id, env=env).returncode == 0
    assert sh(lab, "web3", f"ls {CANARY} 2>/dev/null") == "" and not Path(CANARY).exists()


def test_list_shows_the_catalog_and_why_not(lab, tmp_path: Path) -> None:
    no_restart = write_cluster(tmp_path / "no-restart.yaml", services_without=("redis", ("start", "stop")))
    result = chaos(no_restart, "list", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [k["kind"] for k in data["catalog"]] == [
        "kill", "stop", "start", "pause", "block-port", "partition", "loss", "latency", "cpu-hog", "mem-hog", "disk-fill",
    ]
    web1 = data["nodes"]["web1"]["faults"]
    assert web1["latency"] == {"available": False, "reason": "unsupported on this node: no sch_netem", "services": {}}
    assert web1["block-port"]["available"] and web1["cpu-hog"]["available"]
    kill_on_db1 = data["nodes"]["db1"]["faults"]["kill"]["services"]
    assert kill_on_db1["redis"] == "redis has no start command or systemd unit: the revert could not restart it"
    text = chaos(no_restart, "list").stdout
    assert "not latency: unsupported on this node: no sch_netem" in text


def test_usage_errors_exit_2(lab, tmp_path: Path) -> None:
    *usage, missing, unknown = run_cli_all([  # side by side: none changes anything
        ("chaos", str(LAB_FILE), "apply", "cpu-hog", "--node", "web9", "--dry-run"),
        ("chaos", str(LAB_FILE), "apply", "nuke", "--node", "web1"),
        ("chaos", str(LAB_FILE), "revert"),
        ("chaos", str(LAB_FILE), "revert", "f-00000000", "--all"),
        ("chaos", str(tmp_path / "missing.yaml"), "status"),
        ("chaos", str(LAB_FILE), "revert", "f-00000000"),
    ])
    assert [result.returncode for result in usage] == [2, 2, 2, 2], [result.stderr for result in usage]
    assert missing.returncode == 2 and error_line(missing)
    assert unknown.returncode == 1 and "no fault f-00000000 in any node's ledger" in unknown.stdout


def test_leftovers_are_shown_and_cleared(lab, roomy_file) -> None:
    """Files without a record (an apply or revert cut short) are visible, and a revert clears them."""
    fault_id = "f-0000dead"
    sh(lab, "lb1", f"mkdir -p /run/clustertui/faults && echo 'pid 1 1' > /run/clustertui/faults/{fault_id}.timer")
    try:
        status = json.loads(chaos(roomy_file, "status", "--json").stdout)
        leftover = next(f for f in status["faults"] if f["id"] == fault_id)
        assert leftover["state"] == "leftover" and f"{fault_id}.timer" in leftover["detail"]
        result = chaos(roomy_file, "revert", fault_id)
        assert result.returncode == 0 and "already reverted" in result.stdout
        assert leftovers(lab, "lb1", fault_id) == []
    finally:
        sh(lab, "lb1", f"rm -f /run/clustertui/faults/{fault_id}.*")
