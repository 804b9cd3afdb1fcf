"""Each drill's last verdict and its age, as the chaos menu shows them beside the drill.

Read from the history (clustertui/history) in the menu's worker thread; a history that
cannot be read shows as no mark, with why on the menu's detail line, never as an error
that keeps the menu from opening.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text

from clustertui.history import HistoryStore, RunSummary
from clustertui.history.views import age

MARKS = {"passed": ("✔", "green"), "failed": ("✖", "red"), "aborted": ("⚠", "yellow")}


def last_runs(path: Path | None, cluster: str) -> dict[str, RunSummary]:
    """The newest run of each drill of `cluster`; none when there is no history yet.
    Raises HistoryError when the database cannot be read."""
    if path is None or not path.exists():
        return {}
    with HistoryStore(path) as store:
        return store.last_runs(cluster)


def mark(run: RunSummary | None, now: float | None = None) -> Text:
    """`✔ passed 3h ago`, or `never run`: what the menu writes after a drill's name."""
    if run is None:
        return Text("never run", style="dim")
    symbol, colour = MARKS.get(run.verdict, ("?", ""))
    return Text.assemble((f"{symbol} {run.verdict}", colour),
                         f" {age((now if now is not None else time.time()) - run.started)} ago")
