"""`?`: every key, by screen, written from the one key table (keys.py)."""

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
MOVING = (("↑ ↓ pgup pgdn", "move the cursor"), ("home end", "first or last row"))


def help_table(read_only: bool) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for scope, title in keys.SCOPES.items():
        table.add_row(Text(title, style="underline"), "")
        for key in keys.keys(scope, read_only):
            table.add_row(keys.key_text(key), key.help)
        if scope == "overview":
            for key_text, text in MOVING:
                table.add_row(key_text, text)
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

    def __init__(self, read_only: bool) -> None:
        super().__init__(id="help")
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "clustertui keys"
            scroll.border_subtitle = "esc closes"
            yield Static(help_table(self.read_only))
