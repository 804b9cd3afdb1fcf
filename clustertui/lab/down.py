"""``lab down``: remove everything a lab made, found by name, not from state files.

It must work after a complete ``up``, after one that failed half-way, after a crash, and
when nothing is there.  So it discovers leftovers: ``ctui-`` namespaces and links,
``clustertui-lab`` cgroups, processes inside either, the lab's LXCFS mount and process, the
lab-tagged firewall rule, the runtime directory, and state directories carrying the lab's
marker.  Order: processes first (killing a node's init kills its whole PID namespace, and
dead processes free their namespaces, mounts and cgroups), then cgroups, namespaces,
links, firewall, LXCFS, the shared disk's loop device, files.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cgroups, firewall, ha, lxcfs, netns, nodes, prometheus
from .locking import operation_lock
from .proc import run
from .spec import DEFAULT_SPEC, RULE_COMMENT, STATE_MARKER, LabSpec, RuntimePaths, default_state_dir


@dataclass
class DownReport:
    """What ``lab down`` removed (empty lists: there was nothing) and what it could not."""

    removed: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def found_anything(self) -> bool:
        return bool(self.removed or self.failures)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _kill_all(pids: set[int], timeout: float = 3.0) -> set[int]:
    """SIGKILL ``pids`` and wait until they are gone; return the ones still alive."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + timeout
    left = {p for p in pids if _alive(p)}
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = {p for p in left if _alive(p)}
    return left


def lab_processes() -> set[int]:
    """Every process that belongs to a lab node (by cgroup or by network namespace)."""
    pids: set[int] = set()
    for d in cgroups.lab_cgroup_dirs():
        pids |= cgroups.pids_in(d)
    for ns in netns.list_lab_netns():
        pids |= set(nodes.pids_in_netns(ns))
    pids.discard(os.getpid())
    return pids


def _state_dirs(state_dir: Path | None, rt: RuntimePaths) -> list[Path]:
    dirs = [state_dir or default_state_dir()]
    try:
        pointed = Path(rt.state_pointer.read_text().strip())
        if pointed not in dirs and str(pointed):
            dirs.append(pointed)
    except OSError:
        pass
    return dirs


def _mounts_under(prefixes: list[Path]) -> list[str]:
    """Mount points in our namespace at or below any of ``prefixes``, deepest first."""
    out: list[str] = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            fields = line.split()
            if len(fields) < 5:
                continue
            mnt = fields[4].replace("\\040", " ")
            for p in prefixes:
                if mnt == str(p) or mnt.startswith(str(p).rstrip("/") + "/"):
                    out.append(mnt)
    return sorted(set(out), key=len, reverse=True)


def lab_down(state_dir: Path | None = None, spec: LabSpec = DEFAULT_SPEC) -> DownReport:
    """Remove every namespace, link, process, cgroup, mount, rule and file of the lab."""
    with operation_lock():
        return _lab_down(state_dir, spec)


def _lab_down(state_dir: Path | None, spec: LabSpec) -> DownReport:
    t0 = time.monotonic()
    rep = DownReport()
    rt = RuntimePaths()

    # 1. Processes: node inits first (each takes its PID namespace with it), then stragglers.
    inits = nodes.find_inits(netns.list_lab_netns())
    left = _kill_all(set(inits.values()))
    rep.removed += [f"node {ns.removeprefix('ctui-')} (init pid {pid})" for ns, pid in sorted(inits.items())]
    stragglers = lab_processes() - set(inits.values())
    left |= _kill_all(stragglers)
    if stragglers:
        rep.removed.append(f"{len(stragglers)} other lab processes")
    rep.failures += [f"process {pid} survived SIGKILL" for pid in sorted(left)]

    # 2. Cgroups (empty now).
    for d in cgroups.lab_cgroup_dirs():
        fails = cgroups.remove_tree(d)
        rep.failures += fails
        if not fails:
            rep.removed.append(f"cgroup {d}")

    # 3. Namespaces and links.  Deleting a netns destroys the veth peers inside it, which
    # takes the host sides along; whatever remains is deleted by name.
    for ns in netns.list_lab_netns():
        netns.delete_netns(ns)
        rep.removed.append(f"netns {ns}")
    for link in netns.list_lab_links():
        netns.delete_link(link)
        rep.removed.append(f"link {link}")
    rep.failures += [f"netns {n} still present" for n in netns.list_lab_netns()]
    rep.failures += [f"link {n} still present" for n in netns.list_lab_links()]
    netns.cleanup_netns_dir()

    # 4. Firewall rule(s) tagged with the lab's comment.
    rep.removed += firewall.remove_rules()

    # 5. The lab's Prometheus (its storage is in the state dir), LXCFS, then any other mount
    # below the lab's directories.
    rep.removed += prometheus.stop(spec)
    rep.removed += lxcfs.stop(rt)
    states = _state_dirs(state_dir, rt)
    for mnt in _mounts_under([rt.root, *states]):
        if run(["umount", "-l", mnt], check=False).returncode == 0:
            rep.removed.append(f"mount {mnt}")
        else:
            rep.failures.append(f"could not unmount {mnt}")

    # 6. The HA cluster's shared disk (its mounts died with the nodes' mount namespaces).
    rep.removed += ha.detach_disks(rt)
    rep.failures += [f"loop device {d} still attached" for d in ha.attached_disks(rt)]

    # 7. Files: runtime dir, and every state dir that carries the lab's marker.
    if rt.root.exists():
        shutil.rmtree(rt.root, ignore_errors=True)
        rep.removed.append(f"runtime dir {rt.root}")
    for d in states:
        if (d / STATE_MARKER).exists():
            shutil.rmtree(d, ignore_errors=True)
            rep.removed.append(f"state dir {d}")
            if d.exists():
                rep.failures.append(f"could not remove {d}")
    rep.seconds = time.monotonic() - t0
    return rep


def find_leftovers(state_dir: Path | None = None) -> list[str]:
    """Everything of a lab still on this host (empty after a clean ``down``).

    Used by ``lab down`` to verify itself and by the tests: namespaces, links, processes,
    cgroups, mounts, firewall rules, runtime and state files.
    """
    rt = RuntimePaths()
    out: list[str] = []
    out += [f"netns {n}" for n in netns.list_lab_netns()]
    out += [f"link {n}" for n in netns.list_lab_links()]
    out += [f"cgroup {d}" for d in cgroups.lab_cgroup_dirs()]
    out += [f"process {p}" for p in sorted(lab_processes()) if _alive(p)]
    out += [f"lxcfs process {p}" for p in lxcfs.lxcfs_pids(rt)]
    out += [f"prometheus process {p}" for p in prometheus.pids(DEFAULT_SPEC)]
    states = _state_dirs(state_dir, rt)
    out += [f"mount {m}" for m in _mounts_under([rt.root, *states])]
    out += [f"loop device {d}" for d in ha.attached_disks(rt)]
    res = run(["iptables", "-w", "-S"], check=False)
    out += [f"firewall rule {line}" for line in res.stdout.splitlines() if RULE_COMMENT in line]
    if rt.root.exists():
        out.append(f"runtime dir {rt.root}")
    out += [f"state dir {d}" for d in states if (d / STATE_MARKER).exists()]
    return out
