"""The regression rule: is a run worse than the runs of the same drill before it?

A run is compared with the earlier runs of its own series (same cluster, kind and name),
never with later ones, so a flag never changes once shown.  Flags (docs/history.md):

- `pass-to-fail`: the run failed and the last run before it that was not aborted passed.
- `slower-detect`, `slower-failover`, `slower-recover`: the time is above SLOWER_FACTOR x
  the median of that time over the last BASELINE_RUNS passing runs before it (those that
  measured it), and more than MIN_SLOWDOWN_S above it; needs at least MIN_BASELINE such
  runs.  The floor is one probe interval at the default 1 s: detection (and so a failover
  that drops no request) lands anywhere within an interval, so two healthy runs of the lab's
  web-node-loss measured 0.15 s and 0.91 s -- noise, not a regression.
- `no-failover`: traffic never came back during the fault, while the baseline runs did fail
  over (a failover time `None` after measured ones).
- `availability-drop`: availability more than AVAILABILITY_POINTS (as a fraction) below
  that of the last run before it that measured one.

Aborted runs are flagged with nothing (they measured nothing about the cluster) and are not
part of any baseline.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from clustertui.history.model import RunSummary

SLOWER_FACTOR = 1.5
BASELINE_RUNS = 5
MIN_BASELINE = 2
MIN_SLOWDOWN_S = 1.0
AVAILABILITY_POINTS = 0.05

TIMES = (("detect", "time_to_detect_s"), ("failover", "time_to_failover_s"), ("recover", "time_to_recover_s"))


@dataclass(frozen=True, slots=True)
class Flag:
    """One reason a run looks like a regression; `text` says it with the numbers."""

    kind: str
    text: str


class Baseline:
    """What a run is judged against: the state of its series up to it, kept as the series
    is walked so that judging every run of a long series stays linear."""

    def __init__(self) -> None:
        self.last: RunSummary | None = None  # the last run that was not aborted
        self.passing: dict[str, deque[float]] = {field: deque(maxlen=BASELINE_RUNS) for _, field in TIMES}
        self.availability: float | None = None  # of the last run that measured one

    def add(self, run: RunSummary) -> None:
        if run.verdict == "aborted":
            return
        self.last = run
        if run.passed:
            for _, field in TIMES:
                value = getattr(run.figures, field)
                if value is not None:
                    self.passing[field].append(value)
        if run.figures.availability is not None:
            self.availability = run.figures.availability

    def judge(self, run: RunSummary) -> tuple[Flag, ...]:
        """The flags of `run` against the runs added so far."""
        if run.verdict == "aborted":
            return ()
        out: list[Flag] = []
        if run.verdict == "failed" and self.last is not None and self.last.passed:
            out.append(Flag("pass-to-fail", f"failed; run {self.last.id} before it passed"))
        for label, field in TIMES:
            baseline = self.passing[field]
            value = getattr(run.figures, field)
            if len(baseline) < MIN_BASELINE:
                continue
            median = statistics.median(baseline)
            if value is None:
                if label == "failover":
                    out.append(Flag("no-failover", f"no failover (median of the last {len(baseline)} passing: "
                                                   f"{median:.2f} s)"))
                continue
            if value > SLOWER_FACTOR * median and value - median > MIN_SLOWDOWN_S + 1e-9:
                out.append(Flag(f"slower-{label}", f"{label} {value:.2f} s > {SLOWER_FACTOR:g} x {median:.2f} s "
                                                   f"(median of the last {len(baseline)} passing)"))
        previous, now = self.availability, run.figures.availability
        if previous is not None and now is not None and now < previous - AVAILABILITY_POINTS:
            out.append(Flag("availability-drop", f"availability {now:.1%} < {previous:.1%} of the run before, "
                                                 f"by more than {AVAILABILITY_POINTS * 100:g} points"))
        return tuple(out)


def flags(series: Sequence[RunSummary]) -> dict[int, tuple[Flag, ...]]:
    """The flags of every run of one series (oldest first), by run id; a run with no flag
    is absent."""
    found: dict[int, tuple[Flag, ...]] = {}
    baseline = Baseline()
    for run in series:
        run_flags = baseline.judge(run)
        if run_flags:
            found[run.id] = run_flags
        baseline.add(run)
    return found


def judge(run: RunSummary, before: Sequence[RunSummary]) -> tuple[Flag, ...]:
    """The flags of `run` against the runs of its series `before` it (oldest first)."""
    baseline = Baseline()
    for earlier in before:
        baseline.add(earlier)
    return baseline.judge(run)
