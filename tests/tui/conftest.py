"""Fixtures for the TUI tests: a fixed clock, the built-in themes only, replayed states."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from clustertui.engine.snapshot import ClusterSnapshot, NodeSeries
from clustertui.tui.app import ClusterApp
from clustertui.tui.source import ReplaySource
from clustertui.tui.themes import BUILTIN_DIR, ThemeCatalog
from tests.tui.tui_state import incident, load_state

NEVER = 3600.0  # a replay interval no test waits for: ticks happen only when a test asks


@pytest.fixture(autouse=True)
def utc_clock() -> Iterator[None]:
    """Clock strings in UTC, so snapshots do not depend on the machine's time zone."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture(scope="session")
def recorded() -> tuple[ClusterSnapshot, dict[str, NodeSeries]]:
    return load_state()


@pytest.fixture(scope="session")
def bad_day(recorded) -> ClusterSnapshot:
    return incident(recorded[0])


@pytest.fixture
def builtin_themes() -> ThemeCatalog:
    catalog = ThemeCatalog.load((BUILTIN_DIR,))
    assert not catalog.errors
    return catalog


@pytest.fixture
def make_app(recorded, builtin_themes) -> Callable[..., ClusterApp]:
    """An app on replayed snapshots (the recorded lab state by default)."""

    def make(
        frames: Sequence[ClusterSnapshot] | None = None,
        theme: str | None = None,
        read_only: bool = False,
        interval: float = NEVER,
    ) -> ClusterApp:
        source = ReplaySource(frames or [recorded[0]], recorded[1], interval=interval)
        return ClusterApp(source, builtin_themes, theme=theme, read_only=read_only)

    return make
