"""The cluster file: its model, and `load_cluster`, which validates it with file:line errors.

    from clustertui.config import load_cluster, ConfigError
    cluster = load_cluster("prod.yaml")       # or ConfigError: "prod.yaml:14: nodes[2].port: ..."

The file format is documented in docs/cluster-file.md.
"""

from .durations import parse_duration
from .errors import ConfigError
from .loader import load_cluster
from .model import (
    ChaosPolicy,
    Cluster,
    Drill,
    Endpoint,
    Expectations,
    Fault,
    Node,
    Primary,
    Service,
    SSHSettings,
    SteadyState,
    Target,
    Traffic,
)

__all__ = [
    "ChaosPolicy",
    "Cluster",
    "ConfigError",
    "Drill",
    "Endpoint",
    "Expectations",
    "Fault",
    "Node",
    "Primary",
    "SSHSettings",
    "Service",
    "SteadyState",
    "Target",
    "Traffic",
    "load_cluster",
    "parse_duration",
]
