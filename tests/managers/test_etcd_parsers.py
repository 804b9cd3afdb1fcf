"""The etcd adapter's parsers and findings on what the lab's etcd 3.4 really answered
(`POST /v3/maintenance/status` and `/v3/cluster/member/list` on its JSON gateway), recorded
in three states: healthy (db1 leads), two of three members stopped (db1 has no leader), and
db1 partitioned while it led (db1 still says it leads at term 7, db3 leads the majority at
term 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.engine.findings import FindingKind, find
from clustertui.managers.changes import Change, facts, fold
from clustertui.managers.etcd import EtcdView, MemberRead, member_id, parse_member_list, parse_status
from clustertui.managers.nodes import NodeIndex
from clustertui.managers.state import Garbage, ReadState, SourceRead
from tests.support.paths import LAB_FILE

DATA = Path(__file__).parent / "data"
CLUSTER = load_cluster(LAB_FILE, check_files=False)
INDEX = NodeIndex(CLUSTER)
DB1, DB2, DB3 = "2ae15681fc4321cf", "10824ccc75bb73a2", "ce067e1e9b9f2e0d"


def recorded(name: str) -> str:
    return (DATA / f"etcd_{name}.json").read_text()


def members() -> tuple:
    return parse_member_list(recorded("member_list"), INDEX)


def member(node: str, status: str | None, state: ReadState = ReadState.OK) -> MemberRead:
    read = SourceRead(node, state, "" if state is ReadState.OK else "connection refused")
    if status is None:
        return MemberRead(read)
    return MemberRead(read, parse_status(recorded(status)), members())


def view(*reads: MemberRead) -> EtcdView:
    return EtcdView("etcd", reads)


def test_status_of_the_leader_and_of_a_follower() -> None:
    leader = parse_status(recorded("status_db1_leader"))
    assert (leader.member, leader.leader, leader.is_leader) == (DB1, DB1, True)
    assert (leader.raft_term, leader.raft_index, leader.raft_applied_index) == (2, 20, 20)
    assert (leader.cluster, leader.version, leader.revision, leader.db_size, leader.errors) == (
        "82d57c0d7331a27f", "3.4.23", 1, 20480, ())
    follower = parse_status(recorded("status_db2_follower"))
    assert (follower.member, follower.leader, follower.is_leader) == (DB2, DB1, False)


def test_a_member_without_a_leader_says_so_twice() -> None:
    """The gateway omits the zero `leader` field, and etcd adds its own error."""
    status = parse_status(recorded("status_db1_no_leader"))
    assert (status.leader, status.is_leader, status.errors) == ("0", False, ("etcdserver: no leader",))
    assert status.raft_term == 4


def test_etcdctl_json_reads_the_same() -> None:
    """`etcdctl endpoint status -w json` writes the uint64 fields as numbers."""
    gateway = json.loads(recorded("status_db1_leader"))
    numeric = {key: int(value) if isinstance(value, str) and value.isdigit() else value
               for key, value in gateway.items()}
    numeric["header"] = {key: int(value) for key, value in gateway["header"].items()}
    assert parse_status(json.dumps(numeric)) == parse_status(recorded("status_db1_leader"))


def test_member_list_names_every_member_and_its_node() -> None:
    listed = {m.id: (m.name, m.node, m.peer_urls, m.client_urls, m.learner) for m in members()}
    assert listed == {
        DB1: ("db1", "db1", ("http://198.18.0.21:2380",), ("http://198.18.0.21:2379",), False),
        DB2: ("db2", "db2", ("http://198.18.0.22:2380",), ("http://198.18.0.22:2379",), False),
        DB3: ("db3", "db3", ("http://198.18.0.23:2380",), ("http://198.18.0.23:2379",), False),
    }


def test_a_member_named_otherwise_is_found_by_its_address() -> None:
    text = recorded("member_list").replace('"name":"db2"', '"name":"etcd-b"')
    found = {m.name: m.node for m in parse_member_list(text, INDEX)}
    assert found["etcd-b"] == "db2"


def test_healthy_cluster_agrees_on_its_leader() -> None:
    healthy = view(member("db1", "status_db1_leader"), member("db2", "status_db2_follower"),
                   member("db3", "status_db3_follower"))
    assert healthy.leader() == "db1"
    assert healthy.leaders_seen() == {"db1": "db1", "db2": "db1", "db3": "db1"}
    assert healthy.roles() == {"db1": ("leader",), "db2": ("follower",), "db3": ("follower",)}
    assert all(m.healthy for m in healthy.members)
    assert healthy.summary().split(" │ ") == [
        "etcd leader db1, term 2", "db1 leader (term 2, index 20)", "db2 follower (term 2, index 20)",
        "db3 follower (term 2, index 20)"]
    assert find(CLUSTER, {"etcd": healthy}, lambda node, port: None) == ()
    data = healthy.to_json()
    assert (data["leader"], data["members"][0]["is_leader"], data["members"][1]["leader"]) == ("db1", True, "db1")
    assert [m["node"] for m in data["member_list"]] == ["db2", "db1", "db3"]


def test_two_members_stopped_is_no_leader() -> None:
    stopped = view(member("db1", "status_db1_no_leader"), member("db2", None, ReadState.DOWN),
                   member("db3", None, ReadState.DOWN))
    assert stopped.leader() is None and stopped.roles() == {}
    assert not stopped.members[0].healthy
    assert stopped.summary().split(" │ ")[:2] == [
        "etcd: NO LEADER", "db1 follower (term 4, index 16, etcdserver: no leader)"]
    (finding,) = find(CLUSTER, {"etcd": stopped}, lambda node, port: None)
    assert (finding.kind, finding.subject, finding.nodes) == (FindingKind.ETCD_NO_LEADER, "leader", ("db1",))
    assert finding.detail == "etcd has no leader: db1 follows none (1 of 3 members answered)"


def test_a_partitioned_leader_that_still_leads_is_a_disagreement() -> None:
    split = view(member("db1", "status_db1_partitioned_still_leader"), member("db2", "status_db2_new_follower"),
                 member("db3", "status_db3_new_leader"))
    assert split.leaders_seen() == {"db1": "db1", "db2": "db3", "db3": "db3"}
    assert split.leader() is None
    (finding,) = find(CLUSTER, {"etcd": split}, lambda node, port: None)
    assert finding.kind is FindingKind.ETCD_LEADERS_DISAGREE
    assert finding.detail == "etcd members disagree on the leader: db1 says db1, db2 says db3, db3 says db3"
    assert finding.nodes == ("db1", "db2", "db3")


def test_unread_members_count_for_nothing() -> None:
    unread = view(member("db1", None, ReadState.SLOW), member("db2", None, ReadState.UNREACHABLE))
    assert find(CLUSTER, {"etcd": unread}, lambda node, port: None) == ()
    assert unread.summary().startswith("etcd: no member answered │ db1 slow")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<html>[red]x[/red]</html>", "status: not JSON"),
        ("[1, 2]", "JSON that is not an object"),
        ('{"leader": "1"}', "status without header.member_id"),
        ('{"header": {"member_id": "x1"}}', "not a member ID: 'x1'"),
        ('{"header": {"member_id": "1"}, "leader": "' + "9" * 30 + '"}', "not a member ID"),
        ('{"header": {"member_id": -1}}', "not a member ID: -1"),
        ('{"header": {"member_id": true}}', "not a member ID: True"),
        ('{"header": {"member_id": "1"}, "errors": "NOSPACE"}', "status errors is not a list"),
        ("[" * 100_000, "not JSON"),
    ],
)
def test_garbage_status(text: str, reason: str) -> None:
    with pytest.raises(Garbage, match=reason.replace("[", r"\[").replace("(", r"\(")):
        parse_status(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"members": {}}', "without a members array"),
        ('{"members": [{"name": "db1"}]}', "a member without an ID"),
        ('{"members": [{"ID": "1", "peerURLs": "http://x"}]}', "peerURLs is not a list of URLs"),
        ('{"members": [' + ",".join(['{"ID": "1"}'] * 10_001) + "]}", "without a members array"),
    ],
)
def test_garbage_member_list(text: str, reason: str) -> None:
    with pytest.raises(Garbage, match=reason):
        parse_member_list(text, INDEX)


def test_member_ids_in_hex_as_etcdctl_prints_them() -> None:
    assert member_id("3089845935635898831") == DB1 and member_id(3089845935635898831) == DB1
    assert member_id(0) == "0"


def test_a_new_leader_is_a_promotion_on_the_timeline() -> None:
    """Each member that follows a new leader is a `promoted` change; a member between
    leaders (none) or unread says nothing new."""
    healthy = view(member("db1", "status_db1_leader"), member("db2", "status_db2_follower"),
                   member("db3", "status_db3_follower"))
    latest: dict = {}
    assert fold(latest, facts("etcd", healthy)) == []
    between = view(member("db1", "status_db1_no_leader"), member("db2", None, ReadState.DOWN),
                   member("db3", None, ReadState.DOWN))
    assert [e.change for e in fold(latest, facts("etcd", between))] == [Change.UNREADABLE, Change.UNREADABLE]
    elected = view(member("db1", None, ReadState.DOWN), member("db2", "status_db2_new_follower"),
                   member("db3", "status_db3_new_leader"))
    events = [e for e in fold(latest, facts("etcd", elected)) if e.change is Change.PROMOTED]
    assert [(e.by, e.node, e.before, e.after) for e in events] == [
        ("etcd@db2", "db3", "db1", "db3"), ("etcd@db3", "db3", "db1", "db3")]
    assert events[0].describe() == "etcd@db2: etcd primary db3 (was db1)"
