"""The node detail says where a node's figures come from under `source: {prometheus: URL}`:
from Prometheus, or from the probe with why Prometheus could not give them."""

from __future__ import annotations

import dataclasses

from clustertui.probe.sample import MetricsOrigin
from clustertui.tui.widgets.node_header import NodeHeader
from tests.tui.tui_state import with_node

WHY = 'prometheus http://198.18.0.1:9090: no series with node="web1"'


async def _first_line(make_app, recorded, **changes) -> str:
    web1 = recorded[0].node("web1")
    app = make_app([with_node(recorded[0], "web1", sample=dataclasses.replace(web1.sample, **changes))])
    async with app.run_test(size=(220, 40)) as pilot:
        await pilot.pause()
        app.open_node("web1")
        await pilot.pause()
        return app.screen.query_one(NodeHeader).render().plain.splitlines()[0]


async def test_the_detail_says_where_the_figures_come_from(make_app, recorded) -> None:
    assert (await _first_line(make_app, recorded, metrics_note=WHY)).endswith(f"figures from the probe: {WHY}")
    assert (await _first_line(make_app, recorded, metrics=MetricsOrigin.PROMETHEUS)).endswith("figures from prometheus")
    assert "figures from" not in await _first_line(make_app, recorded)  # no source configured: nothing said
