"""The clustertui Textual app: takes one snapshot per interval and shows it, and acts on the
cluster through the chaos engine when asked to.

The app owns no cluster state.  A timer fires once per interval; the tick asks the source
for an immutable snapshot and hands it to the top screen that shows snapshots (the overview,
or a node's detail), which updates its widgets in place.  Collection runs in the engine's
own asyncio tasks on the same loop, so the UI never waits on a node.

Everything that talks to nodes for chaos -- surveys, plans, applies, reverts, the faults'
status, drills -- runs in workers, never in a key handler, and the status poll never has
more than one survey in flight.  The faults this session applied are reverted when it
quits (q, ctrl+c), and the terminal says which after the app has left the screen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Sequence

from textual.app import App, SystemCommand
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from clustertui.chaos import FaultPlan, RevertOutcome
from clustertui.drills.result import ABORTED, PASSED, DrillResult
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.transport.states import NodeState
from clustertui.tui import format as fmt
from clustertui.tui import keys
from clustertui.tui.chaos_link import ChaosLink, DrillRun, aborted_result
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
        link: ChaosLink | None = None,
        start_drill: str | None = None,
    ) -> None:
        """`link`: chaos on this cluster (None: no chaos at all, e.g. this machine alone);
        `start_drill`: a drill to run at once (`clustertui drill FILE NAME`)."""
        super().__init__()
        self.source = source
        self.catalog = catalog
        self.read_only = read_only
        self.notices = list(notices)
        self.link = link
        self.latest: ClusterSnapshot | None = None
        self.faults = FaultBook()
        self.faults_note = ""  # why the last status is incomplete
        self.drill_run: DrillRun | None = None
        self.exit_reverts: list[RevertOutcome] = []  # what quitting reverted, for the terminal
        self.abandoned: list[str] = []  # faults left to their nodes' timers by a hurried quit
        self._start_drill = start_drill
        self._drill_worker: Worker[None] | None = None
        self._status_busy = False
        self._status_again = False
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
        return self.read_only or self.link is None

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
            if self.link is not None:
                self.exit_reverts += await self.link.close()
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

    def open_node(self, node: str) -> None:
        if self.overview is not None:
            self.overview.table.select_node(node)
        if isinstance(self.screen, DetailScreen):
            self.pop_screen()
        self.push_screen(DetailScreen(node, self.palette, self.source.series))

    def reconnect(self, node: str) -> None:
        self.source.retry(node)
        self.notify(f"reconnecting to {node}", timeout=3)

    def action_interval(self, step: int) -> None:
        """+ and -: the next interval up or down, on every node, and the tick follows."""
        seconds = self.source.set_interval(next_interval(self.source.interval, step))
        self._ticker.stop()
        self._ticker = self.set_interval(seconds, self.tick)
        self.notify(f"sampling every {fmt.interval(seconds)}", timeout=2)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.chaos_off, local=self.link is None))

    # -- active faults -----------------------------------------------------------------

    def fault_rows(self) -> list[FaultRow]:
        return self.faults.rows(self.link.mine if self.link else ())

    def poll_status(self, now: bool = False) -> None:
        """Survey the fault ledgers in a worker: every few seconds while faults exist, or
        `now` (a new fault id, an apply, a revert).  One survey at a time; a request made
        during one runs once after it."""
        if self.link is None:
            return
        if self._status_busy:
            self._status_again = self._status_again or now
            return
        if not now and not self.faults.ids():
            return
        self._status_busy = True
        self.run_worker(self._status(self.link), group="status", exit_on_error=False)

    async def _status(self, link: ChaosLink) -> None:
        try:
            while True:
                self._status_again = False
                taken = time.time()
                try:
                    status = await link.status()
                except Exception as exc:  # keep the last details; say why they are old
                    self.faults_note = f"fault status failed: {exc}"
                else:
                    self.faults.see_status(status, taken)
                    down = sorted(status.unreachable)
                    self.faults_note = f"ledgers not read: {', '.join(down)}" if down else ""
                self._faults_changed()
                if not self._status_again:
                    return
        finally:
            self._status_busy = False

    def _faults_changed(self) -> None:
        screen = self.snapshot_screen
        if screen is not None and screen.is_mounted:
            screen.show_faults()

    # -- chaos: the menu, the form, the confirmation, the apply --------------------------

    def _may_act(self) -> bool:
        """Chaos actions run only with a link, without --read-only, and not while quitting;
        a refusal says why in one line."""
        if self.read_only:
            self.notify("read-only: chaos actions are off (--read-only)", severity="warning", timeout=4)
            return False
        if self.link is None:
            self.notify("no chaos here: it needs a cluster file (clustertui monitor FILE)", severity="warning")
            return False
        return not self._quitting

    @property
    def drill_running(self) -> bool:
        return self.drill_run is not None and self.drill_run.running

    def open_chaos_menu(self, nodes: Iterable[str]) -> None:
        if not self._may_act():
            return
        assert self.link is not None
        by_name = {view.name: view for view in self.latest.nodes} if self.latest else {}
        faulted = {row.node for row in self.fault_rows()}
        listed = []
        for node in self.link.cluster.nodes:
            view = by_name.get(node.name)
            state = "" if view is None or view.state is NodeState.UP else f" {view.state}"
            listed.append((node.name, f"{','.join(node.roles)}{state}{' ⚡' if node.name in faulted else ''}"))
        self.push_screen(ChaosMenu(self.link, listed, list(nodes), self.drill_running), self._menu_done)

    def _menu_done(self, choice: FaultChoice | DrillChoice | None) -> None:
        if isinstance(choice, DrillChoice):
            self.confirm_drill(choice.name)
        elif isinstance(choice, FaultChoice) and self.link is not None:
            faulted = {row.node for row in self.fault_rows()}
            reachable = {v.name for v in self.latest.nodes if v.state is NodeState.UP} if self.latest else set()
            form = FaultForm(self.link, choice.kind, choice.nodes, choice.availability, faulted, reachable)
            self.push_screen(form, self._form_done)

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
        assert self.link is not None
        try:
            outcomes = await self.link.apply(plans)
        except Exception as exc:  # e.g. the local record could not be written
            self.notify(f"apply failed: {exc}", title="fault not applied", severity="error", timeout=15)
            return
        finally:
            self.poll_status(now=True)
        for outcome in outcomes:
            plan = outcome.plan
            if outcome.ok:
                self.notify(f"{plan.id}: {plan.summary}; the node reverts it by itself in {plan.ttl:g}s",
                            title="fault applied", timeout=8)
            else:
                self.notify(f"{plan.id} on {plan.node}: {outcome.result}", title=f"fault {outcome.status}",
                            severity="error", timeout=20)
        for plan in plans[len(outcomes):]:
            self.notify(f"{plan.node}: not applied, since an earlier node's fault did not apply",
                        severity="warning", timeout=20)

    # -- reverting and halting ---------------------------------------------------------

    def confirm_revert_node(self, node: str) -> None:
        """Revert a node's faults, after a confirmation: they may be another operator's."""
        rows = [row for row in self.fault_rows() if row.node == node]
        if not self._may_act():
            return
        if not rows:
            self.notify(f"no active fault on {node}", timeout=4)
            return
        body = faults_text(f"Revert every fault on {node}, whoever applied it.", rows, time.time())
        self.push_screen(ConfirmScreen(f"revert the faults on {node}?", body, "Revert"),
                         lambda yes: self.revert(row.id for row in rows) if yes else None)

    def revert(self, fault_ids: Iterable[str]) -> None:
        ids = sorted(set(fault_ids))
        if ids and self._may_act():
            self.notify(f"reverting {', '.join(ids)}…", timeout=4)
            self.run_worker(self._revert_all(ids), group="chaos", exit_on_error=False)

    async def _revert_all(self, ids: list[str]) -> None:
        assert self.link is not None
        outcomes = await asyncio.gather(*(self.link.revert(fault_id) for fault_id in ids), return_exceptions=True)
        for fault_id, outcome in zip(ids, outcomes):
            self._report_revert(fault_id, outcome)
        self._faults_changed()
        self.poll_status(now=True)

    def _report_revert(self, fault_id: str, outcome: RevertOutcome | BaseException) -> None:
        if isinstance(outcome, BaseException):
            self.notify(f"{fault_id}: revert failed: {outcome}", severity="error", timeout=20)
        elif outcome.ok:
            self.faults.forget([fault_id], time.time())
            self.notify(f"{fault_id} on {outcome.node}: {outcome.result}", title="reverted", timeout=6)
        else:
            self.notify(f"{fault_id} on {outcome.node or '?'}: {outcome.result}", title=f"revert {outcome.status}",
                        severity="error", timeout=20)

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
        assert self.link is not None
        try:
            outcomes = await self.link.halt()
        except Exception as exc:
            self.notify(f"halt failed: {exc}", severity="error", timeout=20)
            return
        finally:
            self.poll_status(now=True)
        failed = [o for o in outcomes if not o.ok]
        self.faults.forget([o.fault_id for o in outcomes if o.ok], time.time())
        self._faults_changed()
        self.notify(f"{fmt.plural(len(outcomes) - len(failed), 'fault')} reverted" + (f", {len(failed)} not" if failed else ""),
                    title="halt", severity="error" if failed else "information", timeout=10)
        for outcome in failed:
            self._report_revert(outcome.fault_id, outcome)

    # -- drills ------------------------------------------------------------------------

    def confirm_drill(self, name: str) -> None:
        if not self._may_act():
            return
        assert self.link is not None
        if self.drill_running:
            self.notify("a drill is running: stop it first (esc)", severity="warning")
            return
        drill = self.link.drills[name]
        self.push_screen(ConfirmScreen(f"run drill {name}?", drill_text(drill), "Run"),
                         lambda yes: self.start_drill(name) if yes else None)

    def start_drill(self, name: str) -> None:
        """Run a drill now, in a worker, with the live drill panel on the overview."""
        if not self._may_act() or self.drill_running:
            return
        assert self.link is not None
        run = self.link.start_drill(self.link.drills[name], on_change=lambda _progress: self._drill_changed())
        self.drill_run = run
        self._drill_changed()
        self._drill_worker = self.run_worker(self._run_drill(run), group="drill", exit_on_error=False)

    async def _run_drill(self, run: DrillRun) -> None:
        assert self.link is not None
        try:
            result = await run.runner.run()
        except Exception as exc:  # the runner itself broke; it reverted in its finally
            result = aborted_result(self.link.cluster, run.drill, run.started, f"the drill broke: {exc}")
        run.result = result
        self._drill_changed()
        try:
            run.report = await asyncio.to_thread(self.link.save_report, result)
        except OSError as exc:
            run.report_error = f"not saved: {exc}"
        self._drill_changed()
        severity = "information" if result.verdict == PASSED else "warning" if result.verdict == ABORTED else "error"
        self.notify(f"drill {result.drill}: {result.verdict}" + (f" ({result.reason})" if result.reason else ""),
                    severity=severity, timeout=15)
        self.poll_status(now=True)

    def _drill_changed(self) -> None:
        if self.overview is not None and self.overview.is_mounted:
            self.overview.show_drill(self.drill_run)

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
            if self.link is not None:
                self.abandoned = self.link.abandon()
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
            if self.link is not None and self.link.mine:
                mine = sorted(self.link.mine)
                self.notify(f"reverting what this session applied: {', '.join(mine)}… (q again quits at once; "
                            "the nodes' timers revert them at their TTL)", title="quitting", timeout=60)
                self.exit_reverts += await self.link.close()
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
        return keys.allowed(action, self.chaos_off, local=self.link is None)


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

