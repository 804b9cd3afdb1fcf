"""Shell completion: the script for each shell, and what completes node, drill and theme names.

Completion runs a new `clustertui` process per Tab, so it reads the cluster file given
earlier on the line as plain YAML (ruamel, no pydantic model) and expands node ranges with
the same parser as the loader. Only a file with `import:` is loaded in full, because its
nodes come from another file. Completion never fails: a missing or broken file completes
nothing, and the command reports the problem when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem, get_completion_class

from clustertui.cli.help import examples

SHELLS = ("bash", "zsh", "fish")
MAX_FILE = 1 << 20  # a cluster file larger than this is not read on every Tab


def _cluster_file(ctx: click.Context) -> str | None:
    """The FILE argument given earlier on the line, in this command or a parent group."""
    current: click.Context | None = ctx
    while current is not None:
        file = current.params.get("file")
        if isinstance(file, str):
            return file
        current = current.parent
    return None


def _raw(ctx: click.Context) -> dict[str, Any]:
    file = _cluster_file(ctx)
    if file is None:
        return {}
    try:
        path = Path(file).expanduser()
        if path.stat().st_size > MAX_FILE:
            return {}
        from ruamel.yaml import YAML

        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except Exception:  # completion must never fail: the command itself reports a bad file
        return {}
    return data if isinstance(data, dict) else {}


def node_names_in(ctx: click.Context) -> list[str]:
    from clustertui.config.ranges import expand_range

    data = _raw(ctx)
    if data.get("import"):
        return _loaded_node_names(ctx)
    names: list[str] = []
    for entry in data.get("nodes") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            try:
                names += expand_range(entry["name"])
            except ValueError:
                continue
    return names


def _loaded_node_names(ctx: click.Context) -> list[str]:
    from clustertui.config import ConfigError, load_cluster

    file = _cluster_file(ctx)
    try:
        return [node.name for node in load_cluster(Path(str(file)), check_files=False).nodes]
    except (ConfigError, OSError):
        return []


def complete_nodes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(name) for name in node_names_in(ctx) if name.startswith(incomplete)]


def complete_node_list(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """A comma-separated list (`--peers web2,db1`): completes its last name, keeps the rest."""
    done, _, last = incomplete.rpartition(",")
    given = set(done.split(",")) if done else set()
    prefix = done + "," if done else ""
    return [CompletionItem(prefix + name) for name in node_names_in(ctx) if name.startswith(last) and name not in given]


def _section_names(ctx: click.Context, section: str, incomplete: str) -> list[CompletionItem]:
    entries = _raw(ctx).get(section)
    names = [str(name) for name in entries] if isinstance(entries, dict) else []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


def complete_drills(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return _section_names(ctx, "drills", incomplete)


def complete_scenarios(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return _section_names(ctx, "scenarios", incomplete)


def complete_themes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from clustertui.tui.theme_files import theme_file_names

    return [CompletionItem(name) for name in theme_file_names() if name.startswith(incomplete)]


@click.command(
    "completion",
    epilog=examples(
        "clustertui completion bash > ~/.local/share/bash-completion/completions/clustertui",
        "clustertui completion zsh > \"${fpath[1]}/_clustertui\"",
        "clustertui completion fish > ~/.config/fish/completions/clustertui.fish",
        'eval "$(clustertui completion bash)"   # this shell only',
    ),
)
@click.argument("shell", type=click.Choice(SHELLS))
def completion_command(shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    It completes commands and options, node names (`--node`), drill names and theme names
    (`--theme`), reading the cluster file given earlier on the line.
    """
    from clustertui.cli.main import cli

    completion_class = get_completion_class(shell)
    assert completion_class is not None  # SHELLS are click's own
    click.echo(completion_class(cli, {}, "clustertui", "_CLUSTERTUI_COMPLETE").source())
