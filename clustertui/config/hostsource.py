"""A host as another tool lists it (Ansible, OpenSSH), before it becomes a node entry.

Both importers produce these, so that `import:` in a cluster file and `clustertui init`
read the same things the same way: address, port, user, key and jump hosts.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass
class SourceHost:
    """One host, with its place in its file for error messages (line 0: no line applies)."""

    name: str
    path: Path
    line: int
    address: Any = None
    port: Any = None
    user: Any = None
    identity: Any = None
    proxy_jump: Any = None
    groups: list[str] = field(default_factory=list)


def jump_from_ssh_args(text: str, where: tuple[Path, int, str]) -> str | None:
    """The jump hosts in ssh command-line options (`-J`, `-o ProxyJump=`, `-o ProxyCommand=`).

    A ProxyCommand is understood in its common `ssh [-q] [-l USER] [-p PORT] -W %h:%p
    [USER@]HOST` form only; anything else is an error rather than a node reached some
    other way than its owner meant.
    """
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ConfigError(*where, f"expected ssh options, found {exc}") from None
    options: dict[str, str] = {}
    for i, word in enumerate(words):
        if word == "-J" and i + 1 < len(words):
            options.setdefault("proxyjump", words[i + 1])
        elif word.startswith("-J") and len(word) > 2:
            options.setdefault("proxyjump", word[2:])
        elif word == "-o" and i + 1 < len(words):
            key, _, value = words[i + 1].partition("=")
            options.setdefault(key.strip().lower(), value.strip())
        elif word.startswith("-o") and len(word) > 2:
            key, _, value = word[2:].partition("=")
            options.setdefault(key.strip().lower(), value.strip())
    if options.get("proxyjump") and options["proxyjump"].lower() != "none":
        return options["proxyjump"]
    if options.get("proxycommand") and options["proxycommand"].lower() != "none":
        return jump_from_proxy_command(options["proxycommand"], where)
    return None


def jump_from_proxy_command(command: str, where: tuple[Path, int, str]) -> str:
    """`ssh -W %h:%p user@bastion` (with -q, -l, -p, -i) as the jump host `user@bastion:port`.

    `-W` names the target, which is the node itself (asyncssh has already expanded %h:%p).
    """
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    problem = (
        f"expected a ProxyCommand like 'ssh -W %h:%p user@bastion' (or use ProxyJump), found {command!r}"
    )
    if not words or Path(words[0]).name != "ssh" or "-W" not in words:
        raise ConfigError(*where, problem)
    user, port, rest = "", "", []
    i = 1
    while i < len(words):
        word = words[i]
        if word in ("-W", "-l", "-p", "-i", "-F", "-o") and i + 1 < len(words):
            if word == "-l":
                user = words[i + 1]
            elif word == "-p":
                port = words[i + 1]
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        rest.append(word)
        i += 1
    if len(rest) != 1:
        raise ConfigError(*where, problem)
    host = rest[0]
    if user and "@" not in host:
        host = f"{user}@{host}"
    return f"{host}:{port}" if port else host
