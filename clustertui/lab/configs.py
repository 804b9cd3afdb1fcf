"""Per-node files: daemon configs from ``templates/``, and what the node's init needs.

Each node gets a directory ``<state>/nodes/<node>/`` holding its host key, its configs, its
logs, and three small lists read by ``init.sh``:

* ``tmpfs.list`` — directories covered by a per-node tmpfs (``dir mode size``);
* ``binds.list`` — files or directories bind-mounted over the host's (``src dst``);
* ``services.sh`` — the daemons' start commands, in order.

Configs are bind-mounted at their Debian default paths inside the node, so the commands an
SRE (or the cluster file's ``start:``) would type — ``nginx``, ``nginx -s stop``,
``haproxy -f /etc/haproxy/haproxy.cfg`` — act on the lab's config.
"""

from __future__ import annotations

import re
import shlex
import shutil
from importlib import resources
from pathlib import Path

from .proc import LabError, write_file
from .spec import LabSpec, NodeSpec, StatePaths

#: How a lab node starts etcd: Debian's etcd.service reads /etc/default/etcd as its
#: environment; a node has no systemd, so a shell exports the file and becomes etcd.
ETCD_START = "set -a; . /etc/default/etcd; exec etcd"

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

#: Size of each per-node tmpfs.  Pages are charged to the node's memory cgroup, so the
#: node's memory limit is the real bound; this only stops one directory taking it all.
#: etcd preallocates each 64 MiB WAL segment, and the next one ahead: /var/lib/etcd needs room.
TMPFS_SIZES = {"/run": "32m", "/tmp": "64m", "/var/tmp": "32m", "/root": "32m", "/var/log": "32m",
               "/var/lib/etcd": "192m"}
TMPFS_MODES = {"/tmp": "1777", "/var/tmp": "1777", "/root": "0700", "/dev/shm": "1777"}


def template_text(name: str) -> str:
    """The text of ``templates/NAME`` shipped with the package."""
    return (resources.files("clustertui.lab") / "templates" / name).read_text(encoding="utf-8")


def render(name: str, **values: object) -> str:
    """Fill ``{{key}}`` placeholders of a template; every placeholder must have a value.

    Not ``str.format``/``string.Template``: nginx and shell configs are full of ``{}`` and
    ``$``.
    """
    text = template_text(name)
    missing = sorted({m for m in _PLACEHOLDER.findall(text) if m not in values})
    if missing:
        raise LabError(f"template {name}: no value for {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


def hosts_file(spec: LabSpec) -> str:
    """/etc/hosts for every node: node names resolve inside the lab."""
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
    lines.append(f"{spec.bridge_address}\tcontroller")
    lines += [f"{n.address}\t{n.name}" for n in spec.nodes]
    lines.append(f"{spec.vip}\tvip")
    lines.append(f"{spec.ha_vip}\tha-vip")
    return "\n".join(lines) + "\n"


def _service_commands(spec: LabSpec, node: NodeSpec, nd: Path, log_dir: Path) -> list[tuple[str, list[str]]]:
    cmds: list[tuple[str, list[str]]] = [
        ("sshd", ["/usr/sbin/sshd", "-f", str(nd / "sshd_config"), "-E", str(log_dir / "sshd.log")]),
    ]
    for svc in node.services[1:]:
        if svc.name == "node-exporter":
            # Only what the probe reads too (CPU, memory, load, network): a lighter scrape
            # each second on eight nodes.  In the foreground: it never forks.
            cmds.append(("&node-exporter", [
                "prometheus-node-exporter", f"--web.listen-address={node.address}:{svc.port}",
                "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo", "--collector.loadavg",
                "--collector.netdev", "--log.level=warn"]))
        elif svc.name == "haproxy":
            cmds.append(("haproxy", ["haproxy", "-f", "/etc/haproxy/haproxy.cfg"]))
        elif svc.name == "keepalived":
            # Debian's keepalived has no --log-file and a node has no syslog: keep it in
            # the foreground (backgrounded by init) and log to the console, i.e. init.log.
            cmds.append(("&keepalived", ["keepalived", "--vrrp", "--dont-fork", "--log-console", "--log-detail"]))
        elif svc.name == "nginx":
            cmds.append(("nginx", ["nginx"]))
        elif svc.name == "redis":
            cmds.append(("redis", ["redis-server", "/etc/redis/redis.conf"]))
        elif svc.name == "sentinel":
            cmds.append(("sentinel", ["redis-sentinel", "/etc/redis/sentinel.conf"]))
        elif svc.name == "etcd":
            # etcd stays in the foreground and logs to its own file (ETCD_LOG_OUTPUTS).
            cmds.append(("&etcd", ["sh", "-c", ETCD_START]))
        elif svc.name == "corosync":
            cmds.append(("corosync", ["corosync"]))
        elif svc.name == "pacemaker":
            from .ha import pacemaker_argv

            cmds.append(("&pacemaker", pacemaker_argv()))
        else:  # pragma: no cover - spec and this table are edited together
            raise LabError(f"no start command for service {svc.name}")
    return cmds


def write_node_files(spec: LabSpec, node: NodeSpec, paths: StatePaths, ha_device: str | None = None) -> None:
    """Write everything ``init.sh`` and the node's daemons read (keys are written apart).

    ``ha_device`` is the shared disk's loop device, which the HA nodes' CIB names.
    """
    nd = paths.node_dir(node.name)
    log_dir = paths.node_log_dir(node.name)
    etc = nd / "etc"
    log_dir.mkdir(parents=True, exist_ok=True)
    etc.mkdir(parents=True, exist_ok=True)

    common = {"node": node.name, "address": node.address, "node_dir": nd, "log_dir": log_dir}
    binds: list[tuple[Path, str]] = []

    write_file(etc / "hosts", hosts_file(spec))
    binds.append((etc / "hosts", "/etc/hosts"))
    write_file(nd / "sshd_config", render("sshd_config", **common))

    if node.has_role("web"):
        write_file(etc / "nginx.conf", render("nginx.conf", **common))
        binds.append((etc / "nginx.conf", "/etc/nginx/nginx.conf"))
    if node.has_role("lb"):
        servers = "\n".join(f"    server {w.name} {w.address}:80 check" for w in spec.with_role("web"))
        write_file(etc / "haproxy.cfg", render("haproxy.cfg", servers=servers, **common))
        binds.append((etc / "haproxy.cfg", "/etc/haproxy/haproxy.cfg"))
        lbs = spec.with_role("lb")
        rank = lbs.index(node)
        # A directory bind: Debian ships no keepalived.conf to bind a file over.
        ka_dir = etc / "keepalived"
        ka_dir.mkdir(exist_ok=True)
        write_file(
            ka_dir / "keepalived.conf",
            render(
                "keepalived.conf",
                state="MASTER" if rank == 0 else "BACKUP",
                priority=150 - 10 * rank,
                router_id=spec.vrrp_router_id,
                vip=spec.vip,
                prefix_len=spec.prefix_len,
                **common,
            ),
        )
        write_file(ka_dir / "notify.sh", render("keepalived-notify.sh", **common), mode=0o755)
        binds.append((ka_dir, "/etc/keepalived"))
    if node.has_role("db"):
        redis_dir = etc / "redis"
        # Fresh on every up: Sentinel rewrites these files as the cluster changes.
        shutil.rmtree(redis_dir, ignore_errors=True)
        redis_dir.mkdir()
        primary = spec.redis_primary
        replicaof = "" if node == primary else f"replicaof {primary.address} 6379"
        write_file(redis_dir / "redis.conf", render("redis.conf", replicaof=replicaof, **common))
        write_file(
            redis_dir / "sentinel.conf",
            render(
                "sentinel.conf",
                master_name=spec.redis_master_name,
                master_address=primary.address,
                quorum=spec.sentinel_quorum,
                down_after_ms=spec.sentinel_down_after_ms,
                failover_timeout_ms=spec.sentinel_failover_timeout_ms,
                **common,
            ),
        )
        binds.append((redis_dir, "/etc/redis"))
        members = ",".join(f"{m.name}=http://{m.address}:{spec.etcd_peer_port}" for m in spec.with_role("db"))
        write_file(
            etc / "etcd.env",
            render(
                "etcd.env",
                initial_cluster=members,
                client_port=spec.etcd_client_port,
                peer_port=spec.etcd_peer_port,
                cluster_token=spec.etcd_cluster_token,
                heartbeat_ms=spec.etcd_heartbeat_ms,
                election_ms=spec.etcd_election_ms,
                **common,
            ),
        )
        # A file bind over Debian's own (etcd-server ships /etc/default/etcd).
        binds.append((etc / "etcd.env", "/etc/default/etcd"))

    if node.has_role("ha"):
        from . import ha

        if ha_device is None:
            raise LabError(f"{node.name}: the HA nodes need the shared disk's device")
        binds += ha.write_node_files(spec, node, paths, ha_device)

    tmpfs_lines = [
        f"{d} {TMPFS_MODES.get(d, '0755')} {TMPFS_SIZES.get(d, '64m')}" for d in node.tmpfs_dirs
    ]
    write_file(nd / "tmpfs.list", "\n".join(tmpfs_lines) + "\n")
    write_file(nd / "binds.list", "".join(f"{src} {dst}\n" for src, dst in binds))
    for src, _dst in binds:
        if " " in str(src):
            raise LabError(f"the lab's state directory may not contain spaces: {src}")

    lines = [f"# Services of {node.name}, started in this order by init.sh (generated)."]
    for name, argv in _service_commands(spec, node, nd, log_dir):
        if name.startswith("&"):
            lines.append(f"start_background {shlex.quote(name[1:])} {shlex.join(argv)}")
        else:
            lines.append(f"start_service {shlex.quote(name)} {shlex.join(argv)}")
    write_file(nd / "services.sh", "\n".join(lines) + "\n")
    write_file(nd / "init.sh", template_text("node-init.sh"), 0o755)
