"""Webhooks on the lab: every event kind the product emits reaches a receiver on 127.0.0.1,
from the real commands; and a receiver that hangs delays neither a revert nor a halt."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.support.cli import run_cli
from tests.support.clusters import with_drill_hold, write_cluster
from tests.support.nodes import leftovers
from tests.support.receiver import receiver

pytestmark = pytest.mark.lab


def apply(cluster: Path, node: str) -> str:
    result = run_cli("chaos", str(cluster), "apply", "block-port", "--node", node, "--port", "80", "--ttl", "60", "--yes")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def with_scenario(cluster: Path) -> Path:
    """The file plus a short scenario: one fault step on web2, held 1 s."""
    yaml = YAML()
    data = yaml.load(cluster.read_text())
    data["scenarios"]["short"] = {"steps": [{"fault": {"kind": "block-port", "port": 80}, "target": {"node": "web2"},
                                             "hold": "1s"}]}
    with cluster.open("w") as out:
        yaml.dump(data, out)
    return cluster


def test_every_event_kind_arrives(lab, tmp_path: Path) -> None:
    with receiver() as got, receiver() as chat:
        # The must-fail drill held 2 s, not 4 s: its verdict, not its figures, is what these
        # events carry (with web1's nginx killed every request of the fault window fails).
        cluster = with_scenario(with_drill_hold(write_cluster(
            tmp_path / "lab.yaml", keep_drills=True, max_faulted_nodes=2, notify={
                "ops": {"url": got.url}, "chat": {"url": chat.url, "format": "slack", "events": ["abort", "drill"]}}),
            "web1-direct-no-redundancy", "2s"))
        try:
            assert run_cli("chaos", str(cluster), "freeze", "--nodes", "web1", "--reason", "gameday prep").returncode == 0
            aborted = run_cli("drill", str(cluster), "web1-direct-no-redundancy", "--headless")
            assert aborted.returncode == 3 and "frozen" in aborted.stderr, aborted.stderr
            assert run_cli("chaos", str(cluster), "thaw").returncode == 0
            fault = apply(cluster, "web2")
            assert run_cli("chaos", str(cluster), "revert", fault).returncode == 0
            fault = apply(cluster, "web3")
            assert run_cli("chaos", str(cluster), "revert", "--all").returncode == 0
            failed = run_cli("drill", str(cluster), "web1-direct-no-redundancy", "--headless")
            assert failed.returncode == 1, failed.stderr
            passed = run_cli("gameday", str(cluster), "short", "--headless")
            assert passed.returncode == 0, passed.stderr
        finally:
            run_cli("chaos", str(cluster), "thaw")
        posts = got.wait_for(15)
        chats = chat.wait_for(2)
    events = [post["event"] for post in posts]
    # freeze; the drill's abort; thaw; apply + revert; apply + revert (by the halt) + halt;
    # the failing drill's own apply and revert, then its verdict; the scenario's; the final thaw.
    assert events == ["freeze", "abort", "thaw", "apply", "revert", "apply", "revert", "halt",
                      "apply", "revert", "drill", "apply", "revert", "scenario", "thaw"], events
    by: dict[str, dict] = {}
    for event, post in zip(events, posts, strict=True):
        by.setdefault(event, post)  # the first of each kind
    assert by["freeze"]["reason"] == "gameday prep" and by["freeze"]["nodes"] == {"web1": "frozen until thawed"}
    assert by["abort"]["verdict"] == "aborted" and "web1 is frozen" in by["abort"]["reason"]
    assert by["abort"]["drill"] == "web1-direct-no-redundancy" and by["abort"]["ok"] is False
    assert by["drill"]["verdict"] == "failed" and by["drill"]["node"] == "web1"
    assert by["scenario"]["verdict"] == "passed" and by["scenario"]["scenario"] == "short" and by["scenario"]["ok"]
    assert by["apply"]["fault"] and by["apply"]["kind"] == "block-port" and by["apply"]["ok"] is True
    assert by["halt"]["text"].startswith("1 fault reverted")
    assert [c["text"].split(":")[2] for c in chats] == [" clustertui lab abort", " clustertui lab drill"]


def test_a_hanging_receiver_delays_neither_a_revert_nor_a_halt(lab, tmp_path: Path) -> None:
    with receiver(hang=True) as got:
        cluster = write_cluster(tmp_path / "lab.yaml", notify={"slow": {"url": got.url, "timeout": "20s", "retries": 3}})
        # The faults are applied through a copy without webhooks: what is timed is the revert
        # and the halt, and an apply would only pay the hanging receiver's grace for nothing.
        quiet = write_cluster(tmp_path / "quiet.yaml")
        audit = tmp_path / "audit.jsonl"
        env = {"CLUSTERTUI_AUDIT_LOG": str(audit)}
        fault = apply(quiet, "web1")
        started = time.monotonic()
        reverted = run_cli("chaos", str(cluster), "revert", fault, "--json", env=env)
        took = time.monotonic() - started
        assert reverted.returncode == 0, reverted.stderr
        [outcome] = json.loads(reverted.stdout)
        assert outcome["ok"] and outcome["seconds"] < 2.0, outcome
        assert leftovers(lab, "web1", fault) == []
        fault = apply(quiet, "web2")
        started = time.monotonic()
        halted = run_cli("chaos", str(cluster), "revert", "--all", "--json", env=env)
        took_halt = time.monotonic() - started
        assert halted.returncode == 0, halted.stderr
        assert json.loads(halted.stdout)["nodes"]["web2"]["faults"][0]["ok"]
        assert got.attempts >= 1, "the receiver was asked"
    # The commands end a bounded grace after their work (5 s), never the webhook's 4 x 20 s.
    assert took < 15 and took_halt < 15, (took, took_halt)
    undelivered = [json.loads(line) for line in audit.read_text().splitlines() if '"notify-failed"' in line]
    assert undelivered and all(r["webhook"] == "slow" for r in undelivered)
    assert all(r["result"].startswith("undelivered: clustertui ended") for r in undelivered), undelivered
