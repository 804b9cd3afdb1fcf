"""The coverage screen (`v`): the grid of services x fault kinds from the history, the same
cells and score line as `clustertui coverage`. Snapshots at a fixed clock."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from clustertui.history import Retention
from clustertui.tui.screens.coverage import CoverageScreen
from tests.support.history import DAY, lab_result, record
from tests.support.waiting import until

NOW = 1_795_000_000.0  # the snapshots' clock
FOREVER = Retention(keep_for=3650 * DAY)
pytestmark = pytest.mark.usefixtures("lab_keys_at_home")


@pytest.fixture
def history_db(own_history):
    """kill x nginx passed a day ago; stop x haproxy failed 3 hours ago; kill x redis passed
    40 days ago (stale)."""
    record(own_history, lab_result(started=NOW - DAY - 60), FOREVER)
    record(own_history, lab_result("lb-failover", started=NOW - 3 * 3600 - 60, verdict="failed"), FOREVER)
    record(own_history, lab_result("redis-primary-loss", started=NOW - 40 * DAY - 60), FOREVER)
    return own_history


async def _open_coverage(pilot) -> None:
    app = pilot.app
    await pilot.pause()
    app.push_screen(CoverageScreen(app.history_file, app.drills.cluster, app.palette, clock=lambda: NOW))
    await until(pilot, lambda: isinstance(app.screen, CoverageScreen) and app.screen.grid is not None)
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_coverage_screen(snap_compare, make_app, history_db, size) -> None:
    assert snap_compare(make_app(), terminal_size=size, run_before=_open_coverage)


async def test_v_opens_the_grid_even_read_only_and_esc_closes_it(make_app, history_db) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(200, 40)) as pilot:
        await pilot.pause()
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CoverageScreen) and app.screen.grid is not None)
        table = app.screen.query_one(DataTable)
        rows = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)[1:]] for i in range(table.row_count)}
        kinds = list(app.screen.grid.kinds)
        assert rows["nginx"][kinds.index("kill")].startswith("passed ")
        assert rows["haproxy"][kinds.index("stop")].startswith("failed ")
        assert rows["redis"][kinds.index("kill")].endswith(" stale")
        assert rows["keepalived"][kinds.index("block-port")] == "n/a"
        assert all(cell == "" for cell in rows["sentinel"])
        await pilot.press("escape")
        assert not isinstance(app.screen, CoverageScreen)
