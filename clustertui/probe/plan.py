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

FAULT_LEDGER_DIR = "/run/clustertui/faults"
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9._/-]*")


@dataclass(frozen=True, slots=True)
class ServiceCheck:
    """How one service is recognised on a node: any of process name, port, systemd unit."""

    name: str
    process: str | None = None
    port: int | None = None
    systemd: str | None = None


@dataclass(frozen=True, slots=True)
class ProbePlan:
    services: tuple[ServiceCheck, ...] = ()
    paths: tuple[str, ...] = ("/",)

    def __post_init__(self) -> None:
        # The awk program hands paths to df through a shell: allow only plain paths.
        for path in self.paths:
            if not _PLAIN_PATH.fullmatch(path):
                raise ValueError(f"filesystem path {path!r} must be absolute and plain")

    @property
    def process_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.process for s in self.services if s.process))

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
            "procs": " ".join(self.process_names),
            "ports": " ".join(str(port) for port in self.ports),
            "units": " ".join(self.units),
            "paths": " ".join(self.paths),
            "faults": FAULT_LEDGER_DIR,
            "roots": " ".join(roots),
        }
        argv = ["exec", "awk"]
        for key, value in variables.items():
            argv += ["-v", f"{key}={value}"]
        argv.append(_program())
        return " ".join(shlex.quote(arg) if arg != "exec" else arg for arg in argv)


_PROGRAM: str | None = None


def _program() -> str:
    """The awk program without comments or indentation: it travels on every connect."""
    global _PROGRAM
    if _PROGRAM is None:
        text = resources.files("clustertui.probe").joinpath("probe.awk").read_text()
        lines = (line.strip() for line in text.splitlines())
        _PROGRAM = "\n".join(line for line in lines if line and not line.startswith("#"))
    return _PROGRAM
