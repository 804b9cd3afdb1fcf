"""Validation of every value that a fault carries to a node.

Everything is quoted when a remote command is built, but quoting is the second line of
defence: values are first held to the narrowest shape that their meaning allows (a port is
an integer, a path is plain and absolute, a name is letters and digits), so that a hostile
value is refused with a reason long before a command exists.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from clustertui.chaos.errors import InvalidInput
from clustertui.config import parse_duration

FAULT_ID_RE = re.compile(r"f-[0-9a-f]{8}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,252}")
_PATH_RE = re.compile(r"/[A-Za-z0-9._/-]*")
_INT_RE = re.compile(r"[0-9]{1,12}")
_DECIMAL_RE = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")
#: Where a disk-fill must never write: kernel and device filesystems.
_FORBIDDEN_ROOTS = ("/proc", "/sys", "/dev")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fault_id(value: object) -> str:
    """A fault id as `apply` prints it: `f-` and 8 hex digits."""
    if not isinstance(value, str) or not FAULT_ID_RE.fullmatch(value):
        raise InvalidInput(f"expected a fault id like f-1a2b3c4d, found {_shown(value)}")
    return value


def name(value: object, what: str) -> str:
    """A node, service or role name, with the cluster file's own rule."""
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        raise InvalidInput(
            f"{what}: expected a name of letters, digits, '_', '.' or '-', starting with a "
            f"letter or digit, found {_shown(value)}"
        )
    return value


def integer(value: object, what: str, low: int, high: int) -> int:
    """An integer in [low, high], from an int or from decimal digits only (no `0x`, no sign)."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INT_RE.fullmatch(value):
        number = int(value)
    else:
        number = None
    if number is None or not low <= number <= high:
        raise InvalidInput(f"{what}: expected an integer from {low} to {high}, found {_shown(value)}")
    return number


def port(value: object, what: str = "port") -> int:
    return integer(value, what, 1, 65535)


def decimal(value: object, what: str, low: float, high: float) -> float:
    """A plain decimal number in (low, high] — no exponent, no inf/nan, no sign."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and _DECIMAL_RE.fullmatch(value):
        number = float(value)
    else:
        number = None
    if number is None or not math.isfinite(number) or not low < number <= high:
        raise InvalidInput(f"{what}: expected a number above {low:g} and at most {high:g}, found {_shown(value)}")
    return number


def choice(value: object, what: str, options: Iterable[str]) -> str:
    allowed = tuple(options)
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInput(f"{what}: expected one of {', '.join(allowed)}, found {_shown(value)}")
    return value


def duration(value: object, what: str, low: float, high: float) -> float:
    """Seconds, written as a duration (`250ms`, `5s`, `2m`), in [low, high]."""
    if isinstance(value, float | int) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        try:
            seconds = parse_duration(value)
        except ValueError:
            seconds = math.nan
    else:
        seconds = math.nan
    if not math.isfinite(seconds) or not low <= seconds <= high:
        raise InvalidInput(
            f"{what}: expected a duration from {low:g}s to {high:g}s like 250ms, 5s or 2m, found {_shown(value)}"
        )
    return seconds


def directory(value: object, what: str = "path") -> str:
    """An absolute, plain, normalised directory path outside /proc, /sys and /dev."""
    if not isinstance(value, str) or not _PATH_RE.fullmatch(value) or len(value) > 1024:
        raise InvalidInput(
            f"{what}: expected an absolute path of letters, digits and . _ - /, found {_shown(value)}"
        )
    parts = value.split("/")[1:]
    if value != "/" and (any(part in ("", ".", "..") for part in parts)):
        raise InvalidInput(f"{what}: expected a normalised path (no '//', '.', '..' or trailing '/'), found {_shown(value)}")
    if any(value == root or value.startswith(root + "/") for root in _FORBIDDEN_ROOTS):
        raise InvalidInput(f"{what}: {value} is a kernel or device filesystem, not a disk")
    return value


def node_list(value: object, what: str, known: Iterable[str]) -> tuple[str, ...]:
    """Node names, as a list or as `a,b,c`; each must be a node of the cluster."""
    if isinstance(value, str):
        items = [item.strip() for item in value.split(",")]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise InvalidInput(f"{what}: expected node names like web2,web3, found {_shown(value)}")
    names = tuple(dict.fromkeys(name(item, what) for item in items))
    if not names:
        raise InvalidInput(f"{what}: expected at least one node name")
    known_names = set(known)
    unknown = [item for item in names if item not in known_names]
    if unknown:
        raise InvalidInput(f"{what}: no node called {', '.join(unknown)} in the cluster")
    return names

