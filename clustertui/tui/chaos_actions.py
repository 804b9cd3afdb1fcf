"""The app's chaos actions: the chaos menu, the fault form, the confirmations, applies,
reverts, halt and drills -- as screens and workers around the sessions.

Wiring only: every rule (guards, per-node halt, what is reverted on exit) is decided by
`ChaosSession` and `DrillSession`; this shows their questions as modals and their outcomes
as notifications.  `ClusterApp` (app.py) inherits it; split from app.py to keep each file
about one job (the app's tick, navigation and lifetime there, the chaos actions here).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from textual import on
from textual.app import App
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen
from textual.worker import Worker

from clustertui.chaos import ChaosSession, FaultPlan, RevertOutcome
from clustertui.drills.result import ABORTED, PASSED, DrillResult
from clustertui.drills.session import DrillRun, DrillSession
from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.history import DrillRecorder, history_path
from clustertui.transport.states import NodeState
from clustertui.tui import messages
from clustertui.tui.cluster_links import ClusterLink, cluster_of, group_by_cluster
from clustertui.tui.faults import FaultBook, FaultRow
from clustertui.tui.multi_source import qualified, split
from clustertui.tui.palette import Palette
from clustertui.tui.screens.chaos_menu import ChaosMenu, DrillChoice, FaultChoice, HistoryChoice, ScenarioChoice
from clustertui.tui.screens.confirm import ConfirmScreen, drill_text, faults_text, plan_text
from clustertui.tui.screens.fault_form import FaultForm
from clustertui.tui.screens.history import HistoryScreen


class ChaosActions(App[None]):
    """The chaos half of `ClusterApp`: what it needs of the app is declared here."""

    read_only: bool
    links: dict[str, ClusterLink]  # each cluster's sessions, when several are shown (app.py)
    chaos: ChaosSession | None
    drills: DrillSession | None
    latest: ClusterSnapshot | None
    faults: FaultBook
    drill_run: DrillRun | None
    _drill_worker: Worker[None] | None
    _quitting: bool
    palette: Palette

    def fault_rows(self) -> list[FaultRow]:
        raise NotImplementedError

    def poll_status(self, now: bool = False) -> None:
        raise NotImplementedError

    def _faults_changed(self) -> None:
        raise NotImplementedError

    def _drill_changed(self) -> None:
        raise NotImplementedError

    def chaos_sessions(self) -> list[tuple[str | None, ChaosSession]]:  # app.py
        raise NotImplementedError

    def act_on(self, cluster: str | None) -> None:  # app.py
        raise NotImplementedError

    def shown(self, node: str) -> str:
        """A node of the acting cluster as the rows name it (`cluster/node` with several)."""
        return qualified(self.chaos.cluster.name, node) if self.links and self.chaos else node

    @property
    def busy(self) -> bool:
        """A drill (or a game day, gameday_actions.py) runs: no second one starts."""
        return self.drill_running

    def stop_scenario(self) -> bool:  # a game day's, in gameday_actions.py
        return False

    def close_scenario(self) -> bool:  # a game day's, in gameday_actions.py
        return False

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
        clusters = cluster_of(message.nodes)
        if len(clusters) > 1:
            self.notify("the marked nodes are in several clusters: chaos acts on one cluster at a time "
                        "(mark nodes of one cluster)", severity="warning", timeout=6)
            return
        self.act_on(next(iter(clusters), None))
        assert self.drills is not None
        part = self.latest.part(self.drills.cluster.name) if self.latest else None
        by_name = {view.name: view for view in part.nodes} if part else {}
        faulted = {row.node for row in self.fault_rows()}
        listed = []
        for node in self.drills.cluster.nodes:
            view = by_name.get(node.name)
            state = "" if view is None or view.state is NodeState.UP else f" {view.state}"
            mark = " ⚡" if self.shown(node.name) in faulted else ""
            listed.append((node.name, f"{','.join(node.roles)}{state}{mark}"))
        nodes = [split(node)[1] for node in message.nodes]
        self.push_screen(ChaosMenu(self.drills, listed, nodes, self.busy, self.history_file), self._menu_done)

    def _menu_done(self, choice: FaultChoice | DrillChoice | ScenarioChoice | HistoryChoice | None) -> None:
        """A fault, a drill or a drill's history; a game day is gameday_actions.py's."""
        if isinstance(choice, HistoryChoice):
            self.open_history(choice.name)
        elif isinstance(choice, DrillChoice):
            self.confirm_drill(choice.name)
        elif isinstance(choice, FaultChoice) and self.chaos is not None:
            self.push_screen(FaultForm(self.chaos, choice.kind, choice.nodes, choice.availability), self._form_done)

    def _form_done(self, plans: list[FaultPlan] | None) -> None:
        if not plans:
            return
        where = ", ".join(self.shown(plan.node) for plan in plans)
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
                self.notify(f"{plan.id} on {self.shown(plan.node)}: {outcome.result}", title=f"fault {outcome.status}",
                            severity="error", timeout=20, markup=False)
        for plan in plans[len(outcomes):]:
            self.notify(f"{self.shown(plan.node)}: not applied, since an earlier node's fault did not apply",
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
        """Each id by the session of its node's cluster (several clusters shown)."""
        sessions = dict(self.chaos_sessions())
        groups = group_by_cluster(ids, {row.id: row.node for row in self.fault_rows()})
        for cluster, group in groups.items():
            chaos = sessions.get(cluster, self.chaos)
            assert chaos is not None
            for outcome in await chaos.revert_many(group):
                self._report_revert(outcome, cluster)
        self._faults_changed()
        self.poll_status(now=True)

    def _report_revert(self, outcome: RevertOutcome, cluster: str | None) -> None:
        """One line per revert; its node as the rows name it (`cluster/node` with several)."""
        node = qualified(cluster, outcome.node) if cluster is not None and outcome.node else (outcome.node or "?")
        if outcome.ok:
            self.faults.forget([outcome.fault_id], time.time())
            self.notify(f"{outcome.fault_id} on {node}: {outcome.result}", title="reverted", timeout=6, markup=False)
        else:
            self.notify(f"{outcome.fault_id} on {node}: {outcome.result}",
                        title=f"revert {outcome.status}", severity="error", timeout=20, markup=False)

    def action_halt(self) -> None:
        if isinstance(self.screen, ModalScreen) or not self._may_act():
            return
        intro = "Revert every fault in every node's ledger, whoever applied it, and clear leftovers."
        for cluster, chaos in self.chaos_sessions():
            freeze = self._halt_freeze(chaos)
            if freeze is not None:
                nodes = "every node" if cluster is None else f"every node of {cluster}"
                intro += f" Then {nodes} stays frozen {freeze}: no controller applies a new fault (thaw lifts it)."
        self.push_screen(ConfirmScreen("halt: revert every fault?", faults_text(intro, self.fault_rows(), time.time()),
                                       "Halt all"), lambda yes: self._halt() if yes else None)

    @staticmethod
    def _halt_freeze(chaos: ChaosSession) -> str | None:
        """How long `H` freezes the nodes, in words; None when it does not (chaos.freeze_on_halt)."""
        policy = chaos.cluster.chaos
        if not policy.freeze_on_halt:
            return None
        return "until thawed" if policy.freeze_on_halt_for is None else f"for {policy.freeze_on_halt_for:g}s"

    def _halt(self) -> None:
        if not self._may_act():
            return
        if self.drill_running:
            assert self.drill_run is not None
            self.drill_run.stop.set()
        self.stop_scenario()
        self.notify("halt: reverting every fault on every node…", timeout=4)
        self.run_worker(self._halt_all(), group="chaos", exit_on_error=False)

    async def _halt_all(self) -> None:
        """Every cluster's halt, each by its own policy (several clusters shown)."""
        for cluster, chaos in self.chaos_sessions():
            await self._halt_one(cluster, chaos)

    async def _halt_one(self, cluster: str | None, chaos: ChaosSession) -> None:
        title = "halt" if cluster is None else f"halt {cluster}"
        policy = chaos.cluster.chaos
        try:
            if policy.freeze_on_halt:
                report, frozen = await chaos.halt_and_freeze("halt from the TUI", policy.freeze_on_halt_for)
                self.notify(frozen.summary(), title="freeze", severity="information" if frozen.ok else "error",
                            timeout=10, markup=False)
            else:
                report = await chaos.halt()
        finally:
            self.poll_status(now=True)
        self.faults.forget([o.fault_id for o in report.outcomes if o.ok], time.time())
        self._faults_changed()
        self.notify(report.summary(), title=title, severity="information" if report.ok else "error", timeout=10,
                    markup=False)
        for node in report.nodes.values():
            if node.unread or node.corrupt:
                self.notify(node.line(), title=title, severity="error", timeout=20, markup=False)
            for outcome in node.outcomes:
                if not outcome.ok:
                    self._report_revert(outcome, cluster)

    # -- drills ------------------------------------------------------------------------

    @property
    def history_file(self) -> Path | None:
        """The history database the drills are recorded in (and read from), if any."""
        if self.drills is None:
            return None
        recorder = self.drills.recorder
        return recorder.path if isinstance(recorder, DrillRecorder) else history_path(self.drills.cluster)

    def action_history(self) -> None:
        """The history screen, on the running (or last) drill, else the file's first."""
        if self.drills is None or not self.drills.drills:
            self.notify("no drills here: the history is of a cluster file's drills", severity="warning")
            return
        current = self.drill_run.drill.name if self.drill_run is not None else None
        self.open_history(current or next(iter(self.drills.drills)))

    def open_history(self, name: str) -> None:
        if self.drills is None:
            return
        self.push_screen(HistoryScreen(self.history_file, self.drills.cluster.name, list(self.drills.drills), name,
                                       self.palette))

    @on(messages.ConfirmDrill)
    def _confirm_drill(self, message: messages.ConfirmDrill) -> None:
        self.confirm_drill(message.name)

    def confirm_drill(self, name: str) -> None:
        if not self._may_act() or self.drills is None:
            return
        if self.busy:
            self.notify("a drill or game day is running: stop it first (esc)", severity="warning")
            return
        drill = self.drills.drills[name]
        self.push_screen(ConfirmScreen(f"run drill {name}?", drill_text(drill), "Run"),
                         lambda yes: self.start_drill(name) if yes else None)

    def start_drill(self, name: str) -> None:
        """Run a drill now, in a worker, with the live drill panel on the overview."""
        if not self._may_act() or self.busy or self.drills is None:
            return
        run = self.drills.start(self.drills.drills[name], on_change=lambda _progress: self._drill_changed())
        self.drill_run = run
        self._drill_changed()
        self._drill_worker = self.run_worker(self._run_drill(run), group="drill", exit_on_error=False)

    async def _run_drill(self, run: DrillRun) -> None:
        drills = self.drills  # its cluster's, whichever cluster acts next (several shown)
        assert drills is not None
        result = await drills.run(run)
        self._drill_changed()
        await drills.save(run)
        self._drill_changed()
        severity: SeverityLevel = (
            "information" if result.verdict == PASSED else "warning" if result.verdict == ABORTED else "error"
        )
        self.notify(f"drill {result.drill}: {result.verdict}" + (f" ({result.reason})" if result.reason else ""),
                    severity=severity, timeout=15, markup=False)
        if run.history_error:
            self.notify(run.history_error, severity="warning", timeout=15, markup=False)
        self.poll_status(now=True)

    @on(messages.DrillEscape)
    def _drill_escape(self) -> None:
        if not self.stop_drill() and not self.stop_scenario() and not self.close_drill():
            self.close_scenario()

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
