"""Host-key policy: known_hosts read strictly, and trust on first use only for a host with no entry.

The rule, for nodes and jump hosts alike:

- known_hosts is always handed to asyncssh, so a revoked key (`@revoked`) is refused and a
  key that differs from the file's is refused;
- with `trust_on_first_use`, a key is learned only when the file holds no entry at all for
  the host, matched the way asyncssh matches it (name, address, port; any marker; hashed
  names included). The decision is taken inside the handshake (`validate_host_public_key`),
  with the address the connection really reached, not guessed beforehand;
- a line that cannot be parsed is an error naming FILE:LINE. asyncssh skips key data it
  cannot parse, and a reader that gives up on the whole file sees "no entry": either way a
  damaged file would silently turn verification off, so nothing is skipped here.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from clustertui.transport.states import HostKeyError, NodeState

#: Trusted host keys, trusted CA keys, revoked keys: what asyncssh's known_hosts callable returns.
KeyLists = tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey], list[asyncssh.SSHKey]]


class KnownHostsError(HostKeyError):
    """known_hosts cannot be read or parsed: nothing can be verified, so nothing connects."""

    def __init__(self, message: str) -> None:
        super().__init__(NodeState.HOST_KEY_UNKNOWN, message)


def _check_line(line: str) -> str | None:
    """Why one known_hosts line cannot be used, or None if it can."""
    try:
        asyncssh.import_known_hosts(line)  # marker, field count, hashed-name syntax
    except (ValueError, asyncssh.Error) as exc:
        return str(exc)
    fields = line.split(None, 2) if line.startswith("@") else ["", *line.split(None, 1)]
    if len(fields) < 3:
        return "expected [@marker] hosts key"
    data = fields[2]
    for importer in (asyncssh.import_public_key, asyncssh.import_certificate):
        try:
            importer(data)
            return None
        except (ValueError, asyncssh.Error):
            continue
    return "the key cannot be parsed"


def parse_known_hosts(path: Path, text: str) -> asyncssh.SSHKnownHosts:
    """Every line parsed, or KnownHostsError naming FILE:LINE."""
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        why = _check_line(line)
        if why is not None:
            raise KnownHostsError(f"{path}:{number}: cannot parse this known_hosts line ({why}); "
                                  "fix or remove it: no host key is trusted until then")
    return asyncssh.import_known_hosts(text)


@dataclass(frozen=True, slots=True)
class _Stamp:
    inode: int
    size: int
    mtime_ns: int


_cache: dict[Path, tuple[_Stamp, asyncssh.SSHKnownHosts]] = {}


def load_known_hosts(path: Path) -> asyncssh.SSHKnownHosts:
    """The file's entries (empty if it does not exist); parsed once per version of the file."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return asyncssh.SSHKnownHosts()
    except OSError as exc:
        raise KnownHostsError(f"{path}: cannot read known_hosts: {exc.strerror}") from None
    stamp = _Stamp(stat.st_ino, stat.st_size, stat.st_mtime_ns)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise KnownHostsError(f"{path}: cannot read known_hosts: {why}") from None
    known = parse_known_hosts(path, text)
    _cache[path] = (stamp, known)
    return known


@dataclass(frozen=True, slots=True)
class Lookup:
    """What known_hosts says about one host: keys it trusts, CAs it trusts, keys it revokes."""

    host_keys: tuple[asyncssh.SSHKey, ...]
    ca_keys: tuple[asyncssh.SSHKey, ...]
    revoked: tuple[asyncssh.SSHKey, ...]
    any_entry: bool

    def for_asyncssh(self) -> KeyLists:
        return list(self.host_keys), list(self.ca_keys), list(self.revoked)


def lookup(known: asyncssh.SSHKnownHosts, host: str, addr: str, port: int | None) -> Lookup:
    """Match a host by name and address, as `[name]:port` and as plain name.

    asyncssh's own `match` falls back to the plain name when the `[name]:port` lines hold
    no trusted key, and then forgets their `@revoked` keys: a port-specific revocation was
    silently dropped. Here trusted keys follow that fallback (OpenSSH-compatible files
    list plain names), while revocations and "is there any entry" take every line.
    `addr` is the address the connection reached ("" when unknown, e.g. through a tunnel).
    """
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        addr = ""
    names = [name for name in dict.fromkeys((host, addr)) if name]
    # match(name, "", None) looks `name` up exactly as written, "[host]:port" included.
    ported = [known.match(f"[{name}]:{port}", "", None) for name in names] if port and port != 22 else []
    plain = [known.match(name, "", None) for name in names]

    def keys(results: list[Any], index: int) -> tuple[asyncssh.SSHKey, ...]:
        return tuple(dict.fromkeys(key for result in results for key in result[index]))

    trusted_from = ported if any(r[0] or r[1] for r in ported) else plain
    every = ported + plain
    return Lookup(
        host_keys=keys(trusted_from, 0),
        ca_keys=keys(trusted_from, 1),
        revoked=keys(every, 2),
        any_entry=any(any(result) for result in every),
    )


def known_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def remember(path: Path, host: str, port: int, key: asyncssh.SSHKey) -> None:
    """Trust on first use: append the key the host presented."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"{known_name(host, port)} {key.export_public_key().decode().strip()}\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(line)


class VerifyingClient(asyncssh.SSHClient):
    """Decides a key asyncssh found in no known_hosts line: learned only on first use.

    asyncssh has already refused revoked keys and accepted keys the file trusts; this is
    asked only about the rest, with the address the connection actually reached.
    """

    def __init__(self, known: asyncssh.SSHKnownHosts, trust_on_first_use: bool) -> None:
        self._known = known
        self._tofu = trust_on_first_use
        self.entry_seen = False  # the file named the host: a refusal means "changed"
        self.learned: asyncssh.SSHKey | None = None

    def known_hosts(self, host: str, addr: str, port: int | None) -> KeyLists:
        """asyncssh's `known_hosts` callable: the keys it trusts and refuses for this host."""
        found = lookup(self._known, host, addr, port)
        self.entry_seen = found.any_entry
        return found.for_asyncssh()

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        if lookup(self._known, host, addr, port).any_entry:
            self.entry_seen = True
            return False
        if not self._tofu:
            return False
        self.learned = key
        return True
