"""`history:` in the cluster file: where drill runs are remembered, and for how long.

Every drill run goes into an SQLite database (clustertui/history).  Its default place is
the state directory, shared by every cluster file on this machine; a team that wants its
history beside the file, or on a shared disk, names a `path`.  The store is bounded: each
drill keeps its last `keep_runs` runs, and none older than `keep_for`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .frozen import Frozen
from .scalars import DurationRule, FilePath, expect

MAX_KEEP_RUNS = 1_000_000
MAX_KEEP_FOR = 3650 * 86400.0  # ten years

KeepRuns = Annotated[int, Field(ge=1, le=MAX_KEEP_RUNS), expect(f"an integer from 1 to {MAX_KEEP_RUNS}")]
KeepFor = Annotated[float, DurationRule("a duration from 1h to 3650d, like 90d or 365d", ge=3600.0, le=MAX_KEEP_FOR)]


class HistorySettings(Frozen):
    """Where the run history lives and what it keeps (per drill or scenario)."""

    path: FilePath | None = None  # None: <state dir>/history.sqlite
    keep_runs: KeepRuns = 1000
    keep_for: KeepFor = 365 * 86400.0
