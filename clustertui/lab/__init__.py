"""clustertui.lab — a real local cluster on network namespaces, for demos, tests and benches.

``clustertui lab up`` builds, as root, eight nodes on a bridge in 198.18.0.0/24: two HAProxy
load balancers sharing 198.18.0.100 through keepalived, three nginx web nodes, and a Redis
primary with two replicas watched by three Sentinels, and a three-member etcd on the db nodes.  Each node has its own network, UTS,
PID and mount namespaces, its own cgroup with a memory limit, LXCFS views of /proc, per-node
tmpfs over /run, /tmp, /root and /var/log, and its own sshd.  The product never imports
this package; the CLI and the tests do.  See docs/lab.md.

Public API (the rest of the package is implementation):
"""

from .checks import etcd_leader, etcd_status, http_get, redis_command, vip_holder
from .deps import missing_prerequisites
from .down import DownReport, lab_down
from .nodes import node_exec, node_init_pid, node_popen
from .proc import LabError, MissingPrerequisite
from .spec import DEFAULT_SPEC, LabSpec, NodeSpec, ServiceSpec, StatePaths, default_state_dir
from .status import LabStatus, NodeStatus, lab_status
from .up import LabReport, lab_present, lab_up

__all__ = [
    "DEFAULT_SPEC",
    "DownReport",
    "LabError",
    "LabReport",
    "LabSpec",
    "LabStatus",
    "MissingPrerequisite",
    "NodeSpec",
    "NodeStatus",
    "ServiceSpec",
    "StatePaths",
    "default_state_dir",
    "etcd_leader",
    "etcd_status",
    "http_get",
    "lab_down",
    "lab_present",
    "lab_status",
    "lab_up",
    "missing_prerequisites",
    "node_exec",
    "node_init_pid",
    "node_popen",
    "redis_command",
    "vip_holder",
]
