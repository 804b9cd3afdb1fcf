"""One escaping function per output format, so node text is data in every report.

Everything a node prints (hosts, event details, service states, HTTP reasons) reaches the
reports. Each format has exactly one function here; writers never escape by hand. Control
characters are replaced first, in every format (a terminal escape in a report opened with
`cat` is still a terminal escape). HTML is escaped by Jinja2's autoescape (MarkupSafe), whose
`escape` the SVG charts use too. A terminal (Rich console, Textual widget) gets a
`rich.text.Text` from `terminal`, so a `[` from a node is never read as markup.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from rich.style import Style
from rich.text import Text

__all__ = ["Markup", "csv_cell", "html", "md_text", "printable", "terminal", "xml_text"]

# C0, DEL, C1, the Unicode line separators, lone surrogates (undecodable bytes read with
# surrogateescape; no encoder writes them) and the two non-characters XML forbids.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
#: Leading characters that make a spreadsheet read a cell as a formula (OWASP's list).
_FORMULA = ("=", "+", "-", "@")


def printable(text: str, lines: bool = False) -> str:
    """Every control character becomes U+FFFD; newlines and tabs too, unless `lines`."""
    return (_CONTROL_BUT_LINES if lines else _CONTROL).sub("\ufffd", text)


def terminal(text: object, style: str | Style = "", lines: bool = False, **options: Any) -> Text:
    """Text for a terminal (a Rich table cell, a Textual widget or cell): data, never
    markup, control characters replaced (an ESC from a node would otherwise set the
    terminal's title or clear the screen). `options` go to `Text` (no_wrap, overflow, end).

    Given a `Text` already built (a widget's whole render), returns a copy with its
    characters replaced one for one, newlines kept, so that its styles stay in place.
    """
    if isinstance(text, Text):
        safe = text.copy()
        safe.plain = printable(text.plain, lines=True)
        return safe
    return Text(printable(str(text), lines=lines), style=style, **options)


def md_text(text: str) -> str:
    """Inline Markdown (a table cell, a list item): one line, `|` and markup characters escaped."""
    return re.sub(r"([\\|`*_<\[\]])", r"\\\1", printable(text))


def html(text: str) -> Markup:
    """HTML text or attribute value (what autoescape does in the templates)."""
    return escape(printable(text, lines=True))


def xml_text(text: str) -> str:
    """XML 1.0 character data: ElementTree escapes `<&"`, but control characters are not
    allowed in XML at all, so they are replaced (newlines and tabs are kept)."""
    return printable(text, lines=True)


def csv_cell(text: str) -> str:
    """A text cell for CSV: a leading `=`, `+`, `-` or `@` would make a
    spreadsheet run it as a formula, so such a cell gets a leading `'`. Numbers we computed
    are written as numbers and do not pass through here."""
    text = printable(text)
    return "'" + text if text.startswith(_FORMULA) else text
