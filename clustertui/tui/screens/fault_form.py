"""The fault's parameters and TTL, then the plan: the step between the menu and the
confirmation.

One field per parameter of the kind (`CATALOG[kind].params`): a choice of the node's
services where the fault takes a service (only those it can take), a choice where the
catalog has a closed list, else a text field; and the TTL, the file's
`chaos.default_ttl` unless changed.  Enter plans the fault in a worker -- validation, the
guards, a fresh survey -- and a problem (a bad value, a refusal by a guard) is shown on
one line under the fields, leaving the form open to fix it or to cancel.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from clustertui.chaos import CATALOG, ChaosSession, FaultPlan, InvalidInput, NodeAvailability, ParamSpec, Refused
from clustertui.chaos.catalog import ttl_from_text
from clustertui.config.scalars import TTL_RULE, FaultKind
from clustertui.report.escape import terminal
from clustertui.tui.screens.modal import Modal

TTL_FIELD = "ttl"


class FaultForm(Modal[list[FaultPlan] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        session: ChaosSession,
        kind: str,
        nodes: tuple[str, ...],
        availability: dict[str, NodeAvailability],
    ) -> None:
        super().__init__(id="fault-form")
        self.session = session
        self.box_title = f"{kind} on {', '.join(nodes)}"
        self.kind = kind
        self.spec = CATALOG[FaultKind(kind)]
        self.nodes = nodes
        self.availability = availability

    hint = "enter shows the commands · tab next field · esc cancels"

    def compose_body(self) -> ComposeResult:
        yield Static(terminal(self.spec.summary), id="form-help")
        with VerticalScroll(id="form-fields"):
            for param in self.spec.params:
                with Horizontal(classes="field"):
                    yield Label(terminal(param.name + ("" if param.required else "?")))
                    yield self._field(param)
            with Horizontal(classes="field"):
                yield Label(TTL_FIELD)
                yield Input(f"{self.session.default_ttl:g}s", placeholder=f"{TTL_RULE}, e.g. 30s or 5m",
                            id=f"field-{TTL_FIELD}", compact=True)
        yield Static("", id="form-error")
        with Horizontal(id="form-buttons"):
            yield Button("Show the commands (enter)", variant="warning", id="form-plan", compact=True)
            yield Button("Cancel (esc)", id="form-cancel", compact=True)

    def _field(self, param: ParamSpec) -> Input | Select[str]:
        widget_id = f"field-{param.name}"
        if param.name == "service":
            services = self._services()
            return Select(
                [(name, name) for name in services], value=services[0] if services and param.required else Select.NULL,
                allow_blank=not param.required or not services, prompt=param.help, id=widget_id, compact=True,
            )
        if param.choices:
            return Select([(c, c) for c in param.choices], value=param.default, allow_blank=False, id=widget_id,
                          compact=True)
        value = "" if param.default is None else str(param.default)
        return Input(value, placeholder=param.help, id=widget_id, compact=True)

    def _services(self) -> list[str]:
        """Services the fault can take on every selected node (a service fault lists only
        those; block-port, which takes a service for its port, lists those with a port)."""
        if self.spec.family == "process":
            usable = [
                {s for s, why in self.availability[node].faults[self.kind].services.items() if why is None}
                for node in self.nodes if node in self.availability
            ]
        else:
            cluster = self.session.cluster
            usable = [
                {s.name for s in cluster.services_on(cluster.node(node)) if s.port is not None} for node in self.nodes
            ]
        common = set.intersection(*usable) if usable else set()
        return sorted(common)

    def on_mount(self) -> None:
        """Focus the first text field (choices come filled in), so Enter is one key away."""
        self.query(Input).first().focus()

    def values(self) -> tuple[dict[str, object], str]:
        """The parameters as typed (None: left empty, so the default applies), and the TTL."""
        params: dict[str, object] = {}
        for param in self.spec.params:
            widget = self.query_one(f"#field-{param.name}")
            if isinstance(widget, Select):
                value = widget.value
                params[param.name] = None if value is Select.NULL else value
            else:
                assert isinstance(widget, Input)
                params[param.name] = widget.value.strip() or None
        return params, self.query_one(f"#field-{TTL_FIELD}", Input).value.strip()

    @on(Input.Submitted)
    @on(Button.Pressed, "#form-plan")
    def action_plan(self) -> None:
        self.query_one("#form-error", Static).update("planning: checking the values and surveying the nodes…")
        self._plan()

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="plan")
    async def _plan(self) -> None:
        params, ttl = self.values()
        try:
            seconds = ttl_from_text(ttl) if ttl else None
            plans = await self.session.plan_batch(self.kind, self.nodes, params, seconds)
        except Refused as exc:
            problem = f"refused: {exc}"
        except InvalidInput as exc:
            problem = f"invalid: {exc}"
        except Exception as exc:  # the survey broke: say so here rather than end the app
            problem = f"could not plan: {exc}"
        else:
            self.dismiss(plans)
            return
        self.query_one("#form-error", Static).update(terminal(problem))
