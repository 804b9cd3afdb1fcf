"""SSH for the lab: keys, known_hosts, and the ssh command line that logs into a node.

Every node runs OpenSSH's sshd with its own host key and the lab's sshd_config (see
``templates/sshd_config``).  The controller logs in as root with the lab's user key, and
verifies host keys against the lab's known_hosts, exactly as clustertui will with the
``ssh:`` section of ``sample_clusters/lab.yaml``.
"""

from __future__ import annotations

from pathlib import Path

from .proc import run, write_file
from .spec import LabSpec, StatePaths


def keygen(path: Path, comment: str) -> None:
    """Create an ed25519 key pair at ``path`` unless it exists (keys survive a re-``up``)."""
    if path.exists() and path.with_name(path.name + ".pub").exists():
        return
    for p in (path, path.with_name(path.name + ".pub")):
        p.unlink(missing_ok=True)
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])


def write_keys(spec: LabSpec, paths: StatePaths) -> None:
    """User key, per-node host keys and authorized_keys, and the lab's known_hosts."""
    keygen(paths.user_key, "clustertui-lab")
    pub = paths.user_pub.read_text()
    lines: list[str] = []
    for node in spec.nodes:
        nd = paths.node_dir(node.name)
        host_key = nd / "ssh_host_ed25519_key"
        keygen(host_key, f"root@{node.name}")
        write_file(nd / "authorized_keys", pub, 0o600)
        key_type, key_b64 = host_key.with_name(host_key.name + ".pub").read_text().split()[:2]
        lines.append(f"{node.address},{node.name} {key_type} {key_b64}\n")
    write_file(paths.known_hosts, "".join(lines), 0o644)


def ssh_argv(paths: StatePaths, address: str, command: list[str], connect_timeout: float = 3.0) -> list[str]:
    """``ssh`` argv that runs ``command`` as root on ``address`` with the lab's key.

    ``-F /dev/null`` so the operator's ~/.ssh/config never changes what the lab tests;
    strict host key checking against the lab's known_hosts.
    """
    return [
        "ssh", "-F", "/dev/null",
        "-i", str(paths.user_key),
        "-o", f"UserKnownHostsFile={paths.known_hosts}",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", f"ConnectTimeout={max(1, int(connect_timeout))}",
        "-o", "LogLevel=ERROR",
        f"root@{address}",
        "--", *command,
    ]  # fmt: skip
