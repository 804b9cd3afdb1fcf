"""A click type for numeric options that take either an integer or a decimal (`--percent 2.5`).

Typed at the command line, so that `--percent lots` is a usage error (exit 2) before any
cluster file is read; the fault's own validator still checks the range for its kind.
"""

from __future__ import annotations

import math

import click


class Number(click.ParamType):
    name = "number"

    def convert(self, value, param, ctx) -> int | float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        try:
            number = float(value)
        except ValueError:
            self.fail(f"expected a number, found {value!r}", param, ctx)
        if not math.isfinite(number):
            self.fail(f"expected a finite number, found {value!r}", param, ctx)
        return int(number) if number.is_integer() and "." not in str(value) else number


NUMBER = Number()
