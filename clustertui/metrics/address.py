"""`--metrics HOST:PORT`: where the exporter listens, read before anything connects.

Accepted: `127.0.0.1:9108`, `localhost:9108`, `[::1]:9108`, `:9108` (every address, as
Prometheus' own exporters take it) and port 0 (a free port, said on stderr once bound).
Anything else is a usage error (exit 2) that says what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HOST = re.compile(r"[A-Za-z0-9._-]{1,253}")
_V6 = re.compile(r"\[([0-9A-Fa-f:.]{2,45})\]")


class AddressError(ValueError):
    """A `--metrics` value that is not HOST:PORT; the text says what was expected."""


@dataclass(frozen=True, slots=True)
class ListenAddress:
    host: str  # "" for every address
    port: int

    @classmethod
    def parse(cls, text: str) -> ListenAddress:
        host, sep, port = text.rpartition(":")
        if not sep:
            raise AddressError(f"expected HOST:PORT (like 127.0.0.1:9108 or :9108), found {text!r}")
        if not (port.isascii() and port.isdigit() and len(port) <= 5 and int(port) <= 65535):
            raise AddressError(f"expected a port 0-65535 after the last ':', found {port!r} in {text!r}")
        if host.startswith("["):
            match = _V6.fullmatch(host)
            if match is None:
                raise AddressError(f"expected an IPv6 address in brackets like [::1]:9108, found {text!r}")
            host = match[1]
        elif host and not _HOST.fullmatch(host):
            raise AddressError(f"expected a host name or address before ':PORT', found {host!r}")
        return cls(host, int(port))

    @property
    def bind_host(self) -> str:
        """What the server binds: every IPv4 address for an empty host."""
        return self.host or "0.0.0.0"

    def url(self, port: int | None = None) -> str:
        host = self.host or "0.0.0.0"
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port if port is None else port}/metrics"
