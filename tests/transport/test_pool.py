"""The connection pool against real SSH servers on 127.0.0.1: chains, sharing, limits, failures."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

import pytest

from clustertui.config import JumpHop
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.states import JumpHostError, NodeState, classify


def trust(tmp_path: Path, *servers) -> None:
    (tmp_path / "known_hosts").write_text("".join(server.known_line() for server in servers))


async def run(conn) -> str:
    return str((await conn.run("whoami", check=True)).stdout).strip()


async def test_a_two_hop_chain_reaches_the_node_through_each_hop(ssh_server, target_for, tmp_path: Path) -> None:
    b1, b2, node = await ssh_server("b1"), await ssh_server("b2"), await ssh_server("node")
    trust(tmp_path, b1, b2, node)
    pool = ConnectionPool()
    conn = await pool.open(target_for(node, jump=(b1.hop(), b2.hop())))
    try:
        assert await run(conn) == "node"
    finally:
        conn.close()
        pool.close()
    # b1 forwarded to b2, b2 to the node: the node was reached only through the chain.
    assert b1.forwards == [("127.0.0.1", b2.port)]
    assert b2.forwards == [("127.0.0.1", node.port)]
    assert (b1.connections, b2.connections, node.connections) == (1, 1, 1)
    assert node.commands == ["whoami"]


async def test_nodes_behind_one_bastion_share_one_connection_to_it(ssh_server, target_for, tmp_path: Path) -> None:
    bastion = await ssh_server("bastion")
    nodes = [await ssh_server(f"n{i}") for i in range(4)]
    trust(tmp_path, bastion, *nodes)
    pool = ConnectionPool()
    conns = await asyncio.gather(*(pool.open(target_for(n, jump=(bastion.hop(),))) for n in nodes))
    assert [await run(c) for c in conns] == ["n0", "n1", "n2", "n3"]
    assert bastion.connections == 1
    assert sorted(bastion.forwards) == sorted(("127.0.0.1", n.port) for n in nodes)
    for conn in conns:
        conn.close()
    pool.close()  # closes the bastion connection: the next node reopens it
    conn = await pool.open(target_for(nodes[0], jump=(bastion.hop(),)))
    assert await run(conn) == "n0" and bastion.connections == 2
    conn.close()
    pool.close()


async def test_one_handshake_limit_covers_nodes_and_jump_hosts(ssh_server, target_for, tmp_path: Path) -> None:
    nodes = [await ssh_server(f"n{i}", auth_delay=0.15) for i in range(6)]
    bastion = await ssh_server("bastion", auth_delay=0.15)
    behind = [await ssh_server(f"m{i}", auth_delay=0.15) for i in range(3)]
    servers = [*nodes, bastion, *behind]
    trust(tmp_path, *servers)
    pool = ConnectionPool(handshake_concurrency=2)
    counting = asyncio.Event()
    most = 0

    async def watch() -> None:
        nonlocal most
        while not counting.is_set():
            most = max(most, sum(s.authenticating for s in servers))
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    conns = await asyncio.gather(
        *(pool.open(target_for(n)) for n in nodes),
        *(pool.open(target_for(m, jump=(bastion.hop(),))) for m in behind),
    )
    counting.set()
    await watcher
    assert most == 2  # the limit was reached, never passed
    assert bastion.connections == 1
    for conn in conns:
        conn.close()
    pool.close()


async def test_shared_connections_reuse_a_lent_one_and_forget_only_their_own(
    ssh_server, target_for, tmp_path: Path
) -> None:
    node = await ssh_server("node")
    trust(tmp_path, node)
    pool = ConnectionPool()
    target = target_for(node)
    lent = await pool.open(target, lend=True)  # the monitor's probe connection
    assert await pool.connection(target) is lent
    pool.forget(node.name)  # a chaos command failed: the monitor's stream is not cut
    assert not lent.is_closed() and await pool.connection(target) is lent
    lent.close()
    await asyncio.sleep(0.05)
    own = await pool.connection(target)  # the lender went away: the pool opens its own
    assert own is not lent and await pool.connection(target) is own
    pool.forget(node.name)
    await asyncio.sleep(0.05)
    assert own.is_closed()
    again = await pool.connection(target)
    assert again is not own and await run(again) == "node"
    assert node.connections == 3
    pool.close()


async def test_a_bastion_that_is_down_names_itself_in_the_nodes_state(
    ssh_server, target_for, tmp_path: Path
) -> None:
    node, bastion = await ssh_server("node"), await ssh_server("bastion")
    trust(tmp_path, node, bastion)
    hop = bastion.hop()
    bastion.close()
    pool = ConnectionPool()
    with pytest.raises(JumpHostError) as caught:
        await pool.open(target_for(node, jump=(hop,)))
    assert classify(caught.value) == (NodeState.UNREACHABLE, f"jump host {hop}: connection refused")
    assert node.connections == 0
    pool.close()


async def test_nodes_behind_a_silent_bastion_share_one_timeout(ssh_server, target_for, tmp_path: Path) -> None:
    """A bastion that accepts TCP and never answers: six nodes fail after one connect
    timeout, not six in a row."""
    nodes = [await ssh_server(f"n{i}") for i in range(6)]
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    trust(tmp_path, *nodes)
    pool = ConnectionPool()
    hop = JumpHop(host="127.0.0.1", port=port, user="tester")
    targets = [dataclasses.replace(target_for(n, jump=(hop,)), connect_timeout=1.0) for n in nodes]
    started = time.monotonic()
    results = await asyncio.gather(*(pool.open(t) for t in targets), return_exceptions=True)
    elapsed = time.monotonic() - started
    silent.close()
    assert all(isinstance(r, JumpHostError) for r in results), results
    assert {classify(r) for r in results} == {(NodeState.UNREACHABLE, f"jump host {hop}: timed out")}
    assert elapsed < 3.0, elapsed  # one attempt (1 s + asyncssh's grace), shared
    assert all(n.connections == 0 for n in nodes)
    pool.close()
