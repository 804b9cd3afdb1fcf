"""`?`: every key, by screen, written from the one key table (keys.py) that the screens'
and the node table's bindings are made from, so the help cannot drift from the keys."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from clustertui.tui import keys

MOUSE = (
    ("click", "select a row; click it again to open the node"),
    ("click header", "sort by that column; again to reverse"),
    ("wheel", "scroll the table, the event log, the help"),
    ("footer", "click a key to run it"),
)


def help_table(chaos_off: bool, local: bool = False) -> Table:
    """Every key that works here (no chaos key with `chaos_off`, no faults key for this
    machine alone), by scope, then the mouse."""
    rows = [(scope, title, keys.keys(scope, chaos_off, local)) for scope, title in keys.SCOPES.items()]
    width = max(len(keys.key_text(key)) for _, _, listed in rows for key in listed)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True, min_width=max(width, max(len(k) for k, _ in MOUSE)))
    table.add_column()
    for _scope, title, listed in rows:
        table.add_row(Text(title, style="underline"), "")
        for key in listed:
            table.add_row(keys.key_text(key), key.help)
        table.add_row("", "")
    table.add_row(Text("Mouse", style="underline"), "")
    for key_text, text in MOUSE:
        table.add_row(key_text, text)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 96%;
        max-width: 100;
        height: auto;
        max-height: 90%;
        border: round $primary;
        border-title-color: $primary;
        border-subtitle-color: $text-muted;
        background: $surface;
        padding: 0 1;
    }
    """

    def __init__(self, chaos_off: bool, local: bool = False) -> None:
        super().__init__(id="help")
        self.chaos_off = chaos_off
        self.local = local

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "clustertui keys"
            scroll.border_subtitle = "esc closes"
            yield Static(help_table(self.chaos_off, self.local))
