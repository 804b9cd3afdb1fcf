"""Stop conditions written on a command line (`chaos apply --hold --abort-when TEXT`).

Two forms, the same conditions as `abort_when:` in a cluster file (config/stops.py):

- compact: `availability_below=0.5,over=1s` -- `key=value` pairs joined by commas, a bare
  key meaning `true` (`quorum_lost`); shell-style quotes keep commas in a value
  (`command_fails='curl -sf http://a/,b',timeout=2s`);
- YAML flow: `{availability_below: 0.5, over: 1s}`, or a list of such mappings.

Errors are one line naming the field (`over: expected a duration from 100ms to 10m, ...`),
raised as `StopTextError`; the caller says which option and exits 2.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from .errors import describe
from .frozen import Frozen
from .source import field_path
from .stops import StopCondition
from .translate import explain

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_RAW = {"command_fails", "node", "node_down", "endpoint_down", "service_down", "resource"}  # never numbers
MAX_TEXT = 4096


class StopTextError(ValueError):
    """A stop condition on the command line that cannot be read; its text is one line."""


class _Conditions(Frozen):
    abort_when: list[StopCondition]


def parse_stop_text(text: str) -> list[StopCondition]:
    """The conditions `text` states (one, or several in the YAML list form)."""
    if len(text) > MAX_TEXT:
        raise StopTextError(f"expected a stop condition of at most {MAX_TEXT} characters, found {len(text)}")
    stripped = text.strip()
    if not stripped:
        raise StopTextError("expected a stop condition like availability_below=0.5,over=1s, found nothing")
    data: Any = _flow(stripped) if stripped[0] in "{[" else _compact(stripped)
    items = data if isinstance(data, list) else [data]
    try:
        return _Conditions.model_validate({"abort_when": items}).abort_when
    except ValidationError as exc:
        loc, message = explain(exc.errors()[0], _Conditions)
        rest = loc[2:] if len(items) == 1 else loc[1:]
        where = field_path(rest) if rest else "condition"
        raise StopTextError(f"{where}: {message}") from None


def _flow(text: str) -> Any:
    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise StopTextError(f"expected a YAML mapping like {{availability_below: 0.5, over: 1s}}, found an error: "
                            f"{problem}") from None


def _compact(text: str) -> dict[str, Any]:
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace, lexer.whitespace_split, lexer.commenters = ",", True, ""
    try:
        parts = [part.strip() for part in lexer]
    except ValueError as exc:  # an unclosed quote
        raise StopTextError(f"expected key=value pairs joined by commas, found {describe(text)} ({exc})") from None
    data: dict[str, Any] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        key = key.strip()
        if not key:
            raise StopTextError(f"expected key=value pairs joined by commas, found {describe(part)}")
        if key in data:
            raise StopTextError(f"{key}: expected each key once, found it again")
        data[key] = _scalar(key, value.strip()) if sep else True
    return data


def _scalar(key: str, value: str) -> Any:
    """A compact value as YAML would type it: a number, true/false, else the text."""
    if key in _RAW:
        return value
    if _NUMBER.fullmatch(value):
        number = float(value)
        return int(number) if number.is_integer() and re.fullmatch(r"[+-]?\d+", value) else number
    return {"true": True, "false": False}.get(value.lower(), value)
