"""Node connection states, and how a failure maps onto one.

The states are a contract shared by `check`, the engine, reports and the TUI.  A host-key
problem is a security alert: it is never retried silently.
"""

from __future__ import annotations

import asyncio
import enum
import os
import socket

import asyncssh


class NodeState(enum.StrEnum):
    CONNECTING = "connecting"
    UP = "up"
    STALE = "stale"
    UNREACHABLE = "unreachable"
    AUTH_FAILED = "auth-failed"
    HOST_KEY_MISMATCH = "host-key-mismatch"
    HOST_KEY_UNKNOWN = "host-key-unknown"
    PROBE_ERROR = "probe-error"

    @property
    def retried(self) -> bool:
        """Whether reconnecting by itself is right: never for host keys, which wait for a human."""
        return self not in (NodeState.HOST_KEY_MISMATCH, NodeState.HOST_KEY_UNKNOWN)


class HostKeyError(Exception):
    """A host key did not verify; `state` says whether it was unknown or changed."""

    def __init__(self, state: NodeState, message: str) -> None:
        super().__init__(message)
        self.state = state


class JumpHostError(Exception):
    """A jump host on the way to a node failed; the node takes that failure's state."""

    def __init__(self, hop: str, cause: BaseException) -> None:
        super().__init__(f"{hop}: {cause}")
        self.hop = hop  # "jump host ops@bastion"
        self.cause = cause


def classify(exc: BaseException) -> tuple[NodeState, str]:
    """Map a connection failure to a state and a one-line reason."""
    if isinstance(exc, JumpHostError):
        state, detail = classify(exc.cause)
        return state, f"{exc.hop}: {detail}"
    if isinstance(exc, HostKeyError):
        return exc.state, str(exc)
    if isinstance(exc, asyncssh.PermissionDenied):
        return NodeState.AUTH_FAILED, f"authentication failed: {exc.reason or exc}"
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return NodeState.HOST_KEY_MISMATCH, f"host key mismatch: {exc.reason or exc}"
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)):
        return NodeState.UNREACHABLE, "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return NodeState.UNREACHABLE, "connection refused"
    if isinstance(exc, socket.gaierror):
        return NodeState.UNREACHABLE, f"cannot resolve host: {exc.strerror}"
    if isinstance(exc, asyncssh.DisconnectError):
        return NodeState.UNREACHABLE, f"disconnected: {exc.reason or exc}"
    if isinstance(exc, asyncssh.ChannelOpenError):
        return NodeState.PROBE_ERROR, f"cannot open a channel: {exc.reason or exc}"
    if isinstance(exc, OSError):
        reason = os.strerror(exc.errno) if exc.errno else (str(exc) or type(exc).__name__)
        return NodeState.UNREACHABLE, reason.lower()
    if isinstance(exc, (asyncssh.KeyImportError, asyncssh.KeyEncryptionError)):
        return NodeState.AUTH_FAILED, f"cannot use the identity file: {exc}"
    return NodeState.UNREACHABLE, f"{type(exc).__name__}: {exc}"
