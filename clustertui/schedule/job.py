"""What a schedule runs: one drill (or scenario) of one cluster file, headless, on a calendar.

The command is `PYTHON -m clustertui drill FILE NAME --headless` with the interpreter that
scheduled it (so the job needs no PATH and runs the same installation), the cluster file by
its absolute path, and the state-directory overrides of the scheduling shell (XDG_STATE_HOME,
CLUSTERTUI_*), so that scheduled runs land in the history the user reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from .calendar import Entry, ScheduleError, Window, entries

#: Prefix of every unit and cron file a schedule writes; `schedule list` finds them by it.
PREFIX = "clustertui-"
#: Who ran a drill, as the history records it (`origin`): a scheduled job sets it to "schedule".
ORIGIN_ENV = "CLUSTERTUI_RUN_ORIGIN"


class Kind(StrEnum):
    """What a schedule runs, and the command that runs it headless."""

    DRILL = "drill"
    SCENARIO = "scenario"

    @property
    def command(self) -> str:
        return "drill" if self is Kind.DRILL else "gameday"


def _env_to_keep() -> dict[str, str]:
    keep = {key: value for key, value in os.environ.items()
            if key.startswith("CLUSTERTUI_") and key != "CLUSTERTUI_SCHEDULE_DIR"}
    if "XDG_STATE_HOME" in os.environ:
        keep["XDG_STATE_HOME"] = os.environ["XDG_STATE_HOME"]
    keep[ORIGIN_ENV] = "schedule"
    return dict(sorted(keep.items()))


@dataclass(frozen=True, slots=True)
class Job:
    """One scheduled run: which file and drill, how often, and the environment it keeps."""

    file: Path
    cluster: str
    target: str
    kind: Kind
    every: float
    window: str | None = None
    python: str = field(default_factory=lambda: sys.executable)
    env: dict[str, str] = field(default_factory=_env_to_keep)

    def __post_init__(self) -> None:
        for text in (str(self.file), self.python, *self.env, *self.env.values()):
            if any(not char.isprintable() for char in text):
                raise ScheduleError(f"expected no control characters in what a job runs, found one in {text!r}")
        self.calendar  # noqa: B018 -- raises ScheduleError for a period or window that cannot be scheduled

    @property
    def name(self) -> str:
        """`clustertui-CLUSTER-TARGET-HASH`: unique per file and target, valid as a unit and cron name."""
        digest = hashlib.sha256(f"{self.file}\0{self.target}".encode()).hexdigest()[:8]
        return f"{PREFIX}{self.cluster}-{self.target}-{digest}".replace(".", "_")[:200]

    @property
    def calendar(self) -> list[Entry]:
        return entries(self.every, Window.parse(self.window))

    @property
    def argv(self) -> list[str]:
        return [self.python, "-m", "clustertui", self.kind.command, str(self.file), self.target, "--headless"]

    @property
    def summary(self) -> str:
        every = _duration(self.every)
        return f"{self.kind} {self.target} of {self.cluster} every {every}" + (
            f" in {self.window}" if self.window else "")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "file": str(self.file), "cluster": self.cluster, "target": self.target,
                "kind": str(self.kind), "every": self.every, "window": self.window, "python": self.python,
                "env": self.env}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Job:
        return cls(Path(data["file"]), str(data["cluster"]), str(data["target"]), Kind(data["kind"]),
                   float(data["every"]), data.get("window"), str(data["python"]), dict(data.get("env") or {}))

    def marker(self) -> str:
        """The job as one line of ASCII JSON, kept in what is installed so `list` can read it back."""
        return json.dumps(self.to_json(), sort_keys=True, ensure_ascii=True)


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    for unit, size in (("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"
