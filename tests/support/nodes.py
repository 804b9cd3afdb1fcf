"""Reading and breaking lab nodes from a test: processes, sshd, mounts, fault leftovers.

Every function takes the ``lab`` fixture (a ``LabHandle``) and a node name.  Whatever a test
breaks with these, it mends in a ``finally``; the lab fixture's health check
(``tests.support.lab_health``) heals what a failed or interrupted test still left behind.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from clustertui.chaos.faults.latency import handles
from tests.support.waiting import wait_for


def sh(lab: Any, node: str, script: str) -> str:
    """stdout of `sh -c script` inside a lab node."""
    return lab.node_exec(node, ["sh", "-c", script]).stdout


def pids(lab: Any, node: str, comm: str) -> set[int]:
    """Node-side pids of the processes named ``comm`` on the node."""
    return {int(p) for p in lab.node_exec(node, ["pgrep", "-x", comm]).stdout.split()}


def start_sshd(lab: Any, node: str) -> None:
    from clustertui.lab.spec import StatePaths

    paths = StatePaths(lab.state_dir)
    node_dir = paths.node_dir(node)
    lab.node_exec(
        node, ["/usr/sbin/sshd", "-f", str(node_dir / "sshd_config"), "-E", str(paths.node_log_dir(node) / "sshd.log")],
        check=True,
    )


@contextmanager
def sshd_killed(lab: Any, node: str) -> Iterator[None]:
    """Kill every sshd of the node (listener and sessions), then start it again."""
    lab.node_exec(node, ["pkill", "-KILL", "-x", "sshd"])
    wait_for(lambda: not pids(lab, node, "sshd"), what=f"sshd to die on {node}")
    try:
        yield
    finally:
        start_sshd(lab, node)
        wait_for(lambda: bool(pids(lab, node, "sshd")), what=f"sshd to run again on {node}")


def leftovers(lab: Any, node: str, fault_id: str) -> list[str]:
    """Anything a fault could have left on a node: ledger files, rules, qdiscs, processes."""
    found = []
    ledger = sh(lab, node, f"ls /run/clustertui/faults/{fault_id}.* 2>/dev/null")
    if ledger.strip():
        found.append(f"ledger files: {ledger.split()}")
    rules = [line for line in sh(lab, node, "iptables -w 5 -S").splitlines() if "ctui-" in line]
    if rules:
        found.append(f"iptables: {rules}")
    tables = [line for line in sh(lab, node, "nft list tables").splitlines() if "clustertui_" in line]
    if tables:
        found.append(f"nft: {tables}")
    root, _ = handles(fault_id)
    qdiscs = [line for line in sh(lab, node, "tc qdisc show").splitlines() if f" {root} " in line or "netem" in line]
    if qdiscs:
        found.append(f"tc: {qdiscs}")
    processes = [
        line for line in sh(lab, node, "ps -eo pid,args").splitlines()
        if fault_id in line or "ctui-hog" in line or "ctui-timer" in line
    ]
    if processes:
        found.append(f"processes: {processes}")
    fills = sh(lab, node, "ls -d /tmp/.clustertui-fill-* /run/.clustertui-fill-* 2>/dev/null")
    if fills.strip():
        found.append(f"files: {fills.split()}")
    return found


def busy_jiffies(lab: Any, node: str) -> int:
    """user+nice+system+irq+softirq+steal jiffies of the node (LXCFS /proc/stat)."""
    fields = sh(lab, node, "head -n 1 /proc/stat").split()
    values = [int(v) for v in fields[1:]]
    return sum(values) - values[3] - values[4]  # minus idle and iowait


def mem_available_kb(lab: Any, node: str) -> int:
    return int(sh(lab, node, "awk '/^MemAvailable:/ {print $2}' /proc/meminfo").strip())


def tcp_connects(lab: Any, node: str, address: str, port: int, attempts: int, timeout: float) -> int:
    """How many of `attempts` TCP connects from `node` to address:port succeed."""
    script = (
        f"i=0; while [ $i -lt {attempts} ]; do i=$((i + 1)); "
        f"timeout {timeout} bash -c 'exec 3<>/dev/tcp/{address}/{port}' 2>/dev/null && echo ok; done"
    )
    return sh(lab, node, script).count("ok")


# --- mounts ------------------------------------------------------------------------------
#
# A test that fakes a node's binary binds a file over it in the node's mount namespace.  While
# anything runs from that file (a shell interpreting a fake script holds it open), `umount`
# fails with "target is busy" and the fake outlives the test: the next tests then meet a
# broken node.  So unmounting stops those processes first, retries, falls back to a lazy
# unmount, and verifies.


def _unescape(field: str) -> str:
    """A mountinfo path field: spaces, tabs, newlines and backslashes are octal escapes."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def mount_points(pid: int | str) -> list[str]:
    """Mount points of the mount namespace of ``pid`` (or ``"self"``), one per mount: stacked
    mounts repeat their point."""
    with open(f"/proc/{pid}/mountinfo", encoding="utf-8", errors="replace") as fh:
        return [_unescape(line.split()[4]) for line in fh if len(line.split()) > 4]


def _same_mount_ns(pid: int, ns: str) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt") == ns
    except OSError:
        return False


def _uses(pid: int, point: str) -> bool:
    """The process (host pid) runs from, has open, maps or sits in a path under ``point``."""
    def under(path: str) -> bool:
        path = path.removesuffix(" (deleted)")
        return path == point or path.startswith(point.rstrip("/") + "/")

    links = [f"/proc/{pid}/exe", f"/proc/{pid}/cwd"]
    try:
        links += [f"/proc/{pid}/fd/{fd}" for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    for link in links:
        try:
            if under(os.readlink(link)):
                return True
        except OSError:
            continue
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as fh:
            return any(under(line.split(maxsplit=5)[-1].strip()) for line in fh if line.count(" ") >= 5)
    except OSError:
        return False


def users_of(init_pid: int, point: str) -> list[int]:
    """Host pids of the processes in the node's mount namespace that use ``point``."""
    ns = os.readlink(f"/proc/{init_pid}/ns/mnt")
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != init_pid and _same_mount_ns(int(entry), ns) and _uses(int(entry), point):
            found.append(int(entry))
    return found


def unmount(lab: Any, node: str, point: str, attempts: int = 5) -> list[str]:
    """Remove every mount stacked on ``point`` in the node; what it had to do, for a report.

    Stops (SIGKILL) what runs from the mount first, retries while the kernel says busy, and
    as a last resort detaches it lazily (``umount -l``: gone from the namespace at once,
    freed when the last user goes).  Raises ``AssertionError`` if the mount is still there.
    """
    init_pid = lab.node_init_pid(node)
    assert init_pid is not None, f"{node} is not running"
    done: list[str] = []
    for attempt in range(attempts + 1):
        if point not in mount_points(init_pid):
            return done
        for pid in users_of(init_pid, point):
            try:
                os.kill(pid, signal.SIGKILL)
                done.append(f"killed pid {pid} (used {point})")
            except ProcessLookupError:
                pass
        lazy = ["-l"] if attempt == attempts else []
        result = lab.node_exec(node, ["umount", *lazy, point])
        if result.returncode != 0:
            time.sleep(0.1)
        else:
            done.append(f"unmounted {point}" + (" lazily" if lazy else ""))
    assert point not in mount_points(init_pid), f"{node}: {point} is still mounted after {attempts} attempts"
    return done
