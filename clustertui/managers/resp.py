"""A bounded RESP2 reader: Redis and Sentinel replies, parsed as they arrive, in linear time.

Redis keeps the connection open after answering, so replies are parsed as the bytes come
in, and the read ends when the expected number of replies is complete. Each byte is looked
at a bounded number of times whatever the server sends (a line searched for its end resumes
where the last search stopped), and nesting, array sizes, bulk sizes and the total are
bounded (`limits.py`): a lying server is `garbage`, never a slow loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncssh

from clustertui.managers.limits import MAX_LINE, MAX_OUTPUT, RESP_MAX_BULK, RESP_MAX_DEPTH, RESP_MAX_ITEMS, clip
from clustertui.managers.remote import send
from clustertui.managers.state import Garbage, ReadFailure, ReadState


@dataclass(frozen=True, slots=True)
class RespError:
    """An error reply (`-ERR unknown command`): an answer, not a failure of the read."""

    message: str


Reply = str | int | None | RespError | list["Reply"]


def _int(text: bytes, what: str) -> int:
    if not 0 < len(text) <= 20 or not text.lstrip(b"-").isdigit():
        raise Garbage(f"RESP {what} {clip(text.decode(errors='replace'), 40)!r} is not an integer")
    return int(text)


class RespReader:
    """Feed it bytes; it collects whole replies in `replies`."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self._buf = bytearray()
        self._pos = 0  # start of what is not consumed yet
        self._scanned = 0  # how far the search for the current line's end got
        self._bulk: int | None = None  # length of the bulk string whose body is awaited
        self._stack: list[tuple[list[Reply], int]] = []  # open arrays and how many items each awaits

    def feed(self, data: bytes) -> None:
        self._buf += data
        while self._step():
            pass
        if self._pos > 65536:  # drop what is consumed, now and then (amortised linear)
            del self._buf[: self._pos]
            self._scanned -= self._pos
            self._pos = 0

    def _step(self) -> bool:
        """Consume one element if it is complete; False when more bytes are needed."""
        buf = self._buf
        if self._bulk is not None:
            end = self._pos + self._bulk
            if len(buf) < end + 2:
                return False
            if buf[end:end + 2] != b"\r\n":
                raise Garbage("RESP bulk string not followed by CRLF")
            text = bytes(buf[self._pos:end]).decode("utf-8", errors="replace")
            self._pos, self._bulk = end + 2, None
            self._push(text)
            return True
        end = buf.find(b"\r\n", max(self._pos, self._scanned - 1))
        if end == -1:
            self._scanned = len(buf)
            if len(buf) - self._pos > MAX_LINE:
                raise Garbage(f"a RESP line of over {MAX_LINE // 1024} KiB")
            return False
        line = bytes(buf[self._pos:end])
        self._pos = self._scanned = end + 2
        if not line:
            raise Garbage("an empty RESP line")
        kind, body = line[:1], line[1:]
        if kind == b"+":
            self._push(clip(body.decode("utf-8", errors="replace"), MAX_LINE))
        elif kind == b"-":
            self._push(RespError(clip(body.decode("utf-8", errors="replace"))))
        elif kind == b":":
            self._push(_int(body, "integer"))
        elif kind == b"$":
            size = _int(body, "bulk length")
            if size == -1:
                self._push(None)
            elif not 0 <= size <= RESP_MAX_BULK:
                raise Garbage(f"a RESP bulk string of {size} bytes (at most {RESP_MAX_BULK})")
            else:
                self._bulk = size
        elif kind == b"*":
            count = _int(body, "array length")
            if count == -1:
                self._push(None)
            elif not 0 <= count <= RESP_MAX_ITEMS:
                raise Garbage(f"a RESP array of {count} items (at most {RESP_MAX_ITEMS})")
            elif len(self._stack) >= RESP_MAX_DEPTH:
                raise Garbage(f"RESP arrays nested over {RESP_MAX_DEPTH} deep")
            elif count == 0:
                self._push([])
            else:
                self._stack.append(([], count))
        else:
            raise Garbage(f"not a RESP reply: {clip(line.decode(errors='replace'), 40)!r}")
        return True

    def _push(self, value: Reply) -> None:
        while self._stack:
            items, left = self._stack[-1]
            items.append(value)
            if left > 1:
                self._stack[-1] = (items, left - 1)
                return
            self._stack.pop()
            value = items
        self.replies.append(value)


def encode(*args: str) -> bytes:
    """One command as a RESP array of bulk strings."""
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


#: What a redis without a password answers to AUTH (it then serves the commands anyway).
_NO_PASSWORD_SET = ("ERR AUTH <password> called without any password configured", "ERR Client sent AUTH, but no password")


async def exchange(conn: asyncssh.SSHClientConnection, port: int, commands: Sequence[tuple[str, ...]],
                   password: str | None = None) -> list[Reply]:
    """Send `commands` (pipelined) to 127.0.0.1:`port` on the node, through its sshd, and
    return one reply per command. With a `password`, `AUTH` goes first in the same pipeline
    (a server that has no password ignores it); a refused or missing password is an
    `auth-failed` read, whose reason never holds the password."""
    sent = [("AUTH", password), *commands] if password is not None else list(commands)
    replies = await _exchange(conn, port, sent)
    if password is not None:
        auth, replies = replies[0], replies[1:]
        if isinstance(auth, RespError) and not auth.message.startswith(_NO_PASSWORD_SET):
            raise ReadFailure(ReadState.AUTH_FAILED, f"port {port} refused the password: {auth.message[:80]}")
    for reply in replies:
        if isinstance(reply, RespError) and reply.message.startswith("NOAUTH"):
            raise ReadFailure(ReadState.AUTH_FAILED, f"port {port} wants a password (password_env or password_file)")
    return replies


async def _exchange(conn: asyncssh.SSHClientConnection, port: int, commands: Sequence[tuple[str, ...]]) -> list[Reply]:
    reader, writer = await conn.open_connection("127.0.0.1", port, encoding=None)
    try:
        send(writer, b"".join(encode(*command) for command in commands))
        parser, size = RespReader(), 0
        while len(parser.replies) < len(commands):
            chunk = await reader.read(65536)
            if not chunk:
                raise ReadFailure(ReadState.DOWN, f"port {port} closed the connection after "
                                  f"{len(parser.replies)} of {len(commands)} replies")
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise Garbage(f"replies of over {MAX_OUTPUT // 1024} KiB")
            parser.feed(chunk)
        return parser.replies[: len(commands)]
    finally:
        writer.close()
