"""`+` and `-`: the sampling interval steps up and down live, and the app's tick follows."""

from __future__ import annotations

import asyncio

import pytest

from clustertui.tui import format as fmt
from clustertui.tui.source import INTERVAL_STEPS, next_interval


@pytest.mark.parametrize(
    ("current", "step", "expected"),
    [(1.0, 1, 2.0), (1.0, -1, 0.5), (3.0, 1, 5.0), (3.0, -1, 2.0), (0.1, -1, 0.1), (60.0, 1, 60.0),
     (3600.0, -1, 60.0), (0.05, 1, 0.1), (0.15, -1, 0.1)],
)
def test_next_interval(current: float, step: int, expected: float) -> None:
    assert next_interval(current, step) == expected


def test_steps_span_the_engines_bounds() -> None:
    from clustertui.engine.monitor import MAX_INTERVAL, MIN_INTERVAL

    assert (INTERVAL_STEPS[0], INTERVAL_STEPS[-1]) == (MIN_INTERVAL, MAX_INTERVAL)
    assert [fmt.interval(s) for s in (0.1, 0.5, 1.0, 2.5, 60.0, 3600.0)] == ["100ms", "500ms", "1s", "2.5s", "1m", "60m"]


async def test_plus_and_minus_change_the_interval_and_the_tick(make_app) -> None:
    app = make_app(interval=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("minus")
        assert app.source.interval == 0.5
        await pilot.press("minus", "minus", "minus")
        assert app.source.interval == 0.1  # the floor holds
        assert [n.message for n in app._notifications][-1] == "sampling every 100ms"
        before = app.source.position
        await asyncio.sleep(1.0)
        ticks = app.source.position - before
        assert 5 <= ticks <= 12, ticks  # about ten ticks a second now
        await pilot.press("plus", "equals_sign")
        assert app.source.interval == 0.5
        for _ in range(12):
            await pilot.press("plus")
        assert app.source.interval == 60.0
        before = app.source.position
        await asyncio.sleep(0.5)
        assert app.source.position == before  # no tick for a minute
        assert [n.message for n in app._notifications][-1] == "sampling every 1m"


async def test_the_sparkline_label_says_how_long_it_spans(make_app, recorded) -> None:
    import dataclasses

    app = make_app([dataclasses.replace(recorded[0], interval=0.5)])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        header = app.screen.table.render_line(0).text
        assert "CPU 30s" in header and "CPU 1m" not in header
