"""Hosts from an OpenSSH client config, read by asyncssh's own parser.

asyncssh is what connects, so its reading of ssh_config (Include, Match, first value wins,
%-tokens) is the one that counts. It answers "what applies to host X"; which hosts a file
names is collected here by walking the same parse: every concrete `Host` alias (no `*`,
`?` or `!`), in the main file and in the files it includes.
"""

from __future__ import annotations

import getpass
import re
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .hostsource import SourceHost, jump_from_proxy_command

#: How a NodeEntry field is called in ssh_config, for error messages.
FIELDS = {"host": "HostName", "port": "Port", "ssh": "User", "roles": "roles", "identity": "IdentityFile",
          "proxy_jump": "ProxyJump"}
_ASYNCSSH_ERROR = re.compile(r"(?P<path>.*) line (?P<line>\d+): (?P<reason>.*)", re.DOTALL)


def _config_classes() -> tuple[Any, Any]:
    """asyncssh's parser, and a variant of it that records Host lines (imported on first use)."""
    from asyncssh.config import ConfigParseError, SSHClientConfig

    class HostLines(SSHClientConfig):
        """Parses like asyncssh, but enters every block and reads only Host, Match and Include."""

        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.aliases: dict[str, tuple[Path, int]] = {}

        def _record_host(self, option: str, args: list[str]) -> None:
            for pattern in ",".join(args).replace(",", " ").split():
                if not any(c in pattern for c in "*?!"):
                    self.aliases.setdefault(pattern, (Path(self._path), self._line_no))
            args.clear()
            self._matching = True

        def _enter_match(self, option: str, args: list[str]) -> None:
            args.clear()  # not evaluated here (no `Match exec`): only Host lines are collected
            self._matching = True

        # every other option is skipped: it is evaluated per host below.  (A ClassVar annotation
        # would clash with asyncssh's, which declares the table as a plain attribute.)
        _handlers = {  # noqa: RUF012
            "host": ("Host", _record_host),
            "match": ("Match", _enter_match),
            "include": SSHClientConfig._handlers["include"],
        }

    return SSHClientConfig, (HostLines, ConfigParseError)


def ssh_config_hosts(path: Path) -> list[SourceHost]:
    """Every concrete Host alias in `path` (and its Includes), with what applies to it."""
    client_config, (host_lines, parse_error) = _config_classes()
    local_user = getpass.getuser()
    try:
        collector = host_lines.load(None, [path], False, False, False, local_user, (), "", ())
        hosts = []
        for alias, (where, line) in collector.aliases.items():
            try:
                config = client_config.load(None, [path], False, False, False, local_user, (), alias, ())
            except parse_error as exc:  # without a line of its own: it is about this host
                raise _error(where, str(exc), line, alias) from None
            hosts.append(_host(alias, where, line, config))
    except parse_error as exc:
        raise _error(path, str(exc)) from None
    except OSError as exc:
        raise ConfigError(path, 0, "(ssh_config)", f"expected a readable ssh_config file, found: {exc.strerror or exc}") from None
    return hosts


def _host(alias: str, path: Path, line: int, config: Any) -> SourceHost:
    identities = config.get("IdentityFile") or []
    proxy_jump = config.get("ProxyJump")
    proxy_command = config.get("ProxyCommand")
    if (proxy_jump is None or str(proxy_jump).lower() == "none") and proxy_command:
        command = proxy_command if isinstance(proxy_command, str) else " ".join(proxy_command)
        if command.lower() != "none":
            proxy_jump = jump_from_proxy_command(command, (path, line, f"{alias}.ProxyCommand"))
    if isinstance(proxy_jump, str) and proxy_jump.lower() == "none":
        proxy_jump = None
    return SourceHost(
        name=alias,
        path=path,
        line=line,
        address=config.get("Hostname"),
        port=config.get("Port"),
        user=config.get("User"),
        identity=identities[0] if identities else None,
        proxy_jump=proxy_jump,
    )


def _error(path: Path, message: str, line: int = 0, field: str = "(ssh_config)") -> ConfigError:
    """asyncssh's "PATH line N: reason" as a ConfigError naming that file and line."""
    match = _ASYNCSSH_ERROR.fullmatch(message)
    if match is None:
        return ConfigError(path, line, field, message)
    return ConfigError(Path(match["path"]), int(match["line"]), "(ssh_config)", match["reason"])
