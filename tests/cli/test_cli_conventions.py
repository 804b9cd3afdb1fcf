"""CLI conventions: examples in every --help, usage errors as one line with exit 2."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from clustertui.cli.main import COMMANDS, LazyGroup, cli

Run = Callable[..., subprocess.CompletedProcess]
LAB = str(Path(__file__).resolve().parents[2] / "sample_clusters" / "lab.yaml")


def _all_commands() -> list[tuple[str, ...]]:
    """Every command path, from the real group (this imports every command module)."""
    ctx = click.Context(cli)
    paths: list[tuple[str, ...]] = []

    def walk(group: click.Group, prefix: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            paths.append((*prefix, name))
            if isinstance(command, click.Group):
                walk(command, (*prefix, name))

    walk(cli, ())
    return paths


def test_the_command_table_matches_each_command() -> None:
    ctx = click.Context(cli)
    assert isinstance(cli, LazyGroup)
    for name, (_, _, short) in COMMANDS.items():
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name
        assert (command.help or "").splitlines()[0] == short, name


@pytest.mark.parametrize("path", _all_commands(), ids=" ".join)
def test_every_help_has_examples(run: Run, path: tuple[str, ...]) -> None:
    args = [*path[:1], "FILE", *path[1:]] if path[0] == "chaos" and len(path) > 1 else list(path)
    done = run(*args, "--help")
    assert done.returncode == 0, done.stderr
    examples = done.stdout.split("Examples:\n", 1)[1]
    lines = [line.strip() for line in examples.splitlines() if line.strip()]
    assert lines and all("clustertui" in line for line in lines)
    assert any(line.split()[:2 + (path[0] == "chaos")][-1] in (path[0], "clustertui") or path[0] in line for line in lines)


USAGE_ERRORS = [
    (["nosuch"], "No such command 'nosuch'"),
    (["check"], "check: Missing argument 'FILE...'"),
    (["check", "--nope", LAB], "check: No such option '--nope'"),
    (["lab", "status", "extra"], "lab status: Got unexpected extra argument (extra)"),
    (["monitor", LAB, "--interval", "fast"], "monitor: Invalid value for '--interval': 'fast' is not a duration like 250ms, 5s, 2m, 1h or 1d"),
    (["monitor", LAB, "--interval"], "monitor: Option '--interval' requires an argument"),
    (["report", LAB, "-o", "r.json"], "report: Missing option '--duration'"),
    (["report", LAB, "--duration", "-5s", "-o", "r.json"], "report: Invalid value for '--duration'"),
    (["drill", LAB, "web-node-loss", "--junit"], "drill: Option '--junit' requires an argument"),
    (["chaos"], "chaos: missing arguments"),
    (["chaos", LAB], "Missing command"),
    (["chaos", LAB, "apply"], "Missing argument 'KIND'"),
    (["chaos", LAB, "apply", "nuke", "--node", "web1"], "Invalid value for 'KIND': 'nuke' is not one of 'kill'"),
    (["chaos", LAB, "apply", "kill"], "Missing option '--node'"),
    (["chaos", LAB, "apply", "loss", "--node", "web1", "--percent", "lots"], "'--percent': expected a number, found 'lots'"),
    (["chaos", LAB, "apply", "mem-hog", "--node", "web1", "--mb", "0"], "'--mb': 0 is not in the range x>=1"),
    (["chaos", LAB, "apply", "cpu-hog", "--node", "web1", "--cores", "two"], "'--cores': 'two' is not a valid integer"),
    (["chaos", LAB, "apply", "kill", "--node", "web1", "--ttl", "1y"], "Invalid value for '--ttl'"),
    (["lab", "up", "--timeout", "soon"], "lab up: Invalid value for '--timeout': 'soon' is not a duration like"),
    (["lab", "destroy"], "lab: No such command 'destroy'"),
    (["init", "--type", "ring"], "init: Invalid value for '--type'"),
    (["completion", "powershell"], "completion: Invalid value for '{bash|zsh|fish}'"),
    (["--versio"], "No such option '--versio'"),
]


@pytest.mark.parametrize(("args", "message"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_errors_are_one_line_and_exit_2(run: Run, args: list[str], message: str) -> None:
    done = run(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    [line] = done.stderr.splitlines()
    assert line.startswith("clustertui: error: ") and message in line, line
    assert "--help`" in line and "Traceback" not in done.stderr


def test_durations_accept_days(run: Run, tmp_path: Path) -> None:
    text = Path(LAB).read_text().replace("default_ttl: 60s", "default_ttl: 1d")
    (tmp_path / "lab.yaml").write_text(text)
    assert run("check", "--offline", "lab.yaml").returncode == 0
    (tmp_path / "c.yaml").write_text(
        "name: c\ntype: majority\nnodes: [{name: web1, host: 127.0.0.1, port: 1, roles: [web]}]\n"
        "services: {nginx: {roles: [web], process: nginx, systemd: nginx.service}}\n"
        "chaos: {enabled: true, allow_roles: [web], default_ttl: 1d}\n"
    )
    done = run("chaos", "c.yaml", "apply", "kill", "--node", "web1", "--service", "nginx", "--ttl", "1d", "--dry-run")
    assert done.returncode == 0 and "ttl 86400s" in done.stderr, done.stderr


def test_check_offline_json_reports_a_bad_file_as_json(run: Run, tmp_path: Path) -> None:
    import json

    (tmp_path / "bad.yaml").write_text("name: x\ntype: majority\nnodes: [{name: web1, port: 70000}]\n")
    done = run("check", "--offline", "--json", "bad.yaml")
    assert done.returncode == 2
    data = json.loads(done.stdout)
    assert data["valid"] is False and data["error"]["line"] == 3 and data["error"]["field"] == "nodes[0].port"
    assert done.stderr.startswith("clustertui: error: bad.yaml:3: nodes[0].port: expected an integer from 1 to 65535")
    good = run("check", "--offline", "--json", LAB)
    assert good.returncode == 0 and json.loads(good.stdout)["valid"] is True


def test_report_formats_in_help_are_the_writers() -> None:
    from clustertui.cli.report_cmd import FORMATS
    from clustertui.report.writer import RENDERERS

    assert tuple(RENDERERS) == FORMATS


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["init", "--help"], ["drill", "--help"],
                                  ["chaos", "FILE", "apply", "--help"], ["report", "--help"]])
def test_help_imports_no_heavy_package(args: list[str]) -> None:
    """`--help` must start fast: no textual, asyncssh, pydantic or engine (docs/performance.md)."""
    import os
    import sys

    code = (
        "import sys\nfrom clustertui.cli.main import cli\n"
        f"try:\n    cli.main({args!r}, prog_name='clustertui')\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('textual', 'asyncssh', 'pydantic', 'clustertui.engine') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(Path(LAB).parents[1])})
    assert "HEAVY []" in done.stderr, done.stderr


def test_fault_kinds_for_the_argument_are_the_catalog() -> None:
    from clustertui.chaos import CATALOG
    from clustertui.cli.chaos_cmd import KINDS

    assert tuple(str(kind) for kind in CATALOG) == KINDS
