"""What to probe on one node, and the exact remote command that does it.

The plan is derived from the cluster file (which services run on the node) so that the
probe prints only the lines and fields the controller uses: compact frames are what keep
collection inside its CPU budget.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from importlib import resources

from clustertui.probe.watch import watch_wrapper

FAULT_LEDGER_DIR = "/run/clustertui/faults"
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._/-]*")
_OWNER = re.compile(r"@?[A-Za-z0-9_.:@$-]+")


@dataclass(frozen=True, slots=True)
class ServiceCheck:
    """How one service is recognised on a node: any of process name, port, systemd unit.

    A process counts only when its effective uid is `owner`'s (`Service.owner`: a user
    name, a uid, or `@UNIT` for the unit's User=), resolved once when the probe starts."""

    name: str
    process: str | None = None
    owner: str = "root"
    port: int | None = None
    systemd: str | None = None


@dataclass(frozen=True, slots=True)
class ProbePlan:
    """`watch`: report a watched process ending at once (probe/watch.py), not only at the
    next frame; off, detection waits for the frame (the benches compare both)."""

    services: tuple[ServiceCheck, ...] = ()
    paths: tuple[str, ...] = ("/",)
    watch: bool = True

    def __post_init__(self) -> None:
        # The awk program hands paths to df through a shell: allow only plain paths.
        for path in self.paths:
            if not _PLAIN_PATH.fullmatch(path):
                raise ValueError(f"filesystem path {path!r} must be absolute and plain")
        # and owners to a shell, inside single quotes.
        for service in self.services:
            if not _OWNER.fullmatch(service.owner):
                raise ValueError(f"service owner {service.owner!r} must be a user, a uid or @UNIT")

    @property
    def processes(self) -> tuple[tuple[str, str], ...]:
        """(process name, owner) per service; a name is counted once, for its first owner."""
        owners: dict[str, str] = {}
        for service in self.services:
            if service.process:
                owners.setdefault(service.process, service.owner)
        return tuple(owners.items())

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(s.port for s in self.services if s.port))

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.systemd for s in self.services if s.systemd))

    def command(self, interval: float, count: int = 0, roots: tuple[str, ...] = ()) -> str:
        """The shell command that runs the probe; every value is quoted.

        `roots` (tests only) reads each frame's /proc from another directory, in turn: the
        real program runs on /proc captures from other kernels with it.
        """
        variables = {
            "interval": f"{interval:.3f}",
            "count": str(count),
            "procs": " ".join(name for name, _ in self.processes),
            "owners": " ".join(owner for _, owner in self.processes),
            "ports": " ".join(str(port) for port in self.ports),
            "units": " ".join(self.units),
            "paths": " ".join(self.paths),
            "faults": FAULT_LEDGER_DIR,
            "roots": " ".join(roots),
        }
        argv: list[str] = []
        for key, value in variables.items():
            argv += ["-v", f"{key}={value}"]
        awk = " ".join(shlex.quote(arg) for arg in [*argv, _program()])
        # One frame, a capture replayed or nothing to watch: nothing for a watcher to do.
        if not self.watch or count == 1 or roots or not self.processes:
            return f"exec awk {awk}"
        return watch_wrapper(interval, awk)


_PROGRAM: str | None = None


def _program() -> str:
    """The awk program without comments or indentation: it travels on every connect."""
    global _PROGRAM
    if _PROGRAM is None:
        text = resources.files("clustertui.probe").joinpath("probe.awk").read_text()
        lines = (line.strip() for line in text.splitlines())
        _PROGRAM = "\n".join(line for line in lines if line and not line.startswith("#"))
    return _PROGRAM
