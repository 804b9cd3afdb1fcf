"""Node processes: launching a node's init, finding it again, running commands inside it.

A node is a PID namespace whose init (PID 1 inside, a ``sh`` running ``init.sh``) was put
in the node's cgroup before it started.  We never trust a pid file to find it: the init is
the process whose network namespace is the node's (``/run/netns/ctui-NODE``) and whose
``NSpid`` ends in 1.  Pid files are written for humans and as a hint for ``down``.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import cgroups
from .netns import netns_inode
from .proc import LabError, clean_env
from .spec import DEFAULT_SPEC, LabSpec, NodeSpec

#: Trampoline that moves itself into the given cgroups, then execs the rest of argv.
#: A shell (not a preexec_fn) so it is safe to call from threaded programs; the paths are
#: passed as arguments, never spliced into the script.
_JOIN_AND_EXEC = 'while [ "$1" != "--" ]; do echo 0 > "$1" || exit 125; shift; done; shift; exec "$@"'


def with_cgroups(procs: Sequence[str], argv: Sequence[str]) -> list[str]:
    """argv that runs ``argv`` inside the cgroups whose ``cgroup.procs`` files are given."""
    return ["/bin/sh", "-c", _JOIN_AND_EXEC, "ctui-join", *procs, "--", *argv]


def _ns_pid_chain(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("NSpid:"):
                    return [int(x) for x in line.split()[1:]]
    except (OSError, ValueError):
        pass
    return []


def _net_inode(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def _all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def find_inits(netns_names: Sequence[str]) -> dict[str, int]:
    """Map netns name → host pid of the PID-namespace init running in that netns."""
    wanted = {ino: name for name in netns_names if (ino := netns_inode(name)) is not None}
    found: dict[str, int] = {}
    if not wanted:
        return found
    for pid in _all_pids():
        ino = _net_inode(pid)
        if ino not in wanted:
            continue
        chain = _ns_pid_chain(pid)
        if len(chain) >= 2 and chain[-1] == 1:
            name = wanted[ino]
            # Lowest host pid wins if (impossibly) two inits share a netns.
            if name not in found or pid < found[name]:
                found[name] = pid
    return found


def node_init_pid(node: str, spec: LabSpec = DEFAULT_SPEC) -> int | None:
    """Host pid of ``node``'s init (PID 1 of its namespaces), or ``None`` if not running."""
    ns = spec.node(node).netns
    return find_inits([ns]).get(ns)


def pids_in_netns(name: str) -> list[int]:
    """Every process whose network namespace is ``/run/netns/NAME``."""
    ino = netns_inode(name)
    if ino is None:
        return []
    return [pid for pid in _all_pids() if _net_inode(pid) == ino]


def launch_init(
    node: NodeSpec,
    layout: cgroups.CgroupLayout,
    init_script: Path,
    node_dir: Path,
    lxcfs_dir: Path,
    log_file: Path,
) -> None:
    """Start the node's init, detached, already inside the node's cgroup.

    ``setsid -f`` forks so the ``unshare`` process is re-parented to the host's init and
    never lingers as our zombie; ``--kill-child`` makes the whole PID namespace die with
    it.
    """
    argv = [
        "setsid", "-f",
        "ip", "netns", "exec", node.netns,
        "unshare", "--uts", "--pid", "--mount", "--fork", "--mount-proc", "--kill-child",
        "/bin/sh", str(init_script), node.name, str(node_dir), str(lxcfs_dir),
    ]  # fmt: skip
    with open(log_file, "ab") as log:
        res = subprocess.run(
            with_cgroups(cgroups.procs_files(layout, node.name), argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=clean_env(),
            cwd="/",
            timeout=10,
            check=False,
        )
    if res.returncode != 0:
        raise LabError(f"could not launch {node.name}'s init (exit {res.returncode}); see {log_file}")


def wait_for_inits(spec: LabSpec, names: Sequence[str], timeout: float = 5.0) -> dict[str, int]:
    """Wait until every named node has an init; return node → host pid."""
    deadline = time.monotonic() + timeout
    netns = {spec.node(n).netns: n for n in names}
    while True:
        found = find_inits(list(netns))
        if len(found) == len(netns) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    missing = [netns[ns] for ns in netns if ns not in found]
    if missing:
        raise LabError(f"node init did not start on: {', '.join(missing)} (see nodes/*/log/init.log)")
    return {netns[ns]: pid for ns, pid in found.items()}


def _nsenter_argv(node: str, argv: Sequence[str], spec: LabSpec) -> list[str]:
    pid = node_init_pid(node, spec)
    if pid is None:
        raise LabError(f"lab node {node} is not running (no init in netns {spec.node(node).netns})")
    layout = cgroups.detect_layout()
    # setpriv --pdeathsig: the command dies with nsenter (its parent outside the node), so
    # killing a node_popen()/timed-out node_exec() does not leave it running in the node.
    enter = ["nsenter", "-t", str(pid), "-n", "-u", "-p", "-m", "-r", "-w", "--"]
    enter += ["setpriv", "--pdeathsig", "KILL", "--", *argv]
    return with_cgroups(cgroups.procs_files(layout, node), enter)


def node_exec(
    node: str,
    argv: Sequence[str],
    *,
    input: str | None = None,
    timeout: float | None = 30.0,
    check: bool = False,
    env: Mapping[str, str] | None = None,
    spec: LabSpec = DEFAULT_SPEC,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` inside ``node`` and wait for it; output is captured as text.

    "Inside" means what an SSH session on the node gets: the node's network, UTS, PID and
    mount namespaces (its /proc, /run, hostname, firewall) and its cgroup (so a CPU hog
    counts against the node).  Use it in tests to break things without SSH: stop nginx on
    web2, kill sshd on db3.  ``check=True`` raises ``CalledProcessError`` on a non-zero exit.
    """
    return subprocess.run(
        _nsenter_argv(node, argv, spec),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(env),
        stdin=None if input is not None else subprocess.DEVNULL,
        check=check,
    )


def node_popen(node: str, argv: Sequence[str], *, spec: LabSpec = DEFAULT_SPEC, **popen_kwargs: Any) -> subprocess.Popen[Any]:
    """Start ``argv`` inside ``node`` without waiting (a background load, a tail -f).

    Same namespaces and cgroup as :func:`node_exec`; extra keyword arguments go to
    ``subprocess.Popen``.  The caller owns the process (terminate and wait for it).
    Terminating it kills the command inside the node, but not processes that command
    started itself: bound those (``["timeout", "3", ...]``) or kill them with node_exec.
    """
    popen_kwargs.setdefault("env", clean_env())
    popen_kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.Popen(_nsenter_argv(node, argv, spec), **popen_kwargs)
