"""``lab status``: what is there (namespaces, inits, limits) and what answers.

State is discovered, not read back from files: a namespace is present if
``/run/netns/ctui-NODE`` exists, a node runs if its init is found, a service is up if its
check passes right now.  ``overall`` is ``up`` (everything answers), ``degraded``
(something is down) or ``absent`` (no trace of a lab).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import cgroups, checks, ha_checks, netns, nodes
from .proc import LabError
from .spec import DEFAULT_SPEC, LabSpec, RuntimePaths, StatePaths, default_state_dir
from .up import lab_present


@dataclass
class NodeStatus:
    name: str
    address: str
    roles: list[str]
    netns: bool
    init_pid: int | None
    memory_limit: int | None
    services: dict[str, bool] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)

    @property
    def up(self) -> bool:
        return self.netns and self.init_pid is not None and all(self.services.values())


@dataclass
class HaStatus:
    """The HA cluster: its floating address, whether it serves, and where the group runs."""

    address: str
    up: bool
    detail: str
    placement: ha_checks.HaPlacement

    def to_dict(self) -> dict[str, object]:
        where = self.placement
        return {"address": self.address, "up": self.up, "detail": self.detail, "owner": where.owner,
                "address_holders": list(where.address_holders), "disk_owners": list(where.disk_owners)}


@dataclass
class LabStatus:
    state_dir: Path
    present: bool
    nodes: list[NodeStatus] = field(default_factory=list)
    vip: str = ""
    vip_holder: str | None = None
    vip_ok: bool = False
    vip_detail: str = ""
    etcd_leader: str | None = None
    lxcfs: bool = False
    prometheus: str = ""  # the lab's Prometheus URL
    prometheus_ok: bool = False
    prometheus_detail: str = ""
    #: The HA cluster (role ``ha``): its floating address and where Pacemaker put the group.
    ha: HaStatus | None = None

    @property
    def overall(self) -> str:
        if not self.present:
            return "absent"
        ha_ok = self.ha is None or self.ha.up
        if self.nodes and all(n.up for n in self.nodes) and self.vip_ok and self.lxcfs and self.prometheus_ok and ha_ok:
            return "up"
        return "degraded"

    def to_dict(self) -> dict[str, object]:
        return {
            "overall": self.overall,
            "state_dir": str(self.state_dir),
            "lxcfs": self.lxcfs,
            "prometheus": {"url": self.prometheus, "up": self.prometheus_ok, "detail": self.prometheus_detail},
            "vip": {"address": self.vip, "holder": self.vip_holder, "up": self.vip_ok, "detail": self.vip_detail},
            "etcd": {"leader": self.etcd_leader},
            "ha": self.ha.to_dict() if self.ha else None,
            "nodes": [
                {
                    "name": n.name,
                    "address": n.address,
                    "roles": n.roles,
                    "netns": n.netns,
                    "init_pid": n.init_pid,
                    "memory_limit": n.memory_limit,
                    "up": n.up,
                    "services": {s: ("up" if ok else "down") for s, ok in n.services.items()},
                    "details": n.details,
                }
                for n in self.nodes
            ],
        }


def lab_status(state_dir: Path | None = None, spec: LabSpec = DEFAULT_SPEC) -> LabStatus:
    """Discover the lab and run every check once (about a second when it is up)."""
    from . import lxcfs

    paths = StatePaths(state_dir or default_state_dir())
    st = LabStatus(state_dir=paths.root, present=lab_present(spec), vip=spec.vip)
    if not st.present:
        return st
    try:
        layout: cgroups.CgroupLayout | None = cgroups.detect_layout()
    except LabError:
        layout = None
    inits = nodes.find_inits([n.netns for n in spec.nodes])
    all_checks = checks.lab_checks(spec, paths)
    results = dict(zip((c.label for c in all_checks), checks.run_once(all_checks), strict=True))
    for node in spec.nodes:
        ns = netns.netns_exists(node.netns)
        ns_status = NodeStatus(
            name=node.name,
            address=node.address,
            roles=list(node.roles),
            netns=ns,
            init_pid=inits.get(node.netns),
            memory_limit=cgroups.memory_limit(layout, node.name) if layout else None,
        )
        for svc in node.services:
            res = results[f"{node.name}/{svc.name}"]
            ns_status.services[svc.name] = res.ok
            ns_status.details[svc.name] = res.detail
        st.nodes.append(ns_status)
    vip = results["vip"]
    st.vip_ok, st.vip_detail = vip.ok, vip.detail
    st.vip_holder = checks.vip_holder(spec)
    st.etcd_leader = checks.etcd_leader(spec)
    st.lxcfs = lxcfs.healthy(RuntimePaths())
    prometheus = results["prometheus"]
    st.prometheus, st.prometheus_ok, st.prometheus_detail = spec.prometheus_url, prometheus.ok, prometheus.detail
    if "ha-vip" in results:
        st.ha = HaStatus(spec.ha_vip, results["ha-vip"].ok, results["ha-vip"].detail, ha_checks.placement(spec))
    return st
