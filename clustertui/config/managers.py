"""`managers:` -- what the cluster itself believes, and where clustertui reads it.

Each entry names a kind of cluster manager (a load balancer's health checks, the VRRP
address holder, Sentinel, etcd, a role command) and the nodes it is read on. One flat model for
every kind, with the kind-specific keys checked against the kind, rather than a pydantic
union: a union would put the kind into every error location, and the loader maps
locations to lines one to one. A kind added later (etcd, pacemaker) adds its keys to
`_KEYS` and an adapter in clustertui.managers; nothing else here changes.
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from .frozen import Frozen
from .scalars import (
    Command,
    Duration,
    FilePath,
    HttpTemplate,
    Interval,
    NameRule,
    NodeName,
    Port,
    RoleName,
    Timeout,
    expect,
    fail,
)


class ManagerKind(StrEnum):
    """The kinds of cluster manager clustertui can read (docs/cluster-file.md, "managers")."""

    HAPROXY = "haproxy"
    KEEPALIVED = "keepalived"
    REDIS_SENTINEL = "redis-sentinel"
    COMMAND = "command"
    ETCD = "etcd"
    PACEMAKER = "pacemaker"


#: The keys each kind takes beyond the common ones (nodes, roles, interval, timeout).
_KEYS: dict[ManagerKind, tuple[str, ...]] = {
    ManagerKind.HAPROXY: ("socket", "stats_url", "backends", "grace"),
    ManagerKind.KEEPALIVED: ("addresses", "state_dir"),
    ManagerKind.REDIS_SENTINEL: ("masters", "sentinel_port", "redis_ports", "password_env", "password_file"),
    ManagerKind.COMMAND: ("command",),
    ManagerKind.ETCD: ("client_port",),
    ManagerKind.PACEMAKER: (),
}
_REQUIRED: dict[ManagerKind, tuple[str, ...]] = {
    ManagerKind.KEEPALIVED: ("addresses",),
    ManagerKind.REDIS_SENTINEL: ("masters",),
    ManagerKind.COMMAND: ("command",),
}

#: HAProxy's stats socket where Debian's haproxy.cfg puts it.
DEFAULT_SOCKET = "/run/haproxy/admin.sock"
#: How long our probe must see a backend's service down while the load balancer still
#: routes to it before that is a finding: a typical `fall 3` x `inter 1s`, plus a margin.
DEFAULT_GRACE = 5.0
#: A read that takes longer than this (or the interval, if shorter) is `slow`.
DEFAULT_TIMEOUT = 2.0

_SOCKET_RE = re.compile(r"/[A-Za-z0-9_.@/-]{1,200}")
_PROXY_RE = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def _plain_path(text: str) -> str:
    if not _SOCKET_RE.fullmatch(text) or "/../" in f"{text}/":
        raise ValueError(text)
    return text


def _address(text: str) -> str:
    return str(ipaddress.ip_address(text))


ManagerName = Annotated[str, NameRule("manager")]
SocketPath = Annotated[
    str, AfterValidator(_plain_path), expect("an absolute path of a unix socket (letters, digits, '_', '.', '@', '-', '/')")
]
ProxyName = Annotated[
    str, Field(pattern=rf"^{_PROXY_RE.pattern}$"), expect("an HAProxy backend name (letters, digits, '_', '.', ':', '-')")
]
StateDir = Annotated[
    str, AfterValidator(_plain_path), expect("an absolute path of a directory (letters, digits, '_', '.', '@', '-', '/')")
]
IpAddress = Annotated[str, AfterValidator(_address), expect("an IPv4 or IPv6 address")]
MasterName = Annotated[str, NameRule("Sentinel master")]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"),
                    expect("an environment variable name (letters, digits, '_')")]


class ManagerSpec(Frozen):
    """One entry under `managers:` as written (its name is its key)."""

    kind: Annotated[ManagerKind, Field(strict=False)]  # the name, as written, to the enum
    nodes: list[NodeName] = []
    roles: list[RoleName] = []
    interval: Interval | None = None
    timeout: Timeout | None = None
    # haproxy
    socket: SocketPath | None = None
    stats_url: HttpTemplate | None = None  # the CSV stats page, read by the controller over HTTP
    backends: list[ProxyName] = []
    grace: Duration | None = None
    # keepalived
    addresses: list[IpAddress] = []
    state_dir: StateDir | None = None  # where a notify script leaves each VRRP instance's state
    # redis-sentinel
    masters: list[MasterName] = []
    sentinel_port: Port | None = None
    redis_ports: list[Port] = []
    password_env: EnvName | None = None  # the controller's environment variable holding the AUTH password
    password_file: FilePath | None = None  # ... or a file on the controller holding it
    # command
    command: Command | None = None
    # etcd
    client_port: Port | None = None

    @model_validator(mode="after")
    def _fits_kind(self) -> ManagerSpec:
        if not self.nodes and not self.roles:
            raise fail("expected nodes or roles to read the manager on, found neither")
        # By value, not by model_fields_set: build.py re-creates the models with every field.
        own = set(_KEYS[self.kind])
        for kind_keys in _KEYS.values():
            for key in kind_keys:
                if key not in own and getattr(self, key) not in (None, []):
                    raise fail(f"expected {key} only with kind {_kind_of(key)}, found it with kind {self.kind}")
        for one, other in (("socket", "stats_url"), ("password_env", "password_file")):
            if getattr(self, one) is not None and getattr(self, other) is not None:
                raise fail(f"expected {one} or {other}, found both")
        for key in _REQUIRED.get(self.kind, ()):
            if getattr(self, key) in (None, []):
                raise fail(f"expected {key} for kind {self.kind}, found none")
        return self


def _kind_of(key: str) -> str:
    return next(str(kind) for kind, keys in _KEYS.items() if key in keys)


class Manager(ManagerSpec):
    """A cluster manager read on every node named in `nodes` or holding one of `roles`."""

    name: ManagerName

    @property
    def stats_socket(self) -> str:
        return self.socket or DEFAULT_SOCKET

    @property
    def grace_s(self) -> float:
        return DEFAULT_GRACE if self.grace is None else self.grace

    @property
    def sentinel(self) -> int:
        return self.sentinel_port or 26379

    @property
    def redis(self) -> tuple[int, ...]:
        return tuple(self.redis_ports) or (6379,)

    @property
    def etcd_port(self) -> int:
        return self.client_port or 2379

    def every(self, cluster_interval: float) -> float:
        """Seconds between reads: its own interval, or the monitor's."""
        return self.interval or cluster_interval

    def deadline(self, cluster_interval: float) -> float:
        """Seconds a read may take before it is `slow`: its own timeout, else 2 s or the
        interval if that is shorter (a read never overlaps the next one)."""
        return self.timeout or max(0.2, min(DEFAULT_TIMEOUT, self.every(cluster_interval)))
