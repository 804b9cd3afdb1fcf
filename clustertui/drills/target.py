"""Where a drill's fault goes: a node, one node of a role, or whichever node is the primary."""

from __future__ import annotations

import asyncio
import random
import shlex

import asyncssh

from clustertui.config import Cluster, Target
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import SSHTarget
from clustertui.transport.states import classify

PRIMARY_TIMEOUT = 10.0


class TargetError(Exception):
    """The target could not be resolved to a node; the drill aborts."""


async def resolve_target(
    cluster: Cluster, target: Target, pool: ConnectionPool, rng: random.Random | None = None
) -> str:
    """The node's name; a `primary` lookup on a node rides `pool` (jump hosts, host keys, the
    monitor's connection when the drill has one)."""
    if target.node:
        return target.node
    if target.role:
        nodes = [n.name for n in cluster.nodes if target.role in n.roles]
        if not nodes:
            raise TargetError(f"no node has role {target.role!r}")
        return (rng or random.Random()).choice(nodes) if target.pick == "random" else nodes[0]
    assert target.primary is not None
    output = await _run_primary_command(cluster, pool, target.primary.command, target.primary.node)
    return node_named_by(cluster, output)


def node_named_by(cluster: Cluster, output: str) -> str:
    """The node the first word of `output` names, by node name or by host."""
    words = output.split()
    if not words:
        raise TargetError("the primary command printed nothing")
    word = words[0]
    for node in cluster.nodes:
        if word in (node.name, node.host):
            return node.name
    raise TargetError(f"the primary command printed {word!r}, which names no node of {cluster.name}")


async def _run_primary_command(cluster: Cluster, pool: ConnectionPool, command: str, on_node: str | None) -> str:
    """Run the command here (the controller), or on `on_node` over SSH."""
    try:
        async with asyncio.timeout(PRIMARY_TIMEOUT):
            if on_node is None:
                process = await asyncio.create_subprocess_shell(
                    command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.PIPE,
                )
                out, err = await process.communicate()
                if process.returncode != 0:
                    raise TargetError(f"the primary command failed (exit {process.returncode}): "
                                      f"{err.decode(errors='replace').strip()[:200]}")
                return out.decode(errors="replace")
            target = SSHTarget.from_node(cluster.node(on_node))
            try:
                conn = await pool.connection(target)
            except Exception as exc:  # every connection failure is a reason, never a crash
                state, reason = classify(exc)
                raise TargetError(f"cannot reach {on_node} for the primary command ({state}): {reason}") from None
            try:
                result = await conn.run(f"sh -c {shlex.quote(command)}", check=False)
            except (asyncssh.Error, OSError) as exc:
                pool.forget(on_node)
                raise TargetError(f"the primary command lost its connection to {on_node}: {exc}") from None
            if result.exit_status != 0:
                raise TargetError(f"the primary command failed on {on_node} (exit {result.exit_status}): "
                                  f"{str(result.stderr or '').strip()[:200]}")
            return str(result.stdout or "")
    except TimeoutError:
        raise TargetError(f"the primary command did not answer within {PRIMARY_TIMEOUT:g}s") from None
    except OSError as exc:
        raise TargetError(f"cannot run the primary command: {exc}") from None
