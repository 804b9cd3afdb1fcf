"""A click parameter type for durations (250ms, 5s, 2m, 1d): bad input is exit 2, one line.

The same parser as the cluster file's (config/durations.py), so both accept the same text."""

from __future__ import annotations

import click

from clustertui.config.durations import EXPECTED, parse_duration


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, float):
            return value
        try:
            seconds = parse_duration(value)
        except ValueError:
            self.fail(f"{value!r} is not {EXPECTED}", param, ctx)
        if seconds <= 0:
            self.fail(f"{value!r} must be longer than zero", param, ctx)
        return seconds


DURATION = Duration()
