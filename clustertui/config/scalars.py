"""Validated scalar types of the cluster file: names, hosts, ports, durations, units, URLs.

Names, hosts, units and process names later reach remote shells (quoted, but still), so
they are checked strictly here, once. Each type carries the phrase of its error message
("expected an integer from 1 to 65535, found 70000") through `expect`, so that messages
say what the field wants rather than what pydantic's internals checked.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

from .durations import EXPECTED as DURATION_EXPECTED
from .durations import parse_duration
from .errors import describe
from .expand import expand_path

#: pydantic error type of every message written here; the loader shows its text verbatim.
ERROR_TYPE = "clustertui"

NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
NAME_RE = re.compile(NAME_PATTERN)
NAME_RULE = "letters, digits, '_', '.' or '-', starting with a letter or digit"
_HOST_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
USER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
_PROCESS_RE = re.compile(r"[A-Za-z0-9_.:@+][A-Za-z0-9_.:@+-]{0,14}")
_UNIT_RE = re.compile(r"[A-Za-z0-9@_.:][A-Za-z0-9@_.:-]{0,254}")
_DIGITS = re.compile(r"[0-9]{1,5}")
_SCOPE_ID = re.compile(r"[A-Za-z0-9_.-]+")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}")  # RFC 9110 token
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]{0,8192}")  # no CR, LF or other controls
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")

# The bound of every number a cluster file holds (docs/cluster-file.md, "Bounds"). Each is
# far beyond a sensible value; it is there so that no number can break the arithmetic it
# feeds: a float conversion, a timer armed on a node, a buffer sized by it.
MAX_INTERVAL = 3600.0  # `interval`: one sample an hour
MAX_TIMEOUT = 600.0  # `connect_timeout`, an endpoint's and a traffic probe's `timeout`
MAX_KEEPALIVE = 3600.0  # `keepalive_interval`
MAX_DURATION = 7 * 86400.0  # every other duration: `default_ttl`, `hold`, `detect_within`...
MAX_COUNT = 100_000  # `max_faulted_nodes`, a steady state's replica count
MAX_RATE = 1000.0  # a traffic probe's `rate`, per second
MAX_PARAM = 2**53  # a fault parameter's magnitude (the chaos catalog narrows it per kind)


def fail(message: str) -> PydanticCustomError:
    """A validation error whose message is shown exactly as written."""
    return PydanticCustomError(ERROR_TYPE, "{detail}", {"detail": message})


def expect(phrase: str) -> WrapValidator:
    """Rephrase any failure of the wrapped type as "expected PHRASE, found VALUE".

    Errors inside nested items (a bad role inside a role list) and messages written here
    are passed through untouched, so the most precise message always wins.
    """

    def wrap(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError as exc:
            if any(e["loc"] or e["type"] == ERROR_TYPE for e in exc.errors()):
                raise
            raise fail(f"expected {phrase}, found {describe(value)}") from None

    return WrapValidator(wrap)


def is_host(text: str) -> bool:
    """A DNS hostname (RFC 1123 labels, `_` tolerated) or an IPv4/IPv6 address."""
    if ":" in text:
        address, _, scope = text.partition("%")
        if scope and not _SCOPE_ID.fullmatch(scope):  # `fe80::1%eth0`, but no `%$(id)`
            return False
        try:
            ipaddress.IPv6Address(address)
        except ValueError:
            return False
        return True
    if not 0 < len(text) <= 253:
        return False
    labels = text.split(".")
    if not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return False
    if all(label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(text)
        except ValueError:
            return False
    return True


def is_name(text: str) -> bool:
    return len(text) <= 253 and NAME_RE.fullmatch(text) is not None


def _host(text: str) -> str:
    if not is_host(text):
        raise ValueError(text)
    return text


def port_number(text: str) -> int | None:
    """The port a string like "2222" names, or None."""
    return int(text) if _DIGITS.fullmatch(text) and 1 <= int(text) <= 65535 else None


def _port_text(text: str) -> int:
    port = port_number(text)
    if port is None:
        raise ValueError(text)
    return port


def _tcp_address(text: str) -> str:
    bracketed = text.startswith("[")
    if bracketed:
        host, sep, port = text[1:].partition("]:")
    else:
        host, sep, port = text.rpartition(":")
    if not sep or (":" in host and not bracketed):
        raise ValueError(text)
    _host(host)
    _port_text(port)
    return text


def _process(text: str) -> str:
    if "/" in text or len(text) > 15 or not _PROCESS_RE.fullmatch(text):
        shown = f"{describe(text)} ({len(text)} characters)" if len(text) > 15 else describe(text)
        raise fail(
            "expected a process name as in /proc/PID/comm: at most 15 characters, no '/', "
            f"only letters, digits and _.:@+- (the kernel truncates comm to 15), found {shown}"
        )
    return text


def _url(text: str, template: bool) -> str:
    probe = text.replace("{host}", "host.invalid") if template else text
    try:
        parts = urlsplit(probe)
        ok = (
            _URL_CHARS.fullmatch(probe) is not None
            and parts.scheme in ("http", "https")
            and parts.hostname is not None
            and is_host(parts.hostname)
        )
        parts.port  # noqa: B018 -- raises ValueError for a port outside 0..65535
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(text)
    return text


def _path(value: Any, info: ValidationInfo) -> Path:
    if isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value or "\0" in value:
        raise ValueError(value)
    base = (info.context or {}).get("base")
    return expand_path(value, base)


def _label_value(value: Any) -> Any:
    """Labels are strings, but `rack: 3` or `ssd: true` should not be an error."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _param_value(value: Any) -> Any:
    if not isinstance(value, (str, int, float, bool)):
        raise ValueError(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not abs(value) <= MAX_PARAM:
        raise fail(f"expected a number of magnitude at most 2^53, found {describe(value)}")  # also NaN, inf
    return value


@dataclass(frozen=True, slots=True)
class NameRule(GroupedMetadata):
    """A name that reaches remote shells: node, role, service, ... (`kind` is for the message).
    Grouped metadata rather than a function returning `Annotated[...]`, so that each name type
    is a static alias the type checker sees as `str`."""

    kind: str

    def __iter__(self) -> Iterator[object]:
        yield Field(pattern=f"^{NAME_PATTERN}$", max_length=253)
        yield expect(f"a {self.kind} name ({NAME_RULE})")


@dataclass(frozen=True, slots=True)
class DurationRule(GroupedMetadata):
    """Seconds, written as a duration, between pydantic-style bounds (`gt`/`ge`, `le`)."""

    phrase: str
    gt: float | None = None
    ge: float | None = None
    le: float | None = None

    def __iter__(self) -> Iterator[object]:
        yield BeforeValidator(parse_duration)
        yield Field(gt=self.gt, ge=self.ge, le=self.le)
        yield expect(self.phrase)


NodeName = Annotated[str, NameRule("node")]
RoleName = Annotated[str, NameRule("role")]
ServiceName = Annotated[str, NameRule("service")]
EndpointName = Annotated[str, NameRule("endpoint")]
DrillName = Annotated[str, NameRule("drill")]
ScenarioName = Annotated[str, NameRule("scenario")]
ClusterName = Annotated[str, NameRule("cluster")]
LabelKey = Annotated[str, NameRule("label")]

LabelValue = Annotated[str, BeforeValidator(_label_value), expect("a label value (a string or a number)")]
Host = Annotated[str, AfterValidator(_host), expect("a hostname or IP address")]
Port = Annotated[int, Field(ge=1, le=65535), expect("an integer from 1 to 65535")]
User = Annotated[str, Field(pattern=rf"^{USER_RE.pattern}$"), expect("a user name (letters, digits, '_', '.', '-')")]
TcpAddress = Annotated[str, AfterValidator(_tcp_address), expect('"host:port" with a port from 1 to 65535')]
HttpUrl = Annotated[str, AfterValidator(lambda s: _url(s, template=False)), expect("an http:// or https:// URL")]
HttpTemplate = Annotated[
    str,
    AfterValidator(lambda s: _url(s, template=True)),
    expect('an http:// or https:// URL (where "{host}" stands for the node\'s host)'),
]
HeaderName = Annotated[
    str, Field(pattern=rf"^{_HEADER_NAME.pattern}$"), expect("an HTTP header name (letters, digits, '-' and the like)")
]
HeaderValue = Annotated[
    str, Field(pattern=rf"^{_HEADER_VALUE.pattern}$"), expect("an HTTP header value on one line, no control characters")
]
MaxRedirects = Annotated[int, Field(ge=1, le=20), expect("an integer from 1 to 20")]
ProcessName = Annotated[str, AfterValidator(_process), expect("a process name as in /proc/PID/comm")]
ServiceUser = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),  # user: 33
    Field(pattern=r"^(?:[0-9]{1,10}|[a-z_][a-z0-9_-]{0,30}[$]?)$"),
    expect("a user name (lowercase letters, digits, '_', '-', as useradd takes) or a numeric uid"),
]
UnitName = Annotated[
    str,
    Field(pattern=rf"^{_UNIT_RE.pattern}$"),
    expect("a systemd unit name like nginx.service (letters, digits, '@', '_', '.', ':', '-')"),
]
Command = Annotated[str, Field(min_length=1, pattern=r"^[^\x00]*$"), expect("a non-empty command")]
FilePath = Annotated[Path, BeforeValidator(_path), expect("a file path")]
Fraction = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), expect("a number from 0 to 1")]
Rate = Annotated[
    float, Field(gt=0, le=MAX_RATE, allow_inf_nan=False), expect(f"a positive number (per second) up to {MAX_RATE:g}")
]
Count = Annotated[int, Field(ge=1, le=MAX_COUNT), expect(f"an integer from 1 to {MAX_COUNT}")]
HttpStatus = Annotated[int, Field(ge=100, le=599), expect("an HTTP status code from 100 to 599")]
ParamValue = Annotated[Any, AfterValidator(_param_value), expect("a string, number or boolean")]

Duration = Annotated[
    float, DurationRule(f"a positive {DURATION_EXPECTED.removeprefix('a ')}, at most 7d", gt=0, le=MAX_DURATION)
]
Timeout = Annotated[
    float, DurationRule(f"a positive {DURATION_EXPECTED.removeprefix('a ')}, at most 10m", gt=0, le=MAX_TIMEOUT)
]
NonNegativeDuration = Annotated[
    float, DurationRule(f"{DURATION_EXPECTED} (or 0 to disable), at most 1h", ge=0, le=MAX_KEEPALIVE)
]
Interval = Annotated[float, DurationRule("a duration from 100ms to 1h, like 500ms, 1s or 5s", ge=0.1, le=MAX_INTERVAL)]

ClusterType = Literal["majority", "shared-disk", "single-node"]

#: Every TTL a fault can get -- `chaos.default_ttl`, `chaos apply --ttl`, a drill's hold plus
#: its margin, the TUI's form -- is at most this: a fault is meant to be short, and a typo
#: (`9999999h`) must not arm a timer for a millennium.  One cap, checked where each enters.
MIN_TTL, MAX_TTL = 1.0, 24 * 3600.0
#: A drill's fault gets the TTL hold + this margin: the node's timer outlives the hold, as the
#: backstop rather than the plan.
DRILL_TTL_MARGIN = 30.0
TTL_RULE = "from 1s to 24h"


def ttl_problem(seconds: float) -> str | None:
    """Why `seconds` cannot be a fault's TTL, or None (the one rule, for every caller)."""
    if not MIN_TTL <= seconds <= MAX_TTL:  # NaN fails too
        return f"expected a TTL {TTL_RULE}, found {seconds:g}s" if seconds < 1e6 else \
            f"expected a TTL {TTL_RULE}, found {seconds:.0f}s"
    return None


def _ttl(seconds: float) -> float:
    problem = ttl_problem(seconds)
    if problem is not None:
        raise fail(problem)
    return seconds


def _hold(seconds: float) -> float:
    if seconds + DRILL_TTL_MARGIN > MAX_TTL:
        raise fail(
            f"expected a hold of at most {MAX_TTL - DRILL_TTL_MARGIN:g}s (the fault's TTL is the hold plus "
            f"{DRILL_TTL_MARGIN:g}s, and a TTL is at most 24h), found {seconds:g}s"
        )
    return seconds


#: A fault's TTL in seconds, written as a duration.
Ttl = Annotated[Duration, AfterValidator(_ttl)]

#: A held fault's lease (chaos/lease.py): the node reverts it when its controller has not
#: renewed it for this long.  Renewed LEASE_RENEWALS times a lease (every 2 s of a 10 s
#: lease); at least 3 s, so that a renewal every 600 ms still has slack for a round trip;
#: at most 5 min, beyond which a lease protects little more than the TTL does.
MIN_LEASE, MAX_LEASE, DEFAULT_LEASE, LEASE_RENEWALS = 3.0, 300.0, 10.0, 5
LEASE_RULE = "from 3s to 5m"


def lease_problem(seconds: float) -> str | None:
    """Why `seconds` cannot be a lease, or None (the one rule: the cluster file, --lease)."""
    if not MIN_LEASE <= seconds <= MAX_LEASE:  # NaN fails too
        return f"expected a lease {LEASE_RULE}, found {seconds:g}s"
    return None


def _lease(seconds: float) -> float:
    problem = lease_problem(seconds)
    if problem is not None:
        raise fail(problem)
    return seconds


#: A held fault's lease in seconds, written as a duration.
Lease = Annotated[Duration, AfterValidator(_lease)]
#: A drill's hold: a duration whose TTL (hold + margin) stays under the cap.
DrillHold = Annotated[Duration, AfterValidator(_hold)]


class FaultKind(StrEnum):
    """The fault kinds a cluster file and a command line may name.  The chaos catalog
    (chaos/catalog.py) describes each one and is checked at import to cover exactly these."""

    KILL = "kill"
    STOP = "stop"
    START = "start"
    PAUSE = "pause"
    BLOCK_PORT = "block-port"
    PARTITION = "partition"
    LOSS = "loss"
    LATENCY = "latency"
    CPU_HOG = "cpu-hog"
    MEM_HOG = "mem-hog"
    DISK_FILL = "disk-fill"
