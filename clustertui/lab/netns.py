"""Network plumbing: the bridge, one network namespace and veth pair per node.

The controller (clustertui itself) sits on the bridge in the root namespace, so no routing
or forwarding is needed and nodes get no default route: lab traffic can never leave
198.18.0.0/24.  Names all start with ``ctui-`` so ``lab down`` can find leftovers.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .proc import LabError, run
from .spec import NAME_PREFIX, LabSpec, NodeSpec

NETNS_DIR = Path("/run/netns")
BR_NF_SYSCTL = Path("/proc/sys/net/bridge/bridge-nf-call-iptables")


def netns_exists(name: str) -> bool:
    return (NETNS_DIR / name).exists()


def list_lab_netns() -> list[str]:
    """Lab network namespaces present (by name prefix)."""
    try:
        names = os.listdir(NETNS_DIR)
    except FileNotFoundError:
        return []
    return sorted(n for n in names if n.startswith(NAME_PREFIX))


def list_lab_links() -> list[str]:
    """Lab links in the root namespace (bridge and veth host sides, by name prefix)."""
    res = run(["ip", "-j", "link", "show"], check=False)
    if res.returncode != 0:
        return []
    try:
        links = json.loads(res.stdout or "[]")
    except json.JSONDecodeError:
        return []
    return sorted(link["ifname"] for link in links if link.get("ifname", "").startswith(NAME_PREFIX))


def netns_inode(name: str) -> int | None:
    """Inode of the namespace behind ``/run/netns/NAME`` (matches ``/proc/PID/ns/net``)."""
    try:
        return os.stat(NETNS_DIR / name).st_ino
    except OSError:
        return None


def create_bridge(spec: LabSpec) -> None:
    """Create the bridge with the controller's address; STP off so ports forward at once."""
    br = spec.bridge
    run(["ip", "link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0"])
    run(["ip", "addr", "add", f"{spec.bridge_address}/{spec.prefix_len}", "dev", br])
    run(["ip", "link", "set", br, "up"])


def create_node_net(spec: LabSpec, node: NodeSpec) -> None:
    """Namespace, veth pair (host side on the bridge), address and loopback for ``node``."""
    ns = node.netns
    run(["ip", "netns", "add", ns])
    run(["ip", "link", "add", node.host_if, "type", "veth", "peer", "name", node.node_if, "netns", ns])
    run(["ip", "link", "set", node.host_if, "master", spec.bridge, "up"])
    batch = "\n".join(
        [
            "link set lo up",
            f"addr add {node.address}/{spec.prefix_len} dev {node.node_if}",
            f"link set {node.node_if} up",
        ]
    )
    run(["ip", "-n", ns, "-batch", "-"], input=batch + "\n")


def node_addresses(node: NodeSpec) -> list[str]:
    """IPv4 addresses currently on the node's interface (the VIP shows up here)."""
    res = run(["ip", "-n", node.netns, "-j", "-4", "addr", "show", "dev", node.node_if], check=False)
    if res.returncode != 0:
        return []
    try:
        data = json.loads(res.stdout or "[]")
    except json.JSONDecodeError:
        return []
    return [a["local"] for iface in data for a in iface.get("addr_info", []) if "local" in a]


def delete_netns(name: str) -> None:
    run(["ip", "netns", "delete", name], check=False)


def delete_link(name: str) -> None:
    run(["ip", "link", "delete", name], check=False)


def bridge_nf_call_iptables() -> bool:
    """True when br_netfilter sends bridged IPv4 through iptables (FORWARD may drop it)."""
    try:
        return BR_NF_SYSCTL.read_text().strip() == "1"
    except OSError:
        return False


def cleanup_netns_dir() -> None:
    """Remove /run/netns if it is empty (``ip netns add`` created and bind-mounted it)."""
    try:
        if not NETNS_DIR.is_dir() or os.listdir(NETNS_DIR):
            return
        # A bind mount of the directory on itself: os.path.ismount cannot see it (same
        # device), mountinfo can.  Plain umount fails (EBUSY) if a namespace appeared since.
        with open("/proc/self/mountinfo", encoding="utf-8") as fh:
            mounted = sum(1 for line in fh if line.split()[4] == str(NETNS_DIR))
        for _ in range(mounted):
            if run(["umount", str(NETNS_DIR)], check=False).returncode != 0:
                return
        NETNS_DIR.rmdir()
    except OSError:
        pass


def require_free(spec: LabSpec) -> None:
    """Refuse to build over addresses someone else already uses on this host."""
    res = run(["ip", "-j", "-4", "addr", "show"], check=False)
    try:
        data = json.loads(res.stdout or "[]")
    except json.JSONDecodeError:
        return
    for iface in data:
        if iface.get("ifname", "").startswith(NAME_PREFIX):
            continue
        for a in iface.get("addr_info", []):
            if a.get("local", "").startswith("198.18.0."):
                raise LabError(
                    f"198.18.0.0/24 is already used on {iface['ifname']} ({a['local']}); "
                    "the lab needs that range to itself"
                )
