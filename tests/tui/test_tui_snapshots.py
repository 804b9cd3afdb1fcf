"""Snapshot tests (pytest-textual-snapshot) at 80x24, 120x40 and 200x60.

The app is fed the recorded lab state (and a derived bad day), the clock is UTC and the
replay never ticks by itself, so every run draws exactly the same screens.  Update after
an intended change with `pytest tests/tui --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.tui.managers_state import with_managers
from tests.tui.tui_state import with_node

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


async def _chaos_menu_on_web2(pilot) -> None:
    await pilot.pause()  # the first tick fills the table
    pilot.app.screen.table.select_node("web2")
    await pilot.press("c")
    while pilot.app.screen.availability is None or pilot.app.screen.last is None:  # the (fake) survey, the history
        await pilot.pause(0.02)
    await pilot.pause()


def test_chaos_menu(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_chaos_menu_on_web2)


def test_fault_confirmation_shows_the_commands(snap_compare, make_app) -> None:
    async def plan(pilot) -> None:  # what the form hands over after Enter (test_tui_chaos drives the keys)
        pilot.app._form_done(await pilot.app.chaos.plan_batch("kill", ["web2"], {"service": "nginx"}, 20.0))
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=plan)


def test_faults_panel_with_a_fault_not_yet_detailed(snap_compare, make_app, recorded) -> None:
    # no chaos link: the probe's id alone, as with --read-only before the first status
    snapshot = dataclasses.replace(with_node(recorded[0], "web1", faults=("f-0badc0de",)), active_faults=1)
    assert snap_compare(make_app([snapshot], link=None), terminal_size=(120, 40))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_overview_with_disk_swap_psi_columns_and_marked_nodes(snap_compare, make_app, bad_day, size) -> None:
    # d: the extra columns; by name, web2 and web3 marked with space, the cursor back on web2
    assert snap_compare(make_app([bad_day]), terminal_size=size, press=["d", "s", "G", "k", "space", "space", "k"])


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_managers_panel_with_a_split_brain(snap_compare, make_app, recorded, size) -> None:
    # a finding opens the panel by itself; node rows carry the managers' roles
    assert snap_compare(make_app([with_managers(recorded[0])]), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_managers_panel_shown_with_m(snap_compare, make_app, recorded, size) -> None:
    # no finding: the panel is hidden until m; the compact roles at 80 columns, the full ones wider
    assert snap_compare(make_app([with_managers(recorded[0], findings=())]), terminal_size=size, press=["m"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_managers_screen_with_a_split_brain(snap_compare, make_app, recorded, size) -> None:
    # M: the finding first, then every server, address, master, replica and ROLE; lb2's slow read
    assert snap_compare(make_app([with_managers(recorded[0])]), terminal_size=size, press=["M"])
