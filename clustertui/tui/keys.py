"""Every key of the app, in one place: bindings, the help screen and the palette read it.

A key is declared once, with the screen it belongs to and a sentence for the help screen;
`bindings(scope)` turns a scope into Textual bindings, and the help screen and the palette
list the same rows.  Actions that change the cluster (the chaos menu, revert, halt) are
marked `chaos=True`, which `--read-only` hides from the footer, the help and the palette,
and refuses if typed; keys that need a cluster file (`cluster=True`: the faults panel) are
hidden and refused the same way for this machine alone.  Keys inside the chaos modals are
theirs alone (screens/*.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

#: Scopes: "app" keys work everywhere, the others on their screen only.
SCOPES = {
    "app": "Everywhere",
    "overview": "Overview",
    "table": "Overview: the node table",
    "detail": "Node detail",
    "managers": "Managers screen",
}


@dataclass(frozen=True, slots=True)
class Key:
    scope: str
    key: str  # Textual key name(s), comma-separated
    action: str
    label: str  # short: footer and palette title
    help: str  # one sentence for the help screen and the palette
    show: bool = True  # in the footer
    display: str | None = None  # how the help screen writes the key
    chaos: bool = False  # changes the cluster: hidden and refused with --read-only
    cluster: bool = False  # needs a cluster file: hidden and refused for this machine alone
    #: Run by the app as the key arrives, before the keys queued after it are handed on: for
    #: a key that moves the focus, whose following keys must reach the new focus.
    priority: bool = False


KEYS: tuple[Key, ...] = (
    Key("app", "q", "quit", "Quit", "Quit; the faults this session applied are reverted first (q again: at once)."),
    Key("app", "ctrl+c", "quit", "Quit", "Quit, as q does.", show=False, display="ctrl+c"),
    Key("app", "question_mark", "help", "Help", "Show this list of keys.", display="?"),
    Key("app", "ctrl+p", "command_palette", "Palette",
        "Command palette: jump to a node, switch theme, run any action.", show=False, display="ctrl+p"),
    Key("app", "t", "next_theme", "Theme", "Switch to the next theme.", show=False),
    Key("app", "plus,equals_sign", "interval(1)", "Slower",
        "Sample less often: the next longer interval (up to 60s), on every node at once.",
        show=False, display="+ ="),
    Key("app", "minus", "interval(-1)", "Faster",
        "Sample more often: the next shorter interval (down to 100ms), on every node at once.",
        show=False, display="-"),
    Key("app", "H", "halt", "Halt", "Halt: revert every fault on every node (and freeze them: chaos.freeze_on_halt), after a confirmation.",
        display="H", chaos=True),
    Key("app", "h", "history", "History",
        "The drills' history: each run's verdict and timings, trend charts, regressions ([ ] other drills).",
        show=False, cluster=True),
    Key("app", "v", "coverage", "Coverage",
        "Drill coverage: each service under each fault kind, its last verdict and age; the resilience score.",
        show=False, cluster=True),
    Key("app", "M", "managers", "Managers screen",
        "The managers screen: every balancer server, virtual address, Sentinel master, replica and role, "
        "with the findings first.", show=False, display="M", cluster=True),
    Key("overview", "enter", "open_node", "Open", "Open the node under the cursor (or click a row twice).",
        show=False),
    Key("overview", "slash", "filter", "Filter",
        "Filter rows by name, role, state or label (role:web state:up zone=a); Esc clears.", display="/",
        priority=True),
    Key("overview", "s", "next_sort", "Sort", "Next sort order: health, name, cpu, mem, load, net, age."),
    Key("overview", "S", "reverse_sort", "Reverse", "Reverse the sort order (or click a column header).",
        show=False, display="S"),
    Key("overview", "d", "toggle_columns", "Disk",
        "Show or hide the disk, swap and pressure (PSI) columns.", show=False),
    Key("overview", "e", "toggle_events", "Events", "Show or hide the cluster event log."),
    Key("overview", "c", "chaos_menu", "Chaos",
        "Chaos menu: a fault on the marked nodes (space), else on the node under the cursor, a drill or a "
        "game day.",
        chaos=True),
    Key("overview", "f", "toggle_faults", "Faults",
        "To the active faults (countdown to their revert, who applied them); again hides them.", cluster=True),
    Key("overview", "m", "toggle_managers", "Managers",
        "Show or hide the cluster managers' view (load balancer, VIP holder, Sentinel, ...) and its findings; "
        "it opens by itself on a new finding.", show=False, cluster=True),
    Key("overview", "x", "revert_fault", "Revert",
        "Revert the fault under the cursor in the faults panel (f goes there).", show=False, chaos=True),
    Key("overview", "escape", "escape", "Clear/stop",
        "Back to the table from the faults panel; clear the filter; clear the marks; else stop a running "
        "drill or game day (its fault is reverted), or close a finished one.",
        show=False, display="esc"),
    Key("table", "down,j", "cursor(1)", "Down", "Next row.", show=False, display="↓ j"),
    Key("table", "up,k", "cursor(-1)", "Up", "Previous row.", show=False, display="↑ k"),
    Key("table", "pagedown", "page(1)", "Page down", "One screen down.", show=False, display="pgdn"),
    Key("table", "pageup", "page(-1)", "Page up", "One screen up.", show=False, display="pgup"),
    Key("table", "home,g", "cursor_to(0)", "First", "First row.", show=False, display="home g"),
    Key("table", "end,G", "cursor_to(-1)", "Last", "Last row.", show=False, display="end G"),
    Key("table", "space", "toggle_mark", "Mark",
        "Mark or unmark the node under the cursor (and move down): the chaos menu acts on the marked nodes.",
        show=False),
    Key("managers", "escape,backspace,M", "back", "Back", "Back to where M was pressed.", display="esc backspace M"),
    Key("managers", "enter", "open_row", "Open", "Open the node of the row under the cursor.", show=False),
    Key("detail", "escape,backspace", "back", "Back", "Back to the overview.", display="esc backspace"),
    Key("detail", "r", "reconnect", "Reconnect",
        "Reconnect to this node now (the only way out of a host-key alert).", cluster=True),
    Key("detail", "c", "chaos_menu", "Chaos", "Chaos menu for this node.", chaos=True),
    Key("detail", "x", "revert_node_faults", "Revert", "Revert every fault on this node, after a confirmation.",
        chaos=True),
)


def keys(scope: str, read_only: bool = False, local: bool = False) -> list[Key]:
    """The keys of a scope that work here: no chaos key when chaos is off (`read_only`:
    --read-only, or no chaos at all), no key that needs a cluster file for this machine
    alone (`local`)."""
    return [k for k in KEYS if k.scope == scope and not (read_only and k.chaos) and not (local and k.cluster)]


def bindings(scope: str) -> list[BindingType]:
    """Textual bindings of a scope.  Chaos keys are bound even in read-only mode so that the
    app's `check_action` can refuse them visibly rather than let the key fall through."""
    return [Binding(k.key, k.action, k.label, show=k.show, priority=k.priority) for k in KEYS if k.scope == scope]


def allowed(action: str, chaos_off: bool, local: bool) -> bool:
    """Whether an action may run: what `check_action` answers for every screen."""
    name = action.split("(", 1)[0]
    matching = [k for k in KEYS if k.action.split("(", 1)[0] == name]
    return not any((chaos_off and k.chaos) or (local and k.cluster) for k in matching)


def key_text(key: Key) -> str:
    return key.display or key.key
