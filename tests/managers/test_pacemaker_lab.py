"""The pacemaker adapter on the lab's HA cluster (ha1-3, sample_clusters/lab-ha.yaml): `check`
shows Pacemaker's view and it agrees with `lab status`; a real fault (the cluster stack of
both other nodes SIGKILLed) leaves the owner without quorum, Pacemaker stops the group
there, and both are findings; the cluster converges back once Corosync runs again."""

from __future__ import annotations

import json
import time

import pytest

from tests.support.cli import run_cli

pytestmark = pytest.mark.lab

HA_NODES = ("ha1", "ha2", "ha3")


def check(lab) -> tuple[int, dict]:
    result = run_cli("check", str(lab.cluster_file.with_name("lab-ha.yaml")), "--json")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def views(data: dict) -> dict[str, dict]:
    return {m["name"]: m for m in data["managers"]["managers"]}


def findings(data: dict) -> list[tuple[str, str]]:
    return sorted((f["kind"], f["subject"]) for f in data["managers"]["findings"])


def lab_ha() -> dict:
    return json.loads(run_cli("lab", "status", "--json").stdout)["ha"]


def healthy(lab) -> dict | None:
    code, data = check(lab)
    return data if code == 0 and not findings(data) else None


def serving(lab) -> bool:
    from clustertui.lab.ha_checks import check_ha_vip

    return check_ha_vip(lab.spec).ok


def until(probe, timeout: float, what: str):
    """The first answer of `probe` that is not None, polled until `timeout`."""
    deadline = time.monotonic() + timeout
    while (answer := probe()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.5)
    return answer


def test_check_agrees_with_lab_status_and_no_quorum_is_found(lab) -> None:
    data = until(lambda: healthy(lab), 30, "the HA cluster healthy in `check`")
    truth = lab_ha()
    owner = truth["owner"]
    assert truth["up"] and owner in HA_NODES
    pacemaker, address = views(data)["pacemaker"], views(data)["address"]
    assert pacemaker["quorum"]["quorate"] and pacemaker["quorum"]["votes"] == 3
    assert {n["name"]: n["state"] for n in pacemaker["nodes"]} == dict.fromkeys(HA_NODES, "online")
    assert {r["id"]: r["nodes"] for r in pacemaker["resources"]} == {
        "shared-disk": [owner], "shared-ip": [owner], "shared-web": [owner]}
    assert address["addresses"] == [{"address": "198.18.0.110", "holders": [owner]}]

    # The fault: the other two nodes lose their cluster stack (corosync SIGKILLed).
    others = [n for n in HA_NODES if n != owner]
    for node in others:
        lab.node_exec(node, ["pkill", "-KILL", "-x", "corosync"], check=True)
    try:
        group = {"shared-disk", "shared-ip", "shared-web"}

        def stopped() -> dict | None:
            # Pacemaker stops the group one resource at a time (web, then address, then disk):
            # wait for the whole group, not the first finding.
            code, data = check(lab)
            kinds = {kind for kind, _ in findings(data)}
            gone = {s for k, s in findings(data) if k == "resource-stopped"}
            return data if code == 1 and "no-quorum" in kinds and gone == group else None

        data = until(stopped, 30, "no quorum and the whole group stopped, as findings")
        assert ("no-quorum", owner) in findings(data)
        pacemaker = views(data)["pacemaker"]
        assert pacemaker["view_of"] == owner and pacemaker["quorum"]["quorate"] is False
        assert {r["node"]: r["state"] for r in pacemaker["reads"]} == {
            owner: "ok", **dict.fromkeys(others, "down")}
        truth = lab_ha()
        assert not truth["up"] and truth["owner"] is None and truth["address_holders"] == []
    finally:
        for node in others:
            lab.node_exec(node, ["corosync"], check=True)
    # Back: first the host-side truth (cheap), then `check` agrees that all is well.
    until(lambda: serving(lab) or None, 40, "the group serving from one owner again")
    until(lambda: healthy(lab), 20, "the HA cluster healthy again in `check`")
