"""From a path to plain Python data plus a map from field locations to line numbers.

The YAML is read with ruamel.yaml's round-trip loader because it remembers where every
key and item stood; that position is recorded here, once, per location tuple
(`("nodes", 1, "host")`), in the same shape pydantic reports errors in. `${VAR}` is
expanded on the way, so that its errors also know their line.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import stat
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import BaseResolver

from .errors import FILE_FIELD, YAML_FIELD, ConfigError, Origin, describe
from .expand import expand_env

Loc = tuple[Hashable, ...]

MAX_BYTES = 10 * 1024 * 1024
MAX_VALUES = 200_000
MAX_DEPTH = 64
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@:-]*")


def field_path(loc: Loc) -> str:
    """`("nodes", 2, "port")` -> `nodes[2].port`; odd keys are quoted so the path stays one token."""
    text = ""
    for part in loc:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        elif isinstance(part, str) and _PLAIN_KEY.fullmatch(part):
            text += f".{part}" if text else part
        else:
            text += f"[{json.dumps(part if isinstance(part, str) else str(part))}]"
    return text or FILE_FIELD


@dataclass
class LineMap:
    """Lines of the keys and items of one YAML file, by location."""

    path: Path
    lines: dict[Loc, int] = field(default_factory=dict)
    #: Location rewrites for sugar the loader normalised (a single `import:` mapping is a list of one).
    aliases: dict[Loc, Loc] = field(default_factory=dict)

    def origin(self, loc: Loc) -> Origin:
        """Where `loc` is: the line of its deepest part present in the file."""
        for alias, real in self.aliases.items():
            if loc[: len(alias)] == alias:
                loc = real + loc[len(alias) :]
        for end in range(len(loc), 0, -1):
            line = self.lines.get(loc[:end])
            if line is not None:
                return Origin(self.path, line, field_path(loc))
        return Origin(self.path, self.lines.get((), 1), field_path(loc))

    def error(self, loc: Loc, message: str) -> ConfigError:
        return self.origin(loc).error(message)


def read_text(path: Path) -> str:
    """The file's text, or a ConfigError that says why there is none."""

    def bad(message: str, line: int = 0) -> ConfigError:
        return ConfigError(path, line, FILE_FIELD, message)

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise bad("expected a cluster file, found a directory")
        if not stat.S_ISREG(info.st_mode):
            raise bad("expected a regular file, found a special file (device, FIFO or socket)")
        if info.st_size > MAX_BYTES:
            raise bad(f"expected a cluster file of at most {MAX_BYTES} bytes, found {info.st_size} bytes")
        data = path.read_bytes()
    except FileNotFoundError:
        raise bad("expected a readable file, found no such file") from None
    except PermissionError:
        raise bad("expected a readable file, found permission denied") from None
    except OSError as exc:
        raise bad(f"expected a readable file, found an error: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the path itself
        raise bad("expected a file path, found a NUL character in it") from None
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise bad("expected a YAML text file, found binary data (a NUL byte)", line)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise bad(f"expected UTF-8 text, found byte 0x{data[exc.start]:02x}", line) from None


def parse_yaml(path: Path, text: str) -> tuple[Any, LineMap]:
    """Plain data (dicts, lists, scalars; `${VAR}` expanded; None for an empty file) and its line map.

    Raises ConfigError for syntax errors, duplicate keys, unsupported tags and documents
    too deep or too large (alias bombs) to be a cluster file.
    """
    yaml = YAML(typ="rt")
    try:
        root = yaml.compose(text)
        _check_tags(path, root, yaml.resolver)
        # Built from the tree just checked: parsing the text again (`yaml.load`) doubled
        # the time to load a file listing thousands of nodes (docs/performance.md).
        document = yaml.constructor.construct_document(root) if root is not None else None
    except DuplicateKeyError as exc:
        raise _duplicate_key(path, text, exc) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise ConfigError(path, line, YAML_FIELD, f"expected valid YAML, found an error: {_one_line(exc)}") from None
    except ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise ConfigError(path, line, YAML_FIELD, f"expected YAML text, found {exc.reason}") from None
    except YAMLError as exc:
        raise ConfigError(path, 1, YAML_FIELD, f"expected valid YAML, found an error: {_one_line(exc)}") from None
    except RecursionError:
        raise ConfigError(path, 1, YAML_FIELD, "expected a YAML document nested a few levels deep, found far deeper nesting") from None
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        # Last resort: ruamel's constructors have failed with plain Python errors on odd input
        # (see _check_tags); whatever slips past that is still a bad file, not a crash.
        raise ConfigError(path, 1, YAML_FIELD, f"expected valid YAML, found input the YAML reader failed on ({exc!r})") from None
    lines = LineMap(path)
    lines.lines[()] = _line(document)
    return _Converter(lines).plain(document, ()), lines


_CORE = "tag:yaml.org,2002:"
#: Python's own limit on int() of a decimal string (sys.get_int_max_str_digits()); every
#: numeric field has a far lower bound of its own (scalars.py), checked with the field's name.
_MAX_INT_CHARS = 4300
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "merge")}


def _check_tags(path: Path, root: Node | None, resolver: BaseResolver) -> None:
    """Only plain YAML: maps, lists and core scalars, each tag on its own kind of node and
    matching its value (`!!int abc` is refused).

    Checked on the composed tree, before construction, because ruamel's constructors for
    other tags (`!!set`, `!!omap`, `!custom`) and for mismatched ones fail in odd ways, and
    because here every node still knows its line.
    """
    seen: set[int] = set()
    todo = [root] if root is not None else []
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        tag = node.tag if isinstance(node.tag, str) else str(node.tag)
        if isinstance(node, MappingNode):
            ok = tag == _CORE + "map"
            for key, value in node.value:
                if not isinstance(key, ScalarNode):  # `? [a, b]: x` -- unhashable in Python
                    kind = "a mapping" if isinstance(key, MappingNode) else "a list"
                    raise ConfigError(
                        path, key.start_mark.line + 1, YAML_FIELD, f"expected plain keys (names), found {kind} as a key"
                    )
                todo.extend((key, value))
        elif isinstance(node, SequenceNode):
            ok = tag == _CORE + "seq"
            todo.extend(node.value)
        else:
            implied = str(resolver.resolve(ScalarNode, node.value, (True, False)))
            if implied == _CORE + "int" and len(node.value) > _MAX_INT_CHARS:  # int() would refuse it, lineless
                raise ConfigError(
                    path, node.start_mark.line + 1, YAML_FIELD,
                    f"expected a number of at most {_MAX_INT_CHARS} digits, found a {len(node.value)}-character number",
                )
            ok = tag in _SCALAR_TAGS and (
                tag in (implied, _CORE + "str") or (tag, implied) == (_CORE + "float", _CORE + "int")
            )
        if not ok:
            shown = tag.replace(_CORE, "!!")
            raise ConfigError(
                path, node.start_mark.line + 1, YAML_FIELD, f"expected plain YAML values, found the tag {shown!r} here"
            )


def _line(node: Any) -> int:
    lc = getattr(node, "lc", None)
    return lc.line + 1 if lc is not None and lc.line is not None else 1


def _one_line(exc: YAMLError) -> str:
    """ruamel's multi-line report, reduced to its problem and context (with the context's line)."""
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    text = problem or str(exc)
    if context and problem:
        mark = getattr(exc, "context_mark", None)
        text += f" ({context} at line {mark.line + 1})" if mark is not None else f" ({context})"
    return " ".join(text.split())


def _duplicate_key(path: Path, text: str, exc: DuplicateKeyError) -> ConfigError:
    """Name the repeated key by its path, found in the composed (unconstructed) node tree."""
    found = _find_duplicate(YAML(typ="rt").compose(text), ())
    if found is None:  # not expected: ruamel and its own tree disagree; still report the line
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return ConfigError(path, line, YAML_FIELD, f"expected each key once, found an error: {_one_line(exc)}")
    loc, line, first = found
    return ConfigError(
        path, line, field_path(loc), f"expected each key once in a mapping, found {loc[-1]!r} again (first at line {first})"
    )


def _find_duplicate(node: Node, loc: Loc) -> tuple[Loc, int, int] | None:
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = key.value if isinstance(key.value, str) else str(key.value)
            if name in seen and key.tag != "tag:yaml.org,2002:merge":
                return (*loc, name), key.start_mark.line + 1, seen[name]
            seen[name] = key.start_mark.line + 1
            found = _find_duplicate(value, (*loc, name))
            if found:
                return found
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            found = _find_duplicate(item, (*loc, index))
            if found:
                return found
    return None


class _Converter:
    """Walks ruamel's round-trip tree into plain data, recording lines as it goes."""

    def __init__(self, lines: LineMap) -> None:
        self.lines = lines
        self.values = 0
        self.active: set[int] = set()

    def plain(self, node: Any, loc: Loc) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise self.lines.error(loc, f"expected at most {MAX_VALUES} values, found more (an alias bomb?)")
        if isinstance(node, (CommentedMap, CommentedSeq)):
            if len(loc) > MAX_DEPTH:
                raise self.lines.error(loc, f"expected at most {MAX_DEPTH} levels of nesting, found deeper")
            if id(node) in self.active:
                raise self.lines.error(loc, "expected a finite document, found an alias that contains itself")
            self.active.add(id(node))
            try:
                return self._mapping(node, loc) if isinstance(node, CommentedMap) else self._sequence(node, loc)
            finally:
                self.active.discard(id(node))
        return self._scalar(node, loc)

    def _mapping(self, node: CommentedMap, loc: Loc) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        own_line, positions = _line(node), node.lc.data or {}
        for key, value in node.items():
            position = positions.get(key)
            key = self._key(key, loc)
            self.lines.lines.setdefault((*loc, key), position[0] + 1 if position else own_line)
            out[key] = self.plain(value, (*loc, key))
        return out

    def _sequence(self, node: CommentedSeq, loc: Loc) -> list[Any]:
        out: list[Any] = []
        own_line, positions = _line(node), node.lc.data or {}
        for index, item in enumerate(node):
            position = positions.get(index)
            self.lines.lines.setdefault((*loc, index), position[0] + 1 if position else own_line)
            out.append(self.plain(item, (*loc, index)))
        return out

    def _key(self, key: Any, loc: Loc) -> Any:
        """Keys stay as written (no `${VAR}`): they are names, not values."""
        if isinstance(key, str):
            return str(key)
        if isinstance(key, (bool, int, float)) or key is None:
            return self._scalar(key, loc)
        raise self.lines.error(loc, f"expected plain keys (names), found {describe(key)} as a key")

    def _scalar(self, node: Any, loc: Loc) -> Any:
        if isinstance(node, bool) or node is None:
            return node
        if isinstance(node, int):
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, str):
            try:
                return expand_env(str(node))
            except ValueError as exc:
                raise self.lines.error(loc, str(exc)) from None
        if isinstance(node, (_dt.date, _dt.datetime)):
            return node
        raise self.lines.error(loc, f"expected a plain YAML value, found {describe(node)}")
