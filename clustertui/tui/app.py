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

import time
from collections.abc import Iterable, Sequence

from textual import on
from textual.app import App, SystemCommand
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from clustertui.chaos import ChaosSession, FaultPlan, HaltReport, RevertOutcome
from clustertui.chaos.session import StatusReading
from clustertui.drills.result import ABORTED, PASSED, DrillResult
from clustertui.drills.session import DrillRun, DrillSession
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.transport.states import NodeState
from clustertui.tui import format as fmt
from clustertui.tui import keys, messages
from clustertui.tui.commands import palette_commands
from clustertui.tui.faults import FaultBook, FaultRow
from clustertui.tui.palette import Palette
from clustertui.tui.screens.chaos_menu import ChaosMenu, DrillChoice, FaultChoice
from clustertui.tui.screens.confirm import ConfirmScreen, drill_text, faults_text, plan_text
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.fault_form import FaultForm
from clustertui.tui.screens.help import HelpScreen
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.source import SnapshotSource, next_interval
from clustertui.tui.themes import ThemeCatalog

SnapshotScreens = (OverviewScreen, DetailScreen)
STATUS_EVERY = 3.0  # seconds between surveys of the fault ledgers, while there are faults


class ClusterApp(App[None]):
    TITLE = "clustertui"
    BINDINGS = keys.bindings("app")

    def __init__(
        self,
        source: SnapshotSource,
        catalog: ThemeCatalog,
        theme: str | None = None,
        read_only: bool = False,
        notices: Sequence[str] = (),
        session: DrillSession | None = None,
        start_drill: str | None = None,
    ) -> None:
        """`session`: chaos and drills on this cluster (None: no chaos at all, e.g. this
        machine alone); `start_drill`: a drill to run at once (`clustertui drill FILE NAME`)."""
        super().__init__()
        self.source = source
        self.catalog = catalog
        self.read_only = read_only
        self.notices = list(notices)
        self.drills = session
        self.chaos: ChaosSession | None = session.chaos if session is not None else None
        self.latest: ClusterSnapshot | None = None
        self.faults = FaultBook()
        self.faults_note = ""  # why the last status is incomplete
        self.drill_run: DrillRun | None = None
        self.exit_reverts: list[RevertOutcome] = []  # what quitting reverted, for the terminal
        self.abandoned: list[str] = []  # faults left to their nodes' timers by a hurried quit
        self._start_drill = start_drill
        self._drill_worker: Worker[None] | None = None
        self._quitting = False
        for entry in catalog.entries.values():
            self.register_theme(entry.theme)
        self.theme = catalog.resolve(theme)
        for name in list(self.available_themes):  # only themes that have a status palette
            if name not in catalog.entries:
                self.unregister_theme(name)

    @property
    def palette(self) -> Palette:
        return self.catalog.entries[self.theme].palette

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

    def _first_tick(self) -> None:
        """Once the overview exists: the first snapshot at once, any theme errors, and the
        drill the command line asked for."""
        for notice in self.notices:
            self.notify(notice, title="theme not loaded", severity="error", timeout=20, markup=False)
        self.tick()
        if self._start_drill is not None:
            self.start_drill(self._start_drill)

    async def on_unmount(self) -> None:
        """The last chance to revert this session's faults (quitting normally did already);
        before the monitor stops, since chaos borrows its connections."""
        try:
            if self.chaos is not None:
                self.exit_reverts += await self.chaos.close()
        finally:
            await self.source.stop()

    # -- the tick ----------------------------------------------------------------------

    def tick(self) -> None:
        """Take one snapshot and show it on the top screen that shows snapshots."""
        self.latest = self.source.snapshot()
        self.faults.see_snapshot(self.latest)
        if self.faults.undetailed:
            self.poll_status(now=True)
        screen = self.snapshot_screen
        if screen is not None:
            screen.show_snapshot(self.latest)

    @property
    def snapshot_screen(self) -> OverviewScreen | DetailScreen | None:
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
            self.push_screen(HelpScreen(self.chaos_off, local=self.chaos is None))

    # -- active faults -----------------------------------------------------------------

    def fault_rows(self) -> list[FaultRow]:
        return self.faults.rows(self.chaos.mine if self.chaos else ())

    def poll_status(self, now: bool = False) -> None:
        """Survey the fault ledgers in a worker: every few seconds while faults exist, or
        `now` (a new fault id, an apply, a revert); the session keeps it to one at a time."""
        if self.chaos is not None and self.chaos.want_status(now, bool(self.faults.ids())):
            self.run_worker(self.chaos.refresh_status(self._see_status), group="status", exit_on_error=False)

    def _see_status(self, reading: StatusReading) -> None:
        if reading.status is not None:
            self.faults.see_status(reading.status, reading.taken)
        self.faults_note = reading.note
        self._faults_changed()

    def _faults_changed(self) -> None:
        screen = self.snapshot_screen
        if screen is not None and screen.is_mounted:
            screen.show_faults()

    # -- chaos: the menu, the form, the confirmation, the apply --------------------------

    def _may_act(self) -> bool:
        """Chaos actions run only with a session, without --read-only, and not while
        quitting; a refusal says why in one line."""
        if self.read_only:
            self.notify("read-only: chaos actions are off (--read-only)", severity="warning", timeout=4)
            return False
        if self.chaos is None:
            self.notify("no chaos here: it needs a cluster file (clustertui monitor FILE)", severity="warning")
            return False
        return not self._quitting

    @property
    def drill_running(self) -> bool:
        return self.drill_run is not None and self.drill_run.running

    @on(messages.OpenChaosMenu)
    def open_chaos_menu(self, message: messages.OpenChaosMenu) -> None:
        if not self._may_act() or self.drills is None:
            return
        by_name = {view.name: view for view in self.latest.nodes} if self.latest else {}
        faulted = {row.node for row in self.fault_rows()}
        listed = []
        for node in self.drills.cluster.nodes:
            view = by_name.get(node.name)
            state = "" if view is None or view.state is NodeState.UP else f" {view.state}"
            listed.append((node.name, f"{','.join(node.roles)}{state}{' ⚡' if node.name in faulted else ''}"))
        self.push_screen(ChaosMenu(self.drills, listed, list(message.nodes), self.drill_running), self._menu_done)

    def _menu_done(self, choice: FaultChoice | DrillChoice | None) -> None:
        if isinstance(choice, DrillChoice):
            self.confirm_drill(choice.name)
        elif isinstance(choice, FaultChoice) and self.chaos is not None:
            self.push_screen(FaultForm(self.chaos, choice.kind, choice.nodes, choice.availability), self._form_done)

    def _form_done(self, plans: list[FaultPlan] | None) -> None:
        if not plans:
            return
        where = ", ".join(plan.node for plan in plans)
        confirm = ConfirmScreen(f"apply {plans[0].kind} on {where}?", plan_text(plans), "Apply")
        self.push_screen(confirm, lambda yes: self._apply(plans) if yes else None)

    def _apply(self, plans: list[FaultPlan]) -> None:
        if self._may_act():
            self.notify(f"applying: {'; '.join(plan.summary for plan in plans)}…", timeout=4)
            self.run_worker(self._apply_all(plans), group="chaos", exit_on_error=False)

    async def _apply_all(self, plans: list[FaultPlan]) -> None:
        assert self.chaos is not None
        try:
            outcomes = await self.chaos.apply_batch(plans)
        except Exception as exc:  # e.g. the local record could not be written
            self.notify(f"apply failed: {exc}", title="fault not applied", severity="error", timeout=15, markup=False)
            return
        finally:
            self.poll_status(now=True)
        for outcome in outcomes:
            plan = outcome.plan
            if outcome.ok:
                self.notify(f"{plan.id}: {plan.summary}; the node reverts it by itself in {plan.ttl:g}s",
                            title="fault applied", timeout=8, markup=False)
            else:
                self.notify(f"{plan.id} on {plan.node}: {outcome.result}", title=f"fault {outcome.status}",
                            severity="error", timeout=20, markup=False)
        for plan in plans[len(outcomes):]:
            self.notify(f"{plan.node}: not applied, since an earlier node's fault did not apply",
                        severity="warning", timeout=20, markup=False)

    # -- reverting and halting ---------------------------------------------------------

    @on(messages.RevertNodeFaults)
    def confirm_revert_node(self, message: messages.RevertNodeFaults) -> None:
        """Revert a node's faults, after a confirmation: they may be another operator's."""
        node = message.node
        rows = [row for row in self.fault_rows() if row.node == node]
        if not self._may_act():
            return
        if not rows:
            self.notify(f"no active fault on {node}", timeout=4)
            return
        body = faults_text(f"Revert every fault on {node}, whoever applied it.", rows, time.time())
        self.push_screen(ConfirmScreen(f"revert the faults on {node}?", body, "Revert"),
                         lambda yes: self.revert(row.id for row in rows) if yes else None)

    @on(messages.RevertFaults)
    def _revert_faults(self, message: messages.RevertFaults) -> None:
        self.revert(message.fault_ids)

    def revert(self, fault_ids: Iterable[str]) -> None:
        ids = sorted(set(fault_ids))
        if ids and self._may_act():
            self.notify(f"reverting {', '.join(ids)}…", timeout=4)
            self.run_worker(self._revert_all(ids), group="chaos", exit_on_error=False)

    async def _revert_all(self, ids: list[str]) -> None:
        assert self.chaos is not None
        for outcome in await self.chaos.revert_many(ids):
            self._report_revert(outcome)
        self._faults_changed()
        self.poll_status(now=True)

    def _report_revert(self, outcome: RevertOutcome) -> None:
        if outcome.ok:
            self.faults.forget([outcome.fault_id], time.time())
            self.notify(f"{outcome.fault_id} on {outcome.node}: {outcome.result}", title="reverted", timeout=6,
                        markup=False)
        else:
            self.notify(f"{outcome.fault_id} on {outcome.node or '?'}: {outcome.result}",
                        title=f"revert {outcome.status}", severity="error", timeout=20, markup=False)

    def action_halt(self) -> None:
        if isinstance(self.screen, ModalScreen) or not self._may_act():
            return
        intro = "Revert every fault in every node's ledger, whoever applied it, and clear leftovers."
        self.push_screen(ConfirmScreen("halt: revert every fault?", faults_text(intro, self.fault_rows(), time.time()),
                                       "Halt all"), lambda yes: self._halt() if yes else None)

    def _halt(self) -> None:
        if not self._may_act():
            return
        if self.drill_running:
            assert self.drill_run is not None
            self.drill_run.stop.set()
        self.notify("halt: reverting every fault on every node…", timeout=4)
        self.run_worker(self._halt_all(), group="chaos", exit_on_error=False)

    async def _halt_all(self) -> None:
        assert self.chaos is not None
        try:
            report: HaltReport = await self.chaos.halt()
        finally:
            self.poll_status(now=True)
        self.faults.forget([o.fault_id for o in report.outcomes if o.ok], time.time())
        self._faults_changed()
        self.notify(report.summary(), title="halt", severity="information" if report.ok else "error", timeout=10,
                    markup=False)
        for node in report.nodes.values():
            if node.unread:
                self.notify(node.line(), title="halt", severity="error", timeout=20, markup=False)
            for outcome in node.outcomes:
                if not outcome.ok:
                    self._report_revert(outcome)

    # -- drills ------------------------------------------------------------------------

    @on(messages.ConfirmDrill)
    def _confirm_drill(self, message: messages.ConfirmDrill) -> None:
        self.confirm_drill(message.name)

    def confirm_drill(self, name: str) -> None:
        if not self._may_act() or self.drills is None:
            return
        if self.drill_running:
            self.notify("a drill is running: stop it first (esc)", severity="warning")
            return
        drill = self.drills.drills[name]
        self.push_screen(ConfirmScreen(f"run drill {name}?", drill_text(drill), "Run"),
                         lambda yes: self.start_drill(name) if yes else None)

    def start_drill(self, name: str) -> None:
        """Run a drill now, in a worker, with the live drill panel on the overview."""
        if not self._may_act() or self.drill_running or self.drills is None:
            return
        run = self.drills.start(self.drills.drills[name], on_change=lambda _progress: self._drill_changed())
        self.drill_run = run
        self._drill_changed()
        self._drill_worker = self.run_worker(self._run_drill(run), group="drill", exit_on_error=False)

    async def _run_drill(self, run: DrillRun) -> None:
        assert self.drills is not None
        result = await self.drills.run(run)
        self._drill_changed()
        await self.drills.save(run)
        self._drill_changed()
        severity = "information" if result.verdict == PASSED else "warning" if result.verdict == ABORTED else "error"
        self.notify(f"drill {result.drill}: {result.verdict}" + (f" ({result.reason})" if result.reason else ""),
                    severity=severity, timeout=15, markup=False)
        self.poll_status(now=True)

    def _drill_changed(self) -> None:
        if self.overview is not None and self.overview.is_mounted:
            self.overview.show_drill(self.drill_run)

    @on(messages.DrillEscape)
    def _drill_escape(self) -> None:
        if not self.stop_drill():
            self.close_drill()

    def stop_drill(self) -> bool:
        """Stop a running drill (the runner reverts and reports `aborted`); False if none runs."""
        if not self.drill_running:
            return False
        assert self.drill_run is not None
        if not self.drill_run.stop.is_set():
            self.drill_run.stop.set()
            self.notify("stopping the drill: its fault is reverted first…", timeout=6)
        return True

    def close_drill(self) -> bool:
        """Hide a finished drill's panel; False if there is none."""
        if self.drill_run is None or self.drill_run.running:
            return False
        self.drill_run = None
        self._drill_changed()
        return True

    @property
    def drill_result(self) -> DrillResult | None:
        return self.drill_run.result if self.drill_run is not None else None

    # -- quitting ----------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit, after stopping a running drill and reverting this session's faults; asked
        again while that runs, quit at once and leave the faults to their nodes' timers."""
        if self._quitting:
            if self.chaos is not None:
                self.abandoned = self.chaos.abandon()
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
            if self.chaos is not None and self.chaos.mine:
                mine = sorted(self.chaos.mine)
                self.notify(f"reverting what this session applied: {', '.join(mine)}… (q again quits at once; "
                            "the nodes' timers revert them at their TTL)", title="quitting", timeout=60)
                self.exit_reverts += await self.chaos.close()
        finally:
            self.exit()

    # -- themes ------------------------------------------------------------------------

    def action_next_theme(self) -> None:
        self.theme = self.catalog.next_after(self.theme)

    def watch_theme(self, name: str) -> None:
        if name not in self.catalog.entries:
            return
        palette = self.catalog.entries[name].palette
        for screen in self.screen_stack:
            if isinstance(screen, SnapshotScreens) and screen.is_mounted:
                screen.set_palette(palette)

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
            lines.append(f"left {fault_id} to its node's timer: it reverts at its TTL")
    return lines
