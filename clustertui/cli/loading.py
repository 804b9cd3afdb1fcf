"""Loading the cluster file for a command: a bad file is one line on stderr and exit 2."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from clustertui.cli.exits import USAGE, fail

if TYPE_CHECKING:
    from clustertui.config import Cluster


def load_or_exit(path: str, check_files: bool = True) -> Cluster:
    from clustertui.config import ConfigError, load_cluster

    try:
        return load_cluster(Path(path), check_files=check_files)
    except ConfigError as exc:
        fail(str(exc), USAGE)
