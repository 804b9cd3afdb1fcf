"""A drill's history (`h` anywhere; on a drill in the chaos menu, that drill's): its trend charts
and its runs, newest first, with the regression flags of docs/history.md.

The history is read from the database in a worker thread (SQLite may wait for a writer's
lock), through the same `drill_histories` as `clustertui history`, so the screen and the
command show the same runs, figures and flags.  `[` and `]` step through the file's drills.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from clustertui.history import HistoryError, HistoryStore
from clustertui.history.views import COLUMNS, DrillHistory, age, drill_histories, run_cells, sparkline
from clustertui.report.escape import terminal
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.trend_chart import TrendChart

SHOWN = 30  # runs per drill on the screen (the charts and the table)


def load(path: Path | None, cluster: str, names: Sequence[str], name: str) -> DrillHistory:
    """One drill's history from the database at `path` (none there yet: no runs)."""
    if path is None or not path.exists():
        return DrillHistory(cluster, name, ())
    with HistoryStore(path) as store:
        found = drill_histories(store, cluster, names, only=name, last=SHOWN)
    return found[0] if found else DrillHistory(cluster, name, ())


class HistoryScreen(Screen[None]):
    DEFAULT_CSS = """
    HistoryScreen #history-head {
        height: 2;
        padding: 0 1;
        background: $panel;
    }
    HistoryScreen #history-charts {
        height: 1fr;
    }
    HistoryScreen #history-availability {
        width: 2fr;
    }
    HistoryScreen #history-timings {
        width: 3fr;
    }
    HistoryScreen DataTable {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("left_square_bracket", "step(-1)", "Prev drill"),
        Binding("right_square_bracket", "step(1)", "Next drill"),
    ]

    def __init__(self, path: Path | None, cluster: str, names: Sequence[str], name: str, palette: Palette,
                 clock: Callable[[], float] = time.time) -> None:
        """`path`: the history database; `names`: the file's drills, in order; `name`: the
        one shown first; `clock`: now, for the ages (tests fix it)."""
        super().__init__(id="history")
        self.path = path
        self.cluster = cluster
        self.names = list(names) or [name]
        self.drill = name
        self.palette = palette
        self.clock = clock
        self.history: DrillHistory | None = None
        self.error = ""

    def compose(self) -> ComposeResult:
        yield Static(id="history-head")
        with Horizontal(id="history-charts"):
            yield TrendChart(id="history-timings")
            yield TrendChart(id="history-availability")
        table: DataTable[Text | str] = DataTable(cursor_type="row", zebra_stripes=True)
        for column in COLUMNS:
            table.add_column(column, key=column)
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show_loading()
        self.reload()

    def _show_loading(self) -> None:
        self.query_one("#history-head", Static).update(terminal(f"{self.drill}: reading the history…"))

    @work(exclusive=True, group="history", thread=True)
    def reload(self) -> None:
        try:
            history, error = load(self.path, self.cluster, self.names, self.drill), ""
        except HistoryError as exc:
            history, error = DrillHistory(self.cluster, self.drill, ()), str(exc)
        self.app.call_from_thread(self.show, history, error)

    def show(self, history: DrillHistory, error: str = "") -> None:
        self.history, self.error = history, error
        palette = self.palette
        now = self.clock()
        head = Text.assemble((history.name, "bold"), f"  ({self.names.index(history.name) + 1}/{len(self.names)})  "
                             if history.name in self.names else "  ")
        if error:
            head.append(error, palette.style("bad"))
        elif not history.total:
            head.append("never run", palette.style("stale"))
        else:
            latest = history.latest
            head.append(f"{history.total} runs, {history.passed} passed; failover trend ")
            head.append(sparkline(history.trend), palette.style("spark"))
            if latest is not None:
                head.append(f"; last {latest.verdict} {age(now - latest.started)} ago")
            if history.regressed:
                head.append("  REGRESSION", palette.style("bad-bold"))
        head.append("\n[ ] other drills · esc back", palette.style("stale"))
        self.query_one("#history-head", Static).update(terminal(head))
        self._draw(history)
        self._fill(history, now)

    def _draw(self, history: DrillHistory) -> None:
        runs = history.runs
        ids = [r.id for r in runs]
        palette = self.palette
        self.query_one("#history-timings", TrendChart).draw(
            "detect / failover / recover (s)", ids,
            [("detect", [r.figures.time_to_detect_s for r in runs], palette.warn),
             ("failover", [r.figures.time_to_failover_s for r in runs], palette.spark),
             ("recover", [r.figures.time_to_recover_s for r in runs], palette.ok)],
        )
        self.query_one("#history-availability", TrendChart).draw(
            "availability %", ids,
            [("availability", [None if r.figures.availability is None else 100 * r.figures.availability
                                for r in runs], palette.ok)],
            top=100.0,
        )

    def _fill(self, history: DrillHistory, now: float) -> None:
        table: DataTable[Text | str] = self.query_one(DataTable)
        table.clear()
        styles = {"passed": "ok", "failed": "bad", "aborted": "warn"}
        for run in reversed(history.runs):
            cells = [terminal(cell) for cell in run_cells(run, now, history.flags.get(run.id, ()), whole=False)]
            cells[3].stylize(self.palette.style(styles.get(run.verdict, "plain")))
            cells[9].stylize(self.palette.style("bad"))
            table.add_row(*cells, key=str(run.id))

    def action_step(self, by: int) -> None:
        index = self.names.index(self.drill) if self.drill in self.names else 0
        self.drill = self.names[(index + by) % len(self.names)]
        self._show_loading()
        self.reload()

    def action_back(self) -> None:
        self.dismiss()
