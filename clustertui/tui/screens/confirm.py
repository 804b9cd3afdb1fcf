"""The confirmation before anything changes the cluster: a fault, a halt, a drill.

It shows what will happen -- for a fault, the exact commands by phase, as `--dry-run`
prints them -- and answers True only on `y` or a click on the confirm button.  Enter does
not confirm: a key pressed out of habit must not inject a fault.  Esc or `n` cancels.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from clustertui.chaos import FaultPlan
from clustertui.config import Drill
from clustertui.config.scalars import DRILL_TTL_MARGIN
from clustertui.drills.traffic import describe
from clustertui.report.escape import terminal
from clustertui.tui.faults import FaultRow
from clustertui.tui.screens.modal import Modal


def plan_text(plans: list[FaultPlan]) -> Text:
    """Every plan's summary, notes and exact commands by phase."""
    text = Text()
    for plan in plans:
        text.append(f"{plan.summary}\n", "bold")
        text.append(f"  fault {plan.id} on {plan.node} ({plan.host}) · reverts by itself after {plan.ttl:g}s\n")
        for note in plan.steps.notes:
            text.append(f"  note: {note}\n", "italic")
        for phase, commands in plan.sections().items():
            text.append(f"  {phase}\n", "underline")
            for command in commands:
                text.append(f"    {command}\n")
        text.append("\n")
    text.rstrip()
    return terminal(text)


def drill_text(drill: Drill) -> Text:
    """What a drill will do: traffic, steady state, fault and target, hold, expectations."""
    text = Text()
    if drill.description:
        text.append(f"{drill.description}\n\n")
    target = drill.target
    where = target.node or (f"a {target.role} node ({target.pick})" if target.role else "the primary, resolved by "
                            f"`{target.primary.command if target.primary else '?'}`")
    fault = drill.fault
    what = fault.kind + (f" {fault.service}" if fault.service else "") + (f" port {fault.port}" if fault.port else "")
    params = ", ".join(f"{key}={value}" for key, value in fault.params.items())
    text.append("fault   ", "bold")
    text.append(f"{what}{f' ({params})' if params else ''} on {where}, held {drill.hold:g}s\n")
    text.append("traffic ", "bold")
    text.append("; ".join(f"{describe(t)} at {t.rate:g}/s" for t in drill.traffic) or "none")
    steady = drill.steady_state
    text.append("\nsteady  ", "bold")
    services = ", ".join(f"{name} on {count}" for name, count in steady.services.items())
    text.append(f"success ≥ {steady.min_success:.0%}" + (f", {services}" if services else "")
                + (", quorum" if steady.quorum else ""))
    expect = drill.expect
    wanted = [
        f"availability ≥ {expect.availability:.0%}" if expect.availability is not None else "",
        f"detect ≤ {expect.detect_within:g}s" if expect.detect_within is not None else "",
        f"failover ≤ {expect.failover_within:g}s" if expect.failover_within is not None else "",
        f"recover ≤ {expect.recover_within:g}s" if expect.recover_within is not None else "",
        *(f"{name} {key.removesuffix('_within').replace('_', ' ')} ≤ {limit:g}s"
          for name, manager in expect.managers.items() for key, limit in manager.limits().items()),
    ]
    text.append("\nexpect  ", "bold")
    text.append(", ".join(w for w in wanted if w) or "nothing (the drill only measures)")
    if drill.abort_when:
        text.append("\nstop if ", "bold")
        text.append("; ".join(condition.text() for condition in drill.abort_when))
    stops = ", when a stop condition holds" if drill.abort_when else ""
    text.append(f"\n\nThe fault is reverted when the hold ends{stops}, on esc, and on quit; the node's own timer "
                f"reverts it after {drill.hold + DRILL_TTL_MARGIN:g}s if clustertui dies.  The report is saved "
                "as HTML and JSON.", "italic")
    return terminal(text)


def faults_text(intro: str, rows: list[FaultRow], now: float) -> Text:
    """What a halt or a node's revert touches: the faults known now, whoever applied them."""
    text = Text(f"{intro}\n\n")
    if not rows:
        text.append("No fault is known right now; the nodes are asked all the same.", "italic")
    for row in rows:
        text.append(f"{row.id}  {row.node:<10} {row.summary or row.kind or '…'}  "
                    f"({row.left(now).strip()} left, by {'you' if row.mine else row.by or '?'})\n")
    text.rstrip()
    return terminal(text)


class ConfirmScreen(Modal[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Confirm"),
        Binding("n,escape", "answer(False)", "Cancel"),
    ]

    hint = "y confirms · n or esc cancels · ↑↓ scroll"

    def __init__(self, title: str, body: Text, confirm: str) -> None:
        super().__init__(id="confirm")
        self.box_title = title
        self.body = body
        self.confirm_label = confirm

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="confirm-body"):
            yield Static(terminal(self.body), id="confirm-text")
        with Horizontal(id="confirm-buttons"):
            yield Button(f"{self.confirm_label} (y)", variant="warning", id="confirm-yes", compact=True)
            yield Button("Cancel (esc)", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-body").focus()

    def on_resize(self) -> None:
        """The commands scroll, the buttons stay: the body gets what the box leaves over."""
        self.query_one("#confirm-body").styles.max_height = max(3, int(self.size.height * 0.94) - 4)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")
