"""Node text is data in the TUI's chaos side: a fault whose summary, operator and revert
result hold markup and terminal control is listed, confirmed, reverted and notified
literally; nothing is parsed as markup (a `[/]` in a result crashed the whole app) and no
control character reaches the screen. Pilot on the recorded lab state, fake chaos engine."""

from __future__ import annotations

import dataclasses
import re
from functools import partial

from textual.widgets import Static

from clustertui.chaos import ChaosSession, RevertOutcome, RevertStatus
from clustertui.drills.session import DrillSession
from clustertui.tui.screens.confirm import ConfirmScreen
from clustertui.tui.widgets.faults_panel import FaultsPanel
from tests.support.pilot import open_menu
from tests.support.waiting import until
from tests.tui.fakes import FakeChaos, FakeRunner
from tests.tui.tui_state import with_node

HOSTILE = "[/] [bold]x[/bold] \x1b]0;owned\x07\x1b[2J"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
SHOWN = "[/] [bold]x[/bold] \ufffd]0;owned"  # BEL and the CSI's ESC are replaced too


class HostileChaos(FakeChaos):
    """Reverts answer with the node's text, as a node's revert script output would."""

    async def revert(self, fault_id: str, reason: str = "manual") -> RevertOutcome:
        outcome = await super().revert(fault_id, reason)
        return RevertOutcome(fault_id, outcome.node, RevertStatus.NOT_REVERTED, f"revert said: {HOSTILE}")


def alice_on_web1(snapshot):
    """The recording with one fault in web1's ledger, as the probe reports it."""
    return dataclasses.replace(with_node(snapshot, "web1", faults=("f-0badc0de",)), active_faults=1)


def panel_rows(app) -> dict[str, list[str]]:
    panel = app.screen_stack[0].query_one(FaultsPanel)
    return {str(key.value): [str(cell) for cell in panel.get_row(key)] for key in panel.rows}


def screen(app) -> str:
    return app.export_screenshot().replace("&#160;", " ")


async def test_a_faults_text_is_data_from_panel_to_notification(make_app, make_link, recorded, lab_cluster) -> None:
    chaos = HostileChaos(lab_cluster)
    chaos.add("f-0badc0de", "web1", "kill", f"kill {HOSTILE}", 45.0, f"alice{HOSTILE}")
    app = make_app([alice_on_web1(recorded[0])], link=make_link(chaos))
    seen: list[str] = []
    async with app.run_test(size=(140, 45)) as pilot:
        await until(pilot, lambda: "f-0badc0de" in panel_rows(app))
        await pilot.pause(0.2)
        seen.append(screen(app))
        await pilot.press("H")
        assert isinstance(app.screen, ConfirmScreen)
        assert SHOWN in str(app.screen.query_one("#confirm-text", Static).render())
        seen.append(screen(app))
        await pilot.press("y")
        await until(pilot, lambda: ("revert_all", "halt") in chaos.calls)
        await until(pilot, lambda: any("revert said" in n.message for n in app._notifications))
        await pilot.pause(0.3)
        seen.append(screen(app))
        assert app.is_running
    assert all(not CONTROL.search(n.message + n.title) for n in app._notifications)
    assert any(SHOWN in n.message for n in app._notifications)
    for shown in seen:
        assert not [shown[max(0, m.start() - 60):m.end() + 10] for m in CONTROL.finditer(shown)]
    assert "[bold]x[/bold]" in seen[0]  # the summary in the faults panel, literally


async def test_a_drill_description_is_data_in_the_menu_and_the_confirmation(make_app, lab_cluster, tmp_path) -> None:
    """A drill description of `[/]` (a cluster file's text) crashed the app when the chaos
    menu described the drill; it is shown literally, control characters replaced."""
    drill = lab_cluster.drills["web-node-loss"].model_copy(update={"description": f"hostile {HOSTILE}"})
    cluster = lab_cluster.model_copy(update={"drills": {**lab_cluster.drills, "web-node-loss": drill}})
    chaos = FakeChaos(cluster)
    link = DrillSession(ChaosSession(cluster, chaos), partial(FakeRunner, cluster, seconds=0.2),  # type: ignore[arg-type]
                        reports_dir=tmp_path / "drills")
    app = make_app(link=link)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        menu = await open_menu(app, pilot)
        menu.actions.highlighted = menu.actions.get_option_index("drill:web-node-loss")
        await pilot.pause(0.2)
        assert f"hostile {SHOWN}" in str(menu.query_one("#menu-detail", Static).render())
        menu_screen = screen(app)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert f"hostile {SHOWN}" in str(app.screen.query_one("#confirm-text", Static).render())
        confirm_screen = screen(app)
        assert app.is_running
    for shown in (menu_screen, confirm_screen):
        assert not CONTROL.search(shown)
