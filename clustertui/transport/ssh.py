"""SSH connections to nodes (asyncssh), with host keys verified against known_hosts.

One connection per node is opened and then reused for the probe channel and for every other
command; opening it is the expensive part (key exchange, ~2.5 ms of controller CPU).
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from clustertui.config import JumpHop, Node
from clustertui.transport.hostkeys import VerifyingClient, load_known_hosts, remember
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
    jump: tuple[JumpHop, ...] = ()  # proxy_jump, first hop first

    @classmethod
    def from_node(cls, node: Node) -> SSHTarget:
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
            jump=ssh.jump_hops,
        )

    def hop_targets(self) -> tuple[SSHTarget, ...]:
        """The jump hosts as targets of their own: same key, known_hosts and host-key policy.

        A hop without `user@` logs in as the node's user would by default (asyncssh's
        default: the local user, or the ssh_config's), as `ssh -J` does.
        """
        return tuple(
            SSHTarget(
                name=f"jump host {hop}",
                host=hop.host,
                port=hop.port,
                user=hop.user,
                identity=self.identity,
                known_hosts=self.known_hosts,
                connect_timeout=self.connect_timeout,
                keepalive_interval=self.keepalive_interval,
                trust_on_first_use=self.trust_on_first_use,
                config=self.config,
            )
            for hop in self.jump
        )

    @property
    def known_hosts_path(self) -> Path:
        return self.known_hosts or DEFAULT_KNOWN_HOSTS

    def privileged(self, command: str) -> str:
        """Prefix a command that needs root with `sudo -n`, which fails instead of prompting."""
        return f"sudo -n -- sh -c {shlex.quote(command)}" if self.become == "sudo" else command


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
    options: dict[str, Any] = {
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
    known = load_known_hosts(target.known_hosts_path)
    client = VerifyingClient(known, target.trust_on_first_use)
    options["known_hosts"] = client.known_hosts
    try:
        # A timeout in this task, not `wait_for`'s inner task: cancelled mid-handshake (the
        # monitor stopping), a failure that lands as it is cancelled was never retrieved there
        # ("Task exception was never retrieved" and a traceback on stderr at exit).
        async with asyncio.timeout(target.connect_timeout + 1.0):
            conn, _ = await asyncssh.create_connection(lambda: client, target.host, **options)
    except asyncssh.HostKeyNotVerifiable as exc:
        raise _host_key_error(target, client, exc.reason or "") from exc
    except asyncssh.KeyExchangeFailed as exc:
        if client.entry_seen:  # known_hosts trusts only a CA (or key types) the host does not offer
            raise _host_key_error(target, client, exc.reason or "") from exc
        raise
    if client.learned is not None:
        remember(target.known_hosts_path, target.host, target.port, client.learned)
    return conn


def _host_key_error(target: SSHTarget, client: VerifyingClient, reason: str) -> HostKeyError:
    where = f"{target.host}" if target.port == 22 else f"{target.host}:{target.port}"
    if "revoked" in reason.lower():
        return HostKeyError(
            NodeState.HOST_KEY_MISMATCH,
            f"host key revoked: {where} presented a key marked @revoked in {target.known_hosts_path} "
            "(possible man-in-the-middle)",
        )
    if client.entry_seen:
        return HostKeyError(
            NodeState.HOST_KEY_MISMATCH,
            f"host key mismatch: {where} presented a key that differs from "
            f"{target.known_hosts_path} (possible man-in-the-middle)",
        )
    return HostKeyError(
        NodeState.HOST_KEY_UNKNOWN,
        f"host key unknown: {where} is not in {target.known_hosts_path} "
        "(add it, or set ssh.trust_on_first_use)",
    )
