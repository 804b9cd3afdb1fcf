"""What the lab is: nodes, addresses, roles, services, names and paths.

Everything else in ``clustertui.lab`` reads this module instead of repeating names, so that
``lab up`` and ``lab down`` can never disagree about what belongs to the lab.  The topology
mirrors ``sample_clusters/lab.yaml`` (a test checks that they agree); it is fixed in code
because the lab is a known test bed, not something users design.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Every network namespace and host-side link of the lab starts with this, so that
#: ``lab down`` can find leftovers by name without trusting any state file.
NAME_PREFIX = "ctui-"
#: Cgroup directory (under each hierarchy) that holds one child per node.
CGROUP_NAME = "clustertui-lab"
#: Comment put on every firewall rule the lab adds on the host, so it can find them again.
RULE_COMMENT = "clustertui-lab"
#: Host-side runtime directory: the LXCFS mountpoint and its pid file, and a pointer to the
#: state directory of the running lab.  Fixed (not under the state dir) so that LXCFS is
#: never mounted below a home directory and so ``down`` finds it whatever the state dir.
RUNTIME_DIR = Path("/var/lib/clustertui-lab")
#: Marker file written into a state directory made by ``lab up``; ``lab down`` deletes a
#: state directory only if it carries the marker (guards against CLUSTERTUI_LAB_DIR=/).
STATE_MARKER = ".clustertui-lab"

MiB = 1024 * 1024


def default_state_dir() -> Path:
    """The lab's state directory: keys, configs, logs (``CLUSTERTUI_LAB_DIR`` overrides).

    The default matches the ``ssh.identity``/``ssh.known_hosts`` paths of
    ``sample_clusters/lab.yaml``; the override exists for tests only.
    """
    override = os.environ.get("CLUSTERTUI_LAB_DIR")
    if override:
        return Path(override).expanduser().absolute()
    return Path("~/.local/state/clustertui/lab").expanduser().absolute()


@dataclass(frozen=True)
class ServiceSpec:
    """One daemon on a node.

    ``process`` is the process name (``comm``) that the cluster file and chaos use;
    ``port`` is its TCP port on the node's address (``None`` when it listens on nothing).
    """

    name: str
    process: str
    port: int | None = None


SSHD = ServiceSpec("sshd", "sshd", 22)
#: node_exporter on every node, for the lab's Prometheus (`source: {prometheus: URL}`);
#: its comm is the program's name cut to 15 characters.
NODE_EXPORTER = ServiceSpec("node-exporter", "prometheus-node", 9100)
HAPROXY = ServiceSpec("haproxy", "haproxy", 80)
KEEPALIVED = ServiceSpec("keepalived", "keepalived", None)
NGINX = ServiceSpec("nginx", "nginx", 80)
REDIS = ServiceSpec("redis", "redis-server", 6379)
SENTINEL = ServiceSpec("sentinel", "redis-sentinel", 26379)
ETCD = ServiceSpec("etcd", "etcd", 2379)
#: Corosync (knet over the bridge, UDP 5405) and Pacemaker's launcher on the HA nodes.
COROSYNC = ServiceSpec("corosync", "corosync", None)
PACEMAKER = ServiceSpec("pacemaker", "pacemakerd", None)

#: Services per role, in start order (sshd runs on every node and comes first).
ROLE_SERVICES: dict[str, tuple[ServiceSpec, ...]] = {
    "lb": (HAPROXY, KEEPALIVED),
    "web": (NGINX,),
    "db": (REDIS, SENTINEL, ETCD),
    "ha": (COROSYNC, PACEMAKER),
}

#: Directories that get a fresh tmpfs inside a node, so that their content is per node.
#: /run holds the chaos ledger (/run/clustertui); /root hides the host's shell start-up
#: files (a slow pyenv init in ~/.bashrc would run on every SSH login otherwise).
COMMON_TMPFS = ("/run", "/tmp", "/var/tmp", "/root", "/var/log")
ROLE_TMPFS: dict[str, tuple[str, ...]] = {
    "lb": ("/var/lib/haproxy",),
    "web": ("/var/lib/nginx",),
    "db": ("/var/lib/redis", "/var/lib/etcd"),
    # /dev/shm: libqb's IPC between corosync and Pacemaker's daemons lives there, named by
    # pid, and pids repeat across nodes' PID namespaces.  /srv: the shared disk's mountpoint.
    "ha": ("/dev/shm", "/srv"),
}


@dataclass(frozen=True)
class NodeSpec:
    """One lab node: a network, UTS, PID and mount namespace with its own cgroup."""

    name: str
    address: str
    roles: tuple[str, ...]
    memory_limit: int = 256 * MiB

    @property
    def netns(self) -> str:
        """Network namespace name (``ip netns``)."""
        return NAME_PREFIX + self.name

    @property
    def host_if(self) -> str:
        """Host side of the node's veth pair, enslaved to the bridge (max 15 chars)."""
        return NAME_PREFIX + self.name

    @property
    def node_if(self) -> str:
        """The node's side of the veth pair, as the node sees it."""
        return "eth0"

    @property
    def services(self) -> tuple[ServiceSpec, ...]:
        """Every daemon of the node, sshd first, node_exporter second."""
        out: list[ServiceSpec] = [SSHD, NODE_EXPORTER]
        for role in self.roles:
            out.extend(ROLE_SERVICES.get(role, ()))
        return tuple(out)

    @property
    def tmpfs_dirs(self) -> tuple[str, ...]:
        """Directories covered by a per-node tmpfs inside the node's mount namespace."""
        out = list(COMMON_TMPFS)
        for role in self.roles:
            out.extend(ROLE_TMPFS.get(role, ()))
        return tuple(out)

    def has_role(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class LabSpec:
    """The whole lab: the bridge, the nodes and the shared addresses."""

    nodes: tuple[NodeSpec, ...]
    bridge: str = NAME_PREFIX + "br0"
    bridge_address: str = "198.18.0.1"
    prefix_len: int = 24
    vip: str = "198.18.0.100"
    vrrp_router_id: int = 51
    redis_master_name: str = "mymaster"
    sentinel_quorum: int = 2
    sentinel_down_after_ms: int = 1500
    sentinel_failover_timeout_ms: int = 6000
    #: etcd's raft timing for a LAN of namespaces on one bridge (round trips well under a
    #: millisecond): heartbeats every 100 ms, an election after 1 s without one.  etcd's
    #: defaults, kept on purpose: a shorter election timeout elects faster but lets a
    #: loaded 2-core host (its heartbeats late by a few hundred ms) depose a healthy leader.
    etcd_heartbeat_ms: int = 100
    etcd_election_ms: int = 1000
    etcd_cluster_token: str = "clustertui-lab"
    etcd_client_port: int = 2379
    etcd_peer_port: int = 2380
    #: The HA cluster (role ``ha``, sample_clusters/lab-ha.yaml): its floating address,
    #: where the owner mounts the shared disk, and the disk image's size.
    ha_vip: str = "198.18.0.110"
    ha_cluster_name: str = "ctui-ha"
    ha_mountpoint: str = "/srv/shared"
    ha_disk_mib: int = 16
    #: The lab's Prometheus server: on the host, on the bridge address, scraping every
    #: node's node_exporter each second.
    prometheus_port: int = 9090
    scrape_interval: str = "1s"

    @property
    def prometheus_url(self) -> str:
        return f"http://{self.bridge_address}:{self.prometheus_port}"

    def node(self, name: str) -> NodeSpec:
        """The node called ``name`` (KeyError with the known names otherwise)."""
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no lab node {name!r} (nodes: {', '.join(self.names)})")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes)

    def with_role(self, role: str) -> tuple[NodeSpec, ...]:
        return tuple(n for n in self.nodes if n.has_role(role))

    @property
    def redis_primary(self) -> NodeSpec:
        """The node whose Redis starts as primary (the first db node)."""
        return self.with_role("db")[0]


def _default_spec() -> LabSpec:
    nodes = [
        NodeSpec("lb1", "198.18.0.2", ("lb",)),
        NodeSpec("lb2", "198.18.0.3", ("lb",)),
    ]
    nodes += [NodeSpec(f"web{i}", f"198.18.0.{10 + i}", ("web",)) for i in (1, 2, 3)]
    nodes += [NodeSpec(f"db{i}", f"198.18.0.{20 + i}", ("db",)) for i in (1, 2, 3)]
    # The HA cluster's three nodes: Corosync, Pacemaker and whatever Pacemaker starts.
    nodes += [NodeSpec(f"ha{i}", f"198.18.0.{30 + i}", ("ha",), 320 * MiB) for i in (1, 2, 3)]
    return LabSpec(nodes=tuple(nodes))


#: The lab built by ``clustertui lab up`` (matches ``sample_clusters/lab.yaml`` and, for
#: the ``ha`` nodes, ``sample_clusters/lab-ha.yaml``).
DEFAULT_SPEC = _default_spec()


@dataclass(frozen=True)
class StatePaths:
    """Where the lab keeps its files inside a state directory."""

    root: Path

    @property
    def marker(self) -> Path:
        return self.root / STATE_MARKER

    @property
    def user_key(self) -> Path:
        return self.root / "id_ed25519"

    @property
    def user_pub(self) -> Path:
        return self.root / "id_ed25519.pub"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def hosts(self) -> Path:
        """An /etc/hosts naming every node, bind-mounted into each node."""
        return self.root / "hosts"

    @property
    def lab_json(self) -> Path:
        return self.root / "lab.json"

    @property
    def prometheus_dir(self) -> Path:
        """The lab's Prometheus: its config, its storage (data/) and its log."""
        return self.root / "prometheus"

    def node_dir(self, node: str) -> Path:
        return self.root / "nodes" / node

    def init_pid_file(self, node: str) -> Path:
        return self.node_dir(node) / "init.pid"

    def node_log_dir(self, node: str) -> Path:
        return self.node_dir(node) / "log"


@dataclass(frozen=True)
class RuntimePaths:
    """Host-side runtime files (see :data:`RUNTIME_DIR`)."""

    root: Path = RUNTIME_DIR

    @property
    def lxcfs_mount(self) -> Path:
        return self.root / "lxcfs"

    @property
    def lxcfs_pid(self) -> Path:
        return self.root / "lxcfs.pid"

    @property
    def lxcfs_log(self) -> Path:
        return self.root / "lxcfs.log"

    @property
    def state_pointer(self) -> Path:
        """Text file naming the state directory of the running lab."""
        return self.root / "state_dir"

    @property
    def ha_disk_image(self) -> Path:
        """The HA cluster's shared disk: an ext4 image attached as a loop device."""
        return self.root / "ha-shared.img"

    @property
    def firewall_record(self) -> Path:
        """JSON list of host firewall rules the lab added (informational; down greps too)."""
        return self.root / "firewall.json"
