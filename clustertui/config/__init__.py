"""The cluster file: its model, and `load_cluster`, which validates it with file:line errors.

    from clustertui.config import load_cluster, ConfigError
    cluster = load_cluster("prod.yaml")       # or ConfigError: "prod.yaml:14: nodes[2].port: ..."

The file format is documented in docs/cluster-file.md.

The names below are imported on first use (PEP 562): `parse_duration` or the node ranges
must not pull in pydantic and the whole model, because the command line's start-up and its
shell completion read them (see docs/performance.md).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .durations import parse_duration
    from .errors import ConfigError
    from .jump import JumpHop, JumpSpecError, parse_jump_chain
    from .loader import load_cluster
    from .managers import Manager, ManagerKind
    from .model import (
        ChaosPolicy,
        Cluster,
        Drill,
        Endpoint,
        Expectations,
        Fault,
        Node,
        Primary,
        Scenario,
        Service,
        SSHSettings,
        SteadyState,
        Target,
        Traffic,
    )

_WHERE = {
    "parse_duration": ".durations",
    "ConfigError": ".errors",
    "load_cluster": ".loader",
    **dict.fromkeys(("JumpHop", "JumpSpecError", "parse_jump_chain"), ".jump"),
    **dict.fromkeys(("Manager", "ManagerKind"), ".managers"),
    **dict.fromkeys(
        ("ChaosPolicy", "Cluster", "Drill", "Endpoint", "Expectations", "Fault", "Node", "Primary", "SSHSettings",
         "Scenario", "Service", "SteadyState", "Target", "Traffic"),
        ".model",
    ),
}

__all__ = [
    "ChaosPolicy",
    "Cluster",
    "ConfigError",
    "Drill",
    "Endpoint",
    "Expectations",
    "Fault",
    "JumpHop",
    "JumpSpecError",
    "Manager",
    "ManagerKind",
    "Node",
    "Primary",
    "SSHSettings",
    "Scenario",
    "Service",
    "SteadyState",
    "Target",
    "Traffic",
    "load_cluster",
    "parse_duration",
    "parse_jump_chain",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value
