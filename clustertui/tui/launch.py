"""Starting the TUI on a cluster: the one entry point the CLI calls (lazily).

Themes are loaded before the terminal switches to the full-screen app so that a bad
`--theme` is an ordinary usage error, and a broken theme file is reported on stderr (where
it stays readable after exit) as well as inside the app.
"""

from __future__ import annotations

import sys

from clustertui.config import Cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.tui.app import ClusterApp
from clustertui.tui.source import MonitorSource
from clustertui.tui.themes import ThemeCatalog


def build_app(
    cluster: Cluster,
    *,
    theme: str | None = None,
    read_only: bool = False,
    interval: float | None = None,
    local: bool = False,
    catalog: ThemeCatalog | None = None,
) -> ClusterApp:
    """The app monitoring `cluster`; raises UnknownTheme for a theme name that exists nowhere."""
    catalog = catalog or ThemeCatalog.load()
    chosen = catalog.resolve(theme)
    notices = catalog.errors
    if theme is not None and chosen != theme:
        notices = [*notices, f"theme {theme!r} could not be loaded; using {chosen!r}"]
    for notice in notices:
        print(f"clustertui: warning: {notice}", file=sys.stderr)
    monitor = ClusterMonitor(cluster, interval=interval, local=local)
    return ClusterApp(MonitorSource(monitor), catalog, chosen, read_only, notices)


def run_monitor(cluster: Cluster, **options: object) -> None:
    build_app(cluster, **options).run()  # type: ignore[arg-type]
