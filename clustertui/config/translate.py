"""pydantic's validation errors, said the way the cluster file's users need them.

Most messages are already written by the field types themselves (see `scalars.expect`);
this module phrases the rest -- missing fields, unknown keys with a did-you-mean, wrong
container types -- and strips pydantic's own location markers.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .errors import describe
from .scalars import ERROR_TYPE
from .source import Loc

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dataclass_type": "a mapping",
    "finite_number": "a finite number",
}
_PREFIX = "Input should be "


def explain(error: ErrorDetails, root: type[BaseModel]) -> tuple[Loc, str]:
    """The location (as in the YAML) and the "expected ..., found ..." message of one error."""
    loc: Loc = tuple(part for part in error["loc"] if part != "[key]")
    kind, found = error["type"], describe(error.get("input"))
    if kind == ERROR_TYPE:
        return loc, error["msg"]
    if kind == "missing":
        return loc, "expected a value (this field is required), found none"
    if kind == "extra_forbidden":
        return loc, _unknown(loc, root)
    if kind in ("literal_error", "enum"):
        return loc, f"expected one of {error.get('ctx', {}).get('expected', '?')}, found {found}"
    if kind in _EXPECTED:
        return loc, f"expected {_EXPECTED[kind]}, found {found}"
    message = error["msg"]
    if message.startswith(_PREFIX):
        return loc, f"expected {message[len(_PREFIX):]}, found {found}"
    return loc, f"{message}, found {found}"


def _unknown(loc: Loc, root: type[BaseModel]) -> str:
    known = _keys_at(root, loc[:-1])
    guess = difflib.get_close_matches(str(loc[-1]), known, n=1) if loc else []
    if guess:
        return f"unknown field, did you mean {guess[0]!r}?"
    return f"unknown field, expected one of: {', '.join(known)}" if known else "unknown field"


def _keys_at(root: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model at `loc` accepts, found by walking the type annotations."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            if part not in fields:
                return []
            current = fields[part].annotation
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """`Annotated[X, ...]` and `X | None` -> X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation
