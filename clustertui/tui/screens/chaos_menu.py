"""The chaos menu (`c`): pick node(s), then a fault kind or one of the file's drills.

Which faults a node can take depends on the node (its tools, kernel, services, the chaos
policy), so the menu surveys every node when it opens (`Chaos.availability()`, in a
worker) and only then enables the kinds; a kind that is not available on every selected
node stays listed, greyed, with why not.  The node under the cursor comes selected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from clustertui.chaos import CATALOG, NodeAvailability
from clustertui.config import Drill, Scenario
from clustertui.config.scalars import FaultKind
from clustertui.drills.session import DrillSession
from clustertui.history import RunSummary
from clustertui.report.escape import terminal
from clustertui.tui import format as fmt
from clustertui.tui.drill_marks import last_runs, mark
from clustertui.tui.screens.modal import Modal

KIND_WIDTH = 11


@dataclass(frozen=True, slots=True)
class FaultChoice:
    kind: str
    nodes: tuple[str, ...]
    availability: dict[str, NodeAvailability]


@dataclass(frozen=True, slots=True)
class DrillChoice:
    name: str


@dataclass(frozen=True, slots=True)
class ScenarioChoice:
    name: str


@dataclass(frozen=True, slots=True)
class HistoryChoice:
    """`h` on a drill: show its history."""

    name: str


def kind_problems(kind: str, nodes: Sequence[str], availability: dict[str, NodeAvailability]) -> list[str]:
    """Why `kind` cannot be applied on each of `nodes` (empty: it can on all of them)."""
    problems = []
    for node in nodes:
        entry = availability.get(node)
        reason = "not surveyed" if entry is None else entry.faults[kind].reason
        if reason is not None:
            problems.append(f"{node}: {reason}" if len(nodes) > 1 else reason)
    return problems


def drill_line(drill: Drill) -> str:
    target = drill.target
    where = target.node or (f"a {target.role} node ({target.pick})" if target.role else "the primary")
    what = drill.fault.kind + (f" {drill.fault.service}" if drill.fault.service else "")
    return f"{what} on {where}, hold {drill.hold:g}s"


def scenario_line(scenario: Scenario) -> str:
    steps = scenario.steps
    return f"{len(steps)} step{'' if len(steps) == 1 else 's'}: " + ", ".join(step.label() for step in steps)


class ChaosMenu(Modal[FaultChoice | DrillChoice | ScenarioChoice | HistoryChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel"),
                                             Binding("h", "history", "History", show=False)]

    def __init__(self, session: DrillSession, nodes: Sequence[tuple[str, str]], selected: Sequence[str],
                 drill_running: bool, history: Path | None = None) -> None:
        """`nodes`: (name, description) in display order; `selected`: checked at first;
        `drill_running`: a drill or game day runs, so none can start; `history`: the
        history database the drills' last verdicts are read from."""
        super().__init__(id="chaos-menu")
        self.session = session
        self.box_title = f"chaos · {session.cluster.name}"
        self.nodes = list(nodes)
        self.initially = set(selected)
        self.drill_running = drill_running
        self.availability: dict[str, NodeAvailability] | None = None
        self.survey_error = ""
        self.history = history
        self.last: dict[str, RunSummary] | None = None  # None until the history is read
        self.history_error = ""

    hint = "enter picks · space toggles a node · tab switches lists · h a drill's history · esc cancels"

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="menu-columns"):
            with Vertical(id="menu-nodes-box"):
                yield Label("nodes")
                yield SelectionList[str](
                    *((terminal(Text.assemble(name, (f" {text}", "dim"))), name, name in self.initially)
                      for name, text in self.nodes),
                    id="menu-nodes",
                )
            with Vertical():
                yield Label("fault, drill or game day")
                yield OptionList(id="menu-actions")
        yield Static("surveying the nodes…", id="menu-detail")

    @property
    def node_list(self) -> SelectionList[str]:
        return self.query_one("#menu-nodes", SelectionList)

    @property
    def actions(self) -> OptionList:
        return self.query_one("#menu-actions", OptionList)

    @property
    def selected(self) -> list[str]:
        chosen = set(self.node_list.selected)
        return [name for name, _ in self.nodes if name in chosen]

    def on_mount(self) -> None:
        self._fill()
        self.actions.focus()
        self._survey()
        self._read_history()

    @work(exclusive=True, group="history", thread=True)
    def _read_history(self) -> None:
        try:
            last, error = last_runs(self.history, self.session.cluster.name), ""
        except Exception as exc:  # HistoryError, or anything else: the menu works without it
            last, error = {}, f"history: {exc}"
        self.app.call_from_thread(self._history_read, last, error)

    def _history_read(self, last: dict[str, RunSummary], error: str) -> None:
        self.last, self.history_error = last, error
        self._fill()

    @work(exclusive=True, group="survey")
    async def _survey(self) -> None:
        try:
            self.availability = await self.session.chaos.availability()
        except Exception as exc:  # the survey itself failed: say why, offer drills only
            self.survey_error = f"survey failed: {exc}"
        self._fill(keep_highlight=False)

    # -- the list of faults and drills -------------------------------------------------

    def _fill(self, keep_highlight: bool = True) -> None:
        """Rebuild the options for the selected nodes, keeping the highlighted one (else the
        first that can be picked)."""
        actions = self.actions
        option = actions.highlighted_option
        keep = option.id if option is not None and keep_highlight else None
        actions.clear_options()
        nodes = self.selected
        for kind, spec in CATALOG.items():
            if self.availability is None:
                problem = self.survey_error or "surveying…"
            elif not nodes:
                problem = "select a node first"
            else:
                problem = "; ".join(kind_problems(kind, nodes, self.availability))
            prompt = Text(f"{kind:<{KIND_WIDTH}}", style="bold" if not problem else "", no_wrap=True,
                          overflow="ellipsis", end="")
            prompt.append(f"✖ {problem}" if problem else spec.summary, style="dim" if problem else "")
            actions.add_option(Option(terminal(prompt), id=f"kind:{kind}", disabled=bool(problem)))
        if self.session.drills:
            actions.add_option(None)
        for name, drill in self.session.drills.items():
            why = "a drill is running" if self.drill_running else ""
            prompt = Text(f"▶ drill {name}  ", style="bold" if not why else "", no_wrap=True, overflow="ellipsis",
                          end="")
            if self.last is not None:
                prompt.append_text(mark(self.last.get(name)))
                prompt.append("  ")
            prompt.append(f"✖ {why}" if why else drill_line(drill), style="dim")
            actions.add_option(Option(terminal(prompt), id=f"drill:{name}", disabled=bool(why)))
        self._fill_scenarios(actions)
        index = None
        if keep is not None:
            with contextlib.suppress(OptionDoesNotExist):
                index = actions.get_option_index(keep)
        if index is None or actions.get_option_at_index(index).disabled:
            index = next((i for i, option in enumerate(actions.options) if not option.disabled), None)
        actions.highlighted = index
        self._describe()

    @on(SelectionList.SelectedChanged, "#menu-nodes")
    def _nodes_changed(self) -> None:
        self._fill()

    @on(OptionList.OptionHighlighted, "#menu-actions")
    def _highlighted(self) -> None:
        self._describe()

    def _describe(self) -> None:
        """The detail line: what the highlighted fault does and needs, or the drill's text."""
        detail = self.query_one("#menu-detail", Static)
        option = self.actions.highlighted_option
        if self.availability is None and not self.survey_error:
            detail.update(terminal(f"surveying {fmt.plural(len(self.nodes), 'node')} for what each can take…"))
            return
        if option is None or option.id is None:
            detail.update(terminal(self.survey_error or ""))
            return
        what, name = option.id.split(":", 1)
        if what == "drill":
            drill = self.session.drills[name]
            why = f"  ({self.history_error})" if self.history_error else ""
            detail.update(terminal((drill.description or drill_line(drill)) + why))
            return
        if what == "scenario":
            scenario = self.session.cluster.scenarios[name]
            detail.update(terminal(scenario.description or scenario_line(scenario)))
            return
        spec = CATALOG[FaultKind(name)]
        services = self._services(name)
        detail.update(terminal(f"{spec.summary}  needs: {spec.needs}" + (f"  services: {services}" if services else "")))

    def _services(self, kind: str) -> str:
        """Per-service availability of a service fault on the selected nodes."""
        if self.availability is None:
            return ""
        parts = []
        for node in self.selected:
            entry = self.availability.get(node)
            for service, why in (entry.faults[kind].services.items() if entry else ()):
                parts.append(f"{service}@{node} " + ("✔" if why is None else f"✖ {why}"))
        return ", ".join(parts)

    @on(OptionList.OptionSelected, "#menu-actions")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        what, name = str(event.option.id).split(":", 1)
        if what == "drill":
            self.dismiss(DrillChoice(name))
        elif what == "scenario":
            self.dismiss(ScenarioChoice(name))
        elif self.availability is not None and self.selected:
            self.dismiss(FaultChoice(name, tuple(self.selected), self.availability))

    def _fill_scenarios(self, actions: OptionList) -> None:
        """The file's game days, after its drills."""
        scenarios = self.session.cluster.scenarios
        if scenarios:
            actions.add_option(None)
        for name, scenario in scenarios.items():
            why = "a drill or game day is running" if self.drill_running else ""
            prompt = Text(f"▶ game day {name}  ", style="bold" if not why else "", no_wrap=True, overflow="ellipsis",
                          end="")
            prompt.append(f"✖ {why}" if why else scenario_line(scenario), style="dim")
            actions.add_option(Option(terminal(prompt), id=f"scenario:{name}", disabled=bool(why)))

    def action_history(self) -> None:
        """The highlighted drill's history (the first drill's when a fault is highlighted)."""
        option = self.actions.highlighted_option
        names = list(self.session.drills)
        if option is not None and option.id is not None and option.id.startswith("drill:"):
            self.dismiss(HistoryChoice(option.id.split(":", 1)[1]))
        elif names:
            self.dismiss(HistoryChoice(names[0]))

    def action_cancel(self) -> None:
        self.dismiss(None)
