"""A fault that outlives a reboot of its node (disk-fill's file) is reverted at the next
contact, and its local record goes only when the node confirmed the revert.

How the test models a reboot: a reboot empties /run (a tmpfs: the fault's ledger goes) and
ends every process (the fault's dead-man timer goes), while a file on disk stays.  On web1
the test deletes /run/clustertui and kills the timer's process group, and leaves the fill
file where it is (it lives in the node's /tmp, which the test does not touch, as a disk
would keep it).  The persistent ledger (/var/lib/clustertui/faults/web1) stays, as it
would on a real disk.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clustertui.chaos import LocalRecords
from clustertui.chaos.ledger import KEEP_DIR
from tests.support.cli import run_cli
from tests.support.nodes import sh
from tests.support.paths import LAB_FILE

pytestmark = pytest.mark.lab


def reboot_effect(lab, node: str, fault_id: str) -> None:
    """What a reboot does to a fault: its /run ledger and its timer are gone."""
    sh(lab, node, f"ctui_pg=$(awk '$1 == \"pid\" {{print $2}}' /run/clustertui/faults/{fault_id}.timer); "
                  '[ -n "$ctui_pg" ] && kill -TERM -"$ctui_pg"; rm -rf /run/clustertui')


def test_a_disk_fill_that_outlived_a_reboot_is_reverted_at_the_next_survey(
    lab, records_dir: Path, audit_log: Path
) -> None:
    applied = run_cli("chaos", str(LAB_FILE), "apply", "disk-fill", "--node", "web1", "--path", "/tmp",
                      "--mb", "4", "--ttl", "120s", "--yes")
    assert applied.returncode == 0, applied.stderr
    fault = applied.stdout.strip()
    fill, kept = f"/tmp/.clustertui-fill-{fault}", f"{KEEP_DIR}/web1/{fault}"
    try:
        assert sh(lab, "web1", f"ls {kept}.json {kept}.revert").split() == [f"{kept}.json", f"{kept}.revert"]
        reboot_effect(lab, "web1", fault)
        assert sh(lab, "web1", f"ls {fill}").strip() == fill, "the disk stays full after the reboot"
        assert not sh(lab, "web1", "ls /run/clustertui 2>/dev/null").strip()
        assert LocalRecords(records_dir).get(fault) is not None

        status = run_cli("chaos", str(LAB_FILE), "status")
        assert status.returncode == 0, status.stdout + status.stderr
        assert fault not in status.stdout  # reverted by this survey, before anything was listed
        assert not sh(lab, "web1", f"ls {fill} {kept}.* 2>/dev/null").strip(), "file and persistent record gone"
        assert LocalRecords(records_dir).get(fault) is None, "dropped once the node confirmed the revert"
        reverts = [json.loads(line) for line in audit_log.read_text().splitlines()]
        [revert] = [e for e in reverts if e.get("action") == "revert" and e.get("fault") == fault]
        assert revert["reason"] == "reboot" and revert["result"] == "reverted and verified"
    except BaseException:
        run_cli("chaos", str(LAB_FILE), "revert", fault)  # the survey did not revert it: clean up
        raise
    finally:
        sh(lab, "web1", f"rm -f {fill} {kept}.*")


def test_a_fault_still_in_run_is_not_reverted_by_the_survey(lab, records_dir: Path) -> None:
    """Both ledgers hold a live disk-fill: it is an ordinary active fault, left to its TTL."""
    applied = run_cli("chaos", str(LAB_FILE), "apply", "disk-fill", "--node", "web1", "--path", "/tmp",
                      "--mb", "2", "--ttl", "120s", "--yes")
    assert applied.returncode == 0, applied.stderr
    fault = applied.stdout.strip()
    try:
        status = run_cli("chaos", str(LAB_FILE), "status")
        assert fault in status.stdout and "active" in status.stdout, status.stdout
        assert sh(lab, "web1", f"ls /tmp/.clustertui-fill-{fault}").strip()
    except BaseException:
        run_cli("chaos", str(LAB_FILE), "revert", fault)  # the test failed before its own revert
        raise
    reverted = run_cli("chaos", str(LAB_FILE), "revert", fault)
    assert reverted.returncode == 0, reverted.stdout + reverted.stderr
    assert not sh(lab, "web1", f"ls {KEEP_DIR}/web1/{fault}.* 2>/dev/null").strip()
