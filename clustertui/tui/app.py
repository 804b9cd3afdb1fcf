"""The clustertui Textual app: takes one snapshot per interval and shows it, and wires the
screens to the chaos and drill sessions.

The app owns no cluster state and decides no chaos rule.  A timer fires once per interval;
the tick asks the source for an immutable snapshot and hands it to the top screen that shows
snapshots (the overview, or a node's detail), which updates its widgets in place.
Collection runs in the engine's own asyncio tasks on the same loop, so the UI never waits
on a node.

Screens post typed messages (messages.py); the app answers them by pushing a modal, or by
running one of the `ChaosSession`'s or `DrillSession`'s coroutines in a worker (never in a
handler) and showing its outcome.  Guards, per-node halt, the single status survey in
flight and the revert on exit are the sessions' (chaos/session.py, drills/session.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import PurePath
from typing import ClassVar, cast

from textual import on
from textual.app import SystemCommand
from textual.notifications import SeverityLevel
from textual.reactive import var
from textual.screen import Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from clustertui.chaos import ChaosSession
from clustertui.chaos.outcomes import RevertOutcome
from clustertui.chaos.session import StatusReading
from clustertui.drills.session import DrillRun, DrillSession
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.gameday.session import GamedaySession, ScenarioRun
from clustertui.report.escape import printable
from clustertui.tui import format as fmt
from clustertui.tui import keys, messages
from clustertui.tui.cluster_links import ClusterLink, StatusMerge
from clustertui.tui.commands import palette_commands
from clustertui.tui.faults import FaultBook, FaultRow
from clustertui.tui.finding_alerts import FindingAlerts
from clustertui.tui.gameday_actions import GamedayActions
from clustertui.tui.multi_source import split
from clustertui.tui.palette import Palette
from clustertui.tui.screens.coverage import CoverageScreen
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.help import HelpScreen
from clustertui.tui.screens.managers import ManagersScreen
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.source import SnapshotSource, next_interval
from clustertui.tui.themes import ThemeCatalog

SnapshotScreens = (OverviewScreen, DetailScreen, ManagersScreen)
STATUS_EVERY = 3.0  # seconds between surveys of the fault ledgers, while there are faults
FREEZE_EVERY = 30.0  # seconds between surveys without faults: another operator's freeze shows


class ClusterApp(GamedayActions):
    TITLE = "clustertui"
    BINDINGS = keys.bindings("app")
    CSS_PATH: ClassVar[list[str | PurePath]] = ["styles/global.tcss", "styles/app.tcss"]
    #: The current theme's status colours; widgets that draw cells watch it (widgets/paletted.py).
    palette: var[Palette] = var(cast(Palette, None), init=False)

    def __init__(
        self,
        source: SnapshotSource,
        catalog: ThemeCatalog,
        theme: str | None = None,
        read_only: bool = False,
        notices: Sequence[str] = (),
        session: DrillSession | None = None,
        start_drill: str | None = None,
        gamedays: GamedaySession | None = None,
        start_scenario: str | None = None,
        links: Sequence[ClusterLink] = (),
    ) -> None:
        """`session`: chaos and drills on this cluster (None: no chaos at all, e.g. this
        machine alone); `start_drill`: a drill to run at once (`clustertui drill FILE NAME`);
        `links`: each cluster's sessions when the source shows several (cluster_links.py),
        the first one's acting until an action names a node of another."""
        super().__init__()
        self.links = {link.name: link for link in links}
        self.statuses = StatusMerge()
        if links:
            session, gamedays = links[0].drills, links[0].gamedays
        self.source = source
        self.catalog = catalog
        self.read_only = read_only
        self.notices = list(notices)
        self.drills = session
        self.chaos = session.chaos if session is not None else None
        self.latest: ClusterSnapshot | None = None
        self.faults = FaultBook()
        self.finding_alerts = FindingAlerts()
        self.faults_note = ""  # why the last status is incomplete
        self.drill_run: DrillRun | None = None
        self.exit_reverts: list[RevertOutcome] = []  # what quitting reverted, for the terminal
        self.abandoned: list[str] = []  # faults left to their nodes' timers by a hurried quit
        self._start_drill = start_drill
        self.gamedays = gamedays  # game days on this cluster (None: none), and one to run at once
        self.scenario_run: ScenarioRun | None = None
        self._scenario_worker: Worker[None] | None = None
        self._start_scenario = start_scenario
        self._pause_shown = False
        self._drill_worker: Worker[None] | None = None
        self._quitting = False
        for entry in catalog.entries.values():
            self.register_theme(entry.theme)
        self.theme = catalog.resolve(theme)
        for name in list(self.available_themes):  # only themes that have a status palette
            if name not in catalog.entries:
                self.unregister_theme(name)
        self.set_reactive(ClusterApp.palette, catalog.entries[self.theme].palette)

    def chaos_sessions(self) -> list[tuple[str | None, ChaosSession]]:
        """Every cluster's chaos session (one cluster: (None, its session)), for what
        concerns every fault: the status survey, halt, the revert on quit."""
        if self.links:
            return [(name, link.chaos) for name, link in self.links.items()]
        return [] if self.chaos is None else [(None, self.chaos)]

    def act_on(self, cluster: str | None) -> None:
        """Chaos, drills and game days from now on act on `cluster` (several clusters shown;
        None, or one cluster: nothing changes)."""
        link = self.links.get(cluster or "")
        if link is not None:
            self.drills, self.chaos, self.gamedays = link.drills, link.chaos, link.gamedays

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification is plain text, whatever the caller asks (`markup` is ignored):
        a fault's result, a revert's output, a drill's reason come from nodes and files, so
        markup is never parsed (a `[/]` in a result crashed the whole app) and control
        characters are replaced. Screens and widgets notify through here too."""
        super().notify(printable(message, lines=True), title=printable(title), severity=severity, timeout=timeout,
                       markup=False)

    @property
    def chaos_off(self) -> bool:
        """No chaos actions: --read-only, or nothing to act through."""
        return self.read_only or self.chaos is None

    def get_default_screen(self) -> Screen:
        return OverviewScreen(self.palette, self.read_only)

    async def on_mount(self) -> None:
        await self.source.start()
        self.call_after_refresh(self._first_tick)
        self._ticker = self.set_interval(self.source.interval, self.tick)
        self.set_interval(STATUS_EVERY, self.poll_status)
        if self.chaos is not None:  # another operator's freeze shows within FREEZE_EVERY
            self.set_interval(FREEZE_EVERY, lambda: self.poll_status(now=True))

    def _first_tick(self) -> None:
        """Once the overview exists: the first snapshot at once, any theme errors, and the
        drill the command line asked for."""
        for notice in self.notices:
            self.notify(notice, title="theme not loaded", severity="error", timeout=20, markup=False)
        self.tick()
        if self._start_drill is not None:
            self.start_drill(self._start_drill)
        if self._start_scenario is not None:
            self.start_scenario(self._start_scenario)

    async def on_unmount(self) -> None:
        """The last chance to revert this session's faults (quitting normally did already);
        before the monitor stops, since chaos borrows its connections."""
        try:
            for _, chaos in self.chaos_sessions():
                self.exit_reverts += await chaos.close()
        finally:
            await self.source.stop()

    # -- the tick ----------------------------------------------------------------------

    def tick(self) -> None:
        """Take one snapshot and show it on the top screen that shows snapshots."""
        self.latest = self.source.snapshot()
        self.faults.see_snapshot(self.latest)
        for toast in self.finding_alerts.see(self.latest.findings):
            self.notify(toast.message, title=toast.title, severity="error" if toast.error else "information",
                        timeout=15 if toast.error else 8)
        if self.faults.undetailed:
            self.poll_status(now=True)
        screen = self.snapshot_screen
        if screen is not None and self.live(screen):
            screen.show_snapshot(self.latest)

    def live(self, screen: Screen) -> bool:
        """The screen can take an update: it has mounted (a timer can fire between its push
        and its widgets' mount; it shows the latest on resume) and the app is not shutting
        down (its widgets are being removed while the timers still run)."""
        return screen.is_mounted and self.is_running

    @property
    def snapshot_screen(self) -> OverviewScreen | DetailScreen | ManagersScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, SnapshotScreens):
                return screen
        return None

    @property
    def overview(self) -> OverviewScreen | None:
        first = self.screen_stack[0] if self.screen_stack else None
        return first if isinstance(first, OverviewScreen) else None

    # -- navigation --------------------------------------------------------------------

    @on(messages.OpenNode)
    def _open_node(self, message: messages.OpenNode) -> None:
        self.open_node(message.node)

    def open_node(self, node: str) -> None:
        if self.overview is not None:
            self.overview.table.select_node(node)
        if isinstance(self.screen, DetailScreen):
            self.pop_screen()
        self.push_screen(DetailScreen(node, self.palette, self.source.series))

    @on(messages.Reconnect)
    def _reconnect(self, message: messages.Reconnect) -> None:
        self.source.retry(message.node)
        self.notify(f"reconnecting to {message.node}", timeout=3)

    def action_interval(self, step: int) -> None:
        """+ and -: the next interval up or down, on every node, and the tick follows."""
        seconds = self.source.set_interval(next_interval(self.source.interval, step))
        self._ticker.stop()
        self._ticker = self.set_interval(seconds, self.tick)
        self.notify(f"sampling every {fmt.interval(seconds)}", timeout=2)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            several = self.latest is not None and bool(self.latest.parts)
            self.push_screen(HelpScreen(self.chaos_off, local=self.chaos is None, several=several))

    def _act_on_cursor(self) -> str | None:
        """Several clusters: act on the cluster of the node under the cursor; its name."""
        node = self.overview.table.cursor_node if self.links and self.overview is not None else None
        cluster = split(node)[0] if node is not None else None
        self.act_on(cluster)
        return cluster

    def action_coverage(self) -> None:
        """The coverage grid of the cluster's services (docs/coverage.md)."""
        self._act_on_cursor()
        if self.drills is not None and not isinstance(self.screen, CoverageScreen):
            self.push_screen(CoverageScreen(self.history_file, self.drills.cluster, self.palette))

    def action_managers(self) -> None:
        """The managers screen (docs/managers.md)."""
        if not isinstance(self.screen, ManagersScreen):
            self.push_screen(ManagersScreen(self.palette, self._act_on_cursor()))

    # -- active faults -----------------------------------------------------------------

    def fault_rows(self) -> list[FaultRow]:
        return self.faults.rows(fault_id for _, chaos in self.chaos_sessions() for fault_id in chaos.mine)

    def poll_status(self, now: bool = False) -> None:
        """Survey the fault ledgers in a worker: every few seconds while faults exist, or
        `now` (a new fault id, an apply, a revert); each session keeps it to one at a time."""
        known = bool(self.faults.ids() or self.faults.frozen)
        for cluster, chaos in self.chaos_sessions():
            if chaos.want_status(now, known):
                deliver = self._see_status if cluster is None else partial(self._see_cluster_status, cluster)
                self.run_worker(chaos.refresh_status(deliver), group="status", exit_on_error=False)

    def _see_cluster_status(self, cluster: str, reading: StatusReading) -> None:
        self._see_status(self.statuses.see(cluster, reading))

    def _see_status(self, reading: StatusReading) -> None:
        if reading.status is not None:
            self.faults.see_status(reading.status, reading.taken)
        self.faults_note = reading.note
        self._faults_changed()

    def _faults_changed(self) -> None:
        screen = self.snapshot_screen
        if screen is not None and self.live(screen):
            screen.show_faults()

    def _drill_changed(self) -> None:
        if self.overview is not None and self.live(self.overview):
            self.overview.show_drill(self.drill_run)

    def _scenario_changed(self) -> None:
        if self.overview is not None and self.live(self.overview):
            self.overview.show_scenario(self.scenario_run)

    # -- quitting ----------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit, after stopping a running drill and reverting this session's faults; asked
        again while that runs, quit at once and leave the faults to their nodes' timers."""
        if self._quitting:
            self.abandoned = sorted(fault_id for _, chaos in self.chaos_sessions() for fault_id in chaos.abandon())
            self.exit()
            return
        self._quitting = True
        self.run_worker(self._leave(), group="quit", exit_on_error=False)

    async def _leave(self) -> None:
        try:
            if self.drill_running and self._drill_worker is not None:
                self.stop_drill()
                try:
                    await self._drill_worker.wait()
                except (WorkerCancelled, WorkerFailed):
                    pass
            await self.finish_scenario()
            mine = sorted(fault_id for _, chaos in self.chaos_sessions() for fault_id in chaos.mine)
            if mine:
                self.notify(f"reverting what this session applied: {', '.join(mine)}… (q again quits at once; "
                            "the nodes' timers revert them at their TTL)", title="quitting", timeout=60)
                for _, chaos in self.chaos_sessions():
                    self.exit_reverts += await chaos.close()
        finally:
            self.exit()

    # -- themes ------------------------------------------------------------------------

    def action_next_theme(self) -> None:
        self.theme = self.catalog.next_after(self.theme)

    def watch_theme(self, name: str) -> None:
        """A theme switch sets the palette; the widgets that draw cells follow it."""
        if name in self.catalog.entries:
            self.palette = self.catalog.entries[name].palette

    # -- palette and read-only ---------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self, screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode (or a session without chaos) refuses every chaos action, and this
        machine alone the keys that need a cluster file, whichever way they are asked for (the
        screens ask here too): the footer hides them and their keys do nothing."""
        return keys.allowed(action, self.chaos_off, local=self.chaos is None)


def exit_lines(app: ClusterApp) -> list[str]:
    """What quitting did to this session's faults, for the terminal after the app is gone."""
    lines = []
    for outcome in app.exit_reverts:
        verb = "reverted" if outcome.ok else "NOT reverted"
        lines.append(f"{verb} {outcome.fault_id} on {outcome.node or '?'} on exit: {outcome.result}")
    for fault_id in app.abandoned:
        if all(outcome.fault_id != fault_id for outcome in app.exit_reverts):
            lines.append(f"left {fault_id} to its node's timer: it reverts when its lease ends, or at its TTL")
    return lines
