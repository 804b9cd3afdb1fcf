"""Loading the cluster file for a command: a bad file is one line on stderr and exit 2.

A command that reads the files the cluster file names (`check_files`: its key, its
known_hosts) is one that connects: it also gets the open files its nodes need
(transport/open_files.py), or exits 3 saying why it cannot."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clustertui.cli.exits import CANNOT_RUN, USAGE, fail

if TYPE_CHECKING:
    from clustertui.config import Cluster


def load_or_exit(path: str, check_files: bool = True) -> Cluster:
    from clustertui.config import ConfigError, load_cluster
    from clustertui.transport.open_files import OpenFilesLimit, ensure_open_files

    try:
        cluster = load_cluster(Path(path), check_files=check_files)
    except ConfigError as exc:
        fail(str(exc), USAGE)
    if check_files:
        try:
            ensure_open_files(len(cluster.nodes))
        except OpenFilesLimit as exc:
            fail(str(exc), CANNOT_RUN)
    return cluster
