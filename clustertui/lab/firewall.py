"""The one host firewall rule the lab may need, and its removal.

With ``br_netfilter`` loaded and ``net.bridge.bridge-nf-call-iptables = 1``, frames bridged
between two lab nodes traverse the host's iptables FORWARD chain, where a DROP policy
(Docker sets one) would cut node-to-node traffic (HAProxy→nginx, Redis replication,
VRRP).  The per-bridge ``nf_call_iptables`` option cannot override the global sysctl (the
kernel ORs them), and flipping the sysctl would change the host for everyone, so we insert
one ACCEPT rule for traffic that enters and leaves the lab bridge, tagged with a comment so
``lab down`` removes exactly it.  Nothing is added when the sysctl is 0.
"""

from __future__ import annotations

import shlex
import shutil

from .netns import bridge_nf_call_iptables
from .proc import run
from .spec import RULE_COMMENT, LabSpec


def _rule(bridge: str) -> list[str]:
    return ["FORWARD", "-i", bridge, "-o", bridge, "-m", "comment", "--comment", RULE_COMMENT, "-j", "ACCEPT"]


def allow_bridge(spec: LabSpec) -> list[str]:
    """Add the ACCEPT rule if bridged traffic goes through iptables; return what was added."""
    if not bridge_nf_call_iptables() or shutil.which("iptables", path="/usr/sbin:/sbin:/usr/bin:/bin") is None:
        return []
    rule = _rule(spec.bridge)
    if run(["iptables", "-w", "-C", *rule], check=False).returncode == 0:
        return []
    run(["iptables", "-w", "-I", *rule])
    return ["iptables -I " + shlex.join(rule)]


def remove_rules() -> list[str]:
    """Delete every filter-table rule carrying the lab's comment; return what was removed."""
    if shutil.which("iptables", path="/usr/sbin:/sbin:/usr/bin:/bin") is None:
        return []
    res = run(["iptables", "-w", "-S"], check=False)
    removed: list[str] = []
    for line in res.stdout.splitlines():
        if RULE_COMMENT not in line or not line.startswith("-A "):
            continue
        tokens = shlex.split(line)
        tokens[0] = "-D"
        if run(["iptables", "-w", *tokens], check=False).returncode == 0:
            removed.append("iptables " + shlex.join(tokens))
    return removed
