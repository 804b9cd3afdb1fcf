"""The programs a shell script or an argv list runs: a small reader of POSIX sh, for tests.

`tests/lab/test_lab_deps.py` feeds it every script the product sends to a node (fault,
ledger, timer, survey, probe) and every argv the lab and the tests run, and checks that each
program comes from a package that `clustertui lab deps` installs.  It reads the sh the
project writes: simple commands, pipelines, `&&`/`||`, `if`/`while`/`for`/`case`, function
definitions, `$(...)`, redirections and assignments, and looks through the wrappers that run
another command (`exec`, `setsid`, `nohup`, `timeout`, `sh -c`, `nsenter ... --`, ...).  A
command word that is not literal text (`"$@"`, `$cmd`) is dynamic and skipped: the literal
text that fills it is read where it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

#: Stands for text that is not known when reading (a variable, a substitution, an f-string field).
DYNAMIC = "\x00"

#: dash's builtins and reserved words: they run no program.
BUILTINS = frozenset(
    ": . [ alias bg break cd command continue echo eval exit export false fg getopts hash jobs kill local printf "
    "exec pwd read readonly return set shift test times trap true type ulimit umask unalias unset wait".split()
)
RESERVED = frozenset("if then else elif fi do done while until { } ! in esac".split())

#: Commands that run the command that follows their options, and how many operands (after
#: the options) come before it.
WRAPPERS = {"exec": 0, "command": 0, "nohup": 0, "setsid": 0, "unshare": 0, "sudo": 0, "timeout": 1, "xargs": 0}
#: Wrappers whose command follows a literal `--`.
DASHDASH_WRAPPERS = frozenset({"nsenter", "setpriv"})

_OPS = (";;", "&&", "||", ">>", "<<", ">&", "<&", ";", "&", "|", "(", ")", "<", ">", "\n")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def _dquote_end(text: str, i: int) -> int:
    """Index just past the `"` that closes the double quote at text[i]."""
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
        elif text[j] == '"':
            return j + 1
        elif text.startswith("$(", j):
            j = _matching(text, j + 1, "(", ")")
        elif text.startswith("${", j):
            j = _matching(text, j + 1, "{", "}")
        else:
            j += 1
    raise ValueError(f"unterminated double quote in: {text[i:i + 60]!r}")


def _matching(text: str, i: int, open_: str, close: str) -> int:
    """Index just past the `close` that matches text[i] == open_ (quotes respected)."""
    depth, j = 0, i
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
        elif c == "'":
            j = text.index("'", j + 1) + 1
        elif c == '"':
            j = _dquote_end(text, j)
        else:
            depth += (c == open_) - (c == close)
            j += 1
            if depth == 0:
                return j
    raise ValueError(f"unbalanced {open_!r} in: {text[i:i + 60]!r}")


class _Reader:
    """Tokens of one script; command substitutions are collected as scripts of their own."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.subs: list[str] = []

    def _dollar(self, i: int) -> tuple[str, int]:
        text = self.text
        if text.startswith("$((", i):
            return DYNAMIC, _matching(text, i + 1, "(", ")") + 1
        if text.startswith("$(", i):
            end = _matching(text, i + 1, "(", ")")
            self.subs.append(text[i + 2 : end - 1])
            return DYNAMIC, end
        if text.startswith("${", i):
            return DYNAMIC, _matching(text, i + 1, "{", "}")
        m = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])").match(text, i)
        return (DYNAMIC, m.end()) if m else ("$", i + 1)

    def tokens(self) -> list[tuple[str, str]]:
        """("op", text) and ("word", unquoted text) pairs."""
        text, out, i = self.text, [], 0
        while i < len(text):
            c = text[i]
            if c in " \t":
                i += 1
            elif c == "\\" and text.startswith("\\\n", i):
                i += 2
            elif c == "#":
                i = text.find("\n", i) if "\n" in text[i:] else len(text)
            elif any(text.startswith(op, i) for op in _OPS):
                op = next(op for op in _OPS if text.startswith(op, i))
                out.append(("op", op))
                i += len(op)
            else:
                word, i = self._word(i)
                out.append(("word", word))
        return out

    def _word(self, i: int) -> tuple[str, int]:
        text, value = self.text, []
        while i < len(text) and text[i] not in " \t\n;&|()<>":
            c = text[i]
            if c == "'":
                end = text.index("'", i + 1)
                value.append(text[i + 1 : end])
                i = end + 1
            elif c == '"':
                end = _dquote_end(text, i)
                inner, j = text[i + 1 : end - 1], 0
                while j < len(inner):
                    if inner[j] == "$":
                        sub = _Reader(inner)
                        piece, j = sub._dollar(j)
                        self.subs += sub.subs
                        value.append(piece)
                    elif inner[j] == "\\" and j + 1 < len(inner):
                        value.append(inner[j + 1])
                        j += 2
                    else:
                        value.append(inner[j])
                        j += 1
                i = end
            elif c == "`":
                end = text.index("`", i + 1)
                self.subs.append(text[i + 1 : end])
                value.append(DYNAMIC)
                i = end + 1
            elif c == "$":
                piece, i = self._dollar(i)
                value.append(piece)
            elif c == "\\":
                value.append(text[i + 1 : i + 2])
                i += 2
            else:
                value.append(c)
                i += 1
        return "".join(value), i


def programs_in_script(script: str, functions: frozenset[str] = frozenset()) -> set[str]:
    """Every program `script` runs (builtins, reserved words and its functions left out)."""
    reader = _Reader(script)
    tokens = reader.tokens()
    found: set[str] = set()
    defined = set(functions) | {
        tokens[i][1]
        for i in range(len(tokens) - 2)
        if tokens[i][0] == "word" and tokens[i + 1] == ("op", "(") and tokens[i + 2] == ("op", ")")
    }
    simple: list[str] = []
    mode = "command"  # "for" skips to `do`; "case" skips to `in`; "pattern" skips to `)`
    case_depth = 0
    i = 0

    def flush() -> None:
        found.update(programs_in_argv(simple, frozenset(defined)))
        simple.clear()

    while i < len(tokens):
        kind, value = tokens[i]
        i += 1
        if mode == "for":
            mode = "command" if (kind, value) == ("word", "do") else "for"
            continue
        if mode == "case":
            mode = "pattern" if (kind, value) == ("word", "in") else "case"
            continue
        if mode == "pattern":
            if (kind, value) == ("word", "esac"):
                case_depth -= 1
                mode = "command"
            elif (kind, value) == ("op", ")"):
                mode = "command"
            continue
        if kind == "op":
            if value in ("<", ">", ">>", "<<", ">&", "<&"):
                i += 1  # the redirection's target
                continue
            flush()
            if value == ";;" and case_depth:
                mode = "pattern"
            continue
        if value.isdigit() and tokens[i : i + 1] and tokens[i][1] in ("<", ">", ">>", ">&", "<&"):
            continue  # a file descriptor: `2>/dev/null`
        if not simple:
            if value in defined and tokens[i : i + 2] == [("op", "("), ("op", ")")]:
                i += 2
                continue
            if value == "for":
                mode = "for"
                continue
            if value == "case":
                case_depth += 1
                mode = "case"
                continue
            if value == "esac" and case_depth:
                case_depth -= 1
                continue
            if value in RESERVED or _ASSIGNMENT.match(value):
                continue
        simple.append(value)
    flush()
    for sub in reader.subs:
        found |= programs_in_script(sub, frozenset(defined))
    return found


def programs_in_argv(argv: Sequence[str], functions: frozenset[str] = frozenset()) -> set[str]:
    """The programs a command line (argv, or one simple shell command's words) runs."""
    words = list(argv)
    while words and (words[0] in RESERVED or _ASSIGNMENT.match(words[0])):
        words.pop(0)
    if not words or DYNAMIC in words[0] or not words[0]:
        return set()
    head, rest = words[0], words[1:]
    name = head.rsplit("/", 1)[-1]
    if name in ("sh", "bash", "dash"):
        if rest[:1] == ["-c"] and len(rest) > 1:
            return {head} | programs_in_script(rest[1], functions)
        return {head}  # a script file: read where it is written
    if name == "command" and rest[:1] == ["-v"]:
        return set()  # asks whether a program exists: runs nothing
    found = set() if name in BUILTINS or name in functions else {head}
    if name in WRAPPERS:
        options = 0
        while options < len(rest) and rest[options].startswith("-"):
            options += 1
        found |= programs_in_argv(rest[options + WRAPPERS[name] :], functions)
    elif name in DASHDASH_WRAPPERS and "--" in rest:
        found |= programs_in_argv(rest[rest.index("--") + 1 :], functions)
    elif name == "ip" and rest[:2] == ["netns", "exec"]:
        found |= programs_in_argv(rest[3:], functions)
    elif name in functions and name in FUNCTION_WRAPPERS:
        found |= programs_in_argv(rest[FUNCTION_WRAPPERS[name] :], functions)
    return found


#: The project's own shell functions that run their arguments as a command, and how many
#: arguments come first (see chaos/shell.py HELPERS and lab/templates/node-init.sh).
FUNCTION_WRAPPERS = {"ctui_until": 1, "ctui_not": 0, "start_service": 1, "start_background": 1}


def programs_in_scripts(scripts: Iterable[str], functions: frozenset[str] = frozenset()) -> set[str]:
    out: set[str] = set()
    for script in scripts:
        out |= programs_in_script(script, functions)
    return out
