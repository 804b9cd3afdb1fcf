"""Snapshot tests (pytest-textual-snapshot) at 80x24, 120x40 and 200x60.

The app is fed the recorded lab state (and a derived bad day), the clock is UTC and the
replay never ticks by itself, so every run draws exactly the same screens.  Update after
an intended change with `pytest tests/tui --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

import pytest

SIZES = [(80, 24), (120, 40), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview(snap_compare, make_app, bad_day, size) -> None:
    assert snap_compare(make_app([bad_day]), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_node_detail(snap_compare, make_app, size) -> None:
    # web1: the recording ran a CPU hog on it, so its charts have a shape
    async def open_web1(pilot) -> None:
        pilot.app.open_node("web1")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=size, run_before=open_web1)


def test_filter_and_event_log(snap_compare, make_app, bad_day) -> None:
    assert snap_compare(make_app([bad_day]), terminal_size=(80, 24), press=["e", "slash", *"role:db", "enter"])


def test_help(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["question_mark"])


def test_light_theme_read_only(snap_compare, make_app, bad_day) -> None:
    assert snap_compare(make_app([bad_day], theme="light", read_only=True), terminal_size=(120, 40))


def test_high_contrast_detail_of_a_down_node(snap_compare, make_app, bad_day) -> None:
    async def open_db3(pilot) -> None:
        pilot.app.open_node("db3")
        await pilot.pause()

    assert snap_compare(make_app([bad_day], theme="high-contrast"), terminal_size=(80, 24), run_before=open_db3)
