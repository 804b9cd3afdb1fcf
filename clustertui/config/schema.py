"""The cluster file exactly as written: node entries with ranges, imports, sections by key.

Validation errors carry pydantic locations that match the YAML one to one (`nodes[1].host`
is the second entry under `nodes:`), which is what lets the loader report the right line.
`build.py` turns this into the public `Cluster`.
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator, model_validator

from .coverage_settings import CoverageSettings
from .frozen import Frozen
from .history import HistorySettings
from .lint_policy import LintPolicy
from .managers import ManagerName, ManagerSpec
from .metrics_source import PrometheusSource
from .model import ChaosPolicy, DrillSpec, EndpointSpec, ServiceSpec, SSHSettings
from .notify import Webhook, WebhookName
from .ranges import expand_range
from .scalars import (
    NAME_RULE,
    ClusterName,
    ClusterType,
    DrillName,
    EndpointName,
    FilePath,
    Interval,
    LabelKey,
    LabelValue,
    Port,
    RoleName,
    ScenarioName,
    ServiceName,
    fail,
    is_host,
    is_name,
)
from .scenario import ScenarioSpec
from .thresholds import Thresholds


def _expand(text: str) -> list[str]:
    try:
        return expand_range(text)
    except ValueError as exc:
        raise fail(str(exc)) from None


class NodeEntry(Frozen):
    """One entry under `nodes:`; `name` and `host` may each hold one `[START-END]` range."""

    name: str
    host: str | None = None
    port: Port | None = None
    roles: list[RoleName] = []
    labels: dict[LabelKey, LabelValue] = {}
    ssh: SSHSettings | None = None

    @field_validator("name")
    @classmethod
    def _names(cls, name: str) -> str:
        for each in _expand(name):
            if not is_name(each):
                raise fail(f"expected a node name or range like web[1-3] ({NAME_RULE}), found {each!r}")
        return name

    @field_validator("host")
    @classmethod
    def _hosts(cls, host: str | None, info: ValidationInfo) -> str | None:
        if host is None:
            return None
        hosts = _expand(host)
        for each in hosts:
            if not is_host(each):
                raise fail(f"expected a hostname or IP address (or a range of them), found {each!r}")
        name = info.data.get("name")
        if name is None:  # the name was invalid and is reported on its own
            return host
        names = _expand(name)
        if len(names) == 1 and len(hosts) > 1:
            raise fail(f"expected a single host for node {name!r}, found a range of {len(hosts)} in {host!r}")
        if len(names) != len(hosts):
            raise fail(
                f"expected a host range of {len(names)} to match name {name!r}, "
                f"found {'a range of ' + str(len(hosts)) if len(hosts) > 1 else 'a single host'} in {host!r}"
            )
        return host

    def pairs(self) -> list[tuple[str, str]]:
        """(name, host) of every node this entry stands for; the host defaults to the name."""
        names = _expand(self.name)
        hosts = names if self.host is None else _expand(self.host)
        return list(zip(names, hosts, strict=True))


class ImportSpec(Frozen):
    """Nodes taken from an Ansible inventory or an ssh_config file (exactly one per entry)."""

    ansible: FilePath | None = None
    ssh_config: FilePath | None = None
    groups_as_roles: bool = True
    hosts: list[str] = ["*"]
    roles: list[RoleName] = []

    @model_validator(mode="after")
    def _one_source(self) -> ImportSpec:
        self._exactly_one("ansible", "ssh_config")
        if self.ssh_config is not None and "groups_as_roles" in self.model_fields_set:
            raise fail("expected groups_as_roles only with ansible, found it with ssh_config")
        return self

    @field_validator("hosts")
    @classmethod
    def _patterns(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            if not pattern.lstrip("!"):
                raise fail(f"expected a host pattern like 'web*' or '!db3', found {pattern!r}")
        return patterns


class ClusterFile(Frozen):
    """The top level of a cluster file."""

    name: ClusterName
    type: ClusterType
    interval: Interval = 1.0
    ssh: SSHSettings = Field(default_factory=SSHSettings)
    nodes: list[NodeEntry] = []
    import_: list[ImportSpec] = Field(default=[], alias="import")
    services: dict[ServiceName, ServiceSpec] = {}
    endpoints: dict[EndpointName, EndpointSpec] = {}
    chaos: ChaosPolicy = ChaosPolicy()
    thresholds: Thresholds = Thresholds()
    drills: dict[DrillName, DrillSpec] = {}
    lint: LintPolicy = LintPolicy()
    scenarios: dict[ScenarioName, ScenarioSpec] = {}
    coverage: CoverageSettings = CoverageSettings()
    history: HistorySettings = HistorySettings()
    notify: dict[WebhookName, Webhook] = {}
    managers: dict[ManagerName, ManagerSpec] = {}
    metrics_source: PrometheusSource | None = Field(default=None, alias="source")
