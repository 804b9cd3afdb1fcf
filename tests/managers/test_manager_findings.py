"""engine.findings: each disagreement, judged from views as the adapters build them, and
never from a read that failed."""

from __future__ import annotations

from clustertui.config import load_cluster
from clustertui.engine.findings import FindingKind, find
from clustertui.managers.command import CommandView, NodeRole
from clustertui.managers.haproxy import HaproxyRead, HaproxyServer, HaproxyView, parse_status
from clustertui.managers.keepalived import Holding, KeepalivedView
from clustertui.managers.sentinel import MasterSeen, RedisRole, SentinelSeen, SentinelView
from clustertui.managers.state import ReadState, SourceRead
from clustertui.managers.vrrp import Instance, VrrpState
from tests.support.paths import LAB_FILE

CLUSTER = load_cluster(LAB_FILE, check_files=False)


def ok(node: str) -> SourceRead:
    return SourceRead(node, ReadState.OK, t=1.0, ms=1.0)


def server(name: str, status: str, node: str | None = None) -> HaproxyServer:
    parsed, transition = parse_status(status)
    return HaproxyServer("web_nodes", name, parsed, status, transition, "L7OK", 1, 30, 0,
                         f"198.18.0.1{name[-1]}:80", node or name)


def nobody_down(node: str, port: int | None) -> None:
    return None


def nginx_down_for(seconds: float):
    def down(node: str, port: int | None):
        return ("nginx", seconds) if node == "web2" and port == 80 else None
    return down


def test_lb_routing_to_a_service_down_longer_than_the_grace_is_a_finding() -> None:
    view = HaproxyView("lb", (HaproxyRead(ok("lb1"), (server("web1", "UP"), server("web2", "UP 1/2"))),))
    assert find(CLUSTER, {"lb": view}, nobody_down) == ()
    assert find(CLUSTER, {"lb": view}, nginx_down_for(2.9)) == ()  # within the lab's grace of 3s
    (finding,) = find(CLUSTER, {"lb": view}, nginx_down_for(4.0))
    assert finding.kind is FindingKind.ROUTES_TO_DOWN and finding.nodes == ("lb1", "web2")
    assert "haproxy@lb1 still routes to web_nodes/web2 (UP 1/2" in finding.detail
    assert "nginx on web2 has been down for 4.0s (grace 3s)" in finding.detail


def test_lb_that_marked_the_server_down_or_in_maintenance_is_no_finding() -> None:
    for status in ("DOWN", "DOWN 1/2", "MAINT", "MAINT (via web_nodes/web1)", "DRAIN"):
        view = HaproxyView("lb", (HaproxyRead(ok("lb1"), (server("web2", status),)),))
        assert find(CLUSTER, {"lb": view}, nginx_down_for(60)) == (), status


def test_an_unread_balancer_is_no_finding() -> None:
    failed = SourceRead("lb1", ReadState.SLOW, "no whole answer within 1s")
    view = HaproxyView("lb", (HaproxyRead(failed, ()),))
    assert find(CLUSTER, {"lb": view}, nginx_down_for(60)) == ()


def test_two_vip_holders_is_split_brain_and_none_is_an_outage() -> None:
    two = KeepalivedView("vip", (ok("lb1"), ok("lb2")), (Holding("198.18.0.100", ("lb1", "lb2")),))
    (finding,) = find(CLUSTER, {"vip": two}, nobody_down)
    assert finding.kind is FindingKind.VIP_TWO_HOLDERS and finding.nodes == ("lb1", "lb2")
    assert finding.detail == "198.18.0.100 is held by lb1 and lb2 (split brain)"
    none = KeepalivedView("vip", (ok("lb1"), ok("lb2")), (Holding("198.18.0.100", ()),))
    assert [f.kind for f in find(CLUSTER, {"vip": none}, nobody_down)] == [FindingKind.VIP_NO_HOLDER]
    # Nobody holds it among the nodes read, but lb2 was not read: unknown, not an outage.
    unread = KeepalivedView("vip", (ok("lb1"), SourceRead("lb2", ReadState.UNREACHABLE, "x")),
                            (Holding("198.18.0.100", ()),))
    assert find(CLUSTER, {"vip": unread}, nobody_down) == ()


def test_two_vip_holders_name_their_vrrp_states() -> None:
    states = (Instance("lb1", "VI_WEB", VrrpState.MASTER, 150), Instance("lb2", "VI_WEB", VrrpState.MASTER, 140))
    two = KeepalivedView("vip", (ok("lb1"), ok("lb2")), (Holding("198.18.0.100", ("lb1", "lb2")),), states)
    (finding,) = find(CLUSTER, {"vip": two}, nobody_down)
    assert finding.detail == "198.18.0.100 is held by lb1 and lb2 (split brain; VRRP: lb1 MASTER, lb2 MASTER)"
    assert "VIP 198.18.0.100 on lb1 and lb2 │ VRRP VI_WEB: lb1 MASTER · lb2 MASTER" in two.summary()
    # The managers screen: a row per member's instance after the address's.
    rows = [(r.key, r.state, r.detail, r.level) for r in two.rows()]
    assert rows[1:] == [("vrrp/lb1/VI_WEB", "MASTER", "priority 150", "ok"), ("vrrp/lb2/VI_WEB", "MASTER", "priority 140", "ok")]


def sentinel_view(masters_by_sentinel: dict[str, str], roles: dict[str, str]) -> SentinelView:
    sentinels = tuple(
        SentinelSeen(ok(node), (MasterSeen("mymaster", f"198.18.0.{20 + int(m[-1])}:6379", m, quorum_ok=True),))
        for node, m in masters_by_sentinel.items()
    )
    redis = tuple(RedisRole(node, 6379, ok(node), role) for node, role in roles.items())
    return SentinelView("redis", ("mymaster",), sentinels, redis)


def test_healthy_sentinel_view_has_no_finding_and_names_the_primary() -> None:
    view = sentinel_view({"db1": "db1", "db2": "db1", "db3": "db1"}, {"db1": "master", "db2": "slave", "db3": "slave"})
    assert find(CLUSTER, {"redis": view}, nobody_down) == ()
    assert view.roles() == {"db1": ("primary",), "db2": ("replica",), "db3": ("replica",)}
    assert "redis mymaster: primary db1" in view.summary() and "sentinels 3/3 agree" in view.summary()


def test_two_masters_and_sentinels_that_disagree_are_findings() -> None:
    view = sentinel_view({"db1": "db1", "db2": "db2", "db3": "db2"}, {"db1": "master", "db2": "master", "db3": "slave"})
    kinds = {f.kind: f for f in find(CLUSTER, {"redis": view}, nobody_down)}
    # (db1 is also a stale primary: test_a_primary_cut_off_from_the_sentinels_majority_is_stale)
    assert set(kinds) == {FindingKind.TWO_PRIMARIES, FindingKind.SENTINELS_DISAGREE, FindingKind.STALE_PRIMARY}
    assert kinds[FindingKind.TWO_PRIMARIES].nodes == ("db1", "db2")
    assert kinds[FindingKind.SENTINELS_DISAGREE].detail == (
        "sentinels disagree on the master of mymaster: db1 says db1, db2 says db2, db3 says db2")


def test_command_manager_with_two_primaries_is_a_finding() -> None:
    view = CommandView("pg", (NodeRole(ok("db1"), "primary"), NodeRole(ok("db2"), "leader"),
                              NodeRole(ok("db3"), "replica")))
    (finding,) = find(CLUSTER.model_copy(update={"managers": {**CLUSTER.managers, "pg": CLUSTER.managers["redis"]}}),
                      {"pg": view}, nobody_down)
    assert finding.kind is FindingKind.TWO_PRIMARIES and finding.nodes == ("db1", "db2")


def test_a_primary_cut_off_from_the_sentinels_majority_is_stale() -> None:
    # db1 was partitioned: db2's and db3's sentinels promoted db2 (and list db1 as its
    # replica); db1 and its own sentinel still believe in db1.
    view = sentinel_view({"db1": "db1", "db2": "db2", "db3": "db2"}, {"db1": "master", "db2": "master", "db3": "slave"})
    stale = [f for f in find(CLUSTER, {"redis": view}, nobody_down) if f.kind is FindingKind.STALE_PRIMARY]
    (finding,) = stale
    assert finding.nodes == ("db1", "db2") and finding.subject == "mymaster/db1:6379"
    assert finding.detail == ("db1:6379 still reports role master, but 2 of 3 sentinels name db2 the master of "
                              "mymaster: cut off from the majority, it still believes it is primary; so does the "
                              "sentinel on db1")


def test_without_a_sentinel_majority_nobody_is_stale() -> None:
    # One sentinel per candidate and one unread: no majority names a master.
    view = sentinel_view({"db1": "db1", "db2": "db2"}, {"db1": "master", "db2": "master"})
    view = SentinelView("redis", view.names, (*view.sentinels, SentinelSeen(SourceRead("db3", ReadState.DOWN, "x"))),
                        view.redis)
    kinds = [f.kind for f in find(CLUSTER, {"redis": view}, nobody_down)]
    assert FindingKind.STALE_PRIMARY not in kinds and FindingKind.TWO_PRIMARIES in kinds
    # A second master that no sentinel knows for the name (another redis on the node) is
    # two primaries, not a stale one.
    extra = sentinel_view({"db1": "db1", "db2": "db1", "db3": "db1"}, {"db1": "master"})
    extra = SentinelView("redis", extra.names, extra.sentinels,
                         (*extra.redis, RedisRole("db3", 6380, ok("db3"), "master")))
    kinds = [f.kind for f in find(CLUSTER, {"redis": extra}, nobody_down)]
    assert kinds == [FindingKind.TWO_PRIMARIES]
