"""`history` on the terminal: a table per drill, and two runs side by side.

Cells are `rich.text.Text` from `report.escape.terminal` (a drill's reason or a target
comes from nodes and files: data, never markup).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.table import Table

from clustertui.cli.output import console as new_console
from clustertui.history import RunKind
from clustertui.history.compare import Comparison
from clustertui.history.views import COLUMNS, NUMERIC, DrillHistory, run_cells, sparkline
from clustertui.report.escape import terminal

VERDICT_STYLE = {"passed": "green", "failed": "red", "aborted": "yellow"}


def history_table(histories: Sequence[DrillHistory], path: str) -> None:
    console = new_console()
    now = time.time()
    if not any(h.runs for h in histories):
        console.print(terminal(f"no runs recorded in {path}" + (" for these drills" if histories else "")))
    for history in histories:
        head = terminal(f"{'game day ' if history.kind == RunKind.SCENARIO else ''}{history.name}: ", "bold")
        if not history.total:
            head.append("never run")
            console.print(head)
            continue
        head.append(f"{history.total} runs, {history.passed} passed; failover trend ")
        head.append(sparkline(history.trend), "cyan")
        if history.regressed:
            head.append("  REGRESSION", "bold red")
        console.print(head)
        table = Table(box=None, pad_edge=False, show_edge=False)
        for column in COLUMNS:
            table.add_column(column, justify="right" if column in NUMERIC else "left", no_wrap=column != "flags")
        for run in history.runs:
            flags = history.flags.get(run.id, ())
            cells = [terminal(cell) for cell in run_cells(run, now, flags)]
            cells[3].stylize(VERDICT_STYLE.get(run.verdict, ""))
            cells[9].stylize("red")
            table.add_row(*cells)
        console.print(table)
        console.print()


def diff_table(comparison: Comparison) -> None:
    table = Table(box=None, pad_edge=False, show_edge=False)
    for column in ("", f"run {comparison.first.summary.id}", f"run {comparison.second.summary.id}", "change"):
        table.add_column(column)
    for row in comparison.rows:
        table.add_row(terminal(row.label, "bold"), terminal(row.first), terminal(row.second),
                      terminal(row.change, "yellow" if row.change else ""))
    new_console().print(table)
