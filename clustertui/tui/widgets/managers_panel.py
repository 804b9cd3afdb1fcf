"""The cluster's own view under the node table, toggled with `m`: one line per manager
(`haproxy@lb1: web1 UP · web2 DOWN (L4CON, 3s ago) │ VIP 198.18.0.100 on lb1 │ redis
mymaster: primary db1, ...`), then each finding in the alarm colour.

It opens by itself when a finding appears (a split brain must not wait for a key), and
stays as the user left it otherwise. Manager text is node text: every line goes through
`report.escape.terminal` (control characters replaced, never markup).
"""

from __future__ import annotations

from rich.text import Text

from clustertui.engine.findings import Finding
from clustertui.managers.view import all_ok
from clustertui.managers.views import ManagerView
from clustertui.report.escape import terminal
from clustertui.tui.palette import Palette
from clustertui.tui.widgets.paletted import PalettedWidget


class ManagersPanel(PalettedWidget):

    def __init__(self, palette: Palette) -> None:
        super().__init__(id="managers")
        self.palette = palette
        self.border_title = "managers"
        self.views: tuple[ManagerView, ...] = ()
        self.findings: tuple[Finding, ...] = ()
        self.wanted: bool | None = None  # m's choice; None: shown while there are findings

    def show(self, views: tuple[ManagerView, ...], findings: tuple[Finding, ...]) -> None:
        new = {f.key for f in findings} - {f.key for f in self.findings}
        if new:
            self.wanted = None
        if (views, findings) != (self.views, self.findings):
            self.views, self.findings = views, findings
            count = f" · {len(findings)} finding{'s' if len(findings) != 1 else ''}" if findings else ""
            self.border_title = terminal(f"managers{count}")
            self.refresh(layout=True)
        self.set_class(self.wanted if self.wanted is not None else bool(findings), "-shown")

    def toggle(self) -> None:
        self.wanted = not self.has_class("-shown")
        self.set_class(self.wanted, "-shown")

    def render(self) -> Text:
        style = self.palette.style
        lines: list[Text] = []
        if not self.views:
            lines.append(Text("no managers read yet (managers: in the cluster file)", style("stale")))
        for view in self.views:
            line = Text(no_wrap=True, overflow="ellipsis", end="")
            line.append(f" {view.manager:<8} ", style("ok" if all_ok(view.reads) else "warn"))
            line.append(view.summary())
            lines.append(line)
        for finding in self.findings:
            line = Text(no_wrap=True, overflow="ellipsis", end="")
            line.append(" ⚠ ", style("bad-bold"))
            line.append(finding.describe(), style("bad"))
            lines.append(line)
        return terminal(Text("\n", no_wrap=True).join(lines))
