"""kill, stop, start, pause: faults on a service's processes.

A service is found by its process name and owner (`pgrep -u UID -x`, zombies ignored: a
same-named process of another user is not the service, see `Service.owner`) or, without a
process name, by its systemd unit.  kill and pause signal the service's processes and their
same-named children (nginx's workers), never another user's same-named process.  Start and stop commands from the cluster file are shell by design; they
run detached (`setsid nohup sh -c COMMAND`), so that a command that stays in the foreground
cannot hang the fault, and their effect is verified by waiting for the processes.
"""

from __future__ import annotations

from clustertui.chaos.facts import NodeFacts
from clustertui.chaos.faults.steps import Check, FaultContext, FaultSteps
from clustertui.chaos.shell import cmd, q
from clustertui.config import Service

KINDS = ("kill", "stop", "start", "pause")
WAIT = 100  # tenths of a second a service gets to start or stop
_SSH_PROCESSES = ("sshd", "sshd-session")


def _running(service: Service) -> str:
    if service.process:
        return cmd("ctui_running", service.process, service.owner)
    return f"systemctl is-active --quiet {q(service.systemd)}"


def _stopped(service: Service) -> str:
    if service.process:
        return cmd("ctui_none", service.process, service.owner)
    return f"! systemctl is-active --quiet {q(service.systemd)}"


def _start(service: Service) -> str:
    return cmd("ctui_launch", service.start) if service.start else cmd("systemctl", "start", service.systemd)


def _stop(service: Service) -> str:
    return cmd("ctui_launch", service.stop) if service.stop else cmd("systemctl", "stop", service.systemd)


def unavailable(kind: str, service: Service, facts: NodeFacts, ssh_port: int) -> str | None:
    """Why `kind` cannot be applied to `service` on this node, or None."""
    name = service.name
    if service.process in _SSH_PROCESSES or service.port == ssh_port:
        return f"{name} carries the controller's SSH connection"
    if kind in ("kill", "pause") and not service.process:
        return f"{name} has no process name to signal"
    can_start = bool(service.start) or bool(service.systemd)
    can_stop = bool(service.stop) or bool(service.systemd)
    if kind == "kill" and not can_start:
        return f"{name} has no start command or systemd unit: the revert could not restart it"
    if kind in ("stop", "start") and not (can_start and can_stop):
        return f"{name} needs start and stop commands, or a systemd unit"
    needs = []
    if service.process:
        needs += facts.missing("pgrep")
    if (kind in ("kill", "stop") and service.start) or (kind in ("stop", "start") and (service.start or service.stop)):
        needs += facts.missing("setsid", "nohup")
    if service.systemd and not (service.start and service.stop) and "systemctl" not in facts.tools:
        needs.append("systemctl")
    if needs:
        return "needs " + ", ".join(dict.fromkeys(needs)) + " on the node"
    if service.process and service.process in facts.processes:
        running = bool(facts.processes[service.process])
        if kind == "start" and running:
            return f"{name} already runs"
        if kind != "start" and not running:
            return f"{name} is not running"
    return None


def build(ctx: FaultContext) -> FaultSteps:
    service = ctx.service
    assert service is not None  # the planner resolves it for every process fault
    node, name = ctx.node.name, service.name
    shown = name if service.process in (None, name) else f"{name} ({service.process})"
    is_running = Check(_running(service), f"{name} is not running on {node}")
    back = Check(f"ctui_until {WAIT} {_running(service)}", f"{name} does not run 10 s after it was started")
    gone = Check(f"ctui_until {WAIT} {_stopped(service)}", f"{name} still runs 10 s after it was stopped")
    restart = f"{_running(service)} || {_start(service)}"
    family = cmd("ctui_family", service.process, service.owner) if service.process else ""
    if ctx.kind == "kill":
        return FaultSteps(
            summary=f"kill {shown} on {node}",
            precheck=(is_running,),
            apply=(f"ctui_killed=$({family})", '[ -z "$ctui_killed" ] || kill -KILL $ctui_killed'),
            verify=(Check("ctui_until 50 ctui_gone $ctui_killed", f"a killed process of {name} is still alive"),),
            undo=(restart,),
            verify_revert=(back,),
        )
    if ctx.kind == "stop":
        return FaultSteps(
            summary=f"stop {name} on {node}",
            precheck=(is_running,),
            apply=(_stop(service),),
            verify=(gone,),
            undo=(restart,),
            verify_revert=(back,),
        )
    if ctx.kind == "start":
        return FaultSteps(
            summary=f"start {name} on {node}",
            precheck=(Check(_stopped(service), f"{name} already runs on {node}"),),
            apply=(_start(service),),
            verify=(back,),
            undo=(f"{_stopped(service)} || {_stop(service)}",),
            verify_revert=(gone,),
        )
    return FaultSteps(
        summary=f"pause {shown} on {node}",
        precheck=(is_running,),
        apply=(f"ctui_paused=$({family})", '[ -z "$ctui_paused" ] || kill -STOP $ctui_paused'),
        verify=(Check(f"ctui_until 20 {cmd('ctui_all_paused', service.process, service.owner)}",
                      f"not every process of {name} is stopped"),),
        undo=(f"ctui_paused=$({family})", '[ -z "$ctui_paused" ] || kill -CONT $ctui_paused'),
        verify_revert=(
            Check(f"ctui_until 20 {cmd('ctui_none_paused', service.process, service.owner)}",
                  f"a process of {name} is still stopped"),
        ),
    )
