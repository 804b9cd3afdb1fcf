"""A manager's detail rows: a kind without rows of its own (one added later) still shows,
one row per part of its summary, and every failed read is a row with its reason."""

from __future__ import annotations

from dataclasses import dataclass

from clustertui.managers.rows import DetailRow, Level, ago, detail_rows
from clustertui.managers.state import ReadState, SourceRead


@dataclass(frozen=True)
class NewKindView:
    manager: str
    reads: tuple[SourceRead, ...]

    def summary(self) -> str:
        return "etcd leader db2, term 7 │ members 3/3 healthy"


def test_a_kind_without_rows_shows_its_summary_and_failed_reads() -> None:
    view = NewKindView("etcd", (SourceRead("db1", ReadState.OK), SourceRead("db3", ReadState.SLOW, "no whole answer")))
    assert detail_rows(view) == (
        DetailRow("part/0", "", "", "", "etcd leader db2, term 7"),
        DetailRow("part/1", "", "", "", "members 3/3 healthy"),
        DetailRow("read/db3", "db3", "read", "slow", "no whole answer", Level.WARN, "db3"),
    )


def test_ages_read_like_the_screen_writes_them() -> None:
    assert [ago(s) for s in (None, 5, 59, 60, 3600 * 5, 86400 * 3)] == ["?", "5s", "59s", "1m", "5h", "3d"]
