"""Checks of the lab's HA cluster: what ``lab up`` waits for and ``lab status`` shows.

Per node: Corosync counts the node in a quorate membership (``corosync-quorumtool -s``), and
Pacemaker's own status (``crm_mon``) has the node online, a DC elected and quorum.  For the
cluster: the floating address answers with the page from the shared disk, and exactly one
node has the disk mounted and the address.  The lab's nodes are its own: their output is
read with the standard library's XML parser, bounded only by ``crm_mon``'s size.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from . import netns, nodes
from .checks import CheckResult, http_get
from .ha import GROUP, PAGE, PAGE_TEXT, mount_owners
from .spec import LabSpec, NodeSpec

#: Pacemaker's status of the cluster as this node's tools show it.
CRM_MON = ["crm_mon", "-1", "--output-as=xml"]
QUORUMTOOL = ["corosync-quorumtool", "-s"]


@dataclass(frozen=True)
class HaPlacement:
    """Where the HA group runs, from the host: who holds the address, who mounts the disk."""

    address_holders: tuple[str, ...]
    disk_owners: tuple[str, ...]

    @property
    def owner(self) -> str | None:
        """The one node with both, or None (nobody, or a split)."""
        holders = self.address_holders
        return holders[0] if len(holders) == 1 and holders == self.disk_owners else None


def placement(spec: LabSpec) -> HaPlacement:
    ha_nodes = spec.with_role("ha")
    inits = nodes.find_inits([n.netns for n in ha_nodes])
    by_name = {n.name: inits[n.netns] for n in ha_nodes if n.netns in inits}
    holders = tuple(n.name for n in ha_nodes if spec.ha_vip in netns.node_addresses(n))
    return HaPlacement(holders, tuple(mount_owners(spec, by_name)))


def check_corosync(node: NodeSpec, spec: LabSpec) -> CheckResult:
    res = nodes.node_exec(node.name, QUORUMTOOL, timeout=5, spec=spec)
    fields = {k.strip(): v.strip() for k, sep, v in (line.partition(":") for line in res.stdout.splitlines()) if sep}
    if "Quorate" not in fields:
        why = (res.stderr.strip() or res.stdout.strip()).splitlines()
        return CheckResult(False, why[-1] if why else f"corosync-quorumtool exit {res.returncode}")
    detail = f"{fields.get('Total votes', '?')}/{fields.get('Expected votes', '?')} votes"
    if fields["Quorate"] != "Yes":
        return CheckResult(False, f"not quorate, {detail}")
    return CheckResult(True, f"quorate, {detail}")


def check_pacemaker(node: NodeSpec, spec: LabSpec) -> CheckResult:
    """This node online in its own Pacemaker's view, with a DC and quorum, and the group
    started somewhere (a node's view is the cluster's once it has joined)."""
    res = nodes.node_exec(node.name, CRM_MON, timeout=5, spec=spec)
    try:
        root = ET.fromstring(res.stdout)
    except ET.ParseError:
        why = (res.stderr.strip() or res.stdout.strip() or f"crm_mon exit {res.returncode}").splitlines()
        return CheckResult(False, why[-1])
    dc = root.find("summary/current_dc")
    if dc is None or dc.get("present") != "true":
        return CheckResult(False, "no DC elected yet")
    if dc.get("with_quorum") != "true":
        return CheckResult(False, "no quorum")
    me = next((n for n in root.iter("node") if n.get("name") == node.name and n.get("type") == "member"), None)
    if me is None or me.get("online") != "true":
        return CheckResult(False, "this node is not online")
    group = root.find(f"resources/group[@id='{GROUP}']")
    if group is None:
        return CheckResult(False, f"no resource group {GROUP}")
    where = {n.get("name") for r in group.iter("resource") if r.get("role") == "Started" for n in r.iter("node")}
    started = [r for r in group.iter("resource") if r.get("role") == "Started"]
    if len(started) != len(group.findall("resource")) or len(where) != 1:
        return CheckResult(False, f"{GROUP}: {len(started)}/{len(group.findall('resource'))} started")
    return CheckResult(True, f"online, DC {dc.get('name')}, {GROUP} on {where.pop()}")


def check_ha_vip(spec: LabSpec) -> CheckResult:
    """The floating address serves the shared disk's page, from the one node that owns both."""
    url = f"http://{spec.ha_vip}/{PAGE}"
    status, body = http_get(url)
    if status != 200 or body != PAGE_TEXT:
        return CheckResult(False, f"{url}: {status or body}" if status != 200 else f"{url}: body {body[:40]!r}")
    where = placement(spec)
    if where.owner is None:
        return CheckResult(False, f"address on {list(where.address_holders)}, disk on {list(where.disk_owners)}")
    return CheckResult(True, f"200 from the shared disk via {where.owner}")
