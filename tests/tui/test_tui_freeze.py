"""`H` halts and freezes (chaos.freeze_on_halt), and the header shows the frozen nodes --
through the real `ChaosSession` and freeze code, on the fake engine's nodes."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from clustertui.tui.screens.confirm import ConfirmScreen
from clustertui.tui.widgets.header import ClusterHeader
from tests.support.waiting import until


def header_text(app) -> str:
    rendered = app.screen_stack[0].query_one(ClusterHeader).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


async def test_halt_freezes_every_node_and_the_header_says_so(make_app, fake_chaos) -> None:
    fake_chaos.add("f-0badc0de", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert "FROZEN" not in header_text(app)
        await pilot.press("H")
        assert isinstance(app.screen, ConfirmScreen)
        text = str(app.screen.query_one("#confirm-text", Static).render())
        assert "every node stays frozen for 3600s" in text, text
        await pilot.press("y")
        await until(pilot, lambda: ("revert_all", "halt") in fake_chaos.calls)
        await until(pilot, lambda: len(fake_chaos.pool.frozen) == len(app.chaos.cluster.nodes))
        assert all(fake_chaos.pool.frozen.values()), "for a while (1h), not until thawed"
        await until(pilot, lambda: "FROZEN 8 nodes" in header_text(app))
        records = [r for r in fake_chaos.audit.read() if r["action"] == "freeze"]
        assert {r["node"] for r in records} == {node.name for node in app.chaos.cluster.nodes}
        assert {r["reason"] for r in records} == {"halt from the TUI"}


async def test_a_thaw_elsewhere_clears_the_header(make_app, fake_chaos) -> None:
    fake_chaos.pool.frozen.update({"web1": 0, "web2": 0})
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        app.poll_status(now=True)
        await until(pilot, lambda: "FROZEN web1,web2" in header_text(app))
        fake_chaos.pool.frozen.clear()  # another operator thawed
        app.poll_status(now=True)
        await until(pilot, lambda: "FROZEN" not in header_text(app))
