"""A click parameter type for durations (250ms, 5s, 2m): bad input is exit 2, one line."""

from __future__ import annotations

import click

from clustertui.config import parse_duration


class Duration(click.ParamType):
    name = "duration"

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, float):
            return value
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if seconds <= 0:
            self.fail(f"{value!r} must be longer than zero", param, ctx)
        return seconds


DURATION = Duration()
