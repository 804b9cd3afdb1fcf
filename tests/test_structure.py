"""The import contracts in pyproject.toml (checked by `make lint`) cover every package.

import-linter checks only the modules a contract names: a new package left out of the layers,
or out of the "Textual only under tui" sources, would be free to import anything. These tests
fail as soon as the package tree and the contracts drift apart.
"""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import clustertui

REPO = Path(__file__).resolve().parents[1]
CONTRACTS = {
    c["name"]: c for c in tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
}
TOP = {f"clustertui.{m.name}" for m in pkgutil.iter_modules(clustertui.__path__)}
PACKAGES = {f"clustertui.{m.name}" for m in pkgutil.iter_modules(clustertui.__path__) if m.ispkg}
ENTRY = "clustertui.__main__"  # `python -m clustertui`: only calls the CLI


def _contract(start: str) -> dict:
    [contract] = [c for name, c in CONTRACTS.items() if name.startswith(start)]
    return contract


def _layer_packages(layer: str) -> list[str]:
    """`"clustertui.lint | clustertui.schedule"`: independent packages on one layer."""
    return [name.strip() for name in layer.split("|")]


def test_every_package_but_the_lab_is_a_layer() -> None:
    layers = _contract("Layers")["layers"]
    assert {name for layer in layers for name in _layer_packages(layer)} == PACKAGES - {"clustertui.lab"}


def test_the_layers_are_in_the_documented_order() -> None:
    # lint and schedule sit side by side (neither imports the other), below the TUI; game days
    # (scenarios of drills) below them, above the history (where their runs go); the history
    # above the drills (whose results it stores); the metrics exporter beside them (it shows
    # drill results from the history, and the TUI starts it).
    order = [["cli"], ["tui"], ["coverage", "lint", "schedule", "metrics"], ["gameday"], ["history"], ["drills"], ["chaos"],
             ["report"], ["engine"], ["managers"], ["transport"], ["probe"], ["config"]]
    layers = [_layer_packages(layer) for layer in _contract("Layers")["layers"]]
    assert layers == [[f"clustertui.{name}" for name in names] for names in order]


def test_only_the_cli_may_import_the_lab() -> None:
    contract = _contract("Only the CLI imports the lab")
    assert contract["forbidden_modules"] == ["clustertui.lab"]
    assert set(contract["source_modules"]) == TOP - {"clustertui.cli", "clustertui.lab", ENTRY}


def test_the_lab_imports_no_product_package() -> None:
    contract = _contract("The lab imports no product package")
    assert contract["source_modules"] == ["clustertui.lab"]
    assert set(contract["forbidden_modules"]) == PACKAGES - {"clustertui.lab"}


def test_nothing_outside_the_tui_may_import_textual() -> None:
    contract = _contract("Textual only under clustertui.tui")
    assert set(contract["forbidden_modules"]) == {"textual", "textual_plotext"}
    assert set(contract["source_modules"]) == TOP - {"clustertui.tui", ENTRY}


def test_no_test_module_imports_another() -> None:
    """Helpers shared by tests live in tests/support (or a folder's support modules such as
    tests/tui/fakes.py), never in a test module: importing one runs its tests' module-level
    code and couples two test files."""
    import ast

    tests = Path(__file__).resolve().parent
    offenders = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_"):
                    offenders.append(f"{path.relative_to(tests)}:{node.lineno}: {name}")
    assert offenders == []
