"""The one way reports write times: ISO 8601 for machines, a UTC clock for tables."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(t: float) -> str:
    """Epoch seconds as ISO 8601 UTC, to the millisecond: 2026-11-26T01:02:03.456+00:00."""
    return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds")


def clock(t: float) -> str:
    """Epoch seconds as a UTC wall clock to the millisecond: 01:02:03.456."""
    return datetime.fromtimestamp(t, tz=UTC).strftime("%H:%M:%S.%f")[:-3]


def seconds(value: float | None) -> str:
    """A measured duration for a table cell: `1.23 s`, or `–` when not measured."""
    return "–" if value is None else f"{value:.2f} s"


def percent(value: float | None, digits: int = 1) -> str:
    """A share in percent for a table cell (`value` already in percent), or `–`."""
    return "–" if value is None else f"{value:.{digits}f}%"
