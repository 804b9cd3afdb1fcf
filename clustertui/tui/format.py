"""Plain-text formatting of the numbers the TUI shows: short, fixed-width, cheap.

Every function returns a string of a bounded width, so that a node row never grows past
its column and never wraps.  They are plain functions over floats (no Rich, no Textual) so
that the cell builders can memoise on their output: if the text a cell would show did not
change, the cell is not touched.
"""

from __future__ import annotations

import functools
import math
import time

SPARK_CHARS = "▁▂▃▄▅▆▇█"
BAR_EIGHTHS = " ▏▎▍▌▋▊▉"
NOTHING = "—"


def human(amount: float) -> str:
    """Bytes (or bytes per second) in at most four characters: 980B, 1.2K, 12K, 123K, 1.2M (1024-based)."""
    value = max(0.0, amount)
    for unit in "BKMGT":
        if value < 999.5:
            if unit == "B":
                return f"{value:.0f}B"
            return f"{value:.1f}{unit}" if value < 9.95 else f"{value:.0f}{unit}"
        value /= 1024.0
    return f"{value:.0f}P"


def percent(value: float | None) -> str:
    """A percentage in four characters (' 42%', '100%'), or a dash when unknown."""
    if value is None or math.isnan(value):
        return f"{NOTHING:>4}"
    return f"{min(max(value, 0.0), 999.0):3.0f}%"


def load(value: float) -> str:
    """A load average in five characters: '0.42', '12.3', ' 123'."""
    if value < 9.995:
        return f"{value:5.2f}"
    if value < 99.95:
        return f"{value:5.1f}"
    return f"{value:5.0f}"


def age(seconds: float | None) -> str:
    """How old a sample is, in four characters: 0.8s, 12s, 3m, 2h."""
    if seconds is None:
        return f"{NOTHING:>4}"
    if seconds < 9.95:
        return f"{seconds:3.1f}s"
    if seconds < 59.5:
        return f"{seconds:3.0f}s"
    if seconds < 3600:
        return f"{seconds / 60:3.0f}m"
    return f"{seconds / 3600:3.0f}h"


def duration(seconds: float) -> str:
    """An uptime: 45s, 12m, 3h 20m, 4d 2h."""
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def clock(t: float) -> str:
    """Local wall-clock time of a snapshot or event (the data's time, not the screen's)."""
    return time.strftime("%H:%M:%S", time.localtime(t))


def bar(value: float | None, width: int) -> tuple[str, str]:
    """A horizontal bar of `width` cells for 0-100 %, in eighths: (filled part, empty part).

    Returned in two parts so the caller can colour the filled part by level and grey the rest.
    """
    if value is None or math.isnan(value):
        return "", " " * width
    eighths = round(min(max(value, 0.0), 100.0) / 100.0 * width * 8)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (BAR_EIGHTHS[part] if part else "")
    return filled, " " * (width - len(filled))


def sparkline(values: tuple[float, ...], width: int, span: int = 60, top: float = 100.0) -> str:
    """The last `span` samples squeezed into `width` cells; each cell shows its bucket's peak.

    Peaks, not means: a one-second CPU spike is what an SRE is looking for.  Fewer samples
    than `span` (a node that just connected) fill only the right part, so the x axis always
    means the same stretch of time; unknown (NaN) samples leave a blank.
    """
    if width <= 0:
        return ""
    count = max(span, len(values))
    padded = (math.nan,) * (count - len(values)) + tuple(values)
    scale = (len(SPARK_CHARS) - 1) / top
    cells: list[str] = []
    for low, high in _buckets(count, width):
        peak = -math.inf
        for value in padded[low:high]:
            if value > peak:  # False for NaN: unknown samples are skipped
                peak = value
        cells.append(" " if peak == -math.inf else SPARK_CHARS[round(min(max(peak, 0.0), top) * scale)])
    return "".join(cells)


@functools.lru_cache(maxsize=32)
def _buckets(count: int, width: int) -> tuple[tuple[int, int], ...]:
    """Sample index ranges of each cell; every cell gets at least one sample."""
    return tuple((count * i // width, max(count * (i + 1) // width, count * i // width + 1)) for i in range(width))


#: Short forms of the roles managers give, for a narrow roles column.
_SHORT_ROLES = {"primary": "pri", "master": "pri", "replica": "rep", "slave": "rep", "leader": "ldr",
                "follower": "fol", "candidate": "cand", "active": "act", "standby": "stby"}


def manager_roles(roles: tuple[str, ...], compact: bool = False) -> str:
    """What the cluster's managers make of a node, after its own roles: ` ▸VIP 10.0.0.5,primary`;
    `compact`: ` ▸VIP,pri` (an address dropped, `DOWN@lb1` as `DOWN`, known roles shortened)."""
    if compact:
        roles = tuple(dict.fromkeys(_short_role(role) for role in roles))
    return f" ▸{','.join(roles)}" if roles else ""


def _short_role(role: str) -> str:
    if role.startswith("VIP "):
        return "VIP"
    state, at, _ = role.partition("@")
    return state if at else _SHORT_ROLES.get(role, role[:5])


def fit(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` cells, marking a cut with an ellipsis."""
    if len(text) <= width:
        return text.ljust(width)
    return text[: max(0, width - 1)] + "…" if width > 0 else ""


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 node', '2 nodes', '0 nodes'; `words` where adding an s is wrong ('1 process')."""
    return f"{count} {word if count == 1 else words or word + 's'}"


def interval(seconds: float) -> str:
    """A sampling interval as the cluster file writes it: 100ms, 500ms, 1s, 2.5s, 1m."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:.0f}m"
    return f"{seconds:g}s"
