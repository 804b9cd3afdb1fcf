"""The fault catalog: every fault kind, its parameters, and how it is applied and undone.

The CLI's `chaos list`, the TUI's chaos menu and docs/chaos.md all read from here, so that
what a person is told about a fault is what the code does.  `parse_params` turns raw
parameters (strings from the command line, scalars from a drill or a form) into checked
values, or raises `InvalidInput` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from clustertui.chaos import validate
from clustertui.chaos.errors import InvalidInput

MAX_TTL = 24 * 3600.0  # a fault is meant to be short; a typo must not make it last a week


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter of a fault kind, as a form or `--help` shows it."""

    name: str
    help: str
    check: Callable[[object, Iterable[str]], Any] = field(repr=False, compare=False)
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A fault kind: what it does, what it needs on the node, and how it is undone."""

    kind: str
    family: str  # process, firewall, latency, hog
    summary: str
    params: tuple[ParamSpec, ...]
    needs: str
    revert: str
    verify: str  # how the apply and the revert are verified
    network: bool = False

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def _service(value: object, nodes: Iterable[str]) -> str:
    return validate.name(value, "service")


def _port(value: object, nodes: Iterable[str]) -> int:
    return validate.port(value, "port")


def _choice(what: str, options: tuple[str, ...]) -> Callable[[object, Iterable[str]], str]:
    return lambda value, nodes: validate.choice(value, what, options)


def _peers(value: object, nodes: Iterable[str]) -> tuple[str, ...]:
    return validate.node_list(value, "peers", nodes)


def _loss_percent(value: object, nodes: Iterable[str]) -> float:
    percent = validate.decimal(value, "percent", 0.0, 100.0)
    if round(percent * 100) != percent * 100:
        raise InvalidInput(f"percent: expected at most two decimals, found {value!r}")
    return percent


def _fill_percent(value: object, nodes: Iterable[str]) -> int:
    return validate.integer(value, "percent", 1, 100)


def _delay(value: object, nodes: Iterable[str]) -> float:
    return validate.duration(value, "delay", 0.001, 60.0)


def _jitter(value: object, nodes: Iterable[str]) -> float:
    return validate.duration(value, "jitter", 0.001, 60.0)


def _cores(value: object, nodes: Iterable[str]) -> int:
    return validate.integer(value, "cores", 1, 1024)


def _mem_mb(value: object, nodes: Iterable[str]) -> int:
    return validate.integer(value, "mb", 1, 1024 * 1024)


def _disk_mb(value: object, nodes: Iterable[str]) -> int:
    return validate.integer(value, "mb", 1, 64 * 1024 * 1024)


def _path(value: object, nodes: Iterable[str]) -> str:
    return validate.directory(value, "path")


SERVICE = ParamSpec("service", "the service (from the cluster file) on the node", _service, required=True)
BACKEND = ParamSpec(
    "backend", "firewall to use: auto picks iptables, else nft", _choice("backend", ("auto", "iptables", "nft")),
    default="auto", choices=("auto", "iptables", "nft"),
)
PEERS = ParamSpec("peers", "node names, comma-separated (default: every other node)", _peers)

_PROCESS_NEEDS = "root, procps (pgrep, pkill), the service's process name"

CATALOG: dict[str, FaultSpec] = {
    spec.kind: spec
    for spec in (
        FaultSpec(
            "kill", "process",
            "SIGKILL every process of the service (by its process name).",
            (SERVICE,),
            f"{_PROCESS_NEEDS}; a start command or systemd unit, so that the revert can restart it",
            "start the service (its start command, or systemctl start) unless it already runs again",
            "apply: none of the killed PIDs is alive; revert: a process of the service runs within 10 s",
        ),
        FaultSpec(
            "stop", "process",
            "Stop the service cleanly (its stop command, or systemctl stop).",
            (SERVICE,),
            "root; start and stop commands or a systemd unit; procps when checked by process name",
            "start the service again",
            "apply: no process of the service runs (or the unit is inactive) within 10 s; "
            "revert: it runs again within 10 s",
        ),
        FaultSpec(
            "start", "process",
            "Start a service that is not running (a standby, a second primary).",
            (SERVICE,),
            "root; start and stop commands or a systemd unit; procps when checked by process name",
            "stop the service again",
            "apply: the service runs within 10 s; revert: it no longer runs within 10 s",
        ),
        FaultSpec(
            "pause", "process",
            "Freeze every process of the service with SIGSTOP: alive, holding its ports, not answering.",
            (SERVICE,),
            _PROCESS_NEEDS,
            "SIGCONT every process of the service",
            "apply: every process is in state T (stopped); revert: none is",
        ),
        FaultSpec(
            "block-port", "firewall",
            "DROP packets to a port: incoming (in), outgoing connections (out) or both. "
            "The node's SSH port can never be blocked.",
            (
                ParamSpec("port", "the port (default: the service's port)", _port),
                ParamSpec("service", "take the port from this service", _service),
                ParamSpec("proto", "tcp or udp", _choice("proto", ("tcp", "udp")), default="tcp", choices=("tcp", "udp")),
                ParamSpec(
                    "direction", "in, out or both", _choice("direction", ("in", "out", "both")),
                    default="in", choices=("in", "out", "both"),
                ),
                BACKEND,
            ),
            "root; iptables (legacy or nft backend) or nft",
            "delete the fault's own chains (iptables) or table (nft)",
            "apply: the jump and every DROP rule are present; revert: `iptables -S` (or `nft list "
            "ruleset`) no longer mentions the fault",
            network=True,
        ),
        FaultSpec(
            "partition", "firewall",
            "DROP all traffic to and from the peers (every other node, or a named set). "
            "Never the controller's address, never the SSH port.",
            (PEERS, BACKEND),
            "root; iptables (legacy or nft backend) or nft; IPv4 peer addresses",
            "delete the fault's own chains (iptables) or table (nft)",
            "apply: the jumps and one DROP rule per peer and direction are present; revert: "
            "`iptables -S` (or `nft list ruleset`) no longer mentions the fault",
            network=True,
        ),
        FaultSpec(
            "loss", "firewall",
            "Drop a percentage of the packets to and from the peers at random "
            "(iptables' statistic match, or nft's numgen).",
            (ParamSpec("percent", "share of packets dropped, 0.01 to 100", _loss_percent, required=True), PEERS, BACKEND),
            "root; iptables with the statistic match, or nft; IPv4 peer addresses",
            "delete the fault's own chains (iptables) or table (nft)",
            "apply: one random-drop rule per peer and direction is present; revert: the fault's "
            "rules are gone",
            network=True,
        ),
        FaultSpec(
            "latency", "latency",
            "Delay the packets the node sends to its peers (tc netem on a prio band; other "
            "traffic, the controller and the SSH port are not delayed).",
            (
                ParamSpec("delay", "added delay, e.g. 100ms", _delay, required=True),
                ParamSpec("jitter", "random variation, e.g. 10ms (less than delay)", _jitter),
                PEERS,
            ),
            "root; tc and ip (iproute2); a kernel with sch_netem; a default root qdisc on the interface",
            "delete the fault's root qdisc (the kernel restores the default)",
            "apply: the netem qdisc is present; revert: `tc qdisc show` no longer lists the fault's handle",
            network=True,
        ),
        FaultSpec(
            "cpu-hog", "hog",
            "Busy-loop sh processes, one per core, in their own process group.",
            (ParamSpec("cores", "how many cores to load (default: all)", _cores),),
            "root; sh, setsid, nohup, procps",
            "SIGKILL the hog's process group (it also ends itself 30 s after the TTL)",
            "apply: one busy process per core runs in the group; revert: no process is left in it",
        ),
        FaultSpec(
            "mem-hog", "hog",
            "Hold MB MiB of anonymous memory: dd reads them into one buffer and blocks on a pipe.",
            (ParamSpec("mb", "MiB to hold (less than the node's MemAvailable)", _mem_mb, required=True),),
            "root; dd, sh, setsid, nohup, procps",
            "SIGKILL the hog's process group (it also ends itself 30 s after the TTL)",
            "apply: dd's resident memory reaches 90% of MB; revert: no process is left in the group",
        ),
        FaultSpec(
            "disk-fill", "hog",
            "Fill a filesystem with one file: MB MiB, or up to PERCENT% used.",
            (
                ParamSpec("path", "a directory on the filesystem to fill", _path, required=True),
                ParamSpec("mb", "MiB to write", _disk_mb),
                ParamSpec("percent", "fill until the filesystem is this % used", _fill_percent),
            ),
            "root; df, and fallocate or dd",
            "delete the file",
            "apply: the file exists with the planned size; revert: the file is gone",
        ),
    )
}


def spec_for(kind: object) -> FaultSpec:
    if not isinstance(kind, str) or kind not in CATALOG:
        raise InvalidInput(f"unknown fault kind {kind!r}: expected one of {', '.join(CATALOG)}")
    return CATALOG[kind]


def parse_params(kind: str, raw: Mapping[str, object], nodes: Iterable[str]) -> dict[str, Any]:
    """Checked parameters of a fault of `kind`, with defaults; raise InvalidInput otherwise.

    `nodes` are the cluster's node names (for `peers`).  A parameter given as None counts as
    not given, so that forms and the CLI can pass every field they have.
    """
    spec = spec_for(kind)
    names = tuple(nodes)
    given = {key: value for key, value in raw.items() if value is not None}
    unknown = [key for key in given if spec.param(key) is None]
    if unknown:
        takes = ", ".join(p.name for p in spec.params)
        raise InvalidInput(f"{kind} takes no {', '.join(map(repr, unknown))} (it takes {takes})")
    params: dict[str, Any] = {}
    for param in spec.params:
        if param.name in given:
            params[param.name] = param.check(given[param.name], names)
        elif param.required:
            raise InvalidInput(f"{kind} needs {param.name}: {param.help}")
        else:
            params[param.name] = param.default
    _cross_check(kind, params)
    return params


def _cross_check(kind: str, params: dict[str, Any]) -> None:
    if kind == "block-port" and params["port"] is None and params["service"] is None:
        raise InvalidInput("block-port needs a port, or a service whose port it blocks")
    if kind == "disk-fill" and (params["mb"] is None) == (params["percent"] is None):
        raise InvalidInput("disk-fill needs exactly one of mb and percent")
    if kind == "latency" and params["jitter"] is not None and params["jitter"] >= params["delay"]:
        raise InvalidInput("latency: jitter must be less than delay")


def ttl_seconds(value: object) -> float:
    """A fault's TTL: a duration from 1 s to 24 h."""
    return validate.duration(value, "ttl", 1.0, MAX_TTL)
