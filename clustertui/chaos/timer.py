"""The dead-man timer: the node reverts a fault by itself when its TTL ends.

It is armed on the node *before* the fault is applied, so that neither a killed clustertui
nor a cut network can leave a fault behind.  Where PID 1 is systemd, a transient
`systemd-run --on-active` timer runs the revert script; elsewhere a detached process
(`setsid nohup sh -c 'sleep TTL; exec sh REVERT ttl'`, its own session, no terminal, SIGHUP
ignored) does.  Either way the node records which one in the ledger (`ID.timer`), so that
any revert can cancel it, and the timer's own revert skips the cancel.
"""

from __future__ import annotations

from dataclasses import dataclass

from clustertui.chaos.ledger import ledger_file
from clustertui.chaos.shell import cmd, q

#: The detached timer's script; its argv[0] is `marker(ID)`, which lets a revert check that
#: a recorded PGID still belongs to this fault's timer.
_DETACHED = (
    'printf "pid %s %s\\n" "$$" "$(date +%s)" > "$1.tmp" && mv -f "$1.tmp" "$1"; '
    'sleep "$2"; exec sh "$3" ttl'
)


@dataclass(frozen=True, slots=True)
class TimerPlan:
    """How the timer of one fault is armed, and how a revert cancels it (shell text)."""

    mechanism: str  # "systemd" or "detached"
    arm: tuple[str, ...]
    cancel: tuple[str, ...]  # run by the revert script unless the timer itself runs it
    cancelled: str  # a test that the timer is gone
    lease: float = 0.0  # seconds of lease (chaos/lease.py); 0: a plain TTL timer


def marker(fault_id: str) -> str:
    return f"ctui-timer-{fault_id}"


def unit(fault_id: str) -> str:
    return f"clustertui-{fault_id}"


def plan_timer(fault_id: str, ttl: float, systemd: bool) -> TimerPlan:
    timer_file = ledger_file(fault_id, "timer")
    revert_file = ledger_file(fault_id, "revert")
    if systemd:
        name = unit(fault_id)
        return TimerPlan(
            "systemd",
            arm=(
                cmd(
                    "systemd-run", "--quiet", f"--unit={name}", f"--description=clustertui revert of {fault_id}",
                    f"--on-active={max(1, round(ttl * 1000))}ms", "--timer-property=AccuracySec=100ms",
                    "sh", revert_file, "ttl",
                ),
                f'printf "systemd %s %s\\n" {q(name)} "$(date +%s)" > {q(timer_file)}',
            ),
            cancel=(
                f"systemctl stop {q(name + '.timer')} 2>/dev/null",
                f"systemctl reset-failed {q(name + '.service')} 2>/dev/null",
            ),
            cancelled=f"! systemctl is-active --quiet {q(name + '.timer')}",
        )
    cancel, cancelled = group_cancel(fault_id, "pid", marker(fault_id))
    return TimerPlan(
        "detached",
        arm=(
            f"setsid nohup sh -c {q(_DETACHED)} {q(marker(fault_id))} {q(timer_file)} {ttl:.3f} {q(revert_file)}"
            " </dev/null >/dev/null 2>&1 &",
            f"ctui_until 50 test -s {q(timer_file)}",
        ),
        cancel=cancel,
        cancelled=cancelled,
    )


def group_cancel(fault_id: str, word: str, mark: str) -> tuple[tuple[str, ...], str]:
    """Cancel a timer that runs as a process group whose leader's argv carries `mark`, and
    the test that it is gone; `ID.timer` reads `WORD PGID ARMED`.

    Only a group whose leader is still this fault's timer is signalled: a PGID is a number
    that the kernel may reuse once the group is gone.  Once the timer has become the revert
    itself (it execs it), it no longer carries the marker and is left to finish: both
    reverts are idempotent."""
    timer_file = q(ledger_file(fault_id, "timer"))
    return (
        (
            f"ctui_tpg=$(awk '$1 == \"{word}\" {{print $2}}' {timer_file} 2>/dev/null)",
            f'[ -z "$ctui_tpg" ] || ctui_unmarked "$ctui_tpg" {q(mark)} || kill -TERM -"$ctui_tpg"',
        ),
        f'[ -z "$ctui_tpg" ] || ctui_until 20 ctui_unmarked "$ctui_tpg" {q(mark)}',
    )
