"""The clustertui Textual app: takes one snapshot per interval and shows it.

The app owns no cluster state.  A timer fires once per interval; the tick asks the source
for an immutable snapshot and hands it to the top screen that shows snapshots (the overview,
or a node's detail), which updates its widgets in place.  Collection runs in the engine's
own asyncio tasks on the same loop, so the UI never waits on a node.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import App, SystemCommand
from textual.screen import Screen

from clustertui.engine.snapshot import ClusterSnapshot
from clustertui.tui import keys
from clustertui.tui.commands import palette_commands
from clustertui.tui.palette import Palette
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.help import HelpScreen
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.source import SnapshotSource
from clustertui.tui.themes import ThemeCatalog

SnapshotScreens = (OverviewScreen, DetailScreen)


class ClusterApp(App[None]):
    TITLE = "clustertui"
    BINDINGS = keys.bindings("app")

    def __init__(
        self,
        source: SnapshotSource,
        catalog: ThemeCatalog,
        theme: str | None = None,
        read_only: bool = False,
        notices: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.source = source
        self.catalog = catalog
        self.read_only = read_only
        self.notices = list(notices)
        self.latest: ClusterSnapshot | None = None
        for entry in catalog.entries.values():
            self.register_theme(entry.theme)
        self.theme = catalog.resolve(theme)
        for name in list(self.available_themes):  # only themes that have a status palette
            if name not in catalog.entries:
                self.unregister_theme(name)

    @property
    def palette(self) -> Palette:
        return self.catalog.entries[self.theme].palette

    def get_default_screen(self) -> Screen:
        return OverviewScreen(self.palette, self.read_only)

    async def on_mount(self) -> None:
        await self.source.start()
        self.call_after_refresh(self._first_tick)
        self.set_interval(self.source.interval, self.tick)

    def _first_tick(self) -> None:
        """Once the overview exists: the first snapshot at once, and any theme errors."""
        for notice in self.notices:
            self.notify(notice, title="theme not loaded", severity="error", timeout=20, markup=False)
        self.tick()

    async def on_unmount(self) -> None:
        await self.source.stop()

    # -- the tick ----------------------------------------------------------------------

    def tick(self) -> None:
        """Take one snapshot and show it on the top screen that shows snapshots."""
        self.latest = self.source.snapshot()
        screen = self.snapshot_screen
        if screen is not None:
            screen.show_snapshot(self.latest)

    @property
    def snapshot_screen(self) -> OverviewScreen | DetailScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, SnapshotScreens):
                return screen
        return None

    # -- navigation --------------------------------------------------------------------

    def open_node(self, node: str) -> None:
        overview = self.screen_stack[0] if self.screen_stack else None
        if isinstance(overview, OverviewScreen):
            overview.table.select_node(node)
        if isinstance(self.screen, DetailScreen):
            self.pop_screen()
        self.push_screen(DetailScreen(node, self.palette, self.source.series))

    def reconnect(self, node: str) -> None:
        self.source.retry(node)
        self.notify(f"reconnecting to {node}", timeout=3)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.read_only))

    # -- themes ------------------------------------------------------------------------

    def action_next_theme(self) -> None:
        self.theme = self.catalog.next_after(self.theme)

    def watch_theme(self, name: str) -> None:
        if name not in self.catalog.entries:
            return
        palette = self.catalog.entries[name].palette
        for screen in self.screen_stack:
            if isinstance(screen, SnapshotScreens) and screen.is_mounted:
                screen.set_palette(palette)

    # -- palette and read-only ---------------------------------------------------------

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self, screen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only mode refuses every chaos action, whichever way it is asked for (the
        screens ask here too): the footer hides it and its key does nothing."""
        if self.read_only and keys.is_chaos(action):
            return False
        return True
