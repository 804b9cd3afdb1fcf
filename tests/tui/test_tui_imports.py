"""Only clustertui/tui imports Textual, and the headless commands never load it."""

from __future__ import annotations

import ast
import json
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest

from clustertui.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "clustertui"
UI_MODULES = ("textual", "textual_plotext")


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_module_outside_the_tui_package_imports_textual() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in PACKAGE.rglob("*.py")
        if PACKAGE / "tui" not in path.parents and _imported_roots(path) & set(UI_MODULES)
    ]
    assert offenders == []


def test_the_tui_package_does_import_textual() -> None:
    """Guards the scan above against silently scanning nothing."""
    assert "textual" in _imported_roots(PACKAGE / "tui" / "app.py")


#: Modules of the tui package that hold plain-text helpers and import no Textual, which a
#: headless command may use (`check --offline` words its counts with `format.plural`).
#: Loading Textual itself still fails the test, whatever module pulls it in.
TEXT_ONLY = ("clustertui.tui", "clustertui.tui.format")


def test_the_text_only_modules_import_no_textual() -> None:
    for module in TEXT_ONLY:
        path = REPO / (module.replace(".", "/") + ("/__init__.py" if module == "clustertui.tui" else ".py"))
        assert not _imported_roots(path) & set(UI_MODULES), module


PROBE = f"""
import json, sys
from clustertui.cli.main import cli
try:
    cli(sys.argv[2:], prog_name="clustertui")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(m for m in sys.modules if (m.split(".")[0] in {set(UI_MODULES)} or m.startswith("clustertui.tui"))
                and m not in {set(TEXT_ONLY)})
with open(sys.argv[1], "w") as out:
    json.dump({{"code": code, "loaded": loaded}}, out)
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cluster_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One node on a closed local port: every command runs its real path and fails fast."""
    tmp = tmp_path_factory.mktemp("headless")
    (tmp / "known_hosts").write_text("")
    path = tmp / "cluster.yaml"
    path.write_text(
        f"name: headless\ntype: single-node\ninterval: 500ms\n"
        f"ssh: {{user: root, known_hosts: {tmp / 'known_hosts'}, connect_timeout: 1s}}\n"
        f"nodes:\n  - {{name: n1, host: 127.0.0.1, port: {_closed_port()}}}\n"
    )
    return path


#: Each headless command, and the exit code its real path ends with on that file (the node
#: is unreachable: `check` finds it unhealthy, `report` could not reach anything).
HEADLESS = {
    "help": (["--help"], 0),
    "check-offline": (["check", "{file}", "--offline"], 0),
    "check": (["check", "{file}"], 1),
    "check-json": (["check", "{file}", "--json"], 1),
    "report": (["report", "{file}", "--duration", "1s", "-o", "{tmp}/out.json"], 3),
    "report-metrics": (["report", "{file}", "--duration", "1s", "-o", "{tmp}/out.json", "--metrics", "127.0.0.1:0"], 3),
    "chaos": (["chaos", "{file}", "list"], 0),
    "drill": (["drill", "{file}", "--headless"], 0),
}


@pytest.mark.parametrize("name", list(HEADLESS))
def test_headless_commands_never_load_textual(name: str, cluster_file: Path, tmp_path: Path) -> None:
    template, expected_code = HEADLESS[name]
    args = [a.format(file=cluster_file, tmp=tmp_path) for a in template]
    commands = cli.list_commands(click.Context(cli))  # the group is lazy: `cli.commands` is empty
    assert args[0] in commands or args[0].startswith("-"), f"`clustertui {args[0]}` is gone"
    result_file = tmp_path / "result.json"
    run = subprocess.run([sys.executable, "-c", PROBE, str(result_file), *args], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert result_file.exists(), run.stderr
    result = json.loads(result_file.read_text())
    assert result["loaded"] == [], f"`clustertui {' '.join(args)}` loaded {result['loaded']}"
    # It really ran its path to the end: the exit code that path gives, not a crash or a
    # usage error (the probe maps a finished run to 0, so `is not None` could never fail).
    assert result["code"] == expected_code, f"`clustertui {' '.join(args)}` exited {result['code']}: {run.stderr}"
