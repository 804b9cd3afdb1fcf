"""The data files clustertui ships: built-in themes and sample cluster files.

In the repository they sit at the top level (`themes/`, `sample_clusters/`), where people
look for them; the wheel maps them into the package as `clustertui/_data/themes` and
`clustertui/_data/sample_clusters` (see `force-include` in pyproject.toml), so an installed
clustertui finds them with importlib.resources wherever it runs from.  Run from the source
tree (an editable install, or pytest with `pythonpath = .`), the package has no `_data`, and
the top-level directories next to it are used.  Every run-time lookup of these files goes
through this module.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

THEMES = "themes"
SAMPLE_CLUSTERS = "sample_clusters"


def data_dir(name: str) -> Path:
    """The directory `name` (THEMES or SAMPLE_CLUSTERS) of the installed package or source tree."""
    packaged = resources.files(__package__ or "clustertui") / "_data" / name
    # Wheels install as plain files, so the Traversable is a real path.
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


def themes_dir() -> Path:
    """Where the built-in themes (`*.toml`) are."""
    return data_dir(THEMES)


def sample_cluster(name: str) -> Path:
    """A shipped sample cluster file, e.g. `lab.yaml` (the lab's own cluster file)."""
    return data_dir(SAMPLE_CLUSTERS) / name


def sample_clusters() -> list[Path]:
    """Every shipped sample cluster file, by name."""
    return sorted(data_dir(SAMPLE_CLUSTERS).glob("*.yaml"))
