"""Node ranges agree with ClusterShell's NodeSet (the reference for pdsh-style host lists)."""

from __future__ import annotations

from ClusterShell.NodeSet import NodeSet
from hypothesis import given
from hypothesis import strategies as st

from clustertui.config.ranges import expand_range


@st.composite
def bracket(draw: st.DrawFn) -> str:
    """Ascending, non-overlapping items with one padding width: NodeSet keeps them in order."""
    width = draw(st.sampled_from([0, 2, 3]))
    items, at = [], draw(st.integers(0, 5))
    for _ in range(draw(st.integers(1, 3))):
        low = at + draw(st.integers(0, 4))
        high = low + draw(st.integers(0, 4))
        at = high + 2
        items.append(f"{low:0{width}d}" if low == high else f"{low:0{width}d}-{high:0{width}d}")
    return "[" + ",".join(items) + "]"


@given(st.lists(st.tuples(st.sampled_from(["web", "rack", "-n", ".", "db-"]), bracket()), min_size=1, max_size=2),
       st.sampled_from(["", ".example.internal", "-a"]))
def test_expansion_matches_clustershell(parts: list[tuple[str, str]], suffix: str) -> None:
    text = "".join(prefix + body for prefix, body in parts) + suffix
    assert expand_range(text) == list(NodeSet(text))


def test_ip_ranges_match_clustershell() -> None:
    text = "198.18.[0-1].[11-13,20]"
    assert expand_range(text) == list(NodeSet(text))
