"""Starting the TUI on a cluster: the entry points the CLI calls (lazily).

Themes are loaded before the terminal switches to the full-screen app so that a bad
`--theme` is an ordinary usage error, and a broken theme file is reported on stderr (where
it stays readable after exit) as well as inside the app.  What quitting reverted is
printed on stderr once the app has left the screen, for the same reason.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from clustertui.chaos import ChaosSession
from clustertui.config import Cluster, Drill, Scenario
from clustertui.drills.result import DrillResult, Verdict
from clustertui.drills.session import DrillSession, Recorder, aborted_result
from clustertui.engine.monitor import ClusterMonitor
from clustertui.gameday.record import ScenarioRecorder
from clustertui.gameday.result import ScenarioResult
from clustertui.gameday.session import GamedaySession, ScenarioRecorderFn
from clustertui.history import DrillRecorder
from clustertui.report.escape import printable
from clustertui.tui.app import ClusterApp, exit_lines
from clustertui.tui.cluster_links import ClusterLink
from clustertui.tui.multi_source import MultiSource
from clustertui.tui.source import MonitorSource
from clustertui.tui.themes import ThemeCatalog

if TYPE_CHECKING:
    from clustertui.metrics.exporter import Exporter


def build_app(
    cluster: Cluster,
    *,
    theme: str | None = None,
    read_only: bool = False,
    interval: float | None = None,
    local: bool = False,
    catalog: ThemeCatalog | None = None,
    drill: str | None = None,
    scenario: str | None = None,
    recorder: Recorder | None = None,
    scenario_recorder: ScenarioRecorderFn | None = None,
    record: bool = True,
    exporter: Exporter | None = None,
) -> ClusterApp:
    """The app monitoring `cluster`; raises UnknownTheme for a theme name that exists nowhere.

    Chaos runs on the monitor's own connections; this machine alone (`local`) has none.
    `drill` names a drill, `scenario` a game day, to run as soon as the app is up; `recorder`
    records each drill run (by default into the cluster's history, clustertui/history; none
    if not `record`); `exporter` (`--metrics`) serves the monitor's state while the app runs.
    """
    catalog = catalog or ThemeCatalog.load()
    chosen, notices = _theme(catalog, theme)
    monitor = ClusterMonitor(cluster, interval=interval, local=local)
    link = None if local else cluster_link(cluster, monitor, recorder, scenario_recorder, record)
    return ClusterApp(MonitorSource(monitor, exporter), catalog, chosen, read_only, notices,
                      session=link.drills if link else None, start_drill=drill,
                      gamedays=link.gamedays if link else None, start_scenario=scenario)


def build_several_app(clusters: Sequence[Cluster], *, theme: str | None = None, read_only: bool = False,
                      interval: float | None = None, catalog: ThemeCatalog | None = None) -> ClusterApp:
    """The app monitoring several clusters at once (`monitor a.yaml b.yaml`): each its own
    monitor (its own SSH settings and interval, `interval` overriding them all) and its own
    chaos, drill and game-day sessions (its own guards), merged by a MultiSource."""
    catalog = catalog or ThemeCatalog.load()
    chosen, notices = _theme(catalog, theme)
    monitors = {cluster.name: ClusterMonitor(cluster, interval=interval) for cluster in clusters}
    links = [cluster_link(cluster, monitors[cluster.name]) for cluster in clusters]
    source = MultiSource({name: MonitorSource(monitor) for name, monitor in monitors.items()})
    return ClusterApp(source, catalog, chosen, read_only, notices, links=links)


def cluster_link(cluster: Cluster, monitor: ClusterMonitor, recorder: Recorder | None = None,
                 scenario_recorder: ScenarioRecorderFn | None = None, record: bool = True) -> ClusterLink:
    """Chaos, drills and game days on `cluster`, on its monitor's connections; each run
    recorded in the cluster's history (by `recorder`, else clustertui/history; none if
    not `record`)."""
    if record and recorder is None:
        recorder = DrillRecorder(cluster, "tui")
    chaos = ChaosSession.for_monitor(cluster, monitor)
    days = scenario_recorder or (ScenarioRecorder(cluster, "tui") if record else None)
    return ClusterLink(DrillSession.for_monitor(chaos, monitor, recorder),
                       GamedaySession.for_monitor(chaos, monitor, days))


def _theme(catalog: ThemeCatalog, theme: str | None) -> tuple[str, list[str]]:
    """The theme to start with and the notices about themes that did not load (also on
    stderr, where they stay readable after exit)."""
    chosen = catalog.resolve(theme)
    notices = catalog.errors
    if theme is not None and chosen != theme:
        notices = [*notices, f"theme {theme!r} could not be loaded; using {chosen!r}"]
    for notice in notices:
        print(f"clustertui: warning: {printable(notice)}", file=sys.stderr)
    return chosen, notices


def run_app(app: ClusterApp, headless: bool = False) -> int:
    """Run the app, then say on stderr what quitting reverted. Returns the app's return
    code: non-zero when it ended on an error (Textual printed the traceback), which comes
    after this session's faults were reverted (`ClusterApp.on_unmount` runs on any end)."""
    app.run(headless=headless)
    for line in exit_lines(app):
        print(f"clustertui: {printable(line)}", file=sys.stderr)
    return app.return_code or 0


class NoTerminal(Exception):
    """stdin or stdout is not a terminal: the app would loop writing escape codes into a
    pipe or a file forever."""

    def __init__(self) -> None:
        super().__init__("the monitor needs a terminal (stdin and stdout are not one); headless, use "
                         "`clustertui check` or `clustertui report`")


def run_monitor(cluster: Cluster | Sequence[Cluster], **options: object) -> int:
    """Raises UnknownTheme, then NoTerminal, before anything starts: a misspelt --theme is
    the user's mistake to hear about whether or not there is a terminal to draw on.
    Several clusters: one app over all of them (build_several_app)."""
    catalog = ThemeCatalog.load()
    catalog.resolve(options.get("theme"))  # type: ignore[arg-type]
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise NoTerminal
    if isinstance(cluster, Cluster):
        return run_app(build_app(cluster, catalog=catalog, **options))  # type: ignore[arg-type]
    return run_app(build_several_app(cluster, catalog=catalog, **options))  # type: ignore[arg-type]


def run_drill_app(cluster: Cluster, drill: Drill, recorder: Recorder | None,
                  exporter: Exporter | None = None) -> DrillResult:
    """`clustertui drill FILE NAME` on a terminal: the cluster panels and the drill panel,
    the drill started at once; the verdict stays on screen until the user quits (quitting
    earlier stops the drill, which reverts and counts as aborted).  `recorder` None: the run
    is not recorded (`--no-history`)."""
    started = time.time()
    app = build_app(cluster, drill=drill.name, recorder=recorder, record=recorder is not None, exporter=exporter)
    run_app(app)
    return app.drill_result or aborted_result(cluster, drill, started, "the app ended before the drill ran")


def run_gameday_app(cluster: Cluster, scenario: Scenario, recorder: ScenarioRecorderFn | None,
                    exporter: Exporter | None = None) -> ScenarioResult:
    """`clustertui gameday FILE NAME` on a terminal: the cluster panels and the game day's
    panel, the scenario started at once; the verdict stays on screen until the user quits
    (quitting earlier stops it: the running step reverts, the rest are skipped).  `recorder`
    None: nothing is recorded (`--no-history`)."""
    started = time.time()
    app = build_app(cluster, scenario=scenario.name, scenario_recorder=recorder, record=recorder is not None,
                    exporter=exporter)
    run_app(app)
    return app.scenario_result or ScenarioResult(scenario.name, cluster.name, scenario.description, Verdict.ABORTED,
                                                 "the app ended before the game day ran", started, time.time(), ())
