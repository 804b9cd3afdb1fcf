"""The lease: a held fault's node-side timer, which reverts it unless the controller renews it.

A fault that clustertui holds (a drill, a TUI session, `chaos apply --hold`) gets a lease
instead of the plain dead-man timer: a watcher on the node reverts the fault when its lease
ends, and the controller renews the lease every `lease / 5` seconds over its existing SSH
connection.  The TTL stays the outer bound.  So a killed, stopped (SIGSTOP) or cut-off
controller costs at most one lease of fault, not the whole TTL.

On the node (POSIX sh; /proc/uptime, flock and sleep, all of which the other scripts need):

- `ID.lease` holds the lease's end, in centiseconds of the node's uptime (CLOCK_BOOTTIME:
  a wall-clock step cannot stretch or cut a lease), read with the `read` builtin, no fork;
- the watcher (`ctui-lease-ID` in its argv, its own session) writes the first lease and
  `ID.timer` (`lease PGID ARMED`), then sleeps until the lease's end (or the TTL's, sooner),
  and checks again: a renewal only ever moves the end later, so waking at the old end is
  never late.  An expired lease (no apply running) is removed and the watcher runs the
  revert (`sh ID.revert lease`); if that does not verify, it waits for the TTL and becomes
  `sh ID.revert ttl` (the last try, as the sleep timer's);
- a renewal (`renew_script`, one command per node per period for all its leased faults)
  writes a new end for each fault whose record and unexpired lease are there, and says
  `renewed`, `expired` or `gone` per fault.

Races: the watcher's expiry decision, a renewal, and the revert's removal of the ledger all
run under one flock (`LEASE_LOCK`), so a renewal never revives an expired lease nor leaves
an `ID.lease` behind a revert.  Nobody waits for that lock long: a revert or a watcher that
cannot get it within 5 s goes on without it (a stuck renewal must never block a revert).  A
revert racing the watcher cancels it as the detached timer is cancelled (a TERM to its
process group, only while its leader's argv still carries the marker): a lease revert the
watcher runs dies with it, after the canceller has undone and verified the fault itself;
once the watcher has become the TTL revert it is left to finish.  Reverts are idempotent.  While the apply runs (`ID.applying`), an expired lease waits:
the apply renews it as its last step.
"""

from __future__ import annotations

from clustertui.chaos.ledger import LEDGER_DIR, ledger_file
from clustertui.chaos.shell import cmd, q
from clustertui.chaos.timer import TimerPlan, group_cancel, unit
from clustertui.config.scalars import LEASE_RENEWALS

LEASE_LOCK = f"{LEDGER_DIR}/.lease.lock"
LOCK_WAIT = 5  # seconds a revert, a watcher or a renewal waits for the lease lock

#: sh functions of the lease (positional values, prefixed names: sh has no locals).
#:
#: - ctui_cs            sets ctui_now to the node's uptime in centiseconds (no fork)
#: - ctui_llock / ctui_lunlock   take (at most LOCK_WAIT s) and release the lease lock (fd 8)
#: - ctui_renew CS ID...  under the lock: each fault's lease ends CS centiseconds from now,
#:                      unless its record is gone or its lease already ended (a lease that
#:                      ended while its apply still runs has not: the watcher waits for it)
LEASE_HELPERS = rf"""ctui_cs() {{ read ctui_u ctui_x </proc/uptime; ctui_f=${{ctui_u#*.}}00; ctui_f=${{ctui_f%"${{ctui_f#??}}"}}; ctui_now=$(( ${{ctui_u%.*}} * 100 + 1$ctui_f - 100 )); }}
ctui_llock() {{ {{ command exec 8>>{q(LEASE_LOCK)}; }} 2>/dev/null && flock -w {LOCK_WAIT} 8; }}
ctui_lunlock() {{ exec 8>&-; }}
ctui_renew() {{ ctui_l=$1; shift; ctui_llock || {{ echo busy; ctui_lunlock; return 0; }}; ctui_cs
  for ctui_i in "$@"; do
    ctui_b={q(LEDGER_DIR)}/$ctui_i
    [ -e "$ctui_b.json" ] || {{ echo "gone $ctui_i"; continue; }}
    ctui_d=; read ctui_d 2>/dev/null <"$ctui_b.lease"
    case $ctui_d in ''|*[!0-9]*) echo "expired $ctui_i"; continue ;; esac
    [ "$ctui_now" -lt "$ctui_d" ] || [ -e "$ctui_b.applying" ] || {{ echo "expired $ctui_i"; continue; }}
    printf '%s\n' $((ctui_now + ctui_l)) >"$ctui_b.lease" && echo "renewed $ctui_i"
  done; ctui_lunlock; }}"""

#: The watcher: `sh -c WATCHER MARKER LEDGER_BASE LEASE_CS TTL_CS` (so $1 is LEDGER_BASE), which is
#: /run/clustertui/faults/ID (its .json, .lease, .timer, .applying and .revert).
WATCHER = LEASE_HELPERS + r"""
trap '' HUP PIPE
ctui_cs; ctui_end=$((ctui_now + $3))
ctui_d=$((ctui_now + $2)); printf '%s\n' "$ctui_d" >"$1.lease"
printf 'lease %s %s\n' "$$" "$(date +%s)" >"$1.timer.tmp" && mv -f "$1.timer.tmp" "$1.timer"
while :; do
  ctui_cs
  [ "$ctui_now" -lt "$ctui_end" ] || exec sh "$1.revert" ttl
  ctui_d=$ctui_end
  if [ -z "$ctui_gave" ]; then
    ctui_llock
    [ -e "$1.json" ] || exit 0
    ctui_d=; read ctui_d 2>/dev/null <"$1.lease"
    case $ctui_d in ''|*[!0-9]*) ctui_d=0 ;; esac
    ctui_cs
    if [ "$ctui_now" -ge "$ctui_d" ]; then
      if [ ! -e "$1.applying" ]; then
        rm -f "$1.lease"; ctui_lunlock
        sh "$1.revert" lease && exit 0
        [ -e "$1.json" ] || exit 0
        ctui_gave=1; continue
      fi
      ctui_d=$((ctui_now + 50))
    fi
    ctui_lunlock
  fi
  [ "$ctui_d" -le "$ctui_end" ] || ctui_d=$ctui_end
  ctui_w=$((ctui_d - ctui_now))
  [ "$ctui_w" -gt 0 ] || ctui_w=1
  sleep "$((ctui_w / 100)).$((ctui_w % 100 / 10))$((ctui_w % 10))"
done"""


def centiseconds(seconds: float) -> int:
    return max(1, round(seconds * 100))


def period(lease: float) -> float:
    """How often the controller renews a lease: five chances before it ends."""
    return lease / LEASE_RENEWALS


def marker(fault_id: str) -> str:
    return f"ctui-lease-{fault_id}"


def plan_lease_timer(fault_id: str, ttl: float, lease: float, systemd: bool) -> TimerPlan:
    """The watcher of a leased fault: armed detached, or as a transient systemd service
    where PID 1 is systemd (a logout's cleanup must not kill it; KillMode=process lets a
    service the revert starts outlive the watcher)."""
    base = f"{LEDGER_DIR}/{fault_id}"
    timer_file = ledger_file(fault_id, "timer")
    argv = ("sh", "-c", WATCHER, marker(fault_id), base, centiseconds(lease), centiseconds(ttl))
    if systemd:
        start = cmd(
            "systemd-run", "--quiet", "--collect", f"--unit={unit(fault_id)}",
            f"--description=clustertui lease of {fault_id}", "--property=KillMode=process", *argv,
        )
    else:
        start = f"setsid nohup {cmd(*argv)} </dev/null >/dev/null 2>&1 &"
    cancel, cancelled = group_cancel(fault_id, "lease", marker(fault_id))
    return TimerPlan(
        "systemd" if systemd else "detached",
        arm=(start, f"ctui_until 50 test -s {q(timer_file)}"),
        cancel=cancel,
        cancelled=cancelled,
        lease=lease,
    )


def renew_call(lease: float, fault_ids: list[str]) -> str:
    """Renew these faults' leases: each ends `lease` seconds from now (needs LEASE_HELPERS;
    fault ids are validated by the caller, and quoted anyway)."""
    return cmd("ctui_renew", centiseconds(lease), *fault_ids)


def renew_command(lease: float, fault_ids: list[str]) -> str:
    """The one renewal command of a node, for all its leased faults."""
    return LEASE_HELPERS + "\n" + renew_call(lease, fault_ids)


def parse_renewal(output: str, asked: list[str]) -> dict[str, str]:
    """Each asked fault's answer (`renewed`, `expired`, `gone`); a fault the node did not
    answer for (a busy lock, garbage) is `unanswered`.  Node text is data: only the asked
    ids and the three words count."""
    wanted = set(asked)
    answers = dict.fromkeys(asked, "unanswered")
    for line in output.splitlines()[: 4 * len(asked) + 4]:
        word, _, fault_id = line.strip().partition(" ")
        if fault_id in wanted and word in ("renewed", "expired", "gone"):
            answers[fault_id] = word
    return answers
