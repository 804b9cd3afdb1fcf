"""Which columns the node table shows, and how wide, for a given terminal width.

Node rows must never wrap: every column has a fixed width chosen here, and every cell is
cut to it.  Three profiles cover 80 columns up to very wide terminals; whatever is left
after the fixed columns goes to the CPU sparkline, and if a cluster's long node names (or
the optional disk, swap and PSI columns) do not fit, the sparkline shrinks first and goes
last.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from clustertui.engine.snapshot import SPARK_POINTS, NodeView
from clustertui.tui import format as fmt
from clustertui.tui.sorting import ARROW_COLUMNS

NARROW_BELOW = 120
WIDE_FROM = 170
GAP = 1  # each cell starts with one blank cell: the column separator
SCROLLBAR = 1
MIN_SPARK = 6
MAX_SPARK = 60


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    width: int  # content cells, without the gap
    align: Literal["left", "right"] = "left"
    sort: str | None = None  # the sort mode a click on the header selects

    @property
    def min_width(self) -> int:
        """Room for the whole label, and for the sort arrow beside it on a column that can
        carry it: the arrow must never eat the header (`NOD…`)."""
        return len(self.label) + (1 if self.key in ARROW_COLUMNS else 0)


@dataclass(frozen=True, slots=True)
class Layout:
    """A profile: the columns, plus how the variable cells are drawn within them."""

    columns: tuple[Column, ...]
    bar: int  # CPU bar cells
    mem_bar: int  # memory bar cells (0: percentage only)
    spark: int  # sparkline cells (0: no sparkline column)
    full_states: bool  # "host-key-mismatch" rather than "HOSTKEY"
    named_services: bool  # "●nginx ●redis" rather than "●●"
    split_net: bool  # separate RX and TX columns
    compact_roles: bool = False  # the managers' roles short (` ▸VIP,pri`): the full ones do not fit

    @property
    def width(self) -> int:
        return sum(column.width + GAP for column in self.columns)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def services_width(views: tuple[NodeView, ...], named: bool) -> int:
    if named:
        longest = max((sum(len(s.name) + 2 for s in v.services) - 1 for v in views), default=0)
        return _clamp(longest, 3, 40)
    return _clamp(max((len(v.services) for v in views), default=0), 3, 12)


def layout_for(width: int, views: tuple[NodeView, ...], extra: bool = False, interval: float = 1.0) -> Layout:
    """The layout for a table `width` cells wide showing these nodes; `extra` adds the disk,
    swap and pressure (PSI) columns (`d`), which take the sparkline's room first.  The
    sparkline shows the last SPARK_POINTS samples: its label says how long that is at this
    `interval` (`CPU 1m` at 1s, `CPU 30s` at 500ms)."""
    narrow, wide = width < NARROW_BELOW, width >= WIDE_FROM
    spark_label = f"CPU {fmt.interval(SPARK_POINTS * interval)}"
    min_spark = max(MIN_SPARK, len(spark_label))
    name_w = _clamp(max((len(v.name) for v in views), default=4), 4, 16 if narrow else 28)
    roles_cap = 10 if narrow else 24
    compact_roles = _roles_width(views, False) > roles_cap
    roles_w = _clamp(_roles_width(views, compact_roles), 5, roles_cap)
    bar = 4 if narrow else 8 if not wide else 10
    mem_bar = 0 if narrow else 5 if not wide else 8
    named = not narrow
    columns = [Column("node", "NODE", name_w, sort="name")]
    if wide:
        host_w = _clamp(max((len(v.host) for v in views), default=4), 4, 24)
        columns.append(Column("host", "HOST", host_w, sort="name"))
    columns += [
        Column("state", "STATE", 19 if wide else 9, sort="health"),
        Column("roles", "ROLES", roles_w, sort="name"),
        Column("cpu", "CPU", bar + 5, sort="cpu"),
        Column("spark", spark_label, MIN_SPARK),
        Column("mem", "MEM", (mem_bar + 5) if mem_bar else 4, sort="mem"),
        Column("load", "LOAD", 5, align="right", sort="load"),
    ]
    if narrow:
        columns.append(Column("net", "RX/TX", 9, align="right", sort="net"))
    else:
        columns += [Column("rx", "RX/s", 4, align="right", sort="net"), Column("tx", "TX/s", 4, align="right", sort="net")]
    if extra:
        columns += [Column("disk", "DISK", 4, align="right"), Column("swap", "SWAP", 4, align="right"),
                    Column("psi", "PSI", 4 if narrow else 7, align="right")]
    columns += [
        Column("services", "SERVICES" if named else "SVC", services_width(views, named)),
        Column("age", "AGE", 4, align="right", sort="age"),
    ]
    columns = [replace(c, width=max(c.width, c.min_width)) for c in columns]
    fixed = sum(c.width + GAP for c in columns) - min_spark
    spark = _clamp(width - SCROLLBAR - fixed - GAP, 0, MAX_SPARK)
    if spark < min_spark:
        columns = [c for c in columns if c.key != "spark"]
        spark = 0
    else:
        columns = [Column("spark", spark_label, spark) if c.key == "spark" else c for c in columns]
    return Layout(
        columns=tuple(columns),
        bar=bar,
        mem_bar=mem_bar,
        spark=spark,
        full_states=wide,
        named_services=named,
        split_net=not narrow,
        compact_roles=compact_roles,
    )


def _roles_width(views: tuple[NodeView, ...], compact: bool) -> int:
    """The widest roles cell: the file's roles, then the managers' (full or `compact`)."""
    return max((len(",".join(v.roles)) + len(fmt.manager_roles(v.manager_roles, compact)) for v in views), default=5)
