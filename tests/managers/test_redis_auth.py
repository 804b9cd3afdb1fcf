"""AUTH for a password-protected redis or Sentinel: the password goes first in the pipeline,
a server without one ignores it, a refused or missing one is `auth-failed`, and no reason
holds the password. The password comes from the controller's environment or a file. (The
lab test, tests/managers/test_managers_auth_lab.py, runs it on a real redis.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from clustertui.config import load_cluster
from clustertui.managers.resp import RespReader, exchange
from clustertui.managers.secrets import password
from clustertui.managers.state import ReadFailure, ReadState

SECRET = "s3cret-pass"
NO_PASSWORD = b"-ERR AUTH <password> called without any password configured for the default user.\r\n"


class FakeRedis:
    """A redis that speaks RESP: with `requirepass` (or none), it answers AUTH and ROLE."""

    def __init__(self, requirepass: str | None) -> None:
        self.requirepass = requirepass
        self.received: list[list[str | int | None]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser, authed = RespReader(), self.requirepass is None
        while True:
            data = await reader.read(65536)
            if not data:
                break
            parser.feed(data)
            while parser.replies:
                command = parser.replies.pop(0)
                assert isinstance(command, list)
                self.received.append(command)
                if command[0] == "AUTH":
                    if self.requirepass is None:
                        writer.write(NO_PASSWORD)
                    elif command[1] == self.requirepass:
                        authed = True
                        writer.write(b"+OK\r\n")
                    else:
                        writer.write(b"-WRONGPASS invalid username-password pair or user is disabled.\r\n")
                elif not authed:
                    writer.write(b"-NOAUTH Authentication required.\r\n")
                else:
                    writer.write(b"*3\r\n$6\r\nmaster\r\n:42\r\n*0\r\n")
        writer.close()


class Loopback:
    """Stands in for the SSH connection: its forwarded port is a local one."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def open_connection(self, host: str, port: int, encoding: None = None):
        return await asyncio.open_connection("127.0.0.1", self.port)


@pytest.fixture
async def redis(request) -> AsyncIterator[tuple[FakeRedis, Loopback]]:
    fake = FakeRedis(request.param)
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    yield fake, Loopback(server.sockets[0].getsockname()[1])
    server.close()


@pytest.mark.parametrize("redis", [SECRET], indirect=True)
async def test_the_password_goes_first_and_the_commands_are_answered(redis) -> None:
    fake, conn = redis
    assert await exchange(conn, 6379, [("ROLE",)], SECRET) == [["master", 42, []]]  # type: ignore[arg-type]
    assert fake.received == [["AUTH", SECRET], ["ROLE"]]


@pytest.mark.parametrize("redis", [None], indirect=True)
async def test_a_server_without_a_password_ignores_it(redis) -> None:
    _, conn = redis
    assert await exchange(conn, 26379, [("ROLE",)], SECRET) == [["master", 42, []]]  # type: ignore[arg-type]


@pytest.mark.parametrize(("redis", "given", "reason"), [
    pytest.param(SECRET, "wrong", "port 6379 refused the password: WRONGPASS invalid username-password pair",
                 id="refused"),
    pytest.param(SECRET, None, "port 6379 wants a password (password_env or password_file)", id="missing"),
], indirect=["redis"])
async def test_a_refused_or_missing_password_is_auth_failed(redis, given, reason) -> None:
    _, conn = redis
    with pytest.raises(ReadFailure) as failed:
        await exchange(conn, 6379, [("ROLE",)], given)  # type: ignore[arg-type]
    assert failed.value.state is ReadState.AUTH_FAILED and failed.value.reason.startswith(reason)
    assert SECRET not in failed.value.reason and "wrong" not in failed.value.reason


def manager(tmp_path: Path, **keys: str):
    extra = ", ".join(f"{k}: {v}" for k, v in keys.items())
    path = tmp_path / "c.yaml"
    path.write_text("name: c\ntype: single-node\nnodes:\n  - {name: db1, host: 127.0.0.1, roles: [db]}\n"
                    f"managers:\n  r: {{kind: redis-sentinel, roles: [db], masters: [m], {extra}}}\n")
    return load_cluster(path, check_files=False).managers["r"]


def test_the_password_comes_from_the_environment_or_a_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CTUI_PW", SECRET)
    assert password(manager(tmp_path, password_env="CTUI_PW")) == SECRET
    (tmp_path / "pw").write_text(SECRET + "\n")
    assert password(manager(tmp_path, password_file=str(tmp_path / "pw"))) == SECRET
    assert password(manager(tmp_path)) is None
    monkeypatch.delenv("CTUI_PW")
    for keys, reason in [({"password_env": "CTUI_PW"}, "password_env: $CTUI_PW is not set"),
                         ({"password_file": str(tmp_path / "none")}, f"password_file {tmp_path / 'none'}: no such file or directory")]:
        with pytest.raises(ReadFailure) as failed:
            password(manager(tmp_path, **keys))
        assert (failed.value.state, failed.value.reason) == (ReadState.AUTH_FAILED, reason)
