"""The freeze mark: a line in a node's ledger directory that refuses every new fault there.

`/run/clustertui/faults/.freeze` holds one line, written by `freeze_script` (under the
node's chaos lock, so that it cannot land between another controller's guards and apply):

    UNTIL SINCE {"by":"alice@ops1","cluster":"prod","reason":"release window","v":1}

UNTIL and SINCE are the node's own clock (seconds since the epoch; UNTIL 0: until thawed),
so an expiry never depends on the controller's clock.  The mark is decided on the node:
the apply script's first precheck (`FREEZE_PRECHECK`) refuses while it holds, whoever
runs the apply, from whatever machine or state directory; the survey reads it too, so the
guards refuse early and `status` shows it.  A mark that cannot be read refuses as well
(fail safe).  Reverts, halts and timers never look at it: a freeze stops new faults only.
It lives in /run like the ledger: a reboot thaws the node (and reverts its faults).

Everything in the mark is node text: parsed with bounds, shown as one printable line.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass

from clustertui.chaos.ledger import LEDGER_DIR, shown
from clustertui.chaos.shell import q
from clustertui.report.escape import printable

FREEZE_FILE = f"{LEDGER_DIR}/.freeze"
#: The most of the mark anything reads (`head -c`): a reason is at most MAX_REASON.
MAX_MARK = 4096
MAX_REASON = 200
#: The apply script's own refusal line starts with this, followed by the mark's line.
FROZEN_PREFIX = "refused: frozen "


def freeze_precheck(refused: int) -> str:
    """The apply script's first precheck: a mark that holds (UNTIL 0, or later than the
    node's clock) or whose UNTIL is not a number exits `refused` with `FROZEN_PREFIX LINE`."""
    return "\n".join((
        f"if [ -e {q(FREEZE_FILE)} ]; then",
        f"  ctui_fz=$(head -c {MAX_MARK} {q(FREEZE_FILE)} | head -n 1 | tr -d '\\r')",
        '  ctui_fu=${ctui_fz%% *}',
        '  case $ctui_fu in \'\'|*[!0-9]*|?????????????*) ctui_fu=0 ;; esac',
        f'  if [ "$ctui_fu" = 0 ] || [ "$(date +%s)" -lt "$ctui_fu" ]; then printf \'{FROZEN_PREFIX}%s\\n\' "$ctui_fz" >&2; exit {refused}; fi',
        "fi",
    ))


@dataclass(frozen=True, slots=True)
class FreezeMark:
    """A node's freeze, as read from its mark; `problem` when the mark could not be read
    (such a mark still freezes the node: the apply script refuses it too)."""

    node: str
    since: float = 0.0  # node clock
    until: float | None = None  # node clock; None: until thawed
    reason: str = ""
    by: str = ""
    cluster: str = ""
    node_now: float = 0.0  # the node's clock when the mark was read
    problem: str = ""

    @property
    def active(self) -> bool:
        """Whether it refuses faults now (an expired mark is left on the node, harmless)."""
        return self.until is None or self.node_now < self.until

    @property
    def remaining(self) -> float | None:
        """Seconds until it expires, by the node's clock; None: until thawed."""
        return None if self.until is None else max(0.0, self.until - self.node_now)

    def describe(self) -> str:
        """One line for a person, every node value escaped."""
        if self.problem:
            return f"frozen (unreadable mark: {self.problem})"
        until = "until thawed" if self.until is None else f"for {_seconds(self.remaining or 0.0)} more"
        who = f" by {_text(self.by, 80)}" if self.by else ""
        reason = f": {_text(self.reason)}" if self.reason else ""
        return f"frozen{who}, {until}{reason}"

    def refusal(self) -> str:
        """Why a fault on this node is refused."""
        return f"{self.node} is {self.describe()} (clustertui chaos FILE thaw lifts it)"

    def to_json(self) -> dict[str, object]:
        return {"node": self.node, "active": self.active, "reason": _text(self.reason),
                "by": _text(self.by, 80), "cluster": _text(self.cluster, 80), "since": self.since,
                "until": self.until, "remaining": self.remaining, "problem": self.problem}


def _text(value: str, limit: int = MAX_REASON) -> str:
    """A mark's text for any output: one printable line (control characters replaced), cut."""
    value = printable(value)
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _seconds(value: float) -> str:
    value = int(value)
    if value >= 3600:
        return f"{value // 3600}h{value % 3600 // 60:02d}m"
    return f"{value // 60}m{value % 60:02d}s" if value >= 60 else f"{value}s"


def parse_mark(node: str, line: str, node_now: float) -> FreezeMark:
    """The mark's line (`UNTIL SINCE JSON`), within bounds; never raises: garbage is a
    mark with a `problem`, which still freezes (as the node's own precheck decides)."""
    line = line[:MAX_MARK].strip()
    until_text, _, rest = line.partition(" ")
    since_text, _, data = rest.partition(" ")
    if not all(t.isascii() and t.isdigit() and len(t) <= 12 for t in (until_text, since_text)):
        return FreezeMark(node, node_now=node_now, problem=shown(line[:60] or "empty", 80))
    try:
        fields = json.loads(data) if data else {}
    except (ValueError, RecursionError):
        fields = None
    if not isinstance(fields, dict):
        return FreezeMark(node, node_now=node_now, problem="its details are not a JSON object")

    def text(key: str) -> str:
        value = fields.get(key, "")
        return value[:MAX_MARK] if isinstance(value, str) else ""

    until = int(until_text)
    return FreezeMark(node, float(since_text), float(until) if until else None, text("reason"), text("by"),
                      text("cluster"), node_now)


def refusal_from_output(node: str, failure: str) -> str | None:
    """The apply script's freeze refusal (`refused: frozen LINE`) as a line for a person;
    None for any other refusal.  The node's clock is not known here: the time left is not
    shown, the expiry is (by the node's clock)."""
    if not failure.startswith(FROZEN_PREFIX):
        return None
    mark = parse_mark(node, failure[len(FROZEN_PREFIX):], 0.0)
    if mark.problem:
        return f"refused by the node: {node} is {mark.describe()}"
    until = "until thawed" if mark.until is None else "until " + time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(mark.until))
    who = f" by {_text(mark.by, 80)}" if mark.by else ""
    reason = f": {_text(mark.reason)}" if mark.reason else ""
    return f"refused by the node: {node} is frozen{who}, {until}{reason}"


def check_reason(reason: str) -> str:
    """A freeze reason as typed (ValueError otherwise): one line, printable, bounded."""
    if len(reason) > MAX_REASON:
        raise ValueError(f"--reason: at most {MAX_REASON} characters, found {len(reason)}")
    if any(not ch.isprintable() for ch in reason):
        raise ValueError("--reason: one line of printable text, found a control character")
    return reason


def freeze_script(reason: str, by: str, cluster: str, seconds: float | None) -> str:
    """Write the mark (atomically) and print `frozen UNTIL SINCE`; exit 3 if it cannot."""
    details = json.dumps({"by": by, "cluster": cluster, "reason": reason, "v": 1}, sort_keys=True, separators=(",", ":"))
    until = f"$((ctui_now + {math.ceil(seconds)}))" if seconds else "0"
    tmp = q(FREEZE_FILE + ".tmp")
    return "\n".join((
        "umask 022",
        f"mkdir -p {q(LEDGER_DIR)} || {{ echo 'cannot create {LEDGER_DIR}'; exit 3; }}",
        "ctui_now=$(date +%s)",
        f"ctui_until={until}",
        f"printf '%s %s %s\\n' \"$ctui_until\" \"$ctui_now\" {q(details)} > {tmp} && mv -f {tmp} {q(FREEZE_FILE)}"
        f" || {{ rm -f {tmp}; echo 'cannot write {FREEZE_FILE}'; exit 3; }}",
        "printf 'frozen %s %s\\n' \"$ctui_until\" \"$ctui_now\"",
    ))


def thaw_script() -> str:
    """Remove the mark; print `thawed` or `not-frozen`."""
    return (f"if [ -e {q(FREEZE_FILE)} ]; then rm -f {q(FREEZE_FILE)} {q(FREEZE_FILE + '.tmp')} || exit 3; "
            "echo thawed; else echo not-frozen; fi")


#: Printed by the survey: `freeze LINE` when the node has a mark.
SURVEY_LINE = (f"[ -e {q(FREEZE_FILE)} ] && printf 'freeze %s\\n' "
               f"\"$(head -c {MAX_MARK} {q(FREEZE_FILE)} | head -n 1 | tr -d '\\r')\"")
