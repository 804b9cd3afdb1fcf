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


def flags(series: Sequence[RunSummary]) -> dict[int, tuple[Flag, ...]]:
    """The flags of every run of one series (oldest first), by run id; a run with no flag
    is absent."""
    found: dict[int, tuple[Flag, ...]] = {}
    for index, run in enumerate(series):
        run_flags = judge(run, series[:index])
        if run_flags:
            found[run.id] = run_flags
    return found


def judge(run: RunSummary, before: Sequence[RunSummary]) -> tuple[Flag, ...]:
    """The flags of `run` against the runs of its series `before` it (oldest first)."""
    if run.verdict == "aborted":
        return ()
    judged = [r for r in before if r.verdict != "aborted"]
    out: list[Flag] = []
    if run.verdict == "failed" and judged and judged[-1].passed:
        out.append(Flag("pass-to-fail", f"failed; run {judged[-1].id} before it passed"))
    passing = [r for r in judged if r.passed]
    for label, field in TIMES:
        baseline = [v for r in passing if (v := getattr(r.figures, field)) is not None][-BASELINE_RUNS:]
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
    previous = next((r.figures.availability for r in reversed(judged) if r.figures.availability is not None), None)
    now = run.figures.availability
    if previous is not None and now is not None and now < previous - AVAILABILITY_POINTS:
        out.append(Flag("availability-drop", f"availability {now:.1%} < {previous:.1%} of the run before, "
                                             f"by more than {AVAILABILITY_POINTS * 100:g} points"))
    return tuple(out)
