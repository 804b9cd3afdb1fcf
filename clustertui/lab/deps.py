"""What the lab needs from the host, and installing it on Debian.

The lab uses the distribution's daemons (no containers, no images), so its prerequisites
are Debian packages plus root and a few kernel features.  ``REQUIREMENTS`` is the one list
of them: every program the lab, the fault scripts, the probe and the tests run comes from a
package listed here or from Debian's essential/required base (tests/lab/test_lab_deps.py
reads those programs out of the code and checks each with ``dpkg -S``).  Programs only a
test environment needs beyond the lab (e.g. a browser for a report test) go here too, with
their reason.  ``missing_prerequisites()``
returns one sentence per missing thing that says how to get it; ``install()`` is what
``clustertui lab deps --install`` runs.

Installing daemons on Debian normally starts them in the host namespace (nginx on :80,
redis on :6379 ...), which would collide with the lab and surprise the operator.  So the
install runs under a temporary ``/usr/sbin/policy-rc.d`` that answers 101 ("action not
allowed"), the original is restored afterwards, and any daemon that started anyway is
stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .netns import bridge_nf_call_iptables
from .proc import SYSTEM_PATH, LabError, clean_env


@dataclass(frozen=True)
class Requirement:
    """A Debian package and the files that prove it is installed."""

    package: str
    files: tuple[str, ...]
    why: str
    #: Needed only when this returns True (None: always needed).
    needed_if: Callable[[], bool] | None = None
    #: Only the test suite needs it: `lab deps --install` installs it, `lab up` does not ask for it.
    tests_only: bool = False

    @property
    def needed(self) -> bool:
        return self.needed_if is None or self.needed_if()


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("iproute2", ("ip",), "network namespaces, veth pairs and the bridge"),
    Requirement("util-linux", ("unshare", "nsenter", "setsid", "setpriv", "mount", "umount"), "node namespaces"),
    Requirement("openssh-server", ("/usr/sbin/sshd",), "sshd on every node"),
    Requirement("openssh-client", ("ssh", "ssh-keygen"), "keys and logins from the controller"),
    Requirement("haproxy", ("haproxy",), "load balancers lb1, lb2"),
    Requirement("keepalived", ("keepalived",), "the shared address 198.18.0.100 (VRRP)"),
    Requirement("nginx-light", ("nginx",), "web nodes web1..web3"),
    Requirement("redis-server", ("redis-server",), "Redis on db1..db3"),
    Requirement("redis-sentinel", ("redis-sentinel",), "Sentinel on db1..db3"),
    Requirement("etcd-server", ("etcd",), "the majority-quorum store etcd on db1..db3"),
    Requirement("etcd-client", ("etcdctl",), "the etcd-leader-loss drill's traffic and leader lookup"),
    Requirement("lxcfs", ("lxcfs",), "per-node /proc/stat, /proc/meminfo"),
    Requirement("fuse3", ("fusermount3",), "FUSE for lxcfs"),
    Requirement("psmisc", ("killall",), "keepalived's HAProxy check"),
    Requirement("procps", ("pgrep", "pkill", "ps"), "fault scripts and tests find processes by name"),
    Requirement("redis-tools", ("redis-cli",), "the Redis drills' traffic and primary lookup"),
    Requirement("curl", ("curl",), "the lb-failover drill reads HAProxy's stats page"),
    Requirement("prometheus-node-exporter", ("prometheus-node-exporter",), "node_exporter on every node (:9100)"),
    Requirement("prometheus", ("prometheus",), "the lab's Prometheus server, scraping every node_exporter"),
    Requirement("nftables", ("nft",), "the nft backend of block-port, partition and loss"),
    Requirement("corosync", ("corosync", "corosync-quorumtool", "corosync-cfgtool"), "the HA cluster ha1..ha3 (membership, quorum)"),
    Requirement("pacemaker", ("pacemakerd",), "the HA cluster ha1..ha3 (resource manager)"),
    Requirement("pacemaker-cli-utils", ("crm_mon",), "the HA cluster's status (lab checks, the pacemaker manager)"),
    Requirement("resource-agents", ("/usr/lib/ocf/resource.d/heartbeat/Filesystem",),
                "ocf:heartbeat:Filesystem, IPaddr2 and nginx for the HA cluster"),
    Requirement("e2fsprogs", ("mkfs.ext4",), "the HA cluster's shared disk image"),
    Requirement(
        "iptables",
        ("iptables",),
        "a FORWARD rule, as br_netfilter filters bridged traffic",
        bridge_nf_call_iptables,
    ),
    Requirement("chromium", ("chromium",), "the report tests draw the HTML reports headless", tests_only=True),
    Requirement("systemd", ("systemd-analyze",), "the schedule tests verify the timer and service units", tests_only=True),
)

#: Processes a Debian install of the requirements may start in the host namespace.
DAEMONS = ("nginx", "haproxy", "keepalived", "redis-server", "redis-sentinel", "etcd", "sshd", "lxcfs", "prometheus",
           "prometheus-node",  # prometheus-node-exporter's comm, cut to 15 characters
           "corosync", "pacemakerd")
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
_POLICY_DENY = "#!/bin/sh\n# Temporary, from `clustertui lab deps --install`: start no daemon.\nexit 101\n"


def _present(file: str) -> bool:
    if file.startswith("/"):
        return os.access(file, os.X_OK)
    return shutil.which(file, path=SYSTEM_PATH) is not None


def missing_packages() -> list[Requirement]:
    """Requirements whose files are missing."""
    return [r for r in REQUIREMENTS if r.needed and not all(_present(f) for f in r.files)]


def package_status() -> list[tuple[Requirement, bool]]:
    """Every requirement with whether it is present."""
    missing = {r.package for r in missing_packages()}
    return [(r, r.package not in missing) for r in REQUIREMENTS]


def missing_prerequisites(need_root: bool = True) -> list[str]:
    """One line per missing prerequisite, each saying how to get it (empty: all there)."""
    out: list[str] = []
    if need_root and os.geteuid() != 0:
        out.append(
            "not root: the lab creates network namespaces, cgroups and mounts; "
            "run it as root (e.g. `sudo clustertui lab up`)"
        )
    for req in missing_packages():
        if req.tests_only:
            continue
        out.append(
            f"missing {req.package} ({req.why}): run `clustertui lab deps --install` "
            f"or apt-get install {req.package}"
        )
    if not os.path.exists("/dev/fuse"):
        out.append("missing /dev/fuse (lxcfs needs FUSE): run `modprobe fuse`")
    if not os.path.exists("/proc/self/ns/net") or not os.path.exists("/proc/self/ns/pid"):
        out.append("the kernel lacks network or PID namespaces (CONFIG_NET_NS, CONFIG_PID_NS)")
    return out


def _daemon_pids() -> set[int]:
    """Pids of DAEMONS running detached (parent is init) in the host's network namespace.

    Only detached masters: an sshd serving someone's login has the listener as parent and
    must never be touched; lab nodes have their own network namespace.
    """
    host_net = os.stat("/proc/self/ns/net").st_ino
    out: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            comm = Path(f"/proc/{entry}/comm").read_text().strip()
            if comm not in DAEMONS:
                continue
            ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == 1 and os.stat(f"/proc/{entry}/ns/net").st_ino == host_net:
                out.add(int(entry))
        except OSError:
            continue
    return out


def install(
    packages: list[str] | None = None,
    echo: Callable[[str], None] = print,
    apt_get: str = "apt-get",
    policy_rc_d: Path = POLICY_RC_D,
    stop_started_daemons: bool = True,
) -> list[str]:
    """apt-get install the missing packages without starting their daemons; return them.

    Raises :class:`LabError` if apt-get fails.  The original policy-rc.d (if any) is
    restored even when the install fails.  ``apt_get``, ``policy_rc_d`` and
    ``stop_started_daemons`` exist for tests (which must not stop anyone's daemons).
    """
    if os.geteuid() != 0:
        raise LabError("installing packages needs root: run `sudo clustertui lab deps --install`")
    if shutil.which(apt_get, path=SYSTEM_PATH) is None:
        raise LabError("apt-get not found: install these packages with your distribution's tools")
    todo = packages if packages is not None else [r.package for r in missing_packages()]
    if not todo:
        return []
    before = _daemon_pids()
    saved: bytes | None = policy_rc_d.read_bytes() if policy_rc_d.exists() else None
    saved_mode = policy_rc_d.stat().st_mode if saved is not None else None
    env = clean_env({"DEBIAN_FRONTEND": "noninteractive"})
    try:
        policy_rc_d.write_text(_POLICY_DENY)
        policy_rc_d.chmod(0o755)
        for argv in ([apt_get, "update"], [apt_get, "install", "-y", "--no-install-recommends", *todo]):
            echo("$ " + " ".join(argv))
            res = subprocess.run(argv, env=env, check=False)
            if res.returncode != 0:
                raise LabError(f"`{' '.join(argv)}` failed with exit {res.returncode}")
    finally:
        if saved is None:
            policy_rc_d.unlink(missing_ok=True)
        else:
            policy_rc_d.write_bytes(saved)
            assert saved_mode is not None
            policy_rc_d.chmod(saved_mode & 0o7777)
    started = sorted(_daemon_pids() - before) if stop_started_daemons else []
    for pid in started:
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            os.kill(pid, signal.SIGTERM)
            echo(f"stopped {comm} (pid {pid}) that the package install started on the host")
        except OSError:
            pass
    if started:
        time.sleep(0.5)
    return todo
