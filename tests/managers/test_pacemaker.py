"""The pacemaker adapter on what the lab's real Pacemaker 2.1.5 / Corosync 3.1.7 printed
(tests/managers/data/pacemaker/, recorded on ha1-3 with the adapter's own command), its
findings, and hostile answers.

Recorded states: the healthy owner; a survivor after the owner's corosync was SIGKILLed
(the group started on it); the old owner with its corosync gone (crm_mon cannot reach the
CIB); the old owner just after its corosync came back (Pacemaker finds the group active on
two nodes); the owner after the other two nodes lost their cluster stack (no quorum, the
group stopped by no-quorum-policy=stop).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.engine.findings import FindingKind, find
from clustertui.managers.pacemaker import MemberView, PacemakerView, parse_member
from clustertui.managers.pacemaker_parse import parse_crm_mon, parse_quorumtool
from clustertui.managers.state import Garbage, ReadFailure, ReadState, SourceRead

DATA = Path(__file__).parent / "data" / "pacemaker"
LAB_HA = Path(__file__).parents[2] / "sample_clusters" / "lab-ha.yaml"
CLUSTER = load_cluster(LAB_HA, check_files=False)


def recorded(name: str) -> str:
    return (DATA / f"{name}.txt").read_text()


def member(node: str, name: str) -> MemberView:
    return MemberView(SourceRead(node, ReadState.OK, t=1.0, ms=1.0), *parse_member(recorded(name)))


def failed(node: str, state: ReadState, reason: str) -> MemberView:
    return MemberView(SourceRead(node, state, reason, t=1.0, ms=1.0))


def kinds(view: PacemakerView) -> list[tuple[str, str]]:
    return [(f.kind, f.subject) for f in find(CLUSTER, {"pacemaker": view}, lambda node, port: None)]


def test_healthy_cluster() -> None:
    status, votes = parse_member(recorded("healthy_owner"))
    assert (status.quorate, status.dc, status.stonith_enabled) == (True, "ha1", False)
    assert [(n.name, n.state, n.is_dc) for n in status.nodes] == [
        ("ha1", "online", True), ("ha2", "online", False), ("ha3", "online", False)]
    assert [(r.id, r.parent, r.agent, r.role, r.nodes) for r in status.resources] == [
        ("shared-disk", "shared-group", "ocf:heartbeat:Filesystem", "Started", ("ha1",)),
        ("shared-ip", "shared-group", "ocf:heartbeat:IPaddr2", "Started", ("ha1",)),
        ("shared-web", "shared-group", "ocf:heartbeat:nginx", "Started", ("ha1",)),
    ]
    assert votes is not None and (votes.quorate, votes.total, votes.expected, votes.quorum) == (True, 3, 3, 2)
    view = PacemakerView("pacemaker", (member("ha1", "healthy_owner"),))
    assert view.summary() == "pacemaker quorate 3/3 votes, DC ha1 │ online ha1 ha2 ha3 │ shared-group on ha1"
    assert view.roles() == {"ha1": ("pacemaker DC", "runs shared-group")}
    assert view.placement() == {"shared-disk": ("ha1",), "shared-ip": ("ha1",), "shared-web": ("ha1",)}
    assert kinds(view) == []
    assert [(r.subject, r.state, r.level) for r in view.rows()] == [
        ("quorum", "quorate", "ok"), ("node ha1", "online", "ok"), ("node ha2", "online", "ok"),
        ("node ha3", "online", "ok"), ("shared-disk", "Started on ha1", "ok"), ("shared-ip", "Started on ha1", "ok"),
        ("shared-web", "Started on ha1", "ok")]
    data = view.to_json()
    assert data["quorum"] == {"quorate": True, "dc": "ha1", "votes": 3, "expected": 3, "needed": 2}
    assert data["nodes"][0] == {"name": "ha1", "state": "online", "dc": True}
    assert data["resources"][2] == {"id": "shared-web", "group": "shared-group", "agent": "ocf:heartbeat:nginx",
                                    "role": "Started", "nodes": ["ha1"], "target_role": None, "failed": False,
                                    "blocked": False, "managed": True}


def test_owner_lost_its_corosync_survivors_took_over() -> None:
    with pytest.raises(ReadFailure) as exc:
        parse_member(recorded("corosync_killed_on_this_node"))
    assert exc.value.state is ReadState.DOWN
    assert exc.value.reason == "crm_mon: Could not connect to the CIB: Transport endpoint is not connected"
    survivor = member("ha2", "survivor_after_owner_lost")
    view = PacemakerView("pacemaker", (failed("ha1", ReadState.DOWN, exc.value.reason), survivor))
    assert survivor.status is not None
    assert {n.name: n.state for n in survivor.status.nodes}["ha1"] == "offline"
    assert survivor.votes is not None and (survivor.votes.total, survivor.votes.expected) == (2, 3)
    assert view.summary().startswith("pacemaker quorate 2/3 votes, DC ha2 │ offline ha1 · online ha2 ha3 │ shared-group on ha2")
    assert "ha1 down (crm_mon: Could not connect to the CIB" in view.summary()
    assert kinds(view) == []


def test_rejoined_owner_finds_the_group_on_two_nodes() -> None:
    view = PacemakerView("pacemaker", (member("ha1", "multi_active"),))
    assert view.placement()["shared-disk"] == ("ha2", "ha1")
    assert [r.state for r in view.rows() if r.subject == "shared-disk"] == ["Started on ha2 and ha1"]
    assert kinds(view) == [(FindingKind.RESOURCE_MULTI_ACTIVE, "shared-disk"),
                           (FindingKind.RESOURCE_MULTI_ACTIVE, "shared-ip")]
    assert "shared-group on ha1 and ha2" in view.summary()


def test_no_quorum_stops_the_group() -> None:
    owner = member("ha1", "no_quorum_stopped")
    assert owner.status is not None and not owner.status.quorate
    assert owner.votes is None  # the quorum tool could not reach CMAP while membership changed
    view = PacemakerView("pacemaker", (owner, failed("ha2", ReadState.DOWN, "crm_mon: ...")))
    assert kinds(view) == [(FindingKind.NO_QUORUM, "ha1"), (FindingKind.RESOURCE_STOPPED, "shared-disk"),
                           (FindingKind.RESOURCE_STOPPED, "shared-ip"), (FindingKind.RESOURCE_STOPPED, "shared-web")]
    assert view.summary().startswith("pacemaker NO QUORUM, DC ha1 │ online ha1 · offline ha2 ha3 │ shared-group STOPPED")


def test_a_quorate_member_speaks_for_the_cluster() -> None:
    view = PacemakerView("pacemaker", (member("ha1", "no_quorum_stopped"), member("ha2", "survivor_after_owner_lost")))
    assert view.cluster() is view.members[1]
    # The minority's own view still yields its finding; the stopped group is the minority's
    # belief, not the cluster's.
    assert kinds(view) == [(FindingKind.NO_QUORUM, "ha1")]


def test_an_operator_stopped_resource_is_no_finding() -> None:
    text = recorded("no_quorum_stopped").replace('with_quorum="false"', 'with_quorum="true"')
    text = text.replace('resource_agent="ocf:heartbeat:nginx" role="Stopped"',
                        'resource_agent="ocf:heartbeat:nginx" role="Stopped" target_role="Stopped"')
    view = PacemakerView("pacemaker", (MemberView(SourceRead("ha1", ReadState.OK), *parse_member(text)),))
    assert (FindingKind.RESOURCE_STOPPED, "shared-web") not in kinds(view)
    assert (FindingKind.RESOURCE_STOPPED, "shared-ip") in kinds(view)


def test_nobody_answered() -> None:
    view = PacemakerView("pacemaker", (failed("ha1", ReadState.UNREACHABLE, "refused"),))
    assert view.summary() == "pacemaker pacemaker: no member answered [ha1 unreachable (refused)]"
    assert view.roles() == {} and kinds(view) == []
    assert view.to_json()["quorum"] is None


# --- hostile answers ------------------------------------------------------------------

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<pacemaker-result><summary/>&lol2;</pacemaker-result>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><pacemaker-result>&x;</pacemaker-result>"""


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (BOMB, "crm_mon XML refused"),
        (EXTERNAL, "crm_mon XML refused"),
        ("<pacemaker-result><summary>", "no readable XML"),
        ("\x1b[31mnot xml at all", "no readable XML"),
        ("<html><body>hello</body></html>", "expected <pacemaker-result>, found <html>"),
        ("<pacemaker-result/>", "no <summary>"),
        ("<pacemaker-result>" + "<x/>" * 50_000 + "<summary/></pacemaker-result>", "over 40000 elements"),
    ],
)
def test_hostile_crm_mon_is_garbage(text: str, why: str) -> None:
    with pytest.raises(Garbage) as exc:
        parse_crm_mon(text)
    assert why in exc.value.reason


def test_markup_and_control_characters_stay_data() -> None:
    text = recorded("healthy_owner").replace('id="shared-web"', 'id="[red]web\x7f\u202e"')
    status = parse_crm_mon(text.split("\n@@clustertui-quorumtool@@\n")[0])
    assert status.resources[2].id == "[red]web\x7f\u202e"  # kept as data; the caller escapes it
    long_name = "x" * 5000
    status = parse_crm_mon(recorded("healthy_owner").split("\n@@")[0].replace('name="ha2"', f'name="{long_name}"'))
    assert len(status.nodes[1].name) == 200


def test_missing_marker_or_silent_crm_mon() -> None:
    with pytest.raises(Garbage, match="lacks the marker"):
        parse_member("<pacemaker-result/>")
    with pytest.raises(ReadFailure, match="crm_mon printed nothing") as exc:
        parse_member("\n@@clustertui-quorumtool@@\nsh: corosync-quorumtool: not found\n")
    assert exc.value.state is ReadState.DOWN


def test_quorumtool_bounds() -> None:
    assert parse_quorumtool("Quorate: No\nTotal votes: 99999999999\n").total is None
    with pytest.raises(Garbage, match="over 16 KiB"):
        parse_quorumtool("Quorate: Yes\n" + "x" * 20_000)
    with pytest.raises(ReadFailure, match="Cannot initialize CMAP service"):
        parse_quorumtool("Cannot initialize CMAP service\n")
