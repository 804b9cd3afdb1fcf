"""A drill as it runs: phase and countdown, traffic success as a sparkline, errors; then
the verdict with every measured time and where the report was saved.

The panel reads the runner's `progress` and `recent_success()` on the half-second timer a
`RunPanel` keeps while the drill runs (run_panel.py), and stops redrawing once the verdict
is in.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.style import Style
from rich.text import Text

from clustertui.drills import export_managers
from clustertui.drills.result import ABORTED, PASSED, DrillResult, detected_by
from clustertui.drills.session import DrillRun
from clustertui.managers.changes import ManagerEvent
from clustertui.report.escape import terminal
from clustertui.tui import format as fmt
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.run_panel import RunPanel

SPARK_SECONDS = 30.0  # the sparkline's window
LABEL = 10  # width of the left-hand labels, with a leading space


def success_spark(values: list[float | None], width: int) -> list[float | None]:
    """Per-100 ms success squeezed into `width` cells, each the worst of its buckets: a dip
    of one bucket must stay visible however narrow the terminal."""
    if width <= 0 or not values:
        return []
    cells: list[float | None] = []
    count = len(values)
    for i in range(min(width, count)):
        low, high = count * i // min(width, count), count * (i + 1) // min(width, count)
        known = [v for v in values[low:high] if v is not None]
        cells.append(min(known) if known else None)
    return cells


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}s"


def home_relative(path: Path) -> str:
    """A path as a person would type it: ~ for the home directory."""
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


class DrillPanel(RunPanel[DrillRun]):

    def __init__(self, palette: Palette) -> None:
        super().__init__(palette, "drill")

    def title(self, run: DrillRun) -> str:
        if run.running:
            return f"drill {run.drill.name} · esc stops it (its fault is reverted)"
        return f"drill {run.drill.name} · esc closes · c runs another"

    def render(self) -> Text:
        run = self.current
        if run is None:
            return Text("")
        if run.result is not None:
            return terminal(self._verdict(run, run.result))
        return terminal(self._live(run))

    # -- while it runs -----------------------------------------------------------------

    def _live(self, run: DrillRun) -> Text:
        style = self.palette.style
        progress = run.runner.progress
        lines: list[Text] = []
        phase = Text(no_wrap=True, overflow="ellipsis", end="")
        phase.append(f"{' phase':<{LABEL}}", style("stale"))
        phase.append(progress.phase, "bold")
        if progress.phase_ends is not None:
            phase.append(f"  {max(0.0, progress.phase_ends - time.time()):.0f}s left", style("warn"))
        if progress.target:
            phase.append("   target ", style("stale"))
            phase.append(progress.target)
        if progress.fault_id:
            phase.append("   fault ", style("stale"))
            phase.append(progress.fault_id)
        phase.append(f"   {run.drill.fault.kind}", style("stale"))
        if run.drill.fault.service:
            phase.append(f" {run.drill.fault.service}", style("stale"))
        lines.append(phase)
        lines.append(self._traffic(run))
        lines.append(self._errors(run))
        if progress.verified is not None:
            lines.append(self._cluster(progress.acted, progress.verified, progress.manager_events))
        if run.drill.abort_when:
            armed = Text(no_wrap=True, overflow="ellipsis", end="")
            armed.append(f"{' stop if':<{LABEL}}", style("stale"))
            armed.append("; ".join(condition.text() for condition in run.drill.abort_when))
            lines.append(armed)
        return Text("\n", no_wrap=True).join(lines)

    def _traffic(self, run: DrillRun) -> Text:
        style = self.palette.style
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append(f"{' traffic':<{LABEL}}", style("stale"))
        requests = [r for probe in run.runner.probes for r in probe.requests]
        summary = f"  {len(requests)} sent" if requests else "  waiting for the first requests"
        if requests:
            summary += f", {sum(1 for r in requests if r.ok) / len(requests):.1%} ok"
        width = max(0, self.size.width - LABEL - len(summary) - 1)
        needed = run.drill.steady_state.min_success
        for value in success_spark(run.runner.recent_success(SPARK_SECONDS), width):
            if value is None:
                line.append(" ")
                continue
            level = "ok" if value >= needed else "warn" if value >= 0.5 else "bad"
            line.append(fmt.SPARK_CHARS[round(value * (len(fmt.SPARK_CHARS) - 1))], style(level))
        line.append(summary, style("stale"))
        return line

    def _errors(self, run: DrillRun) -> Text:
        style = self.palette.style
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append(f"{' errors':<{LABEL}}", style("stale"))
        failed = [r for probe in run.runner.probes for r in probe.requests if not r.ok]
        problems = list(run.runner.progress.errors)
        if failed:
            problems.insert(0, f"{fmt.plural(len(failed), 'failed request')}, last: {failed[-1].error or 'failed'}")
        line.append("; ".join(problems) or "none", style("bad" if problems else "stale"))
        return line

    def _cluster(self, acted: float | None, verified: float, events: list[ManagerEvent]) -> Text:
        """The fault's two instants and the managers' reactions timed from the action."""
        style = self.palette.style
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        line.append(f"{' cluster':<{LABEL}}", style("stale"))
        if acted is None:
            line.append("acted ? ", style("warn"))
        else:
            line.append(f"acted→verified {1000 * (verified - acted):.0f} ms", "bold")
        line.append("  │ ", style("stale"))
        line.append(export_managers.summary(events, acted if acted is not None else verified))
        return line

    # -- the verdict -------------------------------------------------------------------

    def _verdict(self, run: DrillRun, result: DrillResult) -> Text:
        style = self.palette.style
        level = "ok" if result.verdict == PASSED else "warn" if result.verdict == ABORTED else "bad"
        lines: list[Text] = []
        head = Text(no_wrap=True, overflow="ellipsis", end="")
        head.append(f" {result.verdict.upper()} ", style(level) + Style(reverse=True, bold=True))
        head.append(f"  target {result.target or '—'}", style("plain"))
        if result.fault_summary:
            head.append(f" · {result.fault_summary}", style("stale"))
        head.append(f" · {fmt.duration(result.ended - result.started)}", style("stale"))
        lines.append(head)
        if result.verdict != ABORTED or result.t_fault is not None:  # a stop condition cut the fault short
            times = Text(" ", no_wrap=True, overflow="ellipsis", end="")
            availability = "—" if result.availability is None else f"{result.availability:.1%}"
            for label, value in (
                ("availability", availability), ("longest outage", _seconds(result.longest_outage_s)),
                ("detect", _seconds(result.time_to_detect_s) + detected_by(result)),
                ("failover", _seconds(result.time_to_failover_s)), ("recover", _seconds(result.time_to_recover_s)),
            ):
                times.append(f"{label} ", style("stale"))
                times.append(f"{value}   ", "bold")
            lines.append(times)
        if result.t_fault is not None:
            lines.append(self._cluster(result.t_action, result.t_fault, list(result.manager_events)))
        for check in result.checks:
            mark, check_style = ("✔", "ok") if check.passed else ("✖", "bad")
            lines.append(Text.assemble(
                (f" {mark} ", style(check_style)), (f"{check.name} ", "bold"),
                (f"expected {check.expected}, measured {check.measured}", style("plain" if check.passed else "bad")),
                no_wrap=True, overflow="ellipsis", end="",
            ))
        if result.reason and result.verdict == ABORTED:
            lines.append(Text(f" why: {result.reason}", style=style("warn"), no_wrap=True, overflow="ellipsis", end=""))
        report = Text(no_wrap=True, overflow="ellipsis", end="")
        report.append(" report ", style("stale"))
        if run.report is not None:
            report.append(f"{home_relative(run.report)} (and .json)")
        else:
            report.append(run.report_error or "saving…", style("bad" if run.report_error else "stale"))
        lines.append(report)
        return Text("\n", no_wrap=True).join(lines)

