"""Host keys under attack (issue 9, defect 1): a server on 127.0.0.1 presents a key it should not.

With trust_on_first_use, a key is learned only when known_hosts has no entry at all for the
host; a revoked key is refused; a line that cannot be parsed is an error naming FILE:LINE.
Each test plays the man-in-the-middle with a real SSH server holding a different key.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import asyncssh
import pytest

from clustertui.transport.hostkeys import KnownHostsError
from clustertui.transport.pool import ConnectionPool
from clustertui.transport.ssh import connect
from clustertui.transport.states import HostKeyError, JumpHostError, NodeState, classify


async def impostor(ssh_server, real):
    """A server at the real one's address (same port) with a key of its own."""
    port = real.port
    real.close()
    return await ssh_server("node", port=port)


async def refused(target) -> HostKeyError:
    with pytest.raises(HostKeyError) as caught:
        conn = await connect(target)
        conn.close()
    return caught.value


async def test_first_use_learns_the_key_then_holds_it(ssh_server, target_for, tmp_path: Path) -> None:
    real = await ssh_server("node")
    conn = await connect(target_for(real, tofu=True))
    conn.close()
    known = tmp_path / "known_hosts"
    assert known.read_text() == real.known_line()
    fake = await impostor(ssh_server, real)
    error = await refused(target_for(fake, tofu=True))
    assert error.state is NodeState.HOST_KEY_MISMATCH
    assert known.read_text() == real.known_line()  # the impostor's key was not appended


@pytest.mark.parametrize(
    "extra",
    [
        "@revoked [198.51.100.7]:22 {other}\n",  # a revoked key for another host
        "@revoked * {other}\n",  # a revoked key for every host
        "@cert-authority *.example.internal {other}\n",
        "# a comment\n\n",
    ],
)
async def test_real_key_plus_marker_lines_still_verifies(ssh_server, target_for, tmp_path: Path, extra: str) -> None:
    real = await ssh_server("node")
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    known = tmp_path / "known_hosts"
    text = real.known_line() + extra.format(other=other)
    known.write_text(text)
    conn = await connect(target_for(real, tofu=True))
    conn.close()
    fake = await impostor(ssh_server, real)
    error = await refused(target_for(fake, tofu=True))
    assert error.state is NodeState.HOST_KEY_MISMATCH, error
    assert "possible man-in-the-middle" in str(error)
    assert known.read_text() == text


@pytest.mark.parametrize(
    "bad",
    [
        "@revoked\n",  # a marker and nothing else
        "@bogus [127.0.0.1]:1 ssh-ed25519 AAAA\n",
        "somehost ssh-ed25519 not-base64!\n",  # asyncssh skips key data it cannot parse
        "|1|bad-hash|x ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==\n",
        "justonefield\n",
    ],
)
async def test_unparseable_line_is_an_error_naming_file_and_line(
    ssh_server, target_for, tmp_path: Path, bad: str
) -> None:
    real = await ssh_server("node")
    known = tmp_path / "known_hosts"
    text = real.known_line() + "# fine so far\n" + bad
    known.write_text(text)
    fake = await impostor(ssh_server, real)
    error = await refused(target_for(fake, tofu=True))
    assert isinstance(error, KnownHostsError)
    assert str(error).startswith(f"{known}:3: cannot parse this known_hosts line")
    assert error.state is NodeState.HOST_KEY_UNKNOWN and not error.state.retried
    assert fake.connections == 0  # nothing was even attempted with a file nobody can read right
    assert known.read_text() == text


async def test_revoked_key_is_refused_even_on_first_use(ssh_server, target_for, tmp_path: Path) -> None:
    server = await ssh_server("node")
    known = tmp_path / "known_hosts"
    known.write_text(server.known_line(marker="@revoked"))
    error = await refused(target_for(server, tofu=True))
    assert error.state is NodeState.HOST_KEY_MISMATCH
    assert str(error).startswith("host key revoked:")
    assert known.read_text() == server.known_line(marker="@revoked")


async def test_revoked_key_is_refused_when_also_listed_as_trusted(ssh_server, target_for, tmp_path: Path) -> None:
    server = await ssh_server("node")
    known = tmp_path / "known_hosts"
    known.write_text(server.known_line() + server.known_line(marker="@revoked"))
    error = await refused(target_for(server, tofu=False))
    assert str(error).startswith("host key revoked:")


async def test_hashed_entry_counts_as_an_entry(ssh_server, target_for, tmp_path: Path) -> None:
    real = await ssh_server("node")
    known = tmp_path / "known_hosts"
    hashed = real.hashed_line()
    known.write_text(hashed)
    conn = await connect(target_for(real, tofu=True))  # the hashed line verifies the real key
    conn.close()
    fake = await impostor(ssh_server, real)
    error = await refused(target_for(fake, tofu=True))
    assert error.state is NodeState.HOST_KEY_MISMATCH
    assert known.read_text() == hashed


async def test_cert_authority_entry_blocks_first_use(ssh_server, target_for, tmp_path: Path) -> None:
    server = await ssh_server("node")
    ca = asyncssh.generate_private_key("ssh-ed25519")
    known = tmp_path / "known_hosts"
    known.write_text(f"@cert-authority {server.known_name} {ca.export_public_key().decode().strip()}\n")
    error = await refused(target_for(server, tofu=True))
    assert error.state is NodeState.HOST_KEY_MISMATCH


async def test_unknown_host_without_first_use_is_refused(ssh_server, target_for, tmp_path: Path) -> None:
    server = await ssh_server("node")
    error = await refused(target_for(server, tofu=False))
    assert error.state is NodeState.HOST_KEY_UNKNOWN
    assert not (tmp_path / "known_hosts").exists()


async def test_jump_host_follows_the_same_rule(ssh_server, target_for, tmp_path: Path) -> None:
    """A bastion with a known key plus an @revoked line, replaced by an impostor: refused,
    and the node behind it is never reached."""
    node = await ssh_server("node")
    bastion = await ssh_server("bastion")
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    known = tmp_path / "known_hosts"
    text = node.known_line() + bastion.known_line() + f"@revoked [198.51.100.7]:22 {other}\n"
    known.write_text(text)
    fake = await impostor(ssh_server, bastion)
    pool = ConnectionPool()
    with pytest.raises(JumpHostError) as caught:
        await pool.open(target_for(node, tofu=True, jump=(fake.hop(),)))
    state, detail = classify(caught.value)
    assert state is NodeState.HOST_KEY_MISMATCH
    assert detail.startswith(f"jump host tester@127.0.0.1:{fake.port}: host key mismatch")
    assert node.connections == 0 and fake.forwards == []
    assert known.read_text() == text
    pool.close()


async def clustertui_check(tmp_path: Path, server, client_key: Path) -> tuple[int, dict, str]:
    """`clustertui check --json` in a subprocess, against the in-process server (whose event
    loop keeps serving while the subprocess runs)."""
    path = tmp_path / "cluster.yaml"
    path.write_text(
        "name: hostile\ntype: single-node\n"
        f"ssh: {{user: tester, identity: '{client_key}', known_hosts: '{tmp_path / 'known_hosts'}', "
        "trust_on_first_use: true, connect_timeout: 3s}\n"
        f"nodes:\n  - {{name: n1, host: 127.0.0.1, port: {server.port}}}\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "clustertui", "check", str(path), "--json",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert out, err
    return process.returncode or 0, json.loads(out)["nodes"][0], err.decode()


async def test_check_refuses_an_impostor_despite_a_revoked_or_broken_line(
    ssh_server, client_key, tmp_path: Path
) -> None:
    """The defect as reported, through the command line: the real key plus an @revoked line
    (or a line asyncssh cannot parse), trust_on_first_use on, and a server with another key."""
    real = await ssh_server("node")
    fake = await impostor(ssh_server, real)
    known = tmp_path / "known_hosts"
    for extra, state, detail in [
        ("@revoked\n", "host-key-unknown", f"{known}:2: cannot parse this known_hosts line"),
        (f"@revoked [127.0.0.1]:{fake.port} {fake.key.export_public_key().decode().strip()}\n",
         "host-key-mismatch", "host key revoked:"),
    ]:
        known.write_text(real.known_line() + extra)
        code, node, err = await clustertui_check(tmp_path, fake, client_key[0])
        assert code == 1 and "Traceback" not in err
        assert node["state"] == state and node["detail"].startswith(detail), node
        assert known.read_text() == real.known_line() + extra  # nothing learned
