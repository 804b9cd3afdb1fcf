"""The lease (chaos/lease.py) at the script level: the watcher, the renewal and their races
run in this host's real sh (dash, as on Debian nodes) against a ledger in a temporary
directory, with a stand-in revert that clears the ledger as the real one does (under the
lease lock); and the planning that picks a lease or a plain TTL timer."""

from __future__ import annotations

import random
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from clustertui.chaos import ActiveFault, FaultRequest, plan_fault
from clustertui.chaos.facts import SurveyError, parse_survey
from clustertui.chaos.lease import LEASE_HELPERS, WATCHER, marker, parse_renewal, renew_command
from clustertui.chaos.ledger import LEDGER_DIR, LedgerRecord, ledger_files
from clustertui.config import load_cluster
from tests.support.paths import LAB_FILE
from tests.support.planning import FACTS, survey
from tests.support.waiting import wait_for

FAULT = "f-0123abcd"


@pytest.fixture(scope="module")
def cluster():
    return load_cluster(LAB_FILE, check_files=False)


class Ledger:
    """A ledger directory in tmp with one fault's record and a stand-in revert script."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.base = directory / FAULT
        (directory / f"{FAULT}.json").write_text("{}\n")
        self.log = directory / "reverts.log"
        # As the real revert: the ledger is cleared under the lease lock.
        self.revert = self.here(
            f'{LEASE_HELPERS}\nprintf "%s\\n" "$1" >> {self.log}\nctui_llock\nrm -f {self.base}.*\nctui_lunlock\n'
        )
        (directory / f"{FAULT}.revert").write_text(self.revert)

    def here(self, script: str) -> str:
        return script.replace(LEDGER_DIR, str(self.dir))

    def watch(self, lease_cs: int, ttl_cs: int) -> subprocess.Popen:
        return subprocess.Popen(
            ["sh", "-c", self.here(WATCHER), marker(FAULT), str(self.base), str(lease_cs), str(ttl_cs)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    def renew(self, lease: float, *ids: str) -> str:
        result = subprocess.run(["sh", "-c", self.here(renew_command(lease, list(ids or [FAULT])))],
                                capture_output=True, text=True, timeout=10)
        assert result.returncode == 0 and not result.stderr, result
        return result.stdout

    def reverts(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []

    def files(self) -> list[str]:
        return sorted(p.name for p in self.dir.glob(f"{FAULT}.*"))


def finish(proc: subprocess.Popen) -> str:
    try:
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.stderr.read() if proc.stderr else ""


def test_without_renewal_the_lease_reverts_the_fault(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    started = time.monotonic()
    proc = ledger.watch(lease_cs=60, ttl_cs=30000)
    wait_for(lambda: ledger.files() == [], 10, what="the lease to revert")
    took = time.monotonic() - started
    assert finish(proc) == "" and proc.returncode == 0
    assert ledger.reverts() == ["lease"]
    assert 0.5 <= took < 3, took


def test_renewals_keep_the_fault_past_several_leases_and_the_ttl_still_ends_it(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    started = time.monotonic()
    proc = ledger.watch(lease_cs=50, ttl_cs=300)  # a 0.5 s lease, a 3 s TTL
    wait_for(lambda: (tmp_path / f"{FAULT}.timer").exists(), 5, what="the watcher to start")
    assert (tmp_path / f"{FAULT}.timer").read_text().split()[0] == "lease"
    answers = []
    while proc.poll() is None and time.monotonic() - started < 8:
        answers.append(ledger.renew(0.5))
        time.sleep(0.1)
    took = time.monotonic() - started
    assert finish(proc) == ""
    assert ledger.reverts() == ["ttl"], "renewed all along: only the TTL ends it"
    assert 2.8 <= took < 4.5, took
    assert answers.count(f"renewed {FAULT}\n") >= 20
    assert answers[-1] in (f"renewed {FAULT}\n", f"gone {FAULT}\n")
    assert ledger.files() == []


def test_a_renewal_never_revives_an_expired_lease_nor_leaves_a_lease_behind(tmp_path: Path) -> None:
    """Renewals hammer a 20 ms lease until it expires: the one renewal that races the
    expiry either wins (the lease goes on) or finds it expired; after the revert, no
    renewal writes a lease file (everything is decided under the lease lock)."""
    for _round in range(5):
        ledger = Ledger(tmp_path)
        proc = ledger.watch(lease_cs=2, ttl_cs=30000)
        answers = []
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            answers.append(ledger.renew(0.02))
            time.sleep(random.uniform(0, 0.04))  # now and then too late: the lease ends
        assert finish(proc) == ""
        for _ in range(5):
            answers.append(ledger.renew(0.02))
        assert ledger.reverts() == ["lease"]
        assert ledger.files() == [], ledger.files()
        words = [a.split()[0] for a in answers]
        assert words[-1] == "gone" and "renewed" not in words[words.index("gone"):], words
        ledger.log.unlink()


def test_a_renewal_says_expired_and_renews_nothing_once_the_lease_ended(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    lease = tmp_path / f"{FAULT}.lease"
    lease.write_text("1\n")  # ended long ago (uptime 0.01 s)
    assert ledger.renew(10) == f"expired {FAULT}\n"
    assert lease.read_text() == "1\n"
    lease.write_text("garbage\n")
    assert ledger.renew(10) == f"expired {FAULT}\n"
    lease.write_text("99999999999999\n")
    assert ledger.renew(10).split() == ["renewed", FAULT]
    now = int(float(Path("/proc/uptime").read_text().split()[0]) * 100)
    assert now < int(lease.read_text()) <= now + 1000 + 100
    assert ledger.renew(10, FAULT, "f-99999999").split() == ["renewed", FAULT, "gone", "f-99999999"]


def test_the_watcher_waits_for_a_running_apply_and_leaves_a_reverted_fault(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    applying = tmp_path / f"{FAULT}.applying"
    applying.write_text("")
    proc = ledger.watch(lease_cs=10, ttl_cs=30000)
    time.sleep(1.0)
    assert proc.poll() is None and ledger.reverts() == [], "an expired lease waits for the apply"
    # The apply's last step renews the lease (ended meanwhile, but its apply still runs),
    # then its mark goes.
    assert ledger.renew(0.3) == f"renewed {FAULT}\n"
    applying.unlink()
    wait_for(lambda: ledger.reverts() == ["lease"], 5, what="the revert once the apply ended")
    assert finish(proc) == ""
    # A fault reverted by someone else: the watcher finds no record and leaves quietly.
    ledger.log.unlink()
    ledger = Ledger(tmp_path)
    proc = ledger.watch(lease_cs=30, ttl_cs=30000)
    wait_for(lambda: (tmp_path / f"{FAULT}.timer").exists(), 5, what="the watcher to start")
    (tmp_path / f"{FAULT}.json").unlink()
    assert finish(proc) == "" and proc.returncode == 0
    assert not ledger.log.exists()


def test_a_failed_lease_revert_is_tried_again_at_the_ttl(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    (tmp_path / f"{FAULT}.revert").write_text(
        f'printf "%s\\n" "$1" >> {ledger.log}\n[ "$1" = ttl ] || exit 1\nrm -f {ledger.base}.*\n'
    )
    proc = ledger.watch(lease_cs=20, ttl_cs=150)
    assert finish(proc) == ""
    assert ledger.reverts() == ["lease", "ttl"] and ledger.files() == []


def test_parse_renewal_reads_only_the_asked_ids_and_words() -> None:
    asked = ["f-00000001", "f-00000002", "f-00000003"]
    output = "renewed f-00000001\nexpired f-00000002\nrenewed f-99999999\n\x1b]0;x\x07 f-00000003\nbusy\n"
    assert parse_renewal(output, asked) == {
        "f-00000001": "renewed", "f-00000002": "expired", "f-00000003": "unanswered",
    }
    assert parse_renewal("busy\n", asked[:1]) == {"f-00000001": "unanswered"}


# -- planning ------------------------------------------------------------------------------


def test_a_held_fault_gets_a_lease_watcher_and_a_ttl_fault_keeps_its_timer(cluster) -> None:
    held = plan_fault(cluster, FaultRequest("cpu-hog", "web1", {}, ttl=300), survey(), lease=4)
    assert held.timer.lease == 4 and held.record.lease == 4 and held.to_json()["lease"] == 4
    assert "ctui-lease-" + held.id in held.apply_script and "setsid nohup sh -c" in held.apply_script
    assert f"ctui_renew 400 {held.id} >/dev/null" in held.apply_script
    assert held.apply_script.index("ctui_renew 400") > held.apply_script.index("# did it take?")
    assert 'if [ "$ctui_why" != ttl ] && [ "$ctui_why" != lease ]; then' in held.revert_script
    lines = held.revert_script.splitlines()
    clear = lines.index(f"rm -f {ledger_files(held.id)}")
    assert lines[clear - 1] == "ctui_llock" and lines[clear + 1] == "ctui_lunlock"
    assert any("ctui_llock" in line for line in held.sections()["revert"])
    plain = plan_fault(cluster, FaultRequest("cpu-hog", "web1", {}, ttl=300), survey())
    assert plain.timer.lease == 0 and plain.record.lease == 0 and "ctui_renew" not in plain.apply_script
    assert "ctui-timer-" in plain.apply_script and "ctui_llock" not in plain.revert_script
    short = plan_fault(cluster, FaultRequest("cpu-hog", "web1", {}, ttl=4), survey(), lease=10)
    assert short.timer.lease == 0, "a TTL within the lease: the TTL timer reverts sooner anyway"


def test_on_systemd_the_watcher_is_a_transient_service_that_spares_the_revert(cluster) -> None:
    held = plan_fault(cluster, FaultRequest("cpu-hog", "web1", {}, ttl=300), survey(replace(FACTS, systemd=True)),
                      lease=10)
    arm = held.timer.arm[0]
    assert arm.startswith("systemd-run --quiet --collect --unit=clustertui-" + held.id)
    assert "--property=KillMode=process" in arm and "ctui-lease-" + held.id in arm
    assert "awk '$1 == \"lease\"" in held.timer.cancel[0]


def test_the_lease_scripts_are_valid_sh(cluster) -> None:
    held = plan_fault(cluster, FaultRequest("cpu-hog", "web1", {}, ttl=300), survey(), lease=10)
    for script in (WATCHER, renew_command(10, [FAULT]), held.apply_script, held.revert_script):
        result = subprocess.run(["sh", "-n", "-c", script], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


# -- status --------------------------------------------------------------------------------


def survey_text(lease_file: str, uptime: str = "123.45") -> str:
    record = LedgerRecord(FAULT, "cpu-hog", "lab", "web1", "198.18.0.11", "hog", {}, 300.0, 1000.0, "sre@x",
                          "detached", "sh x", lease=10.0)
    return (f"uid 0\nnow 1000\nuptime {uptime}\nnproc 2\nfile {FAULT}.json {record.to_json()}\n"
            f"file {FAULT}.timer lease 77 990\nfile {FAULT}.lease {lease_file}\nend\n")


def test_the_survey_reads_a_lease_against_the_nodes_uptime() -> None:
    entry = parse_survey("web1", survey_text("12845")).ledger[0]
    assert entry.lease_left == 5.0 and entry.remaining == 290.0
    assert entry.timer is not None and entry.timer.describe() == "lease watcher (pgid 77)"
    fault = ActiveFault(entry.id, "web1", entry.state, entry.record, entry.remaining, "x", lease_left=entry.lease_left)
    assert fault.timer_text() == "lease 5s" and fault.to_json()["lease"] == 10.0 and fault.to_json()["lease_left"] == 5.0
    assert parse_survey("web1", survey_text("12000")).ledger[0].lease_left == 0.0, "ended: 0, never negative"
    for garbage in ("", "1e9", "\xb3", "9" * 21):
        assert parse_survey("web1", survey_text(garbage)).ledger[0].lease_left is None
    ttl_only = replace(fault, record=replace(entry.record, lease=0.0), lease_left=None)
    assert ttl_only.timer_text() == "ttl" and ttl_only.to_json()["lease"] is None
    with pytest.raises(SurveyError, match="uptime is not a number"):
        parse_survey("web1", survey_text("12845", uptime="12.x5"))
