"""The managers' view in `clustertui check`: a table for people, a dict for `--json`.

Manager text is node text: every cell is built by `report.escape.terminal` (never markup).
Its JSON is report.managers_json (fields in docs/managers.md).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from clustertui.engine.managers_check import ManagersCheck
from clustertui.managers.view import all_ok
from clustertui.report.escape import terminal


def print_managers(console: Console, check: ManagersCheck) -> None:
    """One row per manager: its name (red when a read failed), its kind, and its view, a
    line per part (each balancer, each address, each master name; a failed read says why)."""
    if not check.views:
        return
    table = Table(box=None, pad_edge=False)
    for column in ("manager", "kind", "view"):
        table.add_column(column, no_wrap=column != "view")
    for view in check.views:
        lines = [terminal(part) for part in view.summary().split(" │ ")]
        table.add_row(terminal(view.manager, "green" if all_ok(view.reads) else "red"), terminal(str(view.kind)),
                      Text("\n").join(lines))
    console.print(table)
    for finding in check.findings:
        console.print(Text.assemble(terminal("FINDING ", "bold red"), terminal(finding.describe())))
