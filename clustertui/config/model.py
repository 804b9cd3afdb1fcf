"""The cluster as the rest of clustertui sees it: immutable, validated, ranges expanded.

`*Spec` classes are the shape of a section as written in the file (a service's name is its
key there); the public classes add the name. Models are frozen so that the engine, the TUI
and a drill can share one `Cluster` without defensive copies. Every model forbids unknown
keys: a misspelt `intreval:` must not silently mean "the default".
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from .coverage_settings import CoverageSettings
from .frozen import Frozen
from .history import HistorySettings
from .jump import JumpHop, ProxyJump, parse_jump_chain
from .lint_policy import LintPolicy
from .manager_expect import ManagerExpect
from .managers import Manager, ManagerName
from .metrics_source import PrometheusSource
from .notify import Webhook
from .scalars import (
    DEFAULT_LEASE,
    ClusterName,
    ClusterType,
    Command,
    Count,
    DrillHold,
    DrillName,
    Duration,
    EndpointName,
    FaultKind,
    FilePath,
    Fraction,
    HeaderName,
    HeaderValue,
    Host,
    HttpStatus,
    HttpTemplate,
    HttpUrl,
    Interval,
    LabelKey,
    LabelValue,
    Lease,
    MaxRedirects,
    NodeName,
    NonNegativeDuration,
    ParamValue,
    Port,
    ProcessName,
    Rate,
    RoleName,
    ServiceName,
    ServiceUser,
    TcpAddress,
    Timeout,
    Ttl,
    UnitName,
    User,
    fail,
)
from .stops import StopCondition
from .thresholds import Thresholds


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no USER/LOGNAME and no passwd entry (some containers)
        return "root"


class SSHSettings(Frozen):
    """How to reach a node. Cluster-wide under `ssh:`, overridable per node."""

    user: User = Field(default_factory=_current_user)
    port: Port = 22
    identity: FilePath | None = None
    known_hosts: FilePath | None = None  # None: ~/.ssh/known_hosts
    connect_timeout: Timeout = 5.0
    keepalive_interval: NonNegativeDuration = 10.0
    trust_on_first_use: bool = False
    become: Literal["sudo"] | None = None
    proxy_jump: ProxyJump | None = None
    config: FilePath | None = None  # an ssh_config file to honour

    @property
    def jump_hops(self) -> tuple[JumpHop, ...]:
        """The `proxy_jump` chain, first hop first (validated at load, so this cannot fail)."""
        return parse_jump_chain(self.proxy_jump) if self.proxy_jump else ()


class Node(Frozen):
    """One machine, after range expansion; `ssh` is the effective (merged) settings."""

    name: NodeName
    host: Host
    port: Port = 22
    roles: list[RoleName] = []
    labels: dict[LabelKey, LabelValue] = {}
    ssh: SSHSettings = Field(default_factory=SSHSettings)


class HttpSettings(Frozen):
    """How an `http` check talks to its server, beside the URL: the same keys on a service,
    an endpoint and a drill's traffic. Redirects are off unless asked for: a health URL that
    redirects (to a login page, to https) is a finding, not something to follow silently.
    """

    http: str | None = None
    headers: dict[HeaderName, HeaderValue] = {}
    ca_file: FilePath | None = None
    insecure: bool = False
    server_name: Host | None = None
    follow_redirects: bool = False
    max_redirects: MaxRedirects = 5

    @model_validator(mode="after")
    def _http_options_fit(self) -> HttpSettings:
        # By value, not by model_fields_set: build.py re-creates the models with every field.
        set_ = {"headers": bool(self.headers), "ca_file": self.ca_file is not None, "insecure": self.insecure,
                "server_name": self.server_name is not None, "follow_redirects": self.follow_redirects}
        given = [field for field, is_set in set_.items() if is_set]
        if given and self.http is None:
            raise fail(f"expected {given[0]} only with http, found no http")
        tls = [field for field in ("ca_file", "insecure", "server_name") if set_[field]]
        if tls and self.http is not None and not self.http.startswith("https://"):
            raise fail(f"expected {tls[0]} only with an https:// URL, found {self.http}")
        if self.ca_file is not None and self.insecure:
            raise fail("expected either ca_file or insecure: true, found both")
        return self


class ServiceSpec(HttpSettings):
    roles: list[RoleName] = Field(min_length=1)
    systemd: UnitName | None = None
    process: ProcessName | None = None
    user: ServiceUser | None = None
    port: Port | None = None
    http: HttpTemplate | None = None
    start: Command | None = None
    stop: Command | None = None

    @property
    def owner(self) -> str:
        """Whose processes are the service's, as the node resolves it (see OWNER in
        chaos/shell.py and the probe): `user` when given; else `@UNIT`, the systemd unit's
        User= read on the node (root when the unit sets none); else root, who starts a
        daemon's main process.  A same-named process of another user is never the service."""
        if self.user:
            return self.user
        return f"@{self.systemd}" if self.systemd else "root"

    @model_validator(mode="after")
    def _checkable(self) -> ServiceSpec:
        if (self.systemd, self.process, self.port, self.http) == (None, None, None, None):
            raise fail("expected at least one of systemd, process, port or http to check the service by, found none")
        return self


class Service(ServiceSpec):
    """A service checked on every node whose roles intersect `roles`."""

    name: ServiceName


class EndpointSpec(HttpSettings):
    http: HttpUrl | None = None
    tcp: TcpAddress | None = None
    expect_status: HttpStatus = 200
    timeout: Timeout = 2.0

    @model_validator(mode="after")
    def _one_kind(self) -> EndpointSpec:
        self._exactly_one("http", "tcp")
        return self


class Endpoint(EndpointSpec):
    """A shared address users reach (a VIP, a load balancer), probed from the controller."""

    name: EndpointName

    @property
    def target(self) -> str:
        """What is checked: the URL, or host:port (the validator keeps exactly one of them)."""
        target = self.http or self.tcp
        if target is None:  # unreachable past validation; a plain check, kept under `python -O`
            raise ValueError(f"endpoint {self.name!r} has neither http nor tcp")
        return target


class ChaosPolicy(Frozen):
    """What chaos may touch. Off unless `enabled: true`, and then only allowed roles/nodes."""

    enabled: bool = False
    allow_roles: list[RoleName] = []
    allow_nodes: list[NodeName] = []
    max_faulted_nodes: Count = 1
    default_ttl: Ttl = 60.0
    quorum_guard: bool = True
    #: `H` in the TUI halts and also freezes every node (chaos/freeze.py) for this long;
    #: null: until thawed.  `freeze_on_halt: false` makes `H` a plain halt.
    freeze_on_halt: bool = True
    freeze_on_halt_for: Duration | None = 3600.0
    lease: Lease = DEFAULT_LEASE

    @model_validator(mode="after")
    def _lease_under_ttl(self) -> ChaosPolicy:
        if "lease" in self.model_fields_set and self.lease >= self.default_ttl:
            raise fail(f"expected a lease shorter than default_ttl ({self.default_ttl:g}s), found {self.lease:g}s")
        return self


class Traffic(HttpSettings):
    """One traffic probe that runs all through a drill."""

    http: HttpUrl | None = None
    tcp: TcpAddress | None = None
    command: Command | None = None
    rate: Rate = 10.0
    timeout: Timeout = 1.0
    expect_status: HttpStatus = 200

    @model_validator(mode="after")
    def _one_kind(self) -> Traffic:
        self._exactly_one("http", "tcp", "command")
        return self


class SteadyState(Frozen):
    """What must hold before the fault is injected, or the drill aborts."""

    min_success: Fraction = 0.95
    services: dict[ServiceName, Count] = {}
    quorum: bool = True


_NEEDS_SERVICE = (FaultKind.KILL, FaultKind.STOP, FaultKind.START, FaultKind.PAUSE)


class Fault(Frozen):
    kind: Annotated[FaultKind, Field(strict=False)]  # the name, as written, to the enum
    service: ServiceName | None = None
    port: Port | None = None
    params: dict[LabelKey, ParamValue] = {}

    @model_validator(mode="after")
    def _has_subject(self) -> Fault:
        if self.kind in _NEEDS_SERVICE and self.service is None:
            raise fail(f"expected a service for a '{self.kind}' fault, found none")
        if self.kind is FaultKind.BLOCK_PORT and self.port is None and self.service is None:
            raise fail("expected a port (or a service with a port) for a 'block-port' fault, found neither")
        return self


class Primary(Frozen):
    """The current primary, found by running `command`; its output names the node."""

    command: Command
    node: NodeName | None = None


class Target(Frozen):
    """Where the fault goes: a node, a node of a role, or whichever node is the primary."""

    node: NodeName | None = None
    role: RoleName | None = None
    pick: Literal["one", "random"] = "one"
    primary: Primary | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Target:
        self._exactly_one("node", "role", "primary")
        if "pick" in self.model_fields_set and self.role is None:
            raise fail("expected pick only with role, found pick without role")
        return self


class Expectations(Frozen):
    availability: Fraction | None = None
    detect_within: Duration | None = None
    failover_within: Duration | None = None
    recover_within: Duration | None = None
    managers: dict[ManagerName, ManagerExpect] = {}  # the cluster's own reactions (manager_expect.py)


class DrillSpec(Frozen):
    description: str = ""
    traffic: list[Traffic] = []
    steady_state: SteadyState = SteadyState()
    fault: Fault
    target: Target
    hold: DrillHold = 30.0
    expect: Expectations = Expectations()
    abort_when: list[StopCondition] = []

    @model_validator(mode="after")
    def _measurable(self) -> DrillSpec:
        if self.expect.availability is not None and not self.traffic:
            raise fail("expected traffic to measure expect.availability against, found no traffic")
        if not self.traffic and (needy := next((c for c in self.abort_when if c.kind.needs_traffic), None)):
            raise fail(f"expected traffic to measure abort_when {needy.kind} against, found no traffic")
        return self


class Drill(DrillSpec):
    """A failover drill: traffic, steady state, one fault on a target, a hold, expectations."""

    name: DrillName


class Cluster(Frozen):
    """A loaded cluster file. Build it with `load_cluster`, which also checks cross-references."""

    name: ClusterName
    type: ClusterType
    interval: Interval = 1.0
    ssh: SSHSettings = Field(default_factory=SSHSettings)
    nodes: list[Node]
    services: dict[str, Service] = {}
    endpoints: dict[str, Endpoint] = {}
    chaos: ChaosPolicy = ChaosPolicy()
    thresholds: Thresholds = Thresholds()
    drills: dict[str, Drill] = {}
    lint: LintPolicy = LintPolicy()
    scenarios: dict[str, Scenario] = {}
    coverage: CoverageSettings = CoverageSettings()
    history: HistorySettings = HistorySettings()
    notify: dict[str, Webhook] = {}
    managers: dict[str, Manager] = {}
    metrics_source: PrometheusSource | None = None  # `source:` of the file; `source` is the file's path
    source: Path

    def node(self, name: str) -> Node:
        """The node called `name`; KeyError if there is none.

        A plain scan, not a cached index: a cache would go stale in `model_copy(update=...)`.
        """
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def services_on(self, node: Node) -> list[Service]:
        """Services whose roles intersect the node's roles, in file order."""
        roles = set(node.roles)
        return [service for service in self.services.values() if roles.intersection(service.roles)]

    def manager_nodes(self, manager: Manager) -> list[Node]:
        """The nodes a manager is read on (named in `nodes` or holding one of `roles`), in file order."""
        names, roles = set(manager.nodes), set(manager.roles)
        return [node for node in self.nodes if node.name in names or roles.intersection(node.roles)]


# Scenarios (scenario.py) name the fault and target models above and the cluster holds them:
# resolved here, once both modules exist, whichever of them was imported first.
from .scenario import Scenario as Scenario  # noqa: E402 -- re-exported: `clustertui.config.Scenario`
from .scenario import ScenarioSpec, Step  # noqa: E402

for _model in (Step, ScenarioSpec, Scenario, Cluster):
    _model.model_rebuild(_types_namespace={"Fault": Fault, "Target": Target, "Scenario": Scenario})
