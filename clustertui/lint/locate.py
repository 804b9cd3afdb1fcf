"""Where an item of the cluster file is written: the line a finding points at.

The loaded `Cluster` has expanded ranges and merged imports, so it no longer knows its lines.
The file is parsed again here (a few milliseconds) for its line map -- the same map the loader
reports errors with, so a finding and an error about the same field name the same line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clustertui.config.errors import Origin
from clustertui.config.ranges import expand_range
from clustertui.config.source import Loc, parse_yaml, read_text


class Locator:
    """Lines of one cluster file, by field location; node entries by the names they expand to."""

    def __init__(self, path: Path) -> None:
        data, self.lines = parse_yaml(path, read_text(path))
        self._entries: dict[str, int] = {}
        entries = data.get("nodes") if isinstance(data, dict) else None
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str):
                for each in _names(name):
                    self._entries.setdefault(each, index)

    def at(self, *loc: Any) -> Origin:
        """The line of `loc` (or of its deepest part the file has)."""
        return self.lines.origin(tuple(loc))

    def node(self, name: str, *sub: Any) -> Origin:
        """The entry under `nodes:` that defines node `name`; `import:` for an imported node."""
        index = self._entries.get(name)
        where: Loc = ("nodes", index, *sub) if index is not None else ("import",)
        return self.lines.origin(where)


def _names(text: str) -> list[str]:
    try:
        return expand_range(text)
    except ValueError:
        return []
