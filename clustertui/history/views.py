"""What `history` shows, as data: each drill's runs with their regression flags and trend.

The CLI table, its JSON, the HTML dashboard and the TUI's history screen all read
`DrillHistory`, so a flag or a figure is computed once.  Flags are computed over a drill's
whole stored series (a run shown by `--since` or `--last` is still judged against the
runs before it); only the runs shown are in `runs`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from clustertui.history.model import RunKind, RunSummary
from clustertui.history.regression import Flag, flags
from clustertui.history.store import HistoryStore
from clustertui.report.times import iso, percent, seconds

SPARKS = "▁▂▃▄▅▆▇█"
TREND_RUNS = 20  # runs a sparkline covers (the newest)


@dataclass(frozen=True, slots=True)
class DrillHistory:
    """One drill's (or scenario's) runs as shown, with the flags of each and its totals."""

    cluster: str
    name: str
    runs: tuple[RunSummary, ...]  # shown, oldest first
    flags: dict[int, tuple[Flag, ...]] = field(default_factory=dict)  # run id -> flags
    total: int = 0  # runs stored
    passed: int = 0  # of them, passed
    trend: tuple[float | None, ...] = ()  # failover times of the newest TREND_RUNS runs
    kind: RunKind = RunKind.DRILL

    @property
    def latest(self) -> RunSummary | None:
        return self.runs[-1] if self.runs else None

    @property
    def regressed(self) -> bool:
        """Whether the newest run shown is flagged."""
        return self.latest is not None and self.latest.id in self.flags


def drill_histories(store: HistoryStore | None, cluster: str, names: Iterable[str] = (), only: str | None = None,
                    since: float | None = None, last: int | None = None,
                    kind: RunKind = RunKind.DRILL) -> list[DrillHistory]:
    """The histories of `cluster`'s drills: those in `names` first (the file's order, even
    with no run), then any other the store has (None: no store yet); `only` keeps one drill."""
    every = store.runs(cluster, only, kind=kind) if store is not None else []
    series: dict[str, list[RunSummary]] = {name: [] for name in names if only in (None, name)}
    for run in every:
        series.setdefault(run.name, []).append(run)
    out = []
    for name, runs in series.items():
        shown = [r for r in runs if since is None or r.started >= since]
        if last is not None:
            shown = shown[-last:] if last > 0 else shown
        found = flags(runs)
        out.append(DrillHistory(
            cluster=cluster, name=name, runs=tuple(shown),
            flags={r.id: found[r.id] for r in shown if r.id in found},
            total=len(runs), passed=sum(1 for r in runs if r.passed),
            trend=tuple(r.figures.time_to_failover_s for r in runs[-TREND_RUNS:]), kind=kind,
        ))
    return out


#: The columns of a run as the terminal and the TUI show it (`run_cells`).
COLUMNS = ("run", "started (UTC)", "age", "verdict", "avail", "outage", "detect", "failover", "recover", "flags",
           "target")
NUMERIC = frozenset({"run", "age", "avail", "outage", "detect", "failover", "recover"})


def run_cells(run: RunSummary, now: float, run_flags: Sequence[Flag] = (), whole: bool = True) -> tuple[str, ...]:
    """A run's row, one plain string per column of COLUMNS; `whole`: the flags' full text
    and the start to the second (else the flags' kinds, to the minute, for narrow screens)."""
    f = run.figures
    return (
        str(run.id),
        time.strftime("%Y-%m-%d %H:%M:%S" if whole else "%Y-%m-%d %H:%M", time.gmtime(run.started)),
        age(now - run.started),
        run.verdict,
        percent(None if f.availability is None else 100 * f.availability, 2 if whole else 1),
        seconds(f.longest_outage_s), seconds(f.time_to_detect_s), seconds(f.time_to_failover_s),
        seconds(f.time_to_recover_s),
        "; ".join(flag.text if whole else flag.kind for flag in run_flags),
        run.target or "–",
    )


def age(seconds_ago: float) -> str:
    """How long ago, in the largest unit that fits: 45s, 12m, 3h, 5d."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds_ago >= size:
            return f"{seconds_ago // size:.0f}{unit}"
    return f"{max(seconds_ago, 0):.0f}s"


def sparkline(values: Sequence[float | None]) -> str:
    """A trend in block characters, lowest to highest over the values given; `·` for a
    value not measured."""
    known = [v for v in values if v is not None]
    if not known:
        return "·" * len(values)
    low, high = min(known), max(known)
    span = high - low
    top = len(SPARKS) - 1
    return "".join(
        "·" if v is None else SPARKS[round((v - low) / span * top) if span > 0 else 0] for v in values
    )


def run_json(run: RunSummary, run_flags: Sequence[Flag] = ()) -> dict[str, Any]:
    """A run as `history --json` writes it: the report's figure names and rounding."""
    f = run.figures
    return {
        "id": run.id, "kind": str(run.kind), "cluster": run.cluster, "name": run.name,
        "started": iso(run.started), "duration_s": round(run.ended - run.started, 3),
        "verdict": run.verdict, "reason": run.reason, "target": run.target, "fault_kind": run.fault_kind,
        "service": run.service, "role": run.role,
        "availability": f.availability, "longest_outage_s": f.longest_outage_s,
        "time_to_detect_s": f.time_to_detect_s, "time_to_failover_s": f.time_to_failover_s,
        "time_to_recover_s": f.time_to_recover_s,
        "origin": run.origin, "tool_version": run.tool_version, "cluster_hash": run.cluster_hash,
        "parent": run.parent, "flags": [{"kind": flag.kind, "text": flag.text} for flag in run_flags],
    }


def history_json(histories: Sequence[DrillHistory], path: str) -> dict[str, Any]:
    return {
        "history": path,
        "drills": [
            {"name": h.name, "kind": str(h.kind), "cluster": h.cluster, "runs_stored": h.total, "passed_stored": h.passed,
             "regressed": h.regressed, "failover_trend": list(h.trend),
             "runs": [run_json(r, h.flags.get(r.id, ())) for r in h.runs]}
            for h in histories
        ],
    }
