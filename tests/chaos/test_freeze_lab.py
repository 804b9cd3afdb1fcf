"""Freeze on the lab, from two controllers that share nothing but the nodes.

Controller A and controller B have their own state directories (local fault records, audit
log): whatever B knows, it learns from the nodes.  A freezes; B's apply is refused with the
reason, who froze and until when -- by B's guards from the survey, and by the node itself
when B's plan was made before the freeze (the apply script's precheck).  Reverts and halts
still work on a frozen node; B can thaw; a freeze `--for` a while expires by itself.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from clustertui.chaos import ApplyStatus, AuditLog, Chaos, FaultRequest, LocalRecords
from clustertui.config import load_cluster
from tests.support.cli import run_cli, run_cli_all
from tests.support.clusters import write_cluster
from tests.support.nodes import leftovers, sh
from tests.support.waiting import wait_for

pytestmark = pytest.mark.lab

REASON = "release 4.2 [bold red]rollout[/] <!here>"
WHO = f"{getpass.getuser()}@{socket.gethostname()}"


@pytest.fixture
def roomy(tmp_path: Path) -> Path:
    return write_cluster(tmp_path / "lab.yaml", max_faulted_nodes=3)


def controller(tmp_path: Path, name: str) -> dict[str, str]:
    """A controller's own state: another machine, as far as clustertui can tell."""
    home = tmp_path / name
    return {"XDG_STATE_HOME": str(home), "CLUSTERTUI_FAULTS_DIR": str(home / "faults"),
            "CLUSTERTUI_AUDIT_LOG": str(home / "audit.jsonl")}


def apply(cluster: Path, env: dict[str, str], node: str) -> tuple[int, str, str]:
    result = run_cli("chaos", str(cluster), "apply", "block-port", "--node", node, "--port", "80", "--ttl", "60",
                     "--yes", env=env)
    return result.returncode, result.stdout.strip(), result.stderr


def thaw_everything(cluster: Path) -> None:
    assert run_cli("chaos", str(cluster), "thaw").returncode == 0


def test_a_second_controller_is_refused_by_its_guards_and_by_the_node(lab, roomy: Path, tmp_path: Path) -> None:
    a, b = controller(tmp_path, "a"), controller(tmp_path, "b")
    try:
        frozen = run_cli("chaos", str(roomy), "freeze", "--reason", REASON, "--nodes", "web1,web2", "--json", env=a)
        assert frozen.returncode == 0, frozen.stderr
        assert json.loads(frozen.stdout)["nodes"] == {
            "web1": {"ok": True, "detail": "frozen until thawed"}, "web2": {"ok": True, "detail": "frozen until thawed"}}
        assert sh(lab, "web1", "cat /run/clustertui/faults/.freeze").startswith("0 ")

        with ThreadPoolExecutor(1) as pool:  # B's apply on web1, while B's other apply below plans for web3
            refused = pool.submit(apply, roomy, b, "web1")
            # B planned before the freeze reached web3: the node's own precheck refuses.
            outcome = asyncio.run(_plan_then_apply_after_a_freeze(roomy, tmp_path / "b", a))
            code, out, err = refused.result()
        assert code == 3 and out == "", err
        [error] = [line for line in err.splitlines() if line.startswith("clustertui: error: ")]
        assert f"web1 is frozen by {WHO}, until thawed: {REASON}" in error, error
        assert sh(lab, "web1", "ls /run/clustertui/faults") == "", "nothing was written on the node"

        assert outcome.status is ApplyStatus.REFUSED, outcome
        assert outcome.result == f"refused by the node: web3 is frozen by {WHO}, until thawed: {REASON}"
        assert sh(lab, "web3", "ls /run/clustertui/faults") == ""

        # B's four views of the freeze, side by side (none changes anything).
        status, status_text, check, listing_run = run_cli_all([
            ("chaos", str(roomy), "status", "--json"), ("chaos", str(roomy), "status"),
            ("check", "--json", str(roomy)), ("chaos", str(roomy), "list", "--json"),
        ], env=b)
        frozen_nodes = json.loads(status.stdout)["frozen"]
        assert set(frozen_nodes) == {"web1", "web2", "web3"}
        assert frozen_nodes["web1"]["reason"] == REASON and frozen_nodes["web1"]["by"] == WHO
        assert frozen_nodes["web1"]["until"] is None
        assert f"web1: frozen by {WHO}, until thawed: {REASON}" in status_text.stdout
        assert set(json.loads(check.stdout)["frozen"]) == {"web1", "web2", "web3"}, check.stderr
        listing = json.loads(listing_run.stdout)
        assert "frozen" in listing["nodes"]["web2"]["faults"]["kill"]["reason"]
        assert listing["nodes"]["db1"]["faults"]["kill"]["available"]

        thawed = run_cli("chaos", str(roomy), "thaw", "--nodes", "web1", env=b)  # any operator may thaw
        assert thawed.returncode == 0 and "web1: thawed" in thawed.stdout, thawed.stderr
        code, fault, err = apply(roomy, b, "web1")
        assert code == 0, err
        assert run_cli("chaos", str(roomy), "revert", fault, env=b).returncode == 0
        assert leftovers(lab, "web1", fault) == []
    finally:
        thaw_everything(roomy)
    assert all(sh(lab, node, "ls -a /run/clustertui/faults 2>/dev/null | grep -c freeze") .strip() in ("", "0")
               for node in ("web1", "web2", "web3"))


async def _plan_then_apply_after_a_freeze(cluster_file: Path, state: Path, a: dict[str, str]):
    cluster = load_cluster(cluster_file)
    async with Chaos(cluster, records=LocalRecords(state / "faults"), audit=AuditLog(state / "audit.jsonl")) as chaos:
        plan = await chaos.plan(FaultRequest("block-port", "web3", {"port": 80}, 60))
        frozen = await asyncio.to_thread(run_cli, "chaos", str(cluster_file), "freeze", "--reason", REASON,
                                         "--nodes", "web3", env=a)
        assert frozen.returncode == 0, frozen.stderr
        return await chaos.apply(plan)  # fresh: no second survey; the node decides


def test_reverts_and_halts_are_never_blocked_by_a_freeze(lab, roomy: Path, tmp_path: Path) -> None:
    a, b = controller(tmp_path, "a"), controller(tmp_path, "b")
    try:
        with ThreadPoolExecutor(2) as pool:  # two faults, applied side by side
            (_, first, err), (_, second, err2) = pool.map(lambda node: apply(roomy, a, node), ("web1", "web2"))
        assert first and second, err + err2
        assert run_cli("chaos", str(roomy), "freeze", "--reason", "incident", env=b).returncode == 0
        reverted = run_cli("chaos", str(roomy), "revert", first, env=b)
        assert reverted.returncode == 0 and "reverted and verified" in reverted.stdout, reverted.stderr
        halted = run_cli("chaos", str(roomy), "revert", "--all", env=b)
        assert halted.returncode == 0 and f"{second} on web2: reverted and verified" in halted.stdout, halted.stderr
        assert leftovers(lab, "web1", first) == [] and leftovers(lab, "web2", second) == []
        assert sh(lab, "web1", "test -e /run/clustertui/faults/.freeze && echo yes").strip() == "yes", \
            "a halt reverts faults; it leaves the freeze"
    finally:
        thaw_everything(roomy)


def expired(lab, node: str) -> bool:
    """The node's freeze has ended by the node's own clock (the one its checks go by)."""
    until, now = sh(lab, node, "cut -d' ' -f1 /run/clustertui/faults/.freeze; date +%s").split()
    return int(now) >= int(until)


def test_a_freeze_for_a_while_expires_by_itself(lab, roomy: Path, tmp_path: Path) -> None:
    a, b = controller(tmp_path, "a"), controller(tmp_path, "b")
    try:
        started = time.monotonic()
        assert run_cli("chaos", str(roomy), "freeze", "--for", "8s", "--nodes", "web2", env=a).returncode == 0
        with ThreadPoolExecutor(2) as pool:  # B's refused apply and its status, side by side, while frozen
            refused = pool.submit(apply, roomy, b, "web2")
            status_run = pool.submit(run_cli, "chaos", str(roomy), "status", "--json", env=b)
            (code, _, err), status_result = refused.result(), status_run.result()
        assert code == 3 and f"web2 is frozen by {WHO}, for " in err, err
        status = json.loads(status_result.stdout)["frozen"]
        if time.monotonic() - started < 7:  # the CLI's start-up under load is slow: only when in time
            assert 0 < status["web2"]["remaining"] <= 8
        wait_for(lambda: expired(lab, "web2"), 30, step=0.2, what="web2's freeze to expire")
        code, fault, err = apply(roomy, b, "web2")
        assert code == 0, err
        reverted, after = run_cli_all([("chaos", str(roomy), "revert", fault), ("chaos", str(roomy), "status", "--json")],
                                      env=b)
        assert reverted.returncode == 0, reverted.stderr
        assert json.loads(after.stdout)["frozen"] == {}
    finally:
        thaw_everything(roomy)
