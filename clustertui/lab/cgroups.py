"""Per-node cgroups: a memory limit and the CPU accounting LXCFS reads.

Each node's init is placed in ``clustertui-lab/<node>`` *before* it starts anything, so
every process of the node (daemons, SSH sessions, chaos hogs) is accounted there.  LXCFS
reads the cgroup of the reading process's PID-namespace init, which is why the init is the
one that must be in it.

Both layouts are handled:

* cgroup v1 (this lab's reference machine): one hierarchy per controller, possibly
  co-mounted (``cpu,cpuacct``).  We create the node's directory in the memory, cpu,
  cpuacct, cpuset and pids hierarchies.  cpuset needs ``cpuset.cpus``/``cpuset.mems``
  copied from the parent or no task can join.
* cgroup v2 (unified): one tree; controllers must be enabled in ``cgroup.subtree_control``
  of every ancestor.  The limit is ``memory.max``.

Which one is used is detected from ``/proc/self/mountinfo``: v1 when a v1 hierarchy carries
the memory controller, else v2 when a cgroup2 mount offers ``memory``.
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .proc import LabError
from .spec import CGROUP_NAME

V1_CONTROLLERS = ("memory", "cpu", "cpuacct", "cpuset", "pids")
V2_CONTROLLERS = ("memory", "cpu", "cpuset", "pids")


@dataclass(frozen=True)
class CgroupLayout:
    """Where the lab's cgroup directories live.

    ``version`` is 1 or 2.  ``mounts`` maps each controller we use to the mount point of
    its hierarchy (v1; several controllers may share one); for v2, ``unified`` is the
    cgroup2 mount point.
    """

    version: int
    mounts: dict[str, Path]
    unified: Path | None = None

    @property
    def hierarchies(self) -> list[Path]:
        """Distinct hierarchy roots the lab writes to (each once)."""
        if self.version == 2:
            assert self.unified is not None
            return [self.unified]
        seen: list[Path] = []
        for path in self.mounts.values():
            if path not in seen:
                seen.append(path)
        return seen

    def lab_dirs(self) -> list[Path]:
        """``clustertui-lab`` in every hierarchy."""
        return [h / CGROUP_NAME for h in self.hierarchies]

    def node_dirs(self, node: str) -> list[Path]:
        """The node's cgroup directory in every hierarchy."""
        return [d / node for d in self.lab_dirs()]

    def memory_dir(self, node: str) -> Path:
        base = self.unified if self.version == 2 else self.mounts["memory"]
        assert base is not None
        return base / CGROUP_NAME / node


def _mountinfo() -> list[tuple[Path, str, set[str]]]:
    """(mount point, fs type, super options) of every cgroup mount."""
    out: list[tuple[Path, str, set[str]]] = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields = left.split()
            rfields = right.split()
            if len(fields) < 5 or len(rfields) < 3:
                continue
            fstype = rfields[0]
            if fstype not in ("cgroup", "cgroup2"):
                continue
            mnt = Path(fields[4].replace("\\040", " "))
            out.append((mnt, fstype, set(rfields[2].split(","))))
    return out


def detect_layout() -> CgroupLayout:
    """Find the cgroup hierarchies; raise :class:`LabError` if memory control is absent."""
    mounts: dict[str, Path] = {}
    unified: Path | None = None
    for mnt, fstype, opts in _mountinfo():
        if fstype == "cgroup":
            for ctrl in V1_CONTROLLERS:
                if ctrl in opts and ctrl not in mounts:
                    mounts[ctrl] = mnt
        elif unified is None:
            try:
                ctrls = (mnt / "cgroup.controllers").read_text().split()
            except OSError:
                ctrls = []
            if "memory" in ctrls:
                unified = mnt
    if "memory" in mounts:
        return CgroupLayout(1, mounts)
    if unified is not None:
        return CgroupLayout(2, {}, unified)
    raise LabError(
        "no cgroup memory controller found (neither a v1 'memory' hierarchy nor cgroup2 "
        "with 'memory'); the lab needs it for per-node memory limits"
    )


def _write(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError as exc:
        raise LabError(f"cannot write {value!r} to {path}: {exc.strerror}") from exc


def _v2_enable(parent: Path) -> None:
    """Enable our controllers for the children of ``parent`` (those it offers)."""
    offered = set((parent / "cgroup.controllers").read_text().split())
    wanted = [c for c in V2_CONTROLLERS if c in offered]
    current = set((parent / "cgroup.subtree_control").read_text().split())
    missing = [c for c in wanted if c not in current]
    if missing:
        _write(parent / "cgroup.subtree_control", " ".join("+" + c for c in missing))


def create_node_cgroup(layout: CgroupLayout, node: str, memory_limit: int) -> list[Path]:
    """Create the node's cgroup everywhere with its memory limit; return its directories."""
    if layout.version == 2:
        assert layout.unified is not None
        lab = layout.unified / CGROUP_NAME
        _v2_enable(layout.unified)
        lab.mkdir(exist_ok=True)
        _v2_enable(lab)
        node_dir = lab / node
        node_dir.mkdir(exist_ok=True)
        _write(node_dir / "memory.max", str(memory_limit))
        if (node_dir / "memory.swap.max").exists():
            _write(node_dir / "memory.swap.max", "0")
        return [node_dir]

    dirs: list[Path] = []
    for hier in layout.hierarchies:
        lab = hier / CGROUP_NAME
        node_dir = lab / node
        for d in (lab, node_dir):
            d.mkdir(exist_ok=True)
            if (d / "cpuset.cpus").exists():
                # A new cpuset is empty and refuses tasks until it gets cpus and mems.
                for f in ("cpuset.cpus", "cpuset.mems"):
                    if not (d / f).read_text().strip():
                        _write(d / f, (d.parent / f).read_text().strip())
        dirs.append(node_dir)
    mem = layout.memory_dir(node)
    _write(mem / "memory.limit_in_bytes", str(memory_limit))
    return dirs


def procs_files(layout: CgroupLayout, node: str) -> list[str]:
    """``cgroup.procs`` of the node in every hierarchy (what a launcher writes its pid to)."""
    return [str(d / "cgroup.procs") for d in layout.node_dirs(node)]


def join(procs: list[str]) -> None:
    """Move the calling process into the given cgroups.

    Used as a ``preexec_fn`` (between fork and exec), so it only does raw writes: the child
    is in the node's cgroups before it runs a single instruction of the target program.
    """
    for path in procs:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)


def memory_limit(layout: CgroupLayout, node: str) -> int | None:
    """The node's memory limit in bytes, or ``None`` if its cgroup is gone or unlimited."""
    d = layout.memory_dir(node)
    name = "memory.max" if layout.version == 2 else "memory.limit_in_bytes"
    try:
        raw = (d / name).read_text().strip()
    except OSError:
        return None
    if raw == "max":
        return None
    value = int(raw)
    return None if value >= 1 << 62 else value


def lab_cgroup_dirs() -> list[Path]:
    """Every existing ``clustertui-lab`` directory in any mounted hierarchy (for ``down``)."""
    out: list[Path] = []
    for mnt, _fstype, _opts in _mountinfo():
        d = mnt / CGROUP_NAME
        if d.is_dir() and d not in out:
            out.append(d)
    return out


def pids_in(cgroup_dir: Path) -> set[int]:
    """Every pid in ``cgroup_dir`` and its descendants."""
    pids: set[int] = set()
    for root, _dirs, files in os.walk(cgroup_dir):
        if "cgroup.procs" in files:
            try:
                text = (Path(root) / "cgroup.procs").read_text()
            except OSError:
                continue
            pids.update(int(p) for p in text.split())
    return pids


def remove_tree(cgroup_dir: Path, timeout: float = 5.0) -> list[str]:
    """rmdir ``cgroup_dir`` bottom-up, retrying while exiting tasks drain; return failures."""
    deadline = time.monotonic() + timeout
    failures: list[str] = []
    dirs = [Path(root) for root, _d, _f in os.walk(cgroup_dir)]
    for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        while True:
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError as exc:
                if exc.errno == errno.EBUSY and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                failures.append(f"{d}: {exc.strerror}")
                break
    return failures
