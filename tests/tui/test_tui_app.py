"""The app on replayed snapshots, driven with Pilot: rows, updates, keys, mouse, palette."""

from __future__ import annotations

import dataclasses
import io

from textual import events
from textual.widgets import DataTable

from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.screens.help import HelpScreen
from clustertui.tui.screens.overview import OverviewScreen
from clustertui.tui.widgets.event_log import EventLog
from clustertui.tui.widgets.header import ClusterHeader
from clustertui.tui.widgets.node_table import NodeTable
from tests.tui.tui_state import with_node


def table_of(app) -> NodeTable:
    return app.screen_stack[0].query_one(NodeTable)


def rows(app) -> list[str]:
    return table_of(app).visible_names


def services_cell(app, node: str):
    """The services cell as (glyph, colour) pairs."""
    palette = app.palette
    colours = {"ok": palette.ok, "bad": palette.bad, "stale": palette.stale}
    return [(text, colours[style]) for text, style in table_of(app).cell(node, "services")]


def healthy(snapshot):
    """The recording with web2's nginx up again."""
    web2 = snapshot.node("web2")
    up = tuple(dataclasses.replace(s, up=True, detail="", process_count=2, listening=True, http_ms=1.2)
               for s in web2.services)
    return with_node(snapshot, "web2", services=up)


async def test_one_row_per_node_worst_first(make_app, bad_day) -> None:
    app = make_app([bad_day])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert len(rows(app)) == len(bad_day.nodes) == 8
        # unreachable, then stale, then the up node with a service down, then the rest by name
        assert rows(app)[:3] == ["db3", "lb2", "web2"]
        assert rows(app)[3:] == ["db1", "db2", "lb1", "web1", "web3"]


async def test_a_service_going_down_turns_its_glyph_red_on_the_next_tick(make_app, recorded) -> None:
    before, after = healthy(recorded[0]), recorded[0]
    app = make_app([before, after])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert services_cell(app, "web2") == [("●", app.palette.ok)]
        app.tick()
        await pilot.pause()
        assert services_cell(app, "web2") == [("✖", app.palette.bad)]
        assert rows(app)[0] == "web2"  # now the worst node


async def test_filter_narrows_and_escape_restores(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"role:web")
        assert rows(app) == ["web2", "web1", "web3"]
        await pilot.press("enter")
        assert app.focused is table_of(app)
        assert rows(app) == ["web2", "web1", "web3"]  # Enter keeps the filter
        await pilot.press("escape")
        assert len(rows(app)) == 8


async def test_keys_typed_right_after_slash_all_reach_the_filter(make_app) -> None:
    """A terminal hands over a burst (a paste, tmux send-keys, a fast typist) as key events
    queued at once: every key after `/` goes to the filter, none to the table's bindings."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key, char in [("slash", "/"), *((c, c) for c in "role"), ("colon", ":"), *((c, c) for c in "web")]:
            app.post_message(events.Key(key, char))
        await pilot.pause()
        assert app.screen.filter_bar.input.value == "role:web"
        assert rows(app) == ["web2", "web1", "web3"]
        await pilot.press("slash")  # in the filter, `/` is text
        assert app.screen.filter_bar.input.value == "role:web/"


async def test_filter_by_state_and_by_label(make_app, bad_day) -> None:
    app = make_app([bad_day])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"state:stale")
        assert rows(app) == ["lb2"]
        await pilot.press(*["backspace"] * len("state:stale"), *"db")
        assert rows(app) == ["db3", "db1", "db2"]


async def test_enter_opens_the_node_and_escape_returns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.node == rows(app)[1]
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_detail_follows_ticks(make_app, recorded) -> None:
    before, after = healthy(recorded[0]), recorded[0]
    app = make_app([before, after])
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("web2")
        await pilot.pause()
        services = app.screen.query_one("#services", DataTable)
        assert "up" in services.get_cell("nginx", "state").plain
        app.tick()
        await pilot.pause()
        assert "DOWN" in services.get_cell("nginx", "state").plain


async def test_sort_keys_and_header_click(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("s")  # health -> name
        assert rows(app) == sorted(rows(app))
        await pilot.press("S")
        assert rows(app) == sorted(rows(app), reverse=True)
        table = table_of(app)
        x = sum(c.width + 1 for c in table.columns_layout.columns[: [c.key for c in table.columns_layout.columns].index("cpu")])
        await pilot.click(NodeTable, offset=(x + 2, 0))
        assert table.sort_mode == "cpu"
        cpus = [app.latest.node(n).sample.cpu_percent for n in rows(app)]
        assert cpus == sorted(cpus, reverse=True)


async def test_clicking_a_row_twice_opens_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.click(NodeTable, offset=(2, 3))
        await pilot.click(NodeTable, offset=(2, 3))
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.node == rows(app)[2]


async def test_event_log_toggles(make_app, recorded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        log = app.screen.query_one(EventLog)
        assert not log.display
        await pilot.press("e")
        assert log.display and len(log.kept) == len(recorded[0].events)
        await pilot.press("e")
        assert not log.display


async def test_the_filter_narrows_the_event_log_to_its_nodes(make_app, recorded) -> None:
    """`/web2`: the log keeps web2's events and the cluster's own; clearing the filter
    brings every kept event back."""
    events = recorded[0].events
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        log = app.screen.query_one(EventLog)
        await pilot.press("e")
        assert len(log.lines) == len(events)
        await pilot.press("slash", *"web2", "enter")
        assert rows(app) == ["web2"]
        mine = [e for e in events if e.node in (None, "web2")]
        assert 0 < len(mine) < len(events) and len(log.lines) == len(mine)
        assert log.border_title == "events · filtered"
        app.tick()  # the next tick writes its new events through the same filter
        await pilot.pause()
        assert len(log.lines) == len(mine)
        await pilot.press("escape")
        assert len(log.lines) == len(events) and log.border_title == "events"


#: How the help writes Textual's key names.
KEY_GLYPHS = {"down": "↓", "up": "↑", "pagedown": "pgdn", "pageup": "pgup", "question_mark": "?", "slash": "/",
              "escape": "esc", "plus": "+", "minus": "-", "equals_sign": "="}


def help_text(chaos_off: bool, local: bool = False) -> str:
    from rich.console import Console

    from clustertui.tui.screens.help import help_table

    console = Console(width=200, record=True, file=io.StringIO())
    console.print(help_table(chaos_off, local))
    return console.export_text()


async def test_help_lists_every_key(make_app) -> None:
    """Every binding of the app, its screens and the node table is on the help screen, with
    each of its keys: taken from the classes themselves, so a key bound anywhere else than
    the key table fails here."""
    from clustertui.tui import keys
    from clustertui.tui.app import ClusterApp

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
    text = help_text(chaos_off=False)
    lines = text.splitlines()
    for owner in (ClusterApp, OverviewScreen, DetailScreen, NodeTable):
        for binding in owner.BINDINGS:
            listed = [k for k in keys.KEYS if k.key == binding.key and k.action == binding.action]
            assert listed, (owner.__name__, binding)
            shown = keys.key_text(listed[0])
            for name in binding.key.split(","):
                assert KEY_GLYPHS.get(name, name) in shown.split(), (binding, shown)
            assert any(line.strip().startswith(shown + " ") and listed[0].help[:30] in line for line in lines), shown


async def test_help_and_footer_hide_what_does_nothing_here(make_app) -> None:
    """This machine alone (no cluster file): no chaos key and no faults panel key, in the
    footer, the help, or typed; --read-only keeps the faults panel."""
    from clustertui.tui import keys

    for link, read_only, faults_key in ((None, False, False), (True, True, True), (True, False, True)):
        app = make_app(link=link, read_only=read_only)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            chaos_off = read_only or link is None
            for action in ("chaos_menu", "halt", "revert_fault"):
                assert app.screen.check_action(action, ()) is not chaos_off
            assert app.screen.check_action("toggle_faults", ()) is faults_key
            assert app.check_action("reconnect", ()) is faults_key  # this machine alone: nothing to reconnect
            await pilot.press("f")
            assert app.screen.faults_panel.has_class("-shown") is faults_key
            text = help_text(chaos_off, local=link is None)
            assert ("To the active faults" in text) is faults_key
            assert ("Chaos menu" in text) is not chaos_off
            assert "Sample more often" in text and "Mark or unmark" in text
            assert {k.action for k in keys.keys("overview", chaos_off, link is None)} >= {"filter", "toggle_columns"}


async def test_palette_jumps_to_a_node_and_switches_theme(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p", *"Node: web3")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.node == "web3"
        await pilot.press("escape", "ctrl+p", *"Theme: light")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "light"


async def test_theme_key_switches_live(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = app.theme
        await pilot.press("t")
        await pilot.pause()
        assert app.theme != first
        assert services_cell(app, "web1") == [("●", app.palette.ok)]


async def test_read_only_is_shown_in_the_header(make_app) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "READ-ONLY" in app.screen.query_one(ClusterHeader).render().plain


async def test_reconnect_key_on_the_detail_asks_the_source(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_node("db2")
        await pilot.pause()
        await pilot.press("r")
        assert app.source.retried == ["db2"]


async def test_read_only_hides_and_refuses_chaos_actions(make_app, monkeypatch) -> None:
    from clustertui.tui import keys
    from clustertui.tui.commands import palette_commands

    chaos_key = keys.Key("overview", "x", "kill_service", "Kill", "Kill a service on the node.", chaos=True)
    monkeypatch.setattr(keys, "KEYS", (*keys.KEYS, chaos_key))
    for read_only in (False, True):
        app = make_app(read_only=read_only)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            titles = {command.title for command in palette_commands(app, app.screen)}
            assert ("Kill" in titles) is not read_only
            assert (chaos_key in keys.keys("overview", read_only)) is not read_only
            assert app.check_action("kill_service", ()) is not read_only
            assert app.screen.check_action("kill_service", ()) is not read_only


async def test_a_tick_while_the_detail_is_still_mounting_waits_for_it(make_app, recorded) -> None:
    """The tick's timer can fire between the push of a DetailScreen and its widgets' mount (the
    services table has no columns yet): that tick skips the screen, the next one fills it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("web2")
        app.tick()  # in the same callback as the push, before the screen has mounted
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        services = app.screen.query_one("#services", DataTable)
        assert services.row_count == len(recorded[0].node("web2").services)


async def test_a_tick_while_the_app_shuts_down_touches_no_widget(make_app) -> None:
    """The timers still fire while the app takes its screens apart: a tick then (the header
    already removed) shows nothing rather than crash the app on its way out."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.screen.query_one(ClusterHeader).remove()
        app._running = False  # as App._shutdown sets it before it closes the screens
        try:
            app.tick()
        finally:
            app._running = True
