"""`coverage:` in the cluster file: when a proven failover stops counting as proven.

`clustertui coverage` and the TUI's coverage screen mark a cell stale when its last run ended
longer ago than `stale_after` (docs/coverage.md); a team that drills weekly may want 14d, one
that drills quarterly 100d. `--stale-after` overrides it for one command.
"""

from __future__ import annotations

from typing import Annotated

from .frozen import Frozen
from .scalars import DurationRule

MAX_STALE_AFTER = 3650 * 86400.0  # ten years

StaleAfter = Annotated[float, DurationRule("a duration from 1h to 3650d, like 30d", ge=3600.0, le=MAX_STALE_AFTER)]


class CoverageSettings(Frozen):
    """How old a drill's last run may be before its coverage cell is stale."""

    stale_after: StaleAfter = 30 * 86400.0
