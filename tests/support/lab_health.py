"""What a test may leave damaged on a lab node, found cheaply, and healed.

The lab is shared by every lab test of a session: one test that leaves a fake binary
mounted, a firewall rule, a netem qdisc, a stopped (SIGSTOP) process, a fault in a node's
ledger or a dead service breaks the tests after it, far from the cause.  So before a test
gets the lab, ``check_and_heal`` looks at every node and repairs what it finds:

- mounts that neither the lab nor the host made (``nodes.unmount``: stop the users first);
- chaos faults still in a node's ledger (their own revert script, which verifies), and a
  freeze mark (it would refuse every later test's faults);
- firewall rules, non-default root qdiscs, stopped processes;
- services that do not run (started again with the lab's own command line) or do not answer.

What cannot be repaired in place (a node whose init is gone, a service that stays down) is
rebuilt: ``lab_up`` notices the unhealthy lab and builds it again.  The cost is paid per lab
test, so it is kept small: ONE pass over the host's /proc finds every node's init, its
processes and the stopped ones (``Snapshot``), and one short command per node (firewall and
qdiscs, which only the node's network namespace shows) runs in parallel with the service
checks.

Nothing here fails a test: what is healed is reported through ``on_heal`` (the conftest
turns it into a ``LabHealed`` warning naming the test that ran before).
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from tests.support.nodes import mount_points, unmount

#: Files LXCFS may cover under a node's /proc (node-init.sh mounts those that exist).
_LXCFS_FILES = ("stat", "meminfo", "loadavg", "uptime", "cpuinfo", "diskstats", "swaps")

#: One command per node: firewall rules and root qdiscs (processes and the ledger are read
#: from the host, through the node's init: ``Snapshot`` and ``_ledger``).
_SURVEY = (
    "echo '## iptables'; iptables -w 5 -S 2>&1; "
    "echo '## nft'; if command -v nft >/dev/null; then nft list tables 2>&1; fi; "
    "echo '## tc'; tc qdisc show 2>&1; true"
)

#: Where chaos keeps a node's ledger, inside the node (its own /run).
_LEDGER = "run/clustertui/faults"


@dataclass(frozen=True)
class Proc:
    """One process of a node, as the host's /proc shows it."""

    pid: int
    comm: str
    state: str


@dataclass
class Snapshot:
    """Every node's init and processes, from ONE pass over the host's /proc.

    A node's processes are those in its network namespace (its init's PID namespace lives
    there, and so does anything a test started with ``ip netns exec``).  Scanning /proc once
    per node and once per process check cost more than the rest of the survey together.
    """

    inits: dict[str, int] = field(default_factory=dict)
    procs: dict[str, list[Proc]] = field(default_factory=dict)

    @classmethod
    def take(cls, lab: Any) -> Snapshot:
        from clustertui.lab.netns import netns_inode

        wanted = {ino: name for name in lab.spec.names
                  if (ino := netns_inode(lab.spec.node(name).netns)) is not None}
        snap = cls(procs={name: [] for name in wanted.values()})
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                node = wanted.get(os.stat(f"/proc/{entry.name}/ns/net").st_ino)
                if node is None:
                    continue
                with open(f"/proc/{entry.name}/status", encoding="utf-8", errors="replace") as fh:
                    status = dict(line.rstrip("\n").partition(":")[::2] for line in fh)
            except OSError:  # the process ended meanwhile
                continue
            pid = int(entry.name)
            snap.procs[node].append(Proc(pid, status.get("Name", "").strip(), status.get("State", "?").split()[0]))
            chain = status.get("NSpid", "").split()
            if len(chain) >= 2 and chain[-1] == "1" and pid < snap.inits.get(node, pid + 1):
                snap.inits[node] = pid  # lowest host pid wins if (impossibly) two inits share a netns
        return snap

    def running(self, node: str, comm: str) -> bool:
        return any(p.comm == comm for p in self.procs.get(node, ()))

#: How long a service that runs may take to answer again (HAProxy's rise, a replica resync).
SETTLE = 15.0


@dataclass
class NodeReport:
    """What one node looked like, and what was done to it."""

    node: str
    found: list[str] = field(default_factory=list)
    healed: list[str] = field(default_factory=list)


def _sections(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            current = out.setdefault(line[3:].strip(), [])
        elif line.strip():
            current.append(line.strip())
    return out


def lab_mount_points(lab: Any, node: str) -> Counter[str]:
    """Mount points the lab itself makes in a node (node-init.sh, ``ip netns exec``, and
    Pacemaker's shared disk on an HA node)."""
    from clustertui.lab.spec import StatePaths

    node_dir = StatePaths(lab.state_dir).node_dir(node)
    points: Counter[str] = Counter(["/proc", "/sys", str(node_dir)])
    points.update(f"/proc/{name}" for name in _LXCFS_FILES)
    if lab.spec.node(node).has_role("ha"):  # Pacemaker mounts the shared disk on its owner
        points[lab.spec.ha_mountpoint] += 1
    for name in ("tmpfs.list", "binds.list"):
        for line in (node_dir / name).read_text().splitlines():
            words = line.split()
            if words:
                points[words[0] if name == "tmpfs.list" else words[1]] += 1
    return points


def extra_mounts(lab: Any, node: str, init_pid: int) -> list[str]:
    """Mounts in the node that neither the lab nor the host made: a test's."""
    allowed = lab_mount_points(lab, node) + Counter(mount_points("self"))
    return sorted((Counter(mount_points(init_pid)) - allowed).elements())


def _service_commands(lab: Any, node: str) -> dict[str, list[str]]:
    """Service name → the argv that node-init.sh starts it with (the node's services.sh)."""
    from clustertui.lab.spec import StatePaths

    commands: dict[str, list[str]] = {}
    services = StatePaths(lab.state_dir).node_dir(node) / "services.sh"
    for line in services.read_text().splitlines():
        words = shlex.split(line, comments=True)
        if len(words) > 2 and words[0] in ("start_service", "start_background"):
            commands[words[1]] = words[2:]
    return commands


def _answers(address: str, port: int, timeout: float = 1.0) -> bool:
    """Something accepts TCP on address:port (sshd's banner is not awaited: no login)."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def _service_checks(lab: Any, node: str, snap: Snapshot) -> list[Any]:
    """The lab's own checks of the node's services, with sshd's login swapped for a TCP
    connect (a login costs ~0.1 s of CPU; the per-test check must stay cheap) and a process
    check answered from the snapshot (not another pass over /proc)."""
    from clustertui.lab.checks import Check, CheckResult, lab_checks
    from clustertui.lab.spec import StatePaths

    spec = lab.spec.node(node)
    by_process = {s.name: s.process for s in spec.services if s.name == "keepalived"}  # checks.check_process
    checks = [c for c in lab_checks(lab.spec, StatePaths(lab.state_dir))
              if c.node == node and c.service != "sshd" and c.service not in by_process]
    checks.append(Check(node, "sshd", lambda: CheckResult(_answers(spec.address, 22), "port 22")))
    checks += [Check(node, name, lambda comm=comm: CheckResult(snap.running(node, comm), "not running"))
               for name, comm in by_process.items()]
    return checks


def _ledger(init_pid: int) -> list[str]:
    """The node's ledger (revert scripts, and the freeze mark), read through its init's root."""
    try:
        return sorted(os.listdir(f"/proc/{init_pid}/root/{_LEDGER}"))
    except OSError:  # no ledger yet: nothing was ever applied on this node
        return []


def survey(lab: Any, node: str, snap: Snapshot | None = None) -> NodeReport:
    """What is wrong with ``node`` now (nothing is changed).  ``snap``: the processes of
    every node, when the caller surveys several (one pass over /proc for all of them)."""
    snap = snap or Snapshot.take(lab)
    report = NodeReport(node)
    init_pid = snap.inits.get(node)
    if init_pid is None:
        report.found.append("the node's init is gone")
        return report
    report.found += [f"mount on {point}" for point in extra_mounts(lab, node, init_pid)]
    checks = _service_checks(lab, node, snap)
    # The node's command and its checks at once: an HA node's two (corosync-quorumtool,
    # crm_mon) each run a tool inside the node, the slowest part of the survey.
    with ThreadPoolExecutor(max_workers=len(checks) + 1) as pool:
        command = pool.submit(lab.node_exec, node, ["sh", "-c", _SURVEY], timeout=15)
        results = list(pool.map(lambda check: check.probe(), checks))
        parts = _sections(command.result().stdout)
    failed = [f"service {check.service}: {result.detail}" for check, result in zip(checks, results, strict=True)
              if not result.ok]
    ledger = _ledger(init_pid)
    report.found += [f"ledger: {name}" for name in ledger if name.endswith(".revert")]
    report.found += [f"freeze: {name}" for name in ledger if name == ".freeze"]
    report.found += [f"iptables: {rule}" for rule in parts.get("iptables", []) if rule != "-P INPUT ACCEPT"
                     and rule != "-P FORWARD ACCEPT" and rule != "-P OUTPUT ACCEPT"]
    # iptables-nft keeps its own `table ip filter` once iptables ran: only chaos's own tables
    # (clustertui_*) are leftovers.
    report.found += [f"nft: {table}" for table in parts.get("nft", []) if "clustertui_" in table]
    report.found += [f"tc: {qdisc}" for qdisc in parts.get("tc", []) if " root " in qdisc and "noqueue" not in qdisc]
    report.found += [f"stopped: {p.comm} (host pid {p.pid})" for p in snap.procs.get(node, ()) if p.state == "T"]
    report.found += failed
    return report


def _heal_node(lab: Any, report: NodeReport) -> None:
    """Repair in place what ``survey`` found; what stays broken shows in the next survey."""
    node = report.node

    def run(script: str) -> None:
        lab.node_exec(node, ["sh", "-c", script], timeout=30)
        report.healed.append(script)

    init_pid = lab.node_init_pid(node)
    if init_pid is None:
        return
    for item in report.found:
        kind, _, what = item.partition(": ")
        if item.startswith("mount on "):
            report.healed += unmount(lab, node, item.removeprefix("mount on "))
        elif kind == "ledger":
            run(f"sh /run/clustertui/faults/{shlex.quote(what)} halt || rm -f /run/clustertui/faults/{shlex.quote(what)}")
        elif kind == "freeze":
            run("rm -f /run/clustertui/faults/.freeze")
        elif kind == "stopped":  # the snapshot's pids are the host's: continue it from here
            pid = int(what.rsplit("host pid ", 1)[-1].rstrip(")"))
            try:
                os.kill(pid, signal.SIGCONT)
                report.healed.append(f"kill -CONT {pid}")
            except ProcessLookupError:  # it ended meanwhile: nothing left to heal
                pass
    # Rules and qdiscs after the ledger: a fault's own revert removes its own first.
    if any(item.startswith(("iptables:", "nft:")) for item in report.found):
        run("iptables -w 5 -F; iptables -w 5 -X; iptables -w 5 -P INPUT ACCEPT; iptables -w 5 -P OUTPUT ACCEPT;"
            " iptables -w 5 -P FORWARD ACCEPT; if command -v nft >/dev/null; then"
            " nft list tables | grep clustertui_ | while read -r _ family name; do nft delete table \"$family\" \"$name\"; done; fi")
    if any(item.startswith("tc:") for item in report.found):
        run("for dev in $(ls /sys/class/net); do tc qdisc del dev \"$dev\" root 2>/dev/null; done; true")
    from clustertui.lab.checks import process_running

    spec = lab.spec.node(node)
    for service in spec.services:
        if not process_running(spec, service.process):
            argv = _service_commands(lab, node).get(service.name)
            if argv:
                run(f"setsid {shlex.join(argv)} </dev/null >/dev/null 2>&1 &")


def check_and_heal(lab: Any, on_heal: Callable[[str], None] | None = None) -> list[NodeReport]:
    """Survey every node; heal what is wrong; rebuild the lab if healing is not enough.

    Returns the reports of the nodes that were found damaged (empty: nothing was wrong).
    ``on_heal`` gets one line per damaged node, for the test report.
    """
    names = list(lab.spec.names)
    snap = Snapshot.take(lab)
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        damaged = [r for r in pool.map(lambda n: survey(lab, n, snap), names) if r.found]
    if not damaged:
        return []
    for report in damaged:
        _heal_node(lab, report)
        # A service that runs but does not answer yet (HAProxy's rise after nginx came back,
        # a replica resyncing) is still settling: waiting for it is not worth a report.
        if report.healed and on_heal:
            on_heal(f"{report.node}: " + "; ".join(report.found))
    deadline = time.monotonic() + SETTLE
    while True:
        snap = Snapshot.take(lab)
        still = [survey(lab, r.node, snap) for r in damaged]
        still = [r for r in still if r.found]
        if not still or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if still:
        if on_heal:
            on_heal("rebuilding the lab: " + "; ".join(f"{r.node}: {', '.join(r.found)}" for r in still))
        _rebuild(lab)
    return damaged


def _rebuild(lab: Any) -> None:
    """``lab down`` then ``lab up``: slow (~15 s) but sure; only when healing failed."""
    from clustertui.lab import lab_down, lab_up

    lab_down(lab.state_dir)
    lab_up(lab.state_dir)
