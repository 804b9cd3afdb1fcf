"""`load_cluster`: the one way in. Reads, parses, validates and builds, in that order, and
turns every failure on the way into a one-line `ConfigError`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from .build import build_cluster
from .errors import FILE_FIELD, ConfigError, describe
from .importers import import_nodes
from .model import Cluster
from .schema import ClusterFile
from .source import LineMap, parse_yaml, read_text
from .translate import explain

#: Top-level keys starting with this are ignored: a home for YAML anchors (`x-defaults: &d`).
EXTENSION_PREFIX = "x-"


def load_cluster(path: Path | str, *, check_files: bool = True) -> Cluster:
    """Load and validate the cluster file at `path`; raise ConfigError for anything wrong.

    `check_files=False` skips the checks that files named in `ssh:` (identity, known_hosts,
    config) exist -- for validating a file on a machine that is not the controller, or
    before `clustertui lab up` has created the lab's keys. Imported inventories are always read.
    """
    path = Path(path)
    data, lines = parse_yaml(path, read_text(path))
    if data is None:
        raise ConfigError(path, 0, FILE_FIELD, "expected a mapping of cluster settings, found an empty file")
    if not isinstance(data, dict):
        raise ConfigError(
            path, lines.origin(()).line, FILE_FIELD, f"expected a mapping of cluster settings, found {describe(data)}"
        )
    data = {key: value for key, value in data.items() if not str(key).startswith(EXTENSION_PREFIX)}
    if isinstance(data.get("import"), dict):  # one import may be written without the list
        data["import"] = [data["import"]]
        lines.aliases[("import", 0)] = ("import",)
    try:
        spec = ClusterFile.model_validate(data, context={"base": path.absolute().parent})
    except ValidationError as exc:
        raise _first_error(exc, lines) from None
    imported = [
        node
        for i, entry in enumerate(spec.import_)
        for node in import_nodes(entry, lines.origin(("import", i, "ansible" if entry.ansible is not None else "ssh_config")))
    ]
    return build_cluster(spec, imported, lines, path.absolute(), check_files)


def _first_error(exc: ValidationError, lines: LineMap) -> ConfigError:
    """The error that comes first in the file (pydantic reports in field order, not line order)."""
    located = [explain(error, ClusterFile) for error in exc.errors()]
    errors = [lines.error(loc, message) for loc, message in located]
    return min(errors, key=lambda error: error.line)
