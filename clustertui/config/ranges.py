"""Node ranges: `web[1-3]`, `web[01-10]`, `198.18.0.[11-13]`.

A fleet of twenty identical web nodes is one line in the cluster file. The syntax is kept
small and strict -- exactly one `[START-END]` of decimal numbers per string -- because the
expanded names later reach remote shells and a loose parser would let typos through.
"""

from __future__ import annotations

import re

MAX_RANGE = 10000
_RANGE = re.compile(r"\[(\d{1,9})-(\d{1,9})\]")
EXPECTED = "a range like [1-3] or [01-10]"


def has_range(text: str) -> bool:
    """Whether `text` asks for expansion (contains a bracket at all)."""
    return "[" in text or "]" in text


def expand_range(text: str) -> list[str]:
    """Expand the one `[START-END]` in `text`; a string without brackets is returned alone.

    Zero padding is kept: `[01-10]` gives `01 .. 10` (the width of START).
    Raises ValueError with an "expected ..., found ..." message.
    """
    if not has_range(text):
        return [text]
    found = _RANGE.findall(text)
    if len(found) > 1:
        raise ValueError(f"expected at most one range like [1-3], found {len(found)} in {text!r}")
    match = _RANGE.search(text)
    if match is None:
        raise ValueError(f"expected {EXPECTED}, found {text!r}")
    prefix, suffix = text[: match.start()], text[match.end() :]
    if has_range(prefix) or has_range(suffix):
        raise ValueError(f"expected {EXPECTED}, found {text!r}")
    low_text, high_text = match.groups()
    low, high = int(low_text), int(high_text)
    if low > high:
        raise ValueError(f"expected a range with START <= END, found [{low_text}-{high_text}] in {text!r}")
    count = high - low + 1
    if count > MAX_RANGE:
        raise ValueError(f"expected a range of at most {MAX_RANGE} items, found {count} in {text!r}")
    width = len(low_text) if low_text.startswith("0") and len(low_text) > 1 else 0
    return [f"{prefix}{i:0{width}d}{suffix}" for i in range(low, high + 1)]
