"""The value types of fault parameters, for the catalog's per-kind request models.

Names, ports and durations are the cluster file's own types (clustertui.config.scalars), so
a service or a node is held to one rule wherever it is written.  The types here add what
only a fault has: plain integers and decimals (digits only: no `0x`, no exponent, no sign,
since these reach remote commands), a directory to fill, and a list of peer nodes that must
exist in the cluster (given through the validation context).  Every failure reads
"expected ..., found ..." for the form, the CLI and the drill alike.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

from clustertui.config.errors import describe
from clustertui.config.scalars import NodeName, expect, fail

_INT_RE = re.compile(r"[0-9]{1,12}")
_DECIMAL_RE = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,6})?")
_PATH_RE = re.compile(r"/[A-Za-z0-9._/-]*")
#: Where a disk-fill must never write: kernel and device filesystems.
_FORBIDDEN_ROOTS = ("/proc", "/sys", "/dev")


def _plain(pattern: re.Pattern[str]) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, str) and not pattern.fullmatch(value)):
            raise ValueError(value)
        return value

    return BeforeValidator(check)


def integer(low: int, high: int) -> Any:
    """An integer in [low, high], from an int or decimal digits only."""
    return Annotated[int, Field(ge=low, le=high), _plain(_INT_RE), expect(f"an integer from {low} to {high}")]


def _two_decimals(value: float) -> float:
    if round(value * 100) != value * 100:
        raise fail(f"expected at most two decimals, found {value!r}")
    return value


#: A share of packets, 0.01 to 100 (two decimals at most).
Percent = Annotated[
    float, Field(gt=0, le=100, allow_inf_nan=False), AfterValidator(_two_decimals), _plain(_DECIMAL_RE),
    expect("a number above 0 and at most 100"),
]


def _directory(value: str) -> str:
    if len(value) > 1024 or not _PATH_RE.fullmatch(value):
        raise ValueError(value)
    if value != "/" and any(part in ("", ".", "..") for part in value.split("/")[1:]):
        raise fail(f"expected a normalised path (no '//', '.', '..' or trailing '/'), found {describe(value)}")
    if any(value == root or value.startswith(root + "/") for root in _FORBIDDEN_ROOTS):
        raise fail(f"expected a directory on a disk, found {value}: a kernel or device filesystem")
    return value


#: An absolute, plain, normalised directory outside /proc, /sys and /dev.
Directory = Annotated[
    str, AfterValidator(_directory), expect("an absolute path of letters, digits and . _ - /")
]


def _split(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(item.strip() for item in value.split(","))
    return tuple(value) if isinstance(value, list) else value


def _known(names: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(names))
    if not unique:
        raise fail("expected at least one node name, found none")
    known = set((info.context or {}).get("nodes", ()))
    unknown = [name for name in unique if name not in known]
    if unknown:
        raise fail(f"expected nodes of the cluster, found no node called {', '.join(unknown)}")
    return unique


#: Node names, as a list or as `a,b,c`; each a node of the cluster (context "nodes").
Peers = Annotated[
    tuple[NodeName, ...], BeforeValidator(_split), AfterValidator(_known), expect("node names like web2,web3")
]
