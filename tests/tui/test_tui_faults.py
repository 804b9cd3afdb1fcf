"""FaultBook: the probe's fault ids merged with `Chaos.status()` details, and the sparkline
of a drill's traffic success.  Plain functions and objects, no Textual."""

from __future__ import annotations

import dataclasses

from clustertui.chaos import ActiveFault, ChaosStatus
from clustertui.chaos.ledger import LedgerRecord
from clustertui.transport.states import NodeState
from clustertui.tui.faults import FaultBook
from clustertui.tui.widgets.drill_panel import success_spark
from tests.tui.tui_state import with_node


def fault(fault_id: str, node: str, remaining: float = 40.0, by: str = "alice@laptop") -> ActiveFault:
    record = LedgerRecord(fault_id, "kill", "lab", node, "198.18.0.12", f"kill nginx on {node}", {}, 60.0, 0.0, by,
                          "detached", "sh ...")
    return ActiveFault(fault_id, node, "active", record, remaining, "detached sleep")


def at(snapshot, t: float):
    """The snapshot as if taken at `t`, every sample just taken."""
    nodes = tuple(dataclasses.replace(v, sample=dataclasses.replace(v.sample, t=t)) if v.sample else v
                  for v in snapshot.nodes)
    return dataclasses.replace(snapshot, t=t, nodes=nodes)


def test_a_new_id_from_the_probe_is_listed_at_once_and_asks_for_details(recorded) -> None:
    book = FaultBook()
    snap = with_node(at(recorded[0], 1000.0), "web2", faults=("f-0badc0de",))
    assert book.see_snapshot(snap) == {"f-0badc0de"}
    [row] = book.rows()
    assert (row.node, row.state, row.kind) == ("web2", "new", "") and book.undetailed
    book.see_status(ChaosStatus((fault("f-0badc0de", "web2"),), {}, ()), taken=1000.5)
    [row] = book.rows()
    assert (row.kind, row.by, row.summary) == ("kill", "alice@laptop", "kill nginx on web2") and not book.undetailed
    assert row.ends_at == 1040.5 and row.left(1010.5) == " 30s" and not row.mine
    assert book.rows(mine={"f-0badc0de"})[0].mine


def test_a_newer_sample_without_the_id_hides_it_before_the_next_status(recorded) -> None:
    book = FaultBook()
    book.see_snapshot(with_node(at(recorded[0], 1000.0), "web2", faults=("f-0badc0de",)))
    book.see_status(ChaosStatus((fault("f-0badc0de", "web2"),), {}, ()), taken=1000.5)
    book.see_snapshot(at(recorded[0], 1000.2))  # older than the status: the status still holds
    assert book.ids() == {"f-0badc0de"}
    book.see_snapshot(at(recorded[0], 1001.0))  # newer, and the ledger no longer lists it
    assert book.ids() == set()


def test_faults_on_nodes_the_probe_cannot_see_come_from_the_status(recorded) -> None:
    book = FaultBook()
    snap = with_node(at(recorded[0], 1000.0), "db3", state=NodeState.UNREACHABLE)
    book.see_snapshot(snap)
    book.see_status(ChaosStatus((dataclasses.replace(fault("f-00c0ffee", "db3"), state="unconfirmed"),), {}, ()),
                    taken=999.0)
    book.see_snapshot(at(snap, 1002.0))
    [row] = book.rows()
    assert (row.id, row.node, row.state) == ("f-00c0ffee", "db3", "unconfirmed")


def test_a_fault_reverted_here_is_not_brought_back_by_an_older_sample(recorded) -> None:
    book = FaultBook()
    stale = with_node(at(recorded[0], 1000.0), "web2", faults=("f-0badc0de",))
    book.see_snapshot(stale)
    book.forget(["f-0badc0de"], now=1000.5)
    assert book.ids() == set()
    book.see_snapshot(stale)  # the probe has not been round since the revert
    assert book.ids() == set()
    book.see_snapshot(with_node(at(recorded[0], 1001.0), "web2", faults=("f-0badc0de",)))  # it is back: believe it
    assert book.ids() == {"f-0badc0de"}


def test_fault_lines_for_the_node_detail(recorded) -> None:
    book = FaultBook()
    book.see_snapshot(with_node(at(recorded[0], 1000.0), "web2", faults=("f-0badc0de",)))
    book.see_status(ChaosStatus((fault("f-0badc0de", "web2", remaining=12.0),), {}, ()), taken=1000.0)
    [row] = book.rows(mine={"f-0badc0de"})
    assert row.line(1002.0) == "f-0badc0de  kill nginx on web2 · 10s left · by you"


def test_success_sparkline_keeps_the_worst_bucket_of_each_cell() -> None:
    values = [1.0] * 10 + [0.0] + [1.0] * 9 + [None] * 20
    assert success_spark(values, 4) == [1.0, 0.0, None, None]
    assert success_spark(values, 100) == values  # never more cells than buckets
    assert success_spark([], 10) == [] and success_spark(values, 0) == []
