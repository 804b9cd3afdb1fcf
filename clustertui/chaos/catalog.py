"""The fault catalog: every fault kind, its parameters, and how it is applied and undone.

The CLI's `chaos list`, the TUI's chaos menu and docs/chaos.md all read from here, so that
what a person is told about a fault is what the code does.  `parse_params` turns raw
parameters (strings from the command line, scalars from a drill or a form) into checked
values, or raises `InvalidInput` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from clustertui.chaos.errors import InvalidInput
from clustertui.chaos.faults.casts import MODES
from clustertui.chaos.params import Directory, Peers, Percent, integer
from clustertui.config.durations import parse_duration
from clustertui.config.scalars import DurationRule, FaultKind, Port, ServiceName, expect, ttl_problem
from clustertui.config.translate import explain

__all__ = ["CATALOG", "FaultKind", "FaultSpec", "ParamSpec", "parse_params", "spec_for", "ttl_from_text", "ttl_seconds"]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter of a fault kind, as a form or `--help` shows it; `type` is the pydantic
    type its value is validated as (the cluster file's own types for names and ports)."""

    name: str
    help: str
    type: Any
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A fault kind: what it does, what it needs on the node, and how it is undone."""

    kind: FaultKind
    family: str  # process, firewall, latency, hog
    summary: str
    params: tuple[ParamSpec, ...]
    needs: str
    revert: str
    verify: str  # how the apply and the revert are verified
    network: bool = False

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def _choice(name: str, help: str, options: tuple[str, ...], default: str) -> ParamSpec:
    kind = Annotated[Literal[options], expect(f"one of {', '.join(options)}")]  # type: ignore[valid-type]
    return ParamSpec(name, help, kind, default=default, choices=options)


_Delay = Annotated[float, DurationRule("a duration from 1ms to 60s, like 100ms", ge=0.001, le=60.0)]

SERVICE = ParamSpec("service", "the service (from the cluster file) on the node", ServiceName, required=True)
BACKEND = _choice("backend", "firewall to use: auto picks iptables, else nft", ("auto", "iptables", "nft"), "auto")
PEERS = ParamSpec("peers", "node names, comma-separated (default: every other node)", Peers)

_PROCESS_NEEDS = "root, procps (pgrep), the service's process name"

CATALOG: dict[str, FaultSpec] = {  # keyed by FaultKind (a str), checked below
    spec.kind: spec
    for spec in (
        FaultSpec(
            FaultKind.KILL, "process",
            "SIGKILL every process of the service (by its process name).",
            (SERVICE,),
            f"{_PROCESS_NEEDS}; a start command or systemd unit, so that the revert can restart it",
            "start the service (its start command, or systemctl start) unless it already runs again",
            "apply: none of the killed PIDs is alive; revert: a process of the service runs within 10 s",
        ),
        FaultSpec(
            FaultKind.STOP, "process",
            "Stop the service cleanly (its stop command, or systemctl stop).",
            (SERVICE,),
            "root; start and stop commands or a systemd unit; procps when checked by process name",
            "start the service again",
            "apply: no process of the service runs (or the unit is inactive) within 10 s; "
            "revert: it runs again within 10 s",
        ),
        FaultSpec(
            FaultKind.START, "process",
            "Start a service that is not running (a standby, a second primary).",
            (SERVICE,),
            "root; start and stop commands or a systemd unit; procps when checked by process name",
            "stop the service again",
            "apply: the service runs within 10 s; revert: it no longer runs within 10 s",
        ),
        FaultSpec(
            FaultKind.PAUSE, "process",
            "Freeze every process of the service with SIGSTOP: alive, holding its ports, not answering.",
            (SERVICE,),
            _PROCESS_NEEDS,
            "SIGCONT every process of the service",
            "apply: every process is in state T (stopped); revert: none is",
        ),
        FaultSpec(
            FaultKind.BLOCK_PORT, "firewall",
            "DROP packets to a port: incoming (in), outgoing connections (out) or both. "
            "The node's SSH port can never be blocked.",
            (
                ParamSpec("port", "the port (default: the service's port)", Port),
                ParamSpec("service", "take the port from this service", ServiceName),
                _choice("proto", "tcp or udp", ("tcp", "udp"), "tcp"),
                _choice("direction", "in, out or both", ("in", "out", "both"), "in"),
                BACKEND,
            ),
            "root; iptables (legacy or nft backend) or nft",
            "delete the fault's own chains (iptables) or table (nft)",
            "apply: the jump and every DROP rule are present; revert: `iptables -S` (or `nft list "
            "ruleset`) no longer mentions the fault",
            network=True,
        ),
        FaultSpec(
            FaultKind.PARTITION, "firewall",
            "DROP all traffic to and from the peers (every other node, or a named set), and the "
            "node's multicast and broadcast on the cluster's interface (VRRP, Corosync, ...), in and "
            "out; --mode unicast drops the peers' addresses only. Never the controller's address, "
            "never the SSH port.",
            (PEERS, _choice("mode", "all: the peers, and multicast and broadcast on the cluster's interface; "
                            "unicast: the peers' addresses only", MODES, "all"), BACKEND),
            "root; iptables (legacy or nft backend, with the addrtype match) or nft; IPv4 peer addresses; "
            "a route to every peer (mode all)",
            "delete the fault's own chains (iptables) or table (nft)",
            "apply: the jumps and every DROP rule (one per peer and direction, and the multicast and "
            "broadcast ones) are present; revert: `iptables -S` (or `nft list ruleset`) no longer mentions "
            "the fault",
            network=True,
        ),
        FaultSpec(
            FaultKind.LOSS, "firewall",
            "Drop a percentage of the packets to and from the peers at random "
            "(iptables' statistic match, or nft's numgen).",
            (ParamSpec("percent", "share of packets dropped, 0.01 to 100", Percent, required=True), PEERS, BACKEND),
            "root; iptables with the statistic match, or nft; IPv4 peer addresses",
            "delete the fault's own chains (iptables) or table (nft)",
            "apply: one random-drop rule per peer and direction is present; revert: the fault's "
            "rules are gone",
            network=True,
        ),
        FaultSpec(
            FaultKind.LATENCY, "latency",
            "Delay the packets the node sends to its peers (tc netem on a prio band; other "
            "traffic, the controller and the SSH port are not delayed).",
            (
                ParamSpec("delay", "added delay, e.g. 100ms", _Delay, required=True),
                ParamSpec("jitter", "random variation, e.g. 10ms (less than delay)", _Delay),
                PEERS,
            ),
            "root; tc and ip (iproute2); a kernel with sch_netem; a default root qdisc on the interface",
            "delete the fault's root qdisc (the kernel restores the default)",
            "apply: the netem qdisc is present; revert: `tc qdisc show` no longer lists the fault's handle",
            network=True,
        ),
        FaultSpec(
            FaultKind.CPU_HOG, "hog",
            "Busy-loop sh processes, one per core, in their own process group.",
            (ParamSpec("cores", "how many cores to load (default: all)", integer(1, 1024)),),
            "root; sh, setsid, nohup, procps",
            "SIGKILL the hog's process group (it also ends itself 30 s after the TTL)",
            "apply: one busy process per core runs in the group; revert: no process is left in it",
        ),
        FaultSpec(
            FaultKind.MEM_HOG, "hog",
            "Hold MB MiB of anonymous memory: dd reads them into one buffer and blocks on a pipe.",
            (ParamSpec("mb", "MiB to hold (less than the node's MemAvailable)", integer(1, 1024 * 1024), required=True),),
            "root; dd, sh, setsid, nohup, procps",
            "SIGKILL the hog's process group (it also ends itself 30 s after the TTL)",
            "apply: dd's resident memory reaches 90% of MB; revert: no process is left in the group",
        ),
        FaultSpec(
            FaultKind.DISK_FILL, "hog",
            "Fill a filesystem with one file: MB MiB, or up to PERCENT% used.",
            (
                ParamSpec("path", "a directory on the filesystem to fill", Directory, required=True),
                ParamSpec("mb", "MiB to write", integer(1, 64 * 1024 * 1024)),
                ParamSpec("percent", "fill until the filesystem is this % used", integer(1, 100)),
            ),
            "root; df, and fallocate or dd",
            "delete the file",
            "apply: the file exists with the planned size; revert: the file is gone",
        ),
    )
}


if set(CATALOG) != set(FaultKind) or list(CATALOG) != list(FaultKind):  # one entry per kind, in order
    raise RuntimeError(f"the fault catalog must describe every FaultKind once: {sorted(set(FaultKind) ^ set(CATALOG))}")


def _request_model(spec: FaultSpec) -> type[BaseModel]:
    """The pydantic model of a kind's parameters, derived from its catalog entry (every
    field optional here: `parse_params` says which are required, in its own words)."""
    fields: dict[str, Any] = {param.name: (param.type | None, None) for param in spec.params}
    name = "".join(part.title() for part in spec.kind.split("-")) + "Params"
    return create_model(name, __config__=ConfigDict(extra="forbid", frozen=True), **fields)


#: Per kind, the model its parameters are validated with.
REQUEST_MODELS: dict[str, type[BaseModel]] = {kind: _request_model(spec) for kind, spec in CATALOG.items()}


def spec_for(kind: object) -> FaultSpec:
    if not isinstance(kind, str) or kind not in CATALOG:
        raise InvalidInput(f"unknown fault kind {kind!r}: expected one of {', '.join(CATALOG)}")
    return CATALOG[FaultKind(kind)]


def parse_params(kind: str, raw: Mapping[str, object], nodes: Iterable[str]) -> dict[str, Any]:
    """Checked parameters of a fault of `kind`, with defaults; raise InvalidInput otherwise.

    `nodes` are the cluster's node names (for `peers`).  A parameter given as None counts as
    not given, so that forms and the CLI can pass every field they have.
    """
    spec = spec_for(kind)
    given = {key: value for key, value in raw.items() if value is not None}
    unknown = [key for key in given if spec.param(key) is None]
    if unknown:
        takes = ", ".join(p.name for p in spec.params)
        raise InvalidInput(f"{kind} takes no {', '.join(map(repr, unknown))} (it takes {takes})")
    for param in spec.params:
        if param.required and param.name not in given:
            raise InvalidInput(f"{kind} needs {param.name}: {param.help}")
    try:
        checked = REQUEST_MODELS[spec.kind].model_validate(given, context={"nodes": tuple(nodes)})
    except ValidationError as exc:
        error = exc.errors()[0]
        raise InvalidInput(f"{error['loc'][0]}: {_message(error)}") from None
    params = {p.name: p.default if getattr(checked, p.name) is None else getattr(checked, p.name) for p in spec.params}
    _cross_check(spec.kind, params)
    return params


def _message(error: Any) -> str:
    """One line: the type's own "expected ..., found ..." (pydantic's words otherwise)."""
    return explain(error, BaseModel)[1]


def _cross_check(kind: str, params: dict[str, Any]) -> None:
    if kind == "block-port" and params["port"] is None and params["service"] is None:
        raise InvalidInput("block-port needs a port, or a service whose port it blocks")
    if kind == "disk-fill" and (params["mb"] is None) == (params["percent"] is None):
        raise InvalidInput("disk-fill needs exactly one of mb and percent")
    if kind == "latency" and params["jitter"] is not None and params["jitter"] >= params["delay"]:
        raise InvalidInput("latency: jitter must be less than delay")


def ttl_from_text(text: str) -> float:
    """A TTL as a person types it (`30s`, `5m`), in seconds under the cap; else InvalidInput."""
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise InvalidInput(f"ttl: {exc}") from None
    return ttl_seconds(seconds)


def ttl_seconds(value: float) -> float:
    """A fault's TTL in seconds, held to the one cap (config.scalars.MAX_TTL)."""
    problem = ttl_problem(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else (
        f"expected a TTL in seconds, found {value!r}"
    )
    if problem is not None:
        raise InvalidInput(f"ttl: {problem}")
    return float(value)
