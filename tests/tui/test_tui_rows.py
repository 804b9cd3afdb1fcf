"""The pure parts of the node table: formatting, column layouts, sort orders, the filter."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from clustertui.config.thresholds import Thresholds
from clustertui.transport.states import NodeState
from clustertui.tui import format as fmt
from clustertui.tui.columns import SCROLLBAR, layout_for
from clustertui.tui.filtering import parse_filter
from clustertui.tui.palette import Palette
from clustertui.tui.rows import RowBuilder, header
from clustertui.tui.sorting import SORTS, arrow_column, ordered
from tests.tui.tui_state import with_node

PALETTE = Palette(ok="#00ff00", warn="#ffff00", bad="#ff0000", stale="#808080", spark="#0000ff")


@given(st.floats(min_value=0, max_value=1e18, allow_nan=False))
def test_human_sizes_fit_four_cells(value: float) -> None:
    assert 2 <= len(fmt.human(value)) <= 4


@pytest.mark.parametrize(
    ("value", "text"), [(0, "0B"), (980, "980B"), (1000, "1.0K"), (1536, "1.5K"), (12_345, "12K"), (5 * 2**20, "5.0M")]
)
def test_human_examples(value: float, text: str) -> None:
    assert fmt.human(value) == text


@given(st.one_of(st.none(), st.floats(min_value=0, max_value=1e6)))
def test_age_fits_four_cells(seconds: float | None) -> None:
    assert len(fmt.age(seconds)) == 4


@given(st.one_of(st.none(), st.floats(allow_nan=True)), st.integers(min_value=0, max_value=40))
def test_bar_is_exactly_its_width(value: float | None, width: int) -> None:
    filled, empty = fmt.bar(value, width)
    assert len(filled) + len(empty) == width


@given(st.lists(st.one_of(st.just(math.nan), st.floats(min_value=-5, max_value=500)), max_size=120),
       st.integers(min_value=0, max_value=80))
def test_sparkline_is_exactly_its_width(values: list[float], width: int) -> None:
    assert len(fmt.sparkline(tuple(values), width)) == width


def test_sparkline_keeps_peaks_and_places_recent_samples_right() -> None:
    values = (0.0,) * 59 + (100.0,)
    assert fmt.sparkline(values, 10) == "▁" * 9 + "█"
    assert fmt.sparkline((50.0,) * 6, 10) == " " * 9 + "▅"  # 6 s of a minute: the last cell


@pytest.mark.parametrize("width", [80, 100, 120, 160, 200, 300])
def test_rows_fit_the_terminal_and_never_wrap(width: int, bad_day) -> None:
    long_name = dataclasses.replace(bad_day.node("web1"), name="web-frontend-eu-west-1a-0001", roles=("web", "edge"))
    views = (*bad_day.nodes, long_name)
    layout = layout_for(width, views)
    assert layout.width + SCROLLBAR <= width
    builder = RowBuilder(layout, PALETTE, Thresholds())
    for view in views:
        for column in layout.columns:
            text = "".join(segment.text for segment in builder.segments(column, builder.parts(column.key, view)))
            assert cell_len(text) == column.width + 1 and "\n" not in text, (column, text)
        assert sum(cell_len(segment.text) for segment in builder.row(view)) == layout.width


def test_narrow_and_wide_profiles(bad_day) -> None:
    narrow = [c.key for c in layout_for(80, bad_day.nodes).columns]
    wide = [c.key for c in layout_for(200, bad_day.nodes).columns]
    assert narrow == ["node", "state", "roles", "cpu", "spark", "mem", "load", "net", "services", "age"]
    assert wide == ["node", "host", "state", "roles", "cpu", "spark", "mem", "load", "rx", "tx", "services", "age"]


def test_stale_and_unreachable_rows_are_greyed(bad_day) -> None:
    builder = RowBuilder(layout_for(120, bad_day.nodes), PALETTE, Thresholds())
    for name in ("lb2", "db3"):
        for key in ("node", "cpu", "mem", "load", "rx", "spark"):
            styles = {style for _, style in builder.parts(key, bad_day.node(name))}
            assert styles == {"stale"}, (name, key, styles)
    assert {s for _, s in builder.parts("cpu", bad_day.node("db1"))} != {"stale"}


def test_health_order_puts_the_worst_first(bad_day) -> None:
    snap = with_node(bad_day, "db1", state=NodeState.HOST_KEY_MISMATCH)
    names = [v.name for v in ordered(list(snap.nodes), "health")]
    assert names[:4] == ["db1", "db3", "lb2", "web2"]


#: The order of the recorded bad day in each mode, worked out by hand from its samples:
#: biggest first, ties by name (cpu: db2 1.5 %; db1, db3, lb1, web3 1.0 %; lb2, web1, web2
#: 0.5 %), and for health db3 unreachable, lb2 stale, web2 with nginx down, then the rest.
EXPECTED_ORDER = {
    "health": ["db3", "lb2", "web2", "db1", "db2", "lb1", "web1", "web3"],
    "name": ["db1", "db2", "db3", "lb1", "lb2", "web1", "web2", "web3"],
    "cpu": ["db2", "db1", "db3", "lb1", "web3", "lb2", "web1", "web2"],
    "mem": ["db1", "db2", "db3", "lb1", "lb2", "web1", "web3", "web2"],
    "load": ["lb1", "web2", "web1", "db2", "db3", "db1", "lb2", "web3"],
    "net": ["db2", "db1", "db3", "lb1", "web3", "lb2", "web1", "web2"],
    "age": ["db3", "lb2", "db2", "web1", "lb1", "web2", "db1", "web3"],
}


def test_every_sort_mode_has_its_expected_order() -> None:
    assert set(EXPECTED_ORDER) == set(SORTS)


@pytest.mark.parametrize("mode", list(SORTS))
def test_every_sort_mode_orders_and_reverses(mode: str, bad_day) -> None:
    forward = [v.name for v in ordered(list(bad_day.nodes), mode)]
    backward = [v.name for v in ordered(list(bad_day.nodes), mode, reverse=True)]
    assert forward == EXPECTED_ORDER[mode]
    assert backward == forward[::-1]


@pytest.mark.parametrize("mode", ["cpu", "mem", "load", "net", "age"])
def test_metric_orders_put_nodes_without_a_sample_last(mode: str, bad_day) -> None:
    snap = with_node(bad_day, "db2", sample=None)
    assert [v.name for v in ordered(list(snap.nodes), mode)][-1] == "db2"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"lb1", "lb2", "web1", "web2", "web3", "db1", "db2", "db3"}),
        ("web", {"web1", "web2", "web3"}),
        ("role:db", {"db1", "db2", "db3"}),
        ("name:1", {"lb1", "web1", "db1"}),
        ("state:stale", {"lb2"}),
        ("state:unreach", {"db3"}),
        ("role:db state:up", {"db1", "db2"}),
        ("zone=b", {"web2"}),
        ("label:zone", {"web1", "web2"}),
        ("198.18.0.2", {"lb1", "db1", "db2", "db3"}),
        ("WEB2", {"web2"}),
        ("nothing-like-this", set()),
    ],
)
def test_filter(query: str, expected: set[str], bad_day) -> None:
    snap = with_node(bad_day, "web1", labels={"zone": "a"})
    snap = with_node(snap, "web2", labels={"zone": "b"})
    node_filter = parse_filter(query)
    assert {v.name for v in snap.nodes if node_filter.matches(v)} == expected


@pytest.mark.parametrize("width", [80, 120, 200])
@pytest.mark.parametrize("mode", list(SORTS))
@pytest.mark.parametrize("reverse", [False, True])
def test_headers_keep_their_label_and_the_sort_arrow(width: int, mode: str, reverse: bool, bad_day) -> None:
    """The arrow must not eat the label (it did: `NOD…` sorted by name, `RX/s` lost its arrow),
    and a column narrower than its label (`SE…` for short service names) is widened."""
    one_short_service = dataclasses.replace(
        bad_day.node("web1"), name="w1", services=bad_day.node("web1").services[:1])
    views = (one_short_service,)
    layout = layout_for(width, views)
    arrow = arrow_column(mode, layout.split_net)
    texts = {c.key: header(c, c.key == arrow, reverse) for c in layout.columns}
    for column in layout.columns:
        text = texts[column.key]
        assert len(text) == column.width + 1 and "…" not in text, text
        assert column.label in text
    assert ("▲" if reverse else "▼") in texts[arrow]


@pytest.mark.parametrize(("count", "text"), [(0, "0 nodes"), (1, "1 node"), (2, "2 nodes")])
def test_plural(count: int, text: str) -> None:
    assert fmt.plural(count, "node") == text
    assert fmt.plural(count, "process", "processes").endswith("process" if count == 1 else "processes")


def test_gauges_are_coloured_by_the_files_thresholds(bad_day) -> None:
    """The same node, judged by the defaults and by a file that is stricter: CPU, memory,
    load, disk, swap and PSI all follow `thresholds:`."""
    web1 = bad_day.node("web1")
    sample = dataclasses.replace(web1.sample, swap_total=1000, swap_used=300, psi_cpu=0.5, psi_io=12.0, psi_memory=None)
    view = dataclasses.replace(web1, sample=sample)
    layout = layout_for(200, (view,), extra=True)
    strict = Thresholds.model_validate({"cpu": {"warn": 0.0, "bad": 0.1}, "memory": {"warn": 0.1, "bad": 1},
                                        "load": {"warn": 0.01, "bad": 0.02}, "disk": {"warn": 1, "bad": 99},
                                        "swap": {"warn": 1, "bad": 2}, "psi": {"warn": 50, "bad": 60}})
    default, stricter = RowBuilder(layout, PALETTE, Thresholds()), RowBuilder(layout, PALETTE, strict)

    def level(builder: RowBuilder, key: str) -> str:
        return builder.parts(key, view)[-1 if key == "psi" else 0][1]

    assert {key: level(default, key) for key in ("cpu", "mem", "load", "disk", "swap", "psi")} == {
        "cpu": "ok", "mem": "ok", "load": "ok", "disk": "ok", "swap": "warn", "psi": "warn"}
    assert {key: level(stricter, key) for key in ("cpu", "mem", "load", "disk", "swap", "psi")} == {
        "cpu": "bad", "mem": "bad", "load": "bad", "disk": "warn", "swap": "bad", "psi": "ok"}
    assert "".join(text for text, _ in default.parts("psi", view)) == "io  12%"


def test_extra_columns_fit_every_profile(bad_day) -> None:
    for width in (80, 120, 200):
        layout = layout_for(width, bad_day.nodes, extra=True)
        keys = [c.key for c in layout.columns]
        assert {"disk", "swap", "psi"} <= set(keys) and layout.width + SCROLLBAR <= width, (width, keys)
    assert "spark" not in [c.key for c in layout_for(80, bad_day.nodes, extra=True).columns]


def test_health_order_judges_pressure_by_the_files_thresholds(bad_day) -> None:
    """Below the default warn level the healthy nodes go by name; a file whose CPU warn level
    only the busiest node reaches puts it first, and one that every node reaches, by name again."""
    up = [v for v in bad_day.nodes if v.state is NodeState.UP and not v.services_down]
    busiest = max(up, key=lambda v: v.sample.cpu_percent or 0.0)
    only_busiest = Thresholds.model_validate({"cpu": {"warn": (busiest.sample.cpu_percent or 0.0) - 0.01, "bad": 99}})
    everyone = Thresholds.model_validate({"cpu": {"warn": 0.0, "bad": 99}})
    by_name = sorted(v.name for v in up)
    assert [v.name for v in ordered(up, "health")] == by_name
    assert ordered(up, "health", thresholds=only_busiest)[0].name == busiest.name != by_name[0]
    assert [v.name for v in ordered(up, "health", thresholds=everyone)] == by_name


def test_several_clusters_judge_each_node_by_its_own_files_thresholds(bad_day) -> None:
    """Two clusters shown at once, one strict and one lax: the same CPU is `bad` in one and
    `ok` in the other, in the gauge's colour and in the health order."""
    sample = bad_day.node("web1").sample
    busy = dataclasses.replace(sample, cpu=dataclasses.replace(sample.cpu, percent=70.0))
    strict = dataclasses.replace(bad_day.node("web1"), name="prod/web1", cluster="prod", sample=busy)
    lax = dataclasses.replace(bad_day.node("web1"), name="batch/web1", cluster="batch", sample=busy)
    by_cluster = {"prod": Thresholds(cpu={"warn": 40, "bad": 60}), "batch": Thresholds(cpu={"warn": 80, "bad": 95})}
    builder = RowBuilder(layout_for(120, (strict, lax)), PALETTE, Thresholds(), by_cluster)
    assert builder.parts("cpu", strict)[0][1] == "bad" and builder.parts("cpu", lax)[0][1] == "ok"
    for first in (strict, lax):  # whichever comes first in the input
        views = [first, lax if first is strict else strict]
        assert ordered(views, "health", by_cluster=by_cluster)[0].name == "prod/web1"
