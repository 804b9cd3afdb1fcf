"""A crash of the TUI (an exception in a widget) still reverts this session's faults, and
the run ends with a non-zero code, not 0 as if the user had quit."""

from __future__ import annotations

import asyncio

from textual.widget import Widget

from clustertui.chaos import FaultRequest
from clustertui.tui.app import exit_lines
from clustertui.tui.launch import run_app
from tests.tui.fakes import FakeChaos


class Exploding(Widget):
    """A widget whose drawing raises: a bug anywhere in the TUI, as the user meets it."""

    def render(self) -> str:
        raise RuntimeError("[/] a widget broke")


def test_a_crash_reverts_this_sessions_faults_and_exits_non_zero(make_app, make_link, lab_cluster) -> None:
    chaos = FakeChaos(lab_cluster)
    chaos.add("f-0badc0de", "web1", "kill", "kill nginx on web1", 45.0, "alice@laptop")  # not ours: stays
    app = make_app(link=make_link(chaos))
    asyncio.run(chaos.apply(asyncio.run(chaos.plan(FaultRequest("kill", "web3", {"service": "nginx"}, ttl=20)))))
    assert app.chaos is not None and app.chaos.mine == {"f-00000001"}

    def explode() -> None:
        app.screen.mount(Exploding())

    app.call_later(explode)  # runs once the app is up
    code = run_app(app, headless=True)
    assert code != 0
    assert ("revert_own", "exit") in chaos.calls and chaos.closed
    assert list(chaos.ledger) == ["f-0badc0de"]
    assert exit_lines(app) == ["reverted f-00000001 on web3 on exit: reverted and verified"]
