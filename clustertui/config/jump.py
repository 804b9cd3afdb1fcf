"""`proxy_jump`: a chain of jump hosts, as `ssh -J` takes it, parsed once, here.

`ops@b1,ops@b2` is two hops (the node is reached from b2, b2 from b1); each hop is
`[user@]host[:port]`, with an IPv6 address in brackets (`ops@[2001:db8::1]:2222`). A bare
IPv6 address is refused rather than guessed: in `2001:db8::1:2222` nobody can tell the port.
The cluster file keeps the text as written; the transport asks `parse_jump_chain` for the hops,
and the loader has already refused anything it cannot parse, with FILE:LINE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator

from .errors import describe
from .scalars import USER_RE, expect, fail, is_host, port_number

MAX_HOPS = 8  # OpenSSH has no limit, but a longer chain is a typo, not a network
EXPECTED = 'a jump host like "bastion.example.internal" or "user@bastion:2222"'


class JumpSpecError(ValueError):
    """A `proxy_jump` text that is not a chain of `[user@]host[:port]` hops; says which hop and why.

    `part` is the text at fault: when it is the whole value, the reason adds nothing.
    """

    def __init__(self, reason: str, part: str = "") -> None:
        super().__init__(reason)
        self.part = part


@dataclass(frozen=True, slots=True)
class JumpHop:
    host: str
    port: int = 22
    user: str | None = None  # None: the connecting user's default, as ssh -J does

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        address = host if self.port == 22 else f"{host}:{self.port}"
        return f"{self.user}@{address}" if self.user else address


def parse_hop(text: str) -> JumpHop:
    """One `[user@]host[:port]`; raises JumpSpecError naming what is wrong."""
    user, at, address = text.rpartition("@")
    if at and not USER_RE.fullmatch(user):
        raise JumpSpecError(f"{describe(user)} is not a user name")
    port_text = ""
    if address.startswith("["):
        host, bracket, rest = address[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise JumpSpecError(f"{describe(address)}: expected [IPv6 address] or [IPv6 address]:port")
        port_text = rest[1:] if rest else ""
        if rest and not port_text:
            raise JumpSpecError(f"{describe(address)} has an empty port")
    elif address.count(":") > 1:
        raise JumpSpecError(f"{describe(address)}: write an IPv6 address in brackets, like [{address}]")
    else:
        host, colon, port_text = address.partition(":")
        if colon and not port_text:
            raise JumpSpecError(f"{describe(address)} has an empty port")
    if not is_host(host) or (address.startswith("[") and ":" not in host):
        raise JumpSpecError(f"{describe(host)} is not a hostname or IP address", part=host)
    port = 22
    if port_text:
        parsed = port_number(port_text)
        if parsed is None:
            raise JumpSpecError(f"{describe(port_text)} is not a port from 1 to 65535")
        port = parsed
    return JumpHop(host=host, port=port, user=user or None)


def parse_jump_chain(text: str) -> tuple[JumpHop, ...]:
    """The hops of a `proxy_jump` text, first hop first; raises JumpSpecError."""
    hops = text.split(",")
    if len(hops) > MAX_HOPS:
        raise JumpSpecError(f"{len(hops)} hops, at most {MAX_HOPS}")
    parsed = []
    for number, hop in enumerate(hops, 1):
        if not hop:
            raise JumpSpecError(f"hop {number} is empty")
        try:
            parsed.append(parse_hop(hop))
        except JumpSpecError as exc:
            where = f"hop {number} of {len(hops)}: " if len(hops) > 1 else ""
            raise JumpSpecError(f"{where}{exc}", part=exc.part) from None
    return tuple(parsed)


def _validate(text: str) -> str:
    try:
        parse_jump_chain(text)
    except JumpSpecError as exc:
        if exc.part == text:
            raise fail(f"expected {EXPECTED}, found {describe(text)}") from None
        raise fail(f"expected {EXPECTED} (hops separated by ','), found {describe(text)}: {exc}") from None
    return text


ProxyJump = Annotated[str, AfterValidator(_validate), expect(EXPECTED)]
