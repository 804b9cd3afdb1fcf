"""The lab's HA cluster (role ``ha``): Corosync + Pacemaker with a shared disk, a floating
address and an HTTP server on top, one owner at a time (the seed's "single quorum" shape).

The shared disk is an ext4 image in the runtime directory attached as a loop device on the
host.  Every node sees the device (``/dev`` is the host's), but only the owner mounts it:
Pacemaker's ``ocf:heartbeat:Filesystem`` mounts it in the owner's mount namespace, so the
mount dies with the node.  The image is made populated (``mkfs.ext4 -d``), so the host never
mounts it.  ``lab down`` detaches every loop device backed by the image (also one whose file
is already deleted, after a crash).

Each node gets the same CIB (``cib.xml``) in its own ``/var/lib/pacemaker``: the cluster
starts with its configuration, without a ``cibadmin`` round trip after start.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from .configs import render
from .proc import LabError, run, write_file
from .spec import LabSpec, NodeSpec, RuntimePaths, StatePaths

#: Pacemaker's resource group: the disk, the address, the HTTP server, in start order.
GROUP = "shared-group"
RESOURCES = ("shared-disk", "shared-ip", "shared-web")
#: The file the HTTP server serves from the shared disk, and what it holds.
PAGE = "index.html"
PAGE_TEXT = "served from the lab's shared disk\n"
#: Directories of /var/lib/pacemaker that Pacemaker's daemons (user hacluster) write.
_PCMK_DIRS = ("cib", "pengine", "blackbox", "cores")


#: The HTTP server's config inside every HA node (the CIB names one path for all nodes): a
#: node directory bound below the node's /srv tmpfs, as the state dir is hidden in a node.
NGINX_DIR = "/srv/ha-web"
NGINX_CONF = NGINX_DIR + "/nginx.conf"


def corosync_nodes(spec: LabSpec) -> str:
    """The ``nodelist`` entries of corosync.conf: every ``ha`` node, by name and address."""
    entries = []
    for nodeid, node in enumerate(spec.with_role("ha"), 1):
        entries.append(
            f"    node {{\n        name: {node.name}\n        nodeid: {nodeid}\n"
            f"        ring0_addr: {node.address}\n    }}"
        )
    return "\n".join(entries)


def write_node_files(spec: LabSpec, node: NodeSpec, paths: StatePaths, device: str) -> list[tuple[Path, str]]:
    """Write an ``ha`` node's Corosync config, CIB and directories; return its binds.

    The directories are bind-mounted over Debian's paths, so ``corosync-quorumtool`` and
    ``crm_mon`` in an SSH session on the node read this node's cluster.
    """
    nd = paths.node_dir(node.name)
    etc = nd / "etc" / "corosync"
    etc.mkdir(parents=True, exist_ok=True)
    write_file(etc / "corosync.conf", render("corosync.conf", node=node.name, cluster_name=spec.ha_cluster_name,
                                             nodes=corosync_nodes(spec)))
    lib = nd / "pacemaker"
    shutil.rmtree(lib, ignore_errors=True)  # a fresh CIB on every up
    for sub in _PCMK_DIRS:
        (lib / sub).mkdir(parents=True)
    cib = render("cib.xml", cluster_name=spec.ha_cluster_name, group=GROUP, device=device,
                 mountpoint=spec.ha_mountpoint, vip=spec.ha_vip, prefix_len=spec.prefix_len,
                 nginx_conf=NGINX_CONF)
    write_file(lib / "cib" / "cib.xml", cib, 0o600)
    logs = paths.node_log_dir(node.name) / "pacemaker"
    logs.mkdir(parents=True, exist_ok=True)
    for path in [lib, *lib.rglob("*"), logs]:
        shutil.chown(path, "hacluster", "haclient")
    web = nd / "etc" / "ha-web"
    web.mkdir(exist_ok=True)
    write_file(web / "nginx.conf", render("ha-nginx.conf", mountpoint=spec.ha_mountpoint))
    return [(etc, "/etc/corosync"), (lib, "/var/lib/pacemaker"), (logs, "/var/log/pacemaker"), (web, NGINX_DIR)]


def pacemaker_argv() -> list[str]:
    """pacemakerd in the foreground (init backgrounds it), logging to the node's log dir."""
    return ["env", "PCMK_logfile=/var/log/pacemaker/pacemaker.log", "PCMK_logfacility=none", "pacemakerd"]


# --- the shared disk ------------------------------------------------------------------


def create_disk(spec: LabSpec, rt: RuntimePaths) -> str:
    """Make the populated ext4 image and attach it; return the loop device (``/dev/loopN``)."""
    image = rt.ha_disk_image
    detach_disks(rt)
    image.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ctui-ha-disk-") as tmp:
        root = Path(tmp)
        (root / PAGE).write_text(PAGE_TEXT)
        (root / PAGE).chmod(0o644)
        root.chmod(0o755)
        run(["mkfs.ext4", "-q", "-F", "-L", "ctui-shared", "-d", str(root), str(image), f"{spec.ha_disk_mib}M"])
    res = run(["losetup", "--find", "--show", str(image)], check=False)
    device = res.stdout.strip()
    if res.returncode != 0 or not device.startswith("/dev/loop"):
        raise LabError(f"could not attach {image} as a loop device: {res.stderr.strip() or res.stdout.strip()}")
    return device


def attached_disks(rt: RuntimePaths) -> list[str]:
    """Loop devices backed by the lab's image, including one whose file was deleted."""
    res = run(["losetup", "--list", "--noheadings", "--raw", "--output", "NAME,BACK-FILE"], check=False)
    image = str(rt.ha_disk_image)
    out = []
    for line in res.stdout.splitlines():
        name, _, back = line.partition(" ")
        # losetup --raw escapes spaces as \x20; " (deleted)" follows a removed file.
        back = back.replace("\\x20", " ").removesuffix(" (deleted)")
        if back == image:
            out.append(name)
    return out


def detach_disks(rt: RuntimePaths, timeout: float = 3.0) -> list[str]:
    """Detach every loop device of the lab's image; return what was detached.

    A device still mounted in a node that is dying is only marked to detach when the last
    mount goes (the kernel's autoclear), so this waits a little for it to go.
    """
    done = []
    for device in attached_disks(rt):
        if run(["losetup", "--detach", device], check=False).returncode == 0:
            done.append(f"loop device {device}")
    deadline = time.monotonic() + timeout
    while done and attached_disks(rt) and time.monotonic() < deadline:
        time.sleep(0.05)
    return done


def mount_owners(spec: LabSpec, inits: dict[str, int]) -> list[str]:
    """``ha`` nodes whose mount namespace has the shared disk mounted (host-side view).

    ``inits`` maps node name to the host pid of its init, whose mountinfo is the node's.
    """
    owners = []
    for node in spec.with_role("ha"):
        pid = inits.get(node.name)
        if pid is None:
            continue
        try:
            text = Path(f"/proc/{pid}/mountinfo").read_text(encoding="utf-8")
        except OSError:
            continue
        if any(len(f := line.split()) > 4 and f[4] == spec.ha_mountpoint for line in text.splitlines()):
            owners.append(node.name)
    return owners
