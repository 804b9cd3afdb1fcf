"""Snapshot tests (pytest-textual-snapshot) of two lab clusters in one TUI: lab.yaml and
lab-ha.yaml, each replayed from its recording of the real lab (data/lab_state.json,
data/lab_ha_state.json), at 80x24 and 200x60, as `monitor lab.yaml lab-ha.yaml` shows them.
Update after an intended change with `pytest tests/tui --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

import pytest

SIZES = [(80, 24), (200, 60)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_two_clusters_overview(snap_compare, make_several_app, size) -> None:
    assert snap_compare(make_several_app(), terminal_size=size)


def test_two_clusters_filtered_to_one_with_the_event_log(snap_compare, make_several_app) -> None:
    assert snap_compare(make_several_app(), terminal_size=(80, 24), press=["e", "slash", *"cluster:lab-ha", "enter"])


def test_two_clusters_help(snap_compare, make_several_app) -> None:
    assert snap_compare(make_several_app(), terminal_size=(80, 24), press=["question_mark", "end"])
