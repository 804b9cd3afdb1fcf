"""The controller's own record of the faults it applied.

The node's ledger is the truth; this copy answers what the ledger cannot when a node is
out of reach: which faults we believe are on it (they count against the blast radius, and
`status` lists them as unconfirmed), and on which node a fault id lives without asking
every node.  One file per fault, `<state>/faults/ID.json` (`CLUSTERTUI_FAULTS_DIR`
overrides the directory), written when the fault is applied and removed when a revert is
verified or a survey finds the fault gone from its node.
"""

from __future__ import annotations

import os
from pathlib import Path

from clustertui.chaos.audit import state_dir
from clustertui.chaos.ledger import LedgerRecord
from clustertui.chaos.validate import FAULT_ID_RE


def default_records_dir() -> Path:
    override = os.environ.get("CLUSTERTUI_FAULTS_DIR")
    return Path(override).expanduser() if override else state_dir() / "faults"


class LocalRecords:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or default_records_dir()

    def save(self, record: LedgerRecord) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{record.id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(record.to_json() + "\n")
        tmp.replace(path)

    def remove(self, fault_id: str) -> None:
        (self.directory / f"{fault_id}.json").unlink(missing_ok=True)

    def get(self, fault_id: str) -> LedgerRecord | None:
        try:
            return LedgerRecord.from_json((self.directory / f"{fault_id}.json").read_text())
        except (OSError, ValueError, TypeError):
            return None

    def for_cluster(self, cluster: str) -> list[LedgerRecord]:
        """Records of faults applied to `cluster`; unreadable files are skipped."""
        if not self.directory.is_dir():
            return []
        records = []
        for path in sorted(self.directory.glob("f-*.json")):
            if not FAULT_ID_RE.fullmatch(path.stem):
                continue
            record = self.get(path.stem)
            if record is not None and record.cluster == cluster:
                records.append(record)
        return records
