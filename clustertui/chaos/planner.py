"""From a fault request and a node's survey to the exact remote scripts.

`plan_fault` is pure: it changes nothing and talks to nobody, so `--dry-run`, the TUI's
confirmation modal and the apply itself all show and run the very same text.  The apply
script does, in this order and on the node, in one SSH round trip:

1. prechecks (the service runs, sch_netem exists, ...): a failure exits 10, nothing changed;
2. the ledger: the record `ID.json` and the self-contained revert script `ID.revert`;
3. the dead-man timer, which runs that revert script when the TTL ends (for a held fault,
   a lease watcher that also reverts when its controller stops renewing: chaos/lease.py);
4. the fault itself;
5. checks that the fault took (a held fault's lease is renewed once more at the end).

A failure after step 2 runs the revert script (exit 11; 12 if even that did not verify, in
which case the record and the timer stay).  The script ignores SIGHUP and SIGPIPE, so a cut
connection cannot stop it half-way: whatever happens, the timer is armed before anything
changes.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from clustertui.chaos import catalog, faults, validate
from clustertui.chaos.errors import InvalidInput, Refused
from clustertui.chaos.facts import NodeSurvey
from clustertui.chaos.faults import FaultContext, FaultSteps, Peer
from clustertui.chaos.faults.process import unavailable as service_problem
from clustertui.chaos.freeze import FREEZE_FILE, freeze_precheck
from clustertui.chaos.instants import ACTING, VERIFIED
from clustertui.chaos.lease import LEASE_HELPERS, plan_lease_timer, renew_call
from clustertui.chaos.ledger import (
    KEEP_DIR,
    KEEP_SH,
    LEDGER_DIR,
    LedgerRecord,
    kept_files,
    ledger_file,
    ledger_files,
    revert_command,
)
from clustertui.chaos.shell import HELPERS, q
from clustertui.chaos.timer import TimerPlan, plan_timer
from clustertui.config import Cluster, Fault, Node, Service
from clustertui.config.scalars import FaultKind, NodeName

#: A node name, by the cluster file's own rule.
_NODE_NAME: TypeAdapter[str] = TypeAdapter(NodeName)

#: Exit codes of the apply script.
APPLIED, REFUSED, ROLLED_BACK, ROLLBACK_FAILED = 0, 10, 11, 12


@dataclass(frozen=True, slots=True)
class FaultRequest:
    """What an operator, a form or a drill asks for; nothing is validated yet.

    `params` holds the kind's parameters (service, port, peers, percent, ...) as strings or
    scalars, validated by the kind's model (catalog.REQUEST_MODELS); `ttl` is seconds (a
    text is parsed where it is typed: the CLI's --ttl, the TUI's form), None for the
    cluster's default_ttl.
    """

    kind: str
    node: str
    params: Mapping[str, object] = field(default_factory=dict)
    ttl: float | None = None

    @classmethod
    def from_drill(cls, fault: Fault, node: str, ttl: float | None = None) -> FaultRequest:
        params: dict[str, object] = dict(fault.params)
        if fault.service is not None:
            params["service"] = fault.service
        if fault.port is not None:
            params["port"] = fault.port
        return cls(fault.kind, node, params, ttl)


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A request whose every value passed validation."""

    kind: FaultKind
    node: Node
    params: dict[str, Any]
    ttl: float
    service: Service | None


def check_request(cluster: Cluster, request: FaultRequest) -> CheckedRequest:
    """Validate a request against the catalog and the cluster; raise InvalidInput."""
    spec = catalog.spec_for(request.kind)
    try:
        node = cluster.node(_NODE_NAME.validate_python(request.node))
    except ValidationError as exc:
        raise InvalidInput(f"node: {exc.errors()[0]['msg']}") from None
    except KeyError:
        raise InvalidInput(f"no node called {request.node!r} in cluster {cluster.name}") from None
    params = catalog.parse_params(spec.kind, request.params, (n.name for n in cluster.nodes))
    ttl = cluster.chaos.default_ttl if request.ttl is None else catalog.ttl_seconds(request.ttl)
    service = None
    if params.get("service") is not None:
        on_node = {s.name: s for s in cluster.services_on(node)}
        service = on_node.get(params["service"])
        if service is None:
            choices = ", ".join(on_node) or "none"
            raise InvalidInput(f"service {params['service']!r} does not run on {node.name} (services there: {choices})")
    if spec.kind == "block-port" and params["port"] is None:
        if service is None or service.port is None:
            raise InvalidInput(f"block-port: service {params['service']} has no port; give --port")
        params["port"] = service.port
    if params.get("peers") and node.name in params["peers"]:
        raise InvalidInput(f"peers: {node.name} cannot be its own peer")
    return CheckedRequest(spec.kind, node, params, ttl, service)


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """One fault, fully decided: the scripts that will run, and the record they leave."""

    id: str
    cluster: str
    node: str
    host: str
    kind: str
    params: dict[str, Any]
    ttl: float
    summary: str
    steps: FaultSteps
    timer: TimerPlan
    record: LedgerRecord
    apply_script: str
    revert_script: str
    created: float  # controller's monotonic clock

    @property
    def revert_command(self) -> str:
        return revert_command(self.id)

    def sections(self) -> dict[str, list[str]]:
        """The commands by phase, in the order they run, for a person to read."""
        return {
            "precheck": [f"test ! -e {q(FREEZE_FILE)} (or expired)   # else refuse: the node is frozen",
                         *(f"{c.test}   # else refuse: {c.problem}" for c in self.steps.precheck)],
            "ledger": [
                f"mkdir -p {q(LEDGER_DIR)}",
                _write_ledger(self.id, self.record, "REVERT_SCRIPT") + "   # REVERT_SCRIPT: the revert below, as one script",
                *(_keep_ledger(self.id)[1:] if self.steps.persists else ()),
            ],
            "timer": list(self.timer.arm),
            "apply": list(self.steps.apply),
            "verify": [f"{c.test}   # else roll back: {c.problem}" for c in self.steps.verify],
            "revert": [
                *self.steps.undo,
                *(f"{c.test}   # else: not reverted, {c.problem}" for c in self.steps.verify_revert),
                *self.timer.cancel,
                f"{self.timer.cancelled}   # the timer is cancelled",
                *(("ctui_llock   # the lease lock: no renewal writes behind the revert",) if self.timer.lease else ()),
                f"rm -f {ledger_files(self.id)}" + (f" {kept_files(self.id)}" if self.steps.persists else ""),
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cluster": self.cluster,
            "node": self.node,
            "host": self.host,
            "kind": self.kind,
            "params": self.params,
            "ttl": self.ttl,
            "summary": self.summary,
            "timer": self.timer.mechanism,
            "lease": self.timer.lease or None,
            "notes": list(self.steps.notes),
            "commands": self.sections(),
            "revert_command": self.revert_command,
            "apply_script": self.apply_script,
            "revert_script": self.revert_script,
        }


def new_fault_id() -> str:
    return "f-" + secrets.token_hex(4)


def plan_fault(
    cluster: Cluster,
    request: FaultRequest | CheckedRequest,
    survey: NodeSurvey,
    *,
    fault_id: str | None = None,
    by: str = "",
    now: float | None = None,
    lease: float | None = None,
) -> FaultPlan:
    """The plan of one fault on the surveyed node; raise InvalidInput or Refused.

    `lease`: seconds of the lease of a held fault (its controller renews it); a TTL no
    longer than the lease makes it a plain TTL timer, which reverts sooner anyway."""
    checked = request if isinstance(request, CheckedRequest) else check_request(cluster, request)
    node, facts = checked.node, survey.facts
    fault_id = validate.fault_id(fault_id or new_fault_id())
    ssh_port = facts.ssh_port or node.port
    problem = faults.node_problem(checked.kind, facts, checked.params)
    if problem is None and checked.service is not None:
        problem = service_problem(checked.kind, checked.service, facts, ssh_port)
    if problem is not None:
        raise Refused(f"{checked.kind} on {node.name}: {problem}")
    if checked.kind == "block-port" and checked.params["port"] in (ssh_port, node.port):
        raise Refused(f"block-port on {node.name}: port {checked.params['port']} is the SSH port clustertui reaches it on")
    peers, skipped = _peers(cluster, checked, facts.controller) if catalog.CATALOG[checked.kind].network else ((), ())
    ctx = FaultContext(fault_id, checked.kind, node, checked.params, facts, ssh_port, checked.service, peers, skipped)
    steps = faults.build(ctx, checked.ttl)
    if lease and lease < checked.ttl:
        timer = plan_lease_timer(fault_id, checked.ttl, lease, facts.systemd)
    else:
        timer = plan_timer(fault_id, checked.ttl, facts.systemd)
    record = LedgerRecord(
        id=fault_id,
        kind=checked.kind,
        cluster=cluster.name,
        node=node.name,
        host=node.host,
        summary=steps.summary,
        params=_jsonable(checked.params),
        ttl=checked.ttl,
        applied_at=time.time() if now is None else now,
        by=by,
        timer=timer.mechanism,
        revert=revert_command(fault_id),
        lease=timer.lease,
    )
    revert_script = _revert_script(fault_id, steps, timer, record)
    return FaultPlan(
        id=fault_id,
        cluster=cluster.name,
        node=node.name,
        host=node.host,
        kind=checked.kind,
        params=record.params,
        ttl=checked.ttl,
        summary=steps.summary,
        steps=steps,
        timer=timer,
        record=record,
        apply_script=_apply_script(fault_id, steps, timer, record, revert_script),
        revert_script=revert_script,
        created=time.monotonic(),
    )


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}))
    return plain


def _address(host: str, node: str) -> str:
    """A peer's IPv4 address: its host if literal, else what the controller resolves."""
    try:
        return str(ipaddress.IPv4Address(host))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        raise Refused(f"cannot resolve {node}'s host {host} to an IPv4 address") from None
    return str(infos[0][4][0])


def _peers(cluster: Cluster, checked: CheckedRequest, controller: str | None) -> tuple[tuple[Peer, ...], tuple[Peer, ...]]:
    names = checked.params.get("peers") or tuple(n.name for n in cluster.nodes if n.name != checked.node.name)
    if checked.kind == "block-port":
        return (), ()
    peers: list[Peer] = []
    skipped: list[Peer] = []
    own = _address(checked.node.host, checked.node.name)
    for name in names:
        address = _address(cluster.node(name).host, name)
        if address == own:
            continue
        (skipped if address == controller else peers).append(Peer(name, address))
    if not peers:
        raise Refused(f"{checked.kind} on {checked.node.name}: no peer is left once the controller is exempted")
    return tuple(dict.fromkeys(peers)), tuple(skipped)


def _block(step: str) -> str:
    """A step as one compound command: `{ STEP; }`, or `{ STEP }` when it ends with `&`."""
    return f"{{ {step} }}" if step.rstrip().endswith("&") else f"{{ {step}; }}"


def _revert_script(fault_id: str, steps: FaultSteps, timer: TimerPlan, record: LedgerRecord) -> str:
    error, applying = q(ledger_file(fault_id, "error")), q(ledger_file(fault_id, "applying"))
    lines = [
        "#!/bin/sh",
        f"# clustertui: the revert of {fault_id} ({record.summary}), cluster {record.cluster}.",
        "# Written to the node's ledger before the fault was applied; run by clustertui or by",
        "# the dead-man timer.  Usage: sh THIS_FILE [manual|halt|exit|drill|ttl|lease|rollback]",
        "trap '' HUP PIPE",
        'ctui_why=${1:-manual}',
        *((KEEP_SH,) if steps.persists else ()),
        HELPERS,
        *((LEASE_HELPERS,) if timer.lease else ()),
        f"ctui_fail() {{ printf '%s: %s\\n' \"$ctui_why\" \"$1\" > {error}; printf 'not reverted: %s\\n' \"$1\" >&2; exit 1; }}",
        "# a running apply finishes first (it removes its .applying mark)",
        f"ctui_until 300 test ! -e {applying} || :",
        "# undo: idempotent, errors ignored; the checks below decide",
        *(f"{_block(step)} 2>/dev/null" for step in steps.undo),
        *(f"{_block(check.test)} || ctui_fail {q(check.problem)}" for check in steps.verify_revert),
        "# cancel the dead-man timer, unless it is the one running this",
        'if [ "$ctui_why" != ttl ]' + (' && [ "$ctui_why" != lease ]' if timer.lease else "") + "; then",
        *(f"  {_block(step)}" for step in timer.cancel),
        f"  {_block(timer.cancelled)} || ctui_fail 'the dead-man timer is still armed'",
        "fi",
        *(("# under the lease lock: a renewal cannot write a lease behind this", "ctui_llock") if timer.lease else ()),
        f"rm -f {ledger_files(fault_id)}" + (f" {kept_files(fault_id)}" if steps.persists else ""),
        *(("ctui_lunlock",) if timer.lease else ()),
        f"printf 'reverted %s (%s)\\n' {q(fault_id)} \"$ctui_why\"",
    ]
    return "\n".join(lines) + "\n"


def _write_ledger(fault_id: str, record: LedgerRecord, quoted_revert: str) -> str:
    """Mark the apply as running, write the revert script, then the record (atomically)."""
    json_file, revert_file = ledger_file(fault_id, "json"), ledger_file(fault_id, "revert")
    return (
        f": > {q(ledger_file(fault_id, 'applying'))} && printf '%s' {quoted_revert} > {q(revert_file)} && "
        f"printf '%s\\n' {q(record.to_json())} > {q(json_file + '.tmp')} && mv -f {q(json_file + '.tmp')} {q(json_file)}"
    )


def _keep_ledger(fault_id: str) -> tuple[str, ...]:
    """The record and revert also in the persistent ledger: the fault outlives a reboot."""
    keep = f"{KEEP_DIR}/HOSTNAME"
    return (
        "# persistent ledger: the fault outlives a reboot, /run and the timer do not",
        f'{{ {KEEP_SH}; mkdir -p "$ctui_keep" && cp -f {q(ledger_file(fault_id, "json"))} '
        f'{q(ledger_file(fault_id, "revert"))} "$ctui_keep"/; }}'
        f" || {{ rm -f {ledger_files(fault_id)} {kept_files(fault_id)}; ctui_refuse {q(f'cannot write the persistent ledger in {keep}')}; }}",
    )


def _apply_script(fault_id: str, steps: FaultSteps, timer: TimerPlan, record: LedgerRecord, revert: str) -> str:
    json_file, revert_file = ledger_file(fault_id, "json"), ledger_file(fault_id, "revert")
    applying = ledger_file(fault_id, "applying")
    lines = [
        "trap '' HUP PIPE",
        "umask 022",
        HELPERS,
        *((LEASE_HELPERS,) if timer.lease else ()),
        f"ctui_refuse() {{ printf 'refused: %s\\n' \"$1\" >&2; exit {REFUSED}; }}",
        f"ctui_rollback() {{ rm -f {q(applying)}; printf 'failed: %s\\n' \"$1\" >&2; "
        f"if sh {q(revert_file)} rollback >&2; then exit {ROLLED_BACK}; fi; exit {ROLLBACK_FAILED}; }}",
        "# precheck: nothing has been changed yet; a frozen node refuses first",
        freeze_precheck(REFUSED),
        *(f"{_block(check.test)} || ctui_refuse {q(check.problem)}" for check in steps.precheck),
        "# ledger: the record and its exact revert, before anything changes",
        f"mkdir -p {q(LEDGER_DIR)} || ctui_refuse {q(f'cannot create {LEDGER_DIR}')}",
        f"[ ! -e {q(json_file)} ] && [ ! -e {q(revert_file)} ] || ctui_refuse {q(f'{fault_id} is already in the ledger')}",
        f"{{ {_write_ledger(fault_id, record, q(revert))}; }}"
        f" || {{ rm -f {ledger_files(fault_id)}; ctui_refuse {q(f'cannot write the ledger in {LEDGER_DIR}')}; }}",
        *(_keep_ledger(fault_id) if steps.persists else ()),
        "# dead-man timer: reverts the fault at its TTL, whatever happens to clustertui",
        *(f"{_block(step)} || ctui_rollback 'cannot arm the dead-man timer'" for step in timer.arm),
        "# the fault, timed by the node's clock (chaos/instants.py)",
        f"printf '{ACTING} %s\\n' \"$(date +%s.%N)\"",
        *(f"{_block(step)} || ctui_rollback 'the fault could not be applied'" for step in steps.apply),
        "# did it take?",
        *(f"{_block(check.test)} || ctui_rollback {q('not verified: ' + check.problem)}" for check in steps.verify),
        f"printf '{VERIFIED} %s\\n' \"$(date +%s.%N)\"",
        *((f"# the lease starts now: {timer.lease:g}s from the end of the apply",
           renew_call(timer.lease, [fault_id]) + " >/dev/null") if timer.lease else ()),
        f"rm -f {q(applying)}",
        f"printf 'applied %s\\n' {q(fault_id)}",
    ]
    return "\n".join(lines) + "\n"
