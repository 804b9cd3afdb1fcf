"""Durations as SREs write them: `250ms`, `5s`, `2m`, `1h`, `1d`, `1m30s`, or a bare number of seconds.

One parser for the whole product, so that `--interval 500ms` on the command line and
`interval: 500ms` in a cluster file mean the same thing.
"""

from __future__ import annotations

import math
import re

_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_PART = re.compile(rf"({_NUMBER})(ms|s|m|h|d)")
_DURATION = re.compile(rf"(?:{_NUMBER}(?:ms|s|m|h|d))+")
_BARE = re.compile(_NUMBER)

EXPECTED = "a duration like 250ms, 5s, 2m, 1h or 1d"


def parse_duration(value: str | int | float) -> float:
    """Return `value` in seconds; raise ValueError unless it is a finite, non-negative duration.

    Zero is accepted here; fields where zero means nothing reject it themselves.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected {EXPECTED}, found {str(value).lower()}")
    if isinstance(value, (int, float)):
        seconds = float(value) if abs(value) < 1e300 else math.inf  # a 400-digit int: no OverflowError
    elif isinstance(value, str):
        text = value.strip()
        if _BARE.fullmatch(text):
            seconds = float(text)
        elif _DURATION.fullmatch(text):
            seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(text))
        else:
            raise ValueError(f"expected {EXPECTED}, found {value!r}")
    else:
        raise ValueError(f"expected {EXPECTED}, found a {type(value).__name__}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"expected {EXPECTED} (not negative), found {value!r}")
    return seconds
