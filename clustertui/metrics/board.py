"""The drill results the exporter shows: the newest run of each drill, by name.

Filled from two places, both off the hot path: the history (every run of the cluster that
any process recorded: a scheduled job, another terminal, the TUI), read every
`HISTORY_EVERY` seconds by the exporter; and the runs this process finished itself, posted
as they end (also with `--no-history`).  The newest end time wins.  Scrapes read it from
the HTTP server's thread, so every access holds the lock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from clustertui.drills.result import DrillResult
from clustertui.history import RunSummary


@dataclass(frozen=True, slots=True)
class DrillMark:
    """One drill's latest run, as metrics show it (None: not measured in that run)."""

    drill: str
    verdict: str
    ended: float
    availability: float | None = None
    detect_s: float | None = None
    failover_s: float | None = None
    recover_s: float | None = None
    longest_outage_s: float | None = None

    @classmethod
    def of_result(cls, result: DrillResult) -> DrillMark:
        return cls(result.drill, str(result.verdict), result.ended, result.availability, result.time_to_detect_s,
                   result.time_to_failover_s, result.time_to_recover_s, result.longest_outage_s)

    @classmethod
    def of_run(cls, run: RunSummary) -> DrillMark:
        figures = run.figures
        return cls(run.name, run.verdict, run.ended, figures.availability, figures.time_to_detect_s,
                   figures.time_to_failover_s, figures.time_to_recover_s, figures.longest_outage_s)


class DrillBoard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._marks: dict[str, DrillMark] = {}

    def post(self, mark: DrillMark) -> None:
        """Keep `mark` unless the board already holds a newer run of that drill."""
        with self._lock:
            held = self._marks.get(mark.drill)
            if held is None or held.ended <= mark.ended:
                self._marks[mark.drill] = mark

    def post_result(self, result: DrillResult) -> None:
        self.post(DrillMark.of_result(result))

    def marks(self) -> list[DrillMark]:
        with self._lock:
            return sorted(self._marks.values(), key=lambda mark: mark.drill)
