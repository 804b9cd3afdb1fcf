"""Loading the cluster file for a command: a bad file is one line on stderr and exit 2."""

from __future__ import annotations

from pathlib import Path

from clustertui.cli.exits import USAGE, fail
from clustertui.config import Cluster, ConfigError, load_cluster


def load_or_exit(path: str, check_files: bool = True) -> Cluster:
    try:
        return load_cluster(Path(path), check_files=check_files)
    except ConfigError as exc:
        fail(str(exc), USAGE)
