"""The TUI (Pilot) beside a node whose probe prints markup and terminal control in its
hostname, kernel, a unit's state, an interface name and its fault ids: the app keeps
running, the text is drawn literally, and no control character reaches the screen (the
node can neither set the terminal's title nor clear it)."""

from __future__ import annotations

import time
from pathlib import Path

from clustertui.config import load_cluster
from clustertui.engine.monitor import ClusterMonitor
from clustertui.transport.states import NodeState
from clustertui.tui.app import ClusterApp
from clustertui.tui.screens.detail import DetailScreen
from clustertui.tui.source import MonitorSource
from clustertui.tui.themes import BUILTIN_DIR, ThemeCatalog
from tests.hostile.cluster import CONTROL, write_cluster
from tests.hostile.node import HostileNode

OSC_TITLE = b"\x1b]0;owned\x07"
CSI_CLEAR = b"\x1b[2J\x1b[H"
SERVICES = {"web": {"roles": ["web"], "systemd": "web.service"}}


def lying_frame(frame: bytes) -> bytes:
    """Hostname and kernel with markup and OSC/CSI; a unit state of `[/]`; a fault id with
    a closing tag and a title sequence; an interface name with markup."""
    lines = frame.split(b"\n")
    out = []
    for line in lines:
        if line.startswith(b"H "):
            line = b"H [bold]h[/bold]" + OSC_TITLE + b"x " + CSI_CLEAR + b"[/]k " + line.split()[-1]
        elif line.startswith(b"s U "):
            continue
        elif line == b"E":
            out += [b"s U web.service [/]", b"x f-[/]" + OSC_TITLE, b"n [red]eth\x1b[31m 1 2"]
        out.append(line)
    return b"\n".join(out)


def screen_text(app: ClusterApp) -> str:
    return app.export_screenshot().replace("&#160;", " ")  # SVG text: spaces are &#160;


async def test_node_text_is_data_in_the_tui(hostile: HostileNode, honest: HostileNode, tmp_path: Path) -> None:
    hostile.behaviour.frame = lying_frame
    file = write_cluster(tmp_path / "c.yaml", [hostile.node_yaml("evil"), honest.node_yaml("good")], services=SERVICES)
    app = ClusterApp(MonitorSource(ClusterMonitor(load_cluster(file))), ThemeCatalog.load((BUILTIN_DIR,)))
    written: list[str] = []

    async with app.run_test(size=(160, 45)) as pilot:
        deadline = time.monotonic() + 20
        while app.latest is None or not all(v.sample is not None for v in app.latest.nodes if v.name == "evil"):
            assert time.monotonic() < deadline, app.latest and [(v.name, v.state, v.detail) for v in app.latest.nodes]
            await pilot.pause(0.1)
        await pilot.pause(1.2)
        written.append(screen_text(app))
        assert app.overview is not None and app.overview.table.select_node("evil")
        await pilot.press("enter")
        await pilot.pause(1.2)
        assert isinstance(app.screen, DetailScreen)
        written.append(screen_text(app))
        assert app.is_running
    states = {v.name: v.state for v in app.latest.nodes}
    assert states["good"] is NodeState.UP, states
    for shown in written:
        assert not [shown[max(0, m.start() - 80):m.end() + 20] for m in CONTROL.finditer(shown)]
    detail = written[1]
    assert "[bold]h[/bold]" in detail  # the hostname, literally
    assert "[/]k" in detail  # the kernel
