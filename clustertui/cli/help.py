"""Examples at the foot of every command's `--help`, kept as written (click rewraps text)."""

from __future__ import annotations


def examples(*lines: str) -> str:
    """An epilog: `Examples:` and one command per line, each with what it does after `#`."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
