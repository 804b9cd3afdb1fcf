"""cpu-hog, mem-hog, disk-fill: resource pressure made of tools every node has.

A hog is one process group started with `setsid`: a leader sh whose argv carries the
marker `ctui-hog-ID`, and its workers (busy `sh` loops, or a `dd` that reads MB MiB of
zeros into one buffer and then blocks on a pipe that nobody reads, holding them).  The
group id goes to the ledger (`ID.pgid`); the revert SIGKILLs the group, but only while a
process in it still carries the marker, since a PGID is a number that can be reused.  As a
last resort the leader kills its own group 30 s after the TTL.  disk-fill writes one file,
`.clustertui-fill-ID`, with fallocate (or head -c when the filesystem cannot fallocate).
"""

from __future__ import annotations

from clustertui.chaos.errors import Refused
from clustertui.chaos.facts import NodeFacts
from clustertui.chaos.faults.steps import Check, FaultContext, FaultSteps
from clustertui.chaos.ledger import ledger_file
from clustertui.chaos.shell import cmd, q

KINDS = ("cpu-hog", "mem-hog", "disk-fill")
GRACE = 30.0  # the hog ends itself this long after its TTL, whatever else happens

_CPU_LEADER = (
    'echo "$$" > "$2"; i=0; while [ "$i" -lt "$1" ]; do sh -c "while :; do :; done" "$0" & i=$((i + 1)); done; '
    'sleep "$3"; kill -KILL 0'
)
_MEM_LEADER = 'echo "$$" > "$2"; dd if=/dev/zero bs="$1"M count=1 2>/dev/null | sleep "$3"; kill -KILL 0'


def unavailable(kind: str, facts: NodeFacts) -> str | None:
    tools = {"cpu-hog": ("setsid", "nohup", "pgrep"), "mem-hog": ("setsid", "nohup", "pgrep", "dd")}.get(kind, ("df",))
    missing = facts.missing(*tools)
    return "needs " + ", ".join(missing) + " on the node" if missing else None


def marker(fault_id: str) -> str:
    return f"ctui-hog-{fault_id}"


def fill_file(directory: str, fault_id: str) -> str:
    return f"{directory.rstrip('/')}/.clustertui-fill-{fault_id}"


def build(ctx: FaultContext, ttl: float) -> FaultSteps:
    if ctx.kind == "disk-fill":
        return _disk(ctx)
    fault_id, node = ctx.fault_id, ctx.node.name
    mark, pgid_file = marker(fault_id), ledger_file(fault_id, "pgid")
    if ctx.kind == "cpu-hog":
        cores = ctx.params["cores"] or ctx.facts.nproc
        if cores > ctx.facts.nproc:
            raise Refused(f"{node} has {ctx.facts.nproc} CPU(s); cpu-hog asked for {cores}")
        leader, size, summary = _CPU_LEADER, cores, f"load {cores} core(s) of {node}"
        took = Check(f'ctui_until 30 ctui_group_has "$ctui_pg" {q(mark)} {cores + 1}', f"the {cores} busy loop(s) are not running")
    else:
        mb = ctx.params["mb"]
        available = ctx.facts.mem_available_kb
        if available is not None and mb * 1024 >= available:
            raise Refused(f"mem-hog of {mb} MiB would exhaust {node} (MemAvailable {available // 1024} MiB)")
        leader, size, summary = _MEM_LEADER, mb, f"hold {mb} MiB of memory on {node}"
        took = Check(f'ctui_until 50 ctui_mem_held "$ctui_pg" {mb * 1024 * 9 // 10}', f"dd does not hold {mb} MiB")
    load_pg = f"ctui_pg=$(cat {q(pgid_file)} 2>/dev/null)"
    return FaultSteps(
        summary=summary,
        precheck=(),
        apply=(
            f"setsid nohup sh -c {q(leader)} {q(mark)} {size} {q(pgid_file)} {ttl + GRACE:.0f} </dev/null >/dev/null 2>&1 &",
            f"ctui_until 50 test -s {q(pgid_file)}",
            load_pg,
        ),
        verify=(took,),
        undo=(
            load_pg,
            f'if [ -n "$ctui_pg" ] && ctui_group_has "$ctui_pg" {q(mark)} 1; then kill -KILL -"$ctui_pg"; fi',
        ),
        verify_revert=(
            Check(
                f'[ -z "$ctui_pg" ] || ctui_until 30 ctui_not ctui_group_has "$ctui_pg" {q(mark)} 1',
                f"processes of {mark} are still alive",
            ),
        ),
        notes=(f"hog processes carry {mark} in their argv; the group ends itself {GRACE:.0f} s after the TTL",),
    )


def _disk(ctx: FaultContext) -> FaultSteps:
    directory, node = ctx.params["path"], ctx.node.name
    target = fill_file(directory, ctx.fault_id)
    df = f"df -Pk {q(directory)} | awk 'NR == 2 {{print $2, $3, $4}}'"
    if ctx.params["mb"] is not None:
        mb = ctx.params["mb"]
        want = (
            Check(f'ctui_want={mb * 1024}; [ "$({df} | cut -d " " -f 3)" -gt "$ctui_want" ]',
                  f"{directory} on {node} has {mb} MiB free or less"),
        )
        summary = f"fill {directory} on {node} with {mb} MiB"
    else:
        percent = ctx.params["percent"]
        # As df's Use%: used / (used + available); never more than what is available.
        compute = f"awk -v p={percent} '{{w = int(($2 + $3) * p / 100) - $2; if (w > $3) w = $3; print w}}'"
        want = (
            Check(f'ctui_want=$({df} | {compute}); [ "$ctui_want" -gt 0 ]',
                  f"{directory} on {node} is already {percent}% full or more"),
        )
        summary = f"fill {directory} on {node} to {percent}% used"
    return FaultSteps(
        summary=summary,
        precheck=(
            Check(f"[ -d {q(directory)} ] && [ -w {q(directory)} ]", f"{directory} is not a writable directory on {node}"),
            *want,
        ),
        apply=(
            f'{{ fallocate -l "${{ctui_want}}KiB" {q(target)} 2>/dev/null'
            f' || head -c "$((ctui_want * 1024))" /dev/zero > {q(target)}; }}',
        ),
        verify=(
            Check(f'[ "$(stat -c %s {q(target)})" -ge "$((ctui_want * 1024))" ]', f"{target} is smaller than planned"),
        ),
        undo=(cmd("rm", "-f", "--", target),),
        verify_revert=(Check(f"[ ! -e {q(target)} ]", f"{target} is still there"),),
        notes=(f"the file is {target}; the fault outlives a reboot, so its record is kept in the persistent ledger",),
        persists=True,
    )
