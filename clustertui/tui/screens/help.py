"""`?`: every key, by screen, written from the one key table (keys.py) that the screens'
and the node table's bindings are made from, so the help cannot drift from the keys."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from clustertui.tui import keys
from clustertui.tui.screens.modal import Modal

MOUSE = (
    ("click", "select a row; click it again to open the node"),
    ("click header", "sort by that column; again to reverse"),
    ("wheel", "scroll the table, the event log, the help"),
    ("footer", "click a key to run it"),
)

#: Shown when the app watches several clusters (`clustertui monitor a.yaml b.yaml`).
SEVERAL = (
    ("cluster/node", "rows name each node with its cluster; the header gives each cluster's nodes up"),
    ("cluster:NAME", "in the filter (/): only that cluster's nodes (the exact name)"),
    ("c x", "chaos, drills and game days act on the node's own cluster, with that cluster's guards"),
    ("H q", "halt and the revert on quit act on every cluster, each by its own policy"),
    ("M v h", "managers, coverage and history of the cluster of the node under the cursor"),
)


def help_table(chaos_off: bool, local: bool = False, several: bool = False) -> Group:
    """Every key that works here (no chaos key with `chaos_off`, no faults key for this
    machine alone), by scope, then the mouse: a title and a two-column grid per scope, the
    key columns all as wide as the widest key (a title must not widen them)."""
    sections = [(title, [(keys.key_text(key), key.help) for key in keys.keys(scope, chaos_off, local)])
                for scope, title in keys.SCOPES.items()]
    if several:
        sections.append(("Several clusters", list(SEVERAL)))
    sections.append(("Mouse", list(MOUSE)))
    width = max(len(key) for _, rows in sections for key, _ in rows)
    parts: list[Text | Table] = []
    for title, rows in sections:
        if not rows:
            continue
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True, width=width)
        table.add_column()
        for key, text in rows:
            table.add_row(key, text)
        parts += [Text(title, style="underline"), table, Text("")]
    return Group(*parts[:-1])


class HelpScreen(Modal[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]
    box_title = "clustertui keys"
    hint = "esc closes"

    def __init__(self, chaos_off: bool, local: bool = False, several: bool = False) -> None:
        super().__init__(id="help")
        self.chaos_off = chaos_off
        self.local = local
        self.several = several

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(help_table(self.chaos_off, self.local, self.several))
