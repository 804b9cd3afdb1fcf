"""Starting the TUI on a cluster: the entry points the CLI calls (lazily).

Themes are loaded before the terminal switches to the full-screen app so that a bad
`--theme` is an ordinary usage error, and a broken theme file is reported on stderr (where
it stays readable after exit) as well as inside the app.  What quitting reverted is
printed on stderr once the app has left the screen, for the same reason.
"""

from __future__ import annotations

import sys
import time

from clustertui.chaos import ChaosSession
from clustertui.config import Cluster, Drill
from clustertui.drills.result import DrillResult
from clustertui.drills.session import DrillSession, aborted_result
from clustertui.engine.monitor import ClusterMonitor
from clustertui.tui.app import ClusterApp, exit_lines
from clustertui.tui.source import MonitorSource
from clustertui.tui.themes import ThemeCatalog


def build_app(
    cluster: Cluster,
    *,
    theme: str | None = None,
    read_only: bool = False,
    interval: float | None = None,
    local: bool = False,
    catalog: ThemeCatalog | None = None,
    drill: str | None = None,
) -> ClusterApp:
    """The app monitoring `cluster`; raises UnknownTheme for a theme name that exists nowhere.

    Chaos runs on the monitor's own connections; this machine alone (`local`) has none.
    `drill` names a drill to run as soon as the app is up.
    """
    catalog = catalog or ThemeCatalog.load()
    chosen = catalog.resolve(theme)
    notices = catalog.errors
    if theme is not None and chosen != theme:
        notices = [*notices, f"theme {theme!r} could not be loaded; using {chosen!r}"]
    for notice in notices:
        print(f"clustertui: warning: {notice}", file=sys.stderr)
    monitor = ClusterMonitor(cluster, interval=interval, local=local)
    session = None if local else DrillSession.for_monitor(ChaosSession.for_monitor(cluster, monitor), monitor)
    return ClusterApp(MonitorSource(monitor), catalog, chosen, read_only, notices, session=session,
                      start_drill=drill)


def _run(app: ClusterApp) -> None:
    app.run()
    for line in exit_lines(app):
        print(f"clustertui: {line}", file=sys.stderr)


def run_monitor(cluster: Cluster, **options: object) -> None:
    _run(build_app(cluster, **options))  # type: ignore[arg-type]


def run_drill_app(cluster: Cluster, drill: Drill) -> DrillResult:
    """`clustertui drill FILE NAME` on a terminal: the cluster panels and the drill panel,
    the drill started at once; the verdict stays on screen until the user quits (quitting
    earlier stops the drill, which reverts and counts as aborted)."""
    started = time.time()
    app = build_app(cluster, drill=drill.name)
    _run(app)
    return app.drill_result or aborted_result(cluster, drill, started, "the app ended before the drill ran")
