"""The class of defect 5 made impossible to reintroduce quietly: a static check of
clustertui/ for the calls that would turn node text into markup or pass it to a terminal
unfiltered. The Pilot and CLI tests beside this one show the filters work; this one shows
nothing goes around them.

- Textual parses a str given to `Static(...)`, `Label(...)`, `.update(...)` or a border
  title as markup: in the TUI they get a constant or a call (`report.escape.terminal(...)`,
  a function returning Text), never an f-string, a concatenation or a bare variable.
- No markup is parsed anywhere: no `Text.from_markup`, no `markup=True`.
- Rich tables and consoles get Text, never an f-string.
- The commands print through `cli.output.echo`, never `click.echo` of a computed string.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.hostile.cluster import REPO

PACKAGE = REPO / "clustertui"
MARKUP_SINKS = {"Static", "Label", "update"}
COMPUTED = (ast.JoinedStr, ast.BinOp, ast.Name, ast.Attribute, ast.BoolOp, ast.IfExp, ast.Subscript)


def sources(under: str) -> list[Path]:
    return sorted((PACKAGE / under).rglob("*.py"))


def name_of(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(REPO)}:{node.lineno}"


def computed(value: ast.expr) -> bool:
    """A string built at run time (a module's ALL_CAPS constant is not)."""
    return isinstance(value, COMPUTED) and not (isinstance(value, ast.Name) and value.id.isupper())


def offences(paths: list[Path], wanted: set[str]) -> list[str]:
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and name_of(node) in wanted and node.args and computed(node.args[0]):
                found.append(f"{where(path, node)}: {name_of(node)}({ast.unparse(node.args[0])[:60]})")
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr in ("border_title", "border_subtitle") for t in node.targets
            ) and computed(node.value):
                found.append(f"{where(path, node)}: border title {ast.unparse(node.value)[:60]}")
    return found


def test_tui_markup_sinks_get_text_not_strings() -> None:
    assert offences(sources("tui"), MARKUP_SINKS) == []


def test_cli_tables_get_text_not_strings() -> None:
    assert offences(sources("cli"), {"add_row"}) == []


@pytest.mark.parametrize("command", ["chaos_cmd", "check_cmd", "drill_cmd", "report_cmd", "monitor_cmd"])
def test_commands_print_through_echo(command: str) -> None:
    path = PACKAGE / "cli" / f"{command}.py"
    calls = [
        where(path, node) for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "echo"
        and isinstance(node.func.value, ast.Name) and node.func.value.id == "click"
    ]
    assert calls == []


def test_nothing_parses_markup() -> None:
    found = []
    for path in sources("."):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "from_markup":
                found.append(where(path, node))
            if isinstance(node, ast.keyword) and node.arg == "markup" and isinstance(node.value, ast.Constant) \
                    and node.value.value is True:
                found.append(where(path, node.value))
    assert found == []


def test_the_check_sees_an_offence() -> None:
    """The check itself can fail: an f-string given to Static is found."""
    sample = PACKAGE.parent / "tests" / "hostile" / "_offence_sample.py"
    sample.write_text('def f(node):\n    Static(f"{node.hostname}")\n    box.border_title = node.name\n')
    try:
        assert len(offences([sample], MARKUP_SINKS)) == 2
    finally:
        sample.unlink()
