"""A manager's view as rows of one table, whatever its kind: the TUI's managers screen.

Each kind's view may define `rows()` (a row per balancer server, per virtual address, per
replica, ...); `detail_rows` also covers a kind that does not (a new adapter shows at once,
from its `summary()` and its reads), so the screen never needs code per kind. A read that
failed is a row of its own, with its reason. Text here is node text: the caller renders it
as data (rich Text, control characters replaced), never markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from clustertui.managers.state import SourceRead


class Level(StrEnum):
    """How a row reads at a glance (the TUI's palette style of the same name)."""

    OK = "ok"
    WARN = "warn"  # not failing, not normal: a transition, a read that did not work
    BAD = "bad"  # out of service, split, disagreeing
    PLAIN = "plain"  # a fact with no judgement (a replica's role, a field)


@dataclass(frozen=True, slots=True)
class DetailRow:
    """One line of a manager's detail: `key` is stable from one read to the next (the
    screen updates the row of that key in place)."""

    key: str
    on: str  # where it was read (a balancer, a sentinel), or "" when it is the cluster's
    subject: str  # what it is about: backend/server, an address, a master name, a redis
    state: str  # UP, DOWN, held by lb1, primary db1, master, ...
    detail: str  # the rest, in one line
    level: Level = Level.PLAIN
    node: str = ""  # the cluster node it is about (Enter opens it), "" for none


class Viewed(Protocol):
    """What every kind's view has (managers/view.py)."""

    @property
    def manager(self) -> str: ...

    @property
    def reads(self) -> tuple[SourceRead, ...]: ...

    def summary(self) -> str: ...


def read_rows(reads: tuple[SourceRead, ...]) -> list[DetailRow]:
    """A row for every read that did not work: where, what state, why."""
    return [DetailRow(f"read/{r.node}", r.node, "read", str(r.state), r.reason, Level.WARN, r.node) for r in reads if not r.ok]


def detail_rows(view: Viewed) -> tuple[DetailRow, ...]:
    """The view's rows: its own `rows()`, else one per part of its summary; then its failed reads."""
    own: Any = getattr(view, "rows", None)
    if callable(own):
        rows = list(own())
    else:
        rows = [DetailRow(f"part/{i}", "", "", "", part) for i, part in enumerate(view.summary().split(" │ ")) if part]
    return tuple(rows + read_rows(view.reads))


def ago(seconds: int | float | None) -> str:
    """A duration the way the screen writes ages: 45s, 12m, 3h, 2d."""
    if seconds is None:
        return "?"
    value = float(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if value >= size:
            return f"{value // size:.0f}{unit}"
    return f"{value:.0f}s"
