"""Fixtures of the chaos tests.

Every test gets its own audit log; the whole session shares one directory of local fault
records (never the user's ~/.local/state), and at its end reverts any fault still recorded
there — faults that a failed test could not revert.  It never touches faults that other
sessions applied.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from clustertui.chaos import AuditLog, Chaos, LocalRecords
from clustertui.config import load_cluster
from tests.support.clusters import write_cluster
from tests.support.paths import LAB_FILE


@pytest.fixture(scope="session")
def records_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("chaos-records")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLUSTERTUI_FAULTS_DIR", str(directory))
        yield directory
    if LocalRecords(directory).for_cluster("lab"):
        asyncio.run(_revert_leftovers(directory))


async def _revert_leftovers(directory: Path) -> None:
    records = LocalRecords(directory)
    async with Chaos(load_cluster(LAB_FILE), records=records, audit=AuditLog(directory / "audit.jsonl")) as chaos:
        for record in records.for_cluster("lab"):
            await chaos.revert(record.id, "halt")


@pytest.fixture(autouse=True)
def audit_log(tmp_path: Path, records_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own audit log (the CLI in a subprocess inherits it through the env)."""
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("CLUSTERTUI_AUDIT_LOG", str(path))
    assert os.environ["CLUSTERTUI_FAULTS_DIR"] == str(records_dir)
    return path


@pytest.fixture(scope="session")
def roomy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's cluster file with room for one fault per node (tests run them in parallel)."""
    return write_cluster(tmp_path_factory.mktemp("clusters") / "roomy.yaml", max_faulted_nodes=8)
