"""`clustertui init`: a commented starter cluster file from ssh_config, Ansible, or a template."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from clustertui.cli.exits import CANNOT_RUN, USAGE, fail
from clustertui.cli.help import examples

DEFAULT_SSH_CONFIG = "~/.ssh/config"
TYPES = ("majority", "shared-disk", "single-node")


@click.command(
    "init",
    epilog=examples(
        "clustertui init -o prod.yaml                        # a template to fill in",
        "clustertui init -o prod.yaml --from-ssh-config 'web*' 'db*'",
        "clustertui init -o prod.yaml --from-ssh-config --ssh-config ~/work/ssh_config",
        "clustertui init -o prod.yaml --from-ansible inventory/prod.ini 'web*' '!web-canary'",
        "clustertui init --from-ansible inventory/ --name prod | less   # print, write nothing",
        "clustertui check prod.yaml                          # then: connect and probe once",
    ),
)
@click.argument("hosts", nargs=-1)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="Where to write the file (- for stdout).")
@click.option("--from-ssh-config", "from_ssh_config", is_flag=True,
              help="Take the nodes from an ssh_config's Host entries; Include and Match apply.")
@click.option("--ssh-config", "ssh_config_path", type=click.Path(dir_okay=False), default=DEFAULT_SSH_CONFIG,
              show_default=True, help="The ssh_config --from-ssh-config reads.")
@click.option("--from-ansible", "inventory", type=click.Path(), metavar="INVENTORY",
              help="Take the nodes from an Ansible inventory (file, directory or script); groups become roles.")
@click.option("--name", help="The cluster's name (default: the output file's name, else the source's).")
@click.option("--type", "cluster_type", type=click.Choice(TYPES), default="majority", show_default=True,
              help="The quorum rule.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def init_command(hosts: tuple[str, ...], output: str, from_ssh_config: bool, ssh_config_path: str, inventory: str | None,
                 name: str | None, cluster_type: str, force: bool) -> None:
    """Write a commented starter cluster file.

    The nodes come from what you already have: the Host entries of an ssh_config, or the
    hosts of an Ansible inventory (through `ansible-inventory` when Ansible is installed,
    so dynamic inventories work). HOSTS are shell patterns that select them (`!pattern`
    excludes). Without a source, the file is a template. Host names, addresses, ports,
    users, keys and jump hosts are taken over; services, endpoints and drills are left
    for you, commented.
    """
    from clustertui.config import ConfigError
    from clustertui.config.importers import import_nodes
    from clustertui.config.schema import ImportSpec
    from clustertui.config.starter import Starter, check_starter, starter_text

    ssh_config = ssh_config_path if from_ssh_config else None
    if ssh_config is not None and inventory is not None:
        fail("init: give --from-ssh-config or --from-ansible, not both", USAGE)
    if hosts and ssh_config is None and inventory is None:
        fail("init: HOSTS select from a source: add --from-ssh-config or --from-ansible", USAGE)
    target = None if output == "-" else Path(output)
    if target is not None and target.exists() and not force:
        fail(f"init: {output} exists; pass --force to overwrite it", USAGE)
    source_path = ssh_config or inventory
    nodes = []
    if source_path is not None:
        path = Path(source_path).expanduser()
        kind = "ssh_config" if ssh_config is not None else "ansible"
        if not path.exists():
            option = "--from-ssh-config" if kind == "ssh_config" else "--from-ansible"
            fail(f"init: {option} {source_path}: no such file or directory", USAGE)
        try:
            spec = ImportSpec.model_validate({kind: str(path), "hosts": list(hosts) or ["*"]})
            nodes = import_nodes(spec, _origin(path))
        except ConfigError as exc:
            fail(str(exc), USAGE)
        except ValueError as exc:  # a bad HOSTS pattern
            fail(f"init: {' '.join(str(exc).split())}", USAGE)
        if not nodes:
            fail(f"init: no host in {source_path} matches {' '.join(hosts) or '*'}", USAGE)
    source = f"{source_path}" + (f" (hosts: {' '.join(hosts)})" if hosts else "") if source_path else "a template"
    cluster_name = name or (target.stem if target is not None else None) or _name_from(source_path)
    text = starter_text(Starter(cluster_name, cluster_type, source, nodes))
    with tempfile.TemporaryDirectory() as scratch:
        try:
            check_starter(text, Path(scratch) / "cluster.yaml")
        except ConfigError as exc:
            hint = " (give --name)" if exc.field == "name" else ""
            fail(f"init: the starter file would not load: {exc.field}: {exc.message}{hint}", USAGE)
    if target is None:
        sys.stdout.write(text)
        return
    try:
        _write(target, text)
    except OSError as exc:
        fail(f"init: cannot write {output}: {exc.strerror or exc}", CANNOT_RUN)
    click.echo(f"wrote {output}: {len(nodes)} node entries from {source}" if nodes else f"wrote {output}: a template",
               err=True)
    click.echo(f"next: clustertui check {output}", err=True)


def _origin(path: Path):
    from clustertui.config.errors import Origin

    return Origin(path, 0, "(source)")


def _name_from(source: str | None) -> str:
    if source is None:
        return "my-cluster"
    stem = Path(source).stem.lstrip(".") or "my-cluster"
    return "my-cluster" if stem in ("config", "hosts", "inventory") else stem


def _write(target: Path, text: str) -> None:
    """Atomically, so that a failed write never leaves half a file."""
    fd, temp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
