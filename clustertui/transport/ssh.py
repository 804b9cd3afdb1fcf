"""SSH connections to nodes (asyncssh), with host keys verified against known_hosts.

One connection per node is opened and then reused for the probe channel and for every other
command; opening it is the expensive part (key exchange, ~2.5 ms of controller CPU).
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from clustertui.transport.states import HostKeyError, NodeState

DEFAULT_KNOWN_HOSTS = Path("~/.ssh/known_hosts").expanduser()


@dataclass(frozen=True, slots=True)
class SSHTarget:
    """Everything needed to reach one node; built from the cluster file's effective settings."""

    name: str
    host: str
    port: int = 22
    user: str | None = None
    identity: Path | None = None
    known_hosts: Path | None = None
    connect_timeout: float = 5.0
    keepalive_interval: float = 10.0
    trust_on_first_use: bool = False
    config: Path | None = None
    become: str | None = None

    @classmethod
    def from_node(cls, node) -> SSHTarget:  # node: clustertui.config.Node
        ssh = node.ssh
        return cls(
            name=node.name,
            host=node.host,
            port=node.port,
            user=ssh.user,
            identity=ssh.identity,
            known_hosts=ssh.known_hosts,
            connect_timeout=ssh.connect_timeout,
            keepalive_interval=ssh.keepalive_interval,
            trust_on_first_use=ssh.trust_on_first_use,
            config=ssh.config,
            become=ssh.become,
        )

    @property
    def known_hosts_path(self) -> Path:
        return self.known_hosts or DEFAULT_KNOWN_HOSTS

    def privileged(self, command: str) -> str:
        """Prefix a command that needs root with `sudo -n`, which fails instead of prompting."""
        return f"sudo -n -- sh -c {shlex.quote(command)}" if self.become == "sudo" else command


def _known_entry_exists(target: SSHTarget) -> bool:
    """Whether known_hosts holds any key for this host (to tell 'unknown' from 'changed')."""
    path = target.known_hosts_path
    if not path.is_file():
        return False
    try:
        known = asyncssh.read_known_hosts(str(path))
        host_keys, ca_keys, *_ = known.match(target.host, target.host, target.port)
    except (OSError, ValueError, asyncssh.Error):
        return False
    return bool(host_keys or ca_keys)


def _remember_host_key(target: SSHTarget, key: asyncssh.SSHKey) -> None:
    """Trust on first use: append the key the node presented to known_hosts."""
    path = target.known_hosts_path
    path.parent.mkdir(parents=True, exist_ok=True)
    name = target.host if target.port == 22 else f"[{target.host}]:{target.port}"
    with path.open("a") as handle:
        handle.write(f"{name} {key.export_public_key().decode().strip()}\n")


# AES-GCM first: with AES-NI it is the cheapest cipher to decrypt per packet, and packets
# (one frame per node per interval) are most of what the controller spends its CPU on.
CIPHERS = [
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes256-ctr",
]


async def connect(
    target: SSHTarget, tunnel: asyncssh.SSHClientConnection | None = None, keepalive: bool = True
) -> asyncssh.SSHClientConnection:
    """Open one verified connection, or raise; `classify` turns the error into a node state.

    `keepalive=False` is for the probe stream: it is never idle, its silence is watched
    per interval (see session.watch_silence), and asyncssh's keepalive would re-arm a timer
    on every received packet.
    """
    options: dict = {
        "port": target.port,
        "username": target.user,
        "connect_timeout": target.connect_timeout,
        "keepalive_interval": target.keepalive_interval if keepalive else 0,
        "keepalive_count_max": 3,
        "encryption_algs": CIPHERS,
        "config": [str(target.config)] if target.config else (),
        "tunnel": tunnel,
    }
    if target.identity is not None:
        # An explicit identity means exactly that key: no agent keys tried first, which
        # could exhaust the server's MaxAuthTries before ours is offered.
        options["client_keys"] = [str(target.identity)]
        options["agent_path"] = None
    first_use = target.trust_on_first_use and not _known_entry_exists(target)
    options["known_hosts"] = None if first_use else str(target.known_hosts_path)
    try:
        conn = await asyncio.wait_for(
            asyncssh.connect(target.host, **options), timeout=target.connect_timeout + 1.0
        )
    except asyncssh.HostKeyNotVerifiable as exc:
        if _known_entry_exists(target):
            raise HostKeyError(
                NodeState.HOST_KEY_MISMATCH,
                f"host key mismatch: {target.host} presented a key that differs from "
                f"{target.known_hosts_path} (possible man-in-the-middle)",
            ) from exc
        raise HostKeyError(
            NodeState.HOST_KEY_UNKNOWN,
            f"host key unknown: {target.host} is not in {target.known_hosts_path} "
            "(add it, or set ssh.trust_on_first_use)",
        ) from exc
    if first_use:
        key = conn.get_server_host_key()
        if key is not None:
            _remember_host_key(target, key)
    return conn
