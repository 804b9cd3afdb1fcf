"""LXCFS: per-node /proc/stat, /proc/meminfo, /proc/loadavg, /proc/uptime, as in LXC.

One ``lxcfs`` daemon serves the whole lab from a lab-owned mountpoint
(``/var/lib/clustertui-lab/lxcfs``, not Debian's ``/var/lib/lxcfs``, so it never collides
with a host-wide lxcfs).  LXCFS answers each read according to the cgroups of the reader's
PID-namespace init, so after each node's init bind-mounts these files over its own /proc
(see ``templates/node-init.sh``) every node sees its own CPU time and memory limit.

Options: ``-l`` virtualises /proc/loadavg (off by default in lxcfs 5).  ``--enable-cfs``
is not used: nodes have no CPU quota, only accounting, and the per-cgroup /proc/stat
comes from ``cpuacct`` without it.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from .proc import LabError, clean_env, run, terminate
from .spec import RuntimePaths

PROC_FILES = ("stat", "meminfo", "loadavg", "uptime", "cpuinfo", "diskstats", "swaps")


def is_mounted(path: Path) -> bool:
    """True when a FUSE (lxcfs) filesystem is mounted at ``path``."""
    target = str(path)
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as fh:
            for line in fh:
                left, _, right = line.partition(" - ")
                fields = left.split()
                if len(fields) > 4 and fields[4] == target and right.startswith("fuse"):
                    return True
    except OSError:
        pass
    return False


def healthy(rt: RuntimePaths) -> bool:
    """The mount is there and answers (a dead lxcfs leaves a mount that errors on read)."""
    if not is_mounted(rt.lxcfs_mount):
        return False
    try:
        return (rt.lxcfs_mount / "proc" / "meminfo").read_text().startswith("MemTotal")
    except OSError:
        return False


def start(rt: RuntimePaths, timeout: float = 5.0) -> None:
    """Start lxcfs on the lab's mountpoint (unless a healthy one is already there)."""
    if healthy(rt):
        return
    stop(rt)
    rt.lxcfs_mount.mkdir(parents=True, exist_ok=True)
    with open(rt.lxcfs_log, "ab") as log:
        proc = subprocess.Popen(
            ["lxcfs", "-f", "-l", "-p", str(rt.lxcfs_pid), str(rt.lxcfs_mount)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=clean_env(),
            cwd="/",
            start_new_session=True,
        )
    # -f keeps it in the foreground so we know its pid for sure; it was started in its own
    # session and survives us.  The Popen object is dropped deliberately.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy(rt):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    raise LabError(f"lxcfs did not come up on {rt.lxcfs_mount}; see {rt.lxcfs_log}")


def lxcfs_pids(rt: RuntimePaths) -> list[int]:
    """Pids of lxcfs processes serving the lab's mountpoint (pid file and /proc scan)."""
    pids: set[int] = set()
    try:
        hinted = int(rt.lxcfs_pid.read_text().strip())
        # Only trust the pid file if that pid is still an lxcfs (pids get reused).
        if Path(f"/proc/{hinted}/comm").read_text().strip() == "lxcfs":
            pids.add(hinted)
    except (OSError, ValueError):
        pass
    target = str(rt.lxcfs_mount).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                argv = fh.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0]) == b"lxcfs" and target in argv:
            pids.add(int(entry))
    return sorted(p for p in pids if _alive(p))


def _alive(pid: int) -> bool:
    """Running, not a zombie (the host's init may reap our orphans late)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def stop(rt: RuntimePaths) -> list[str]:
    """Unmount the lab's lxcfs and stop its process; return what was removed."""
    done: list[str] = []
    if is_mounted(rt.lxcfs_mount):
        # Lazy: node mount namespaces may still hold bind mounts of its files.
        run(["umount", "-l", str(rt.lxcfs_mount)], check=False)
        done.append(f"lxcfs mount {rt.lxcfs_mount}")
    done += [f"lxcfs pid {pid}" for pid in terminate(lambda: lxcfs_pids(rt))]
    return done
