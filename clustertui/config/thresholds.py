"""`thresholds:` in the cluster file: where a gauge turns from ok to warn to bad.

A busy database node at 85 % memory is normal for one team and an incident for another,
so the levels the TUI colours by (and sorts the hottest nodes up by) are the file's, with
the usual defaults.  A section may set only one bound (`cpu: {warn: 60}`); the other keeps
its default, and `warn` must stay below `bad`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from .frozen import Frozen
from .scalars import expect, fail

Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False), expect("a percentage from 0 to 100")]
PerCore = Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False), expect("a positive number (load per core)")]


class Level(StrEnum):
    """A gauge's level; the TUI draws each in the theme's status colour of the same name."""

    OK = "ok"
    WARN = "warn"
    BAD = "bad"


class Limits(Frozen):
    warn: Percent
    bad: Percent

    @model_validator(mode="after")
    def _ordered(self) -> Limits:
        if self.warn >= self.bad:
            raise fail(f"expected warn below bad, found warn {self.warn:g} and bad {self.bad:g}")
        return self

    def level(self, value: float | None) -> Level | None:
        """ok below `warn`, warn below `bad`, bad from `bad` on; None when unknown (or NaN)."""
        if value is None or value != value:
            return None
        return Level.BAD if value >= self.bad else Level.WARN if value >= self.warn else Level.OK


class LoadLimits(Limits):
    warn: PerCore
    bad: PerCore


#: The defaults, also what a section that sets only one bound takes the other from.
DEFAULTS: dict[str, dict[str, float]] = {
    "cpu": {"warn": 70, "bad": 90},  # % busy
    "memory": {"warn": 80, "bad": 92},  # % used
    "load": {"warn": 1.0, "bad": 2.0},  # 1-minute load average per core
    "disk": {"warn": 80, "bad": 90},  # % used, the fullest filesystem
    "swap": {"warn": 20, "bad": 50},  # % used
    "psi": {"warn": 10, "bad": 25},  # % of time some task stalled (avg10), the worst of cpu, io, memory
}


class Thresholds(Frozen):
    cpu: Limits = Limits(**DEFAULTS["cpu"])
    memory: Limits = Limits(**DEFAULTS["memory"])
    load: LoadLimits = LoadLimits(**DEFAULTS["load"])
    disk: Limits = Limits(**DEFAULTS["disk"])
    swap: Limits = Limits(**DEFAULTS["swap"])
    psi: Limits = Limits(**DEFAULTS["psi"])

    @model_validator(mode="before")
    @classmethod
    def _partial(cls, data: Any) -> Any:
        """A section that sets one bound keeps the default of the other."""
        if not isinstance(data, dict):
            return data
        return {key: {**DEFAULTS[key], **value} if key in DEFAULTS and isinstance(value, dict) else value
                for key, value in data.items()}
