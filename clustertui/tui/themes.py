"""Themes as data: TOML files loaded at start-up, validated, switchable live.

Built-in themes live in the repository's `themes/` directory (shipped in the wheel, found
through clustertui.resources); a user's own go in
`~/.config/clustertui/themes/` (or `$XDG_CONFIG_HOME/clustertui/themes/`) and override a
built-in theme of the same name.  A theme's name is its file name without `.toml`.

A broken file never stops the monitor: it is skipped with one clear line naming the file
and what is wrong, and the app starts with the default theme.  If even the default file is
missing (an installation without `themes/`), a copy of it compiled in here is used.

File format (see docs/tui.md):

    description = "the dark default"
    dark = true
    [colors]      # Textual's theme colours; only primary is required
    primary = "#4C9BE8"
    background = "#10141a"
    [status]      # clustertui's own: glyphs, gauges, greyed rows, sparklines
    ok = "#3FB950"
    warn = "#D29922"
    bad = "#F85149"
    stale = "#6E7681"
    spark = "#58A6FF"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from textual.color import Color, ColorParseError
from textual.theme import Theme

from clustertui.tui.palette import Palette
from clustertui.tui.theme_files import BUILTIN_DIR, user_theme_dir

DEFAULT_THEME = "default"


def _colour(value: str) -> str:
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValueError(f"{value!r} is not a colour (expected #rrggbb, rgb(r,g,b), hsl(h,s%,l%) or a name)") from None
    return value


Colour = Annotated[str, AfterValidator(_colour)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ColoursSpec(_Strict):
    primary: Colour
    secondary: Colour | None = None
    accent: Colour | None = None
    warning: Colour | None = None
    error: Colour | None = None
    success: Colour | None = None
    foreground: Colour | None = None
    background: Colour | None = None
    surface: Colour | None = None
    panel: Colour | None = None
    boost: Colour | None = None


class StatusSpec(_Strict):
    ok: Colour
    warn: Colour
    bad: Colour
    stale: Colour
    spark: Colour


class ThemeFile(_Strict):
    description: str = ""
    dark: bool
    colors: ColoursSpec
    status: StatusSpec


@dataclass(frozen=True)
class ThemeEntry:
    """One usable theme: Textual's colours for the widgets, our palette for the cells."""

    name: str
    description: str
    source: Path | None  # None: the compiled-in fallback
    theme: Theme
    palette: Palette


class ThemeError(Exception):
    """A theme file that cannot be used; str() is one line that names the file."""


class UnknownTheme(Exception):
    def __init__(self, name: str, available: list[str]) -> None:
        super().__init__(f"unknown theme {name!r}; available: {', '.join(available)}")
        self.name = name
        self.available = available


def parse_theme(path: Path) -> ThemeEntry:
    """Read and validate one theme file; ThemeError says which file and what is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ThemeError(f"{path}: not UTF-8 text") from None
    try:
        spec = ThemeFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(file)"
        message = first["msg"].removeprefix("Value error, ")
        raise ThemeError(f"{path}: {where}: {message}") from None
    return _entry(path.stem, spec, path)


def _entry(name: str, spec: ThemeFile, source: Path | None) -> ThemeEntry:
    theme = Theme(name=name, dark=spec.dark, **spec.colors.model_dump())
    status = spec.status
    palette = Palette(ok=status.ok, warn=status.warn, bad=status.bad, stale=status.stale, spark=status.spark)
    return ThemeEntry(name, spec.description, source, theme, palette)


#: The default theme's colours, used only when themes/default.toml cannot be found or read.
FALLBACK = _entry(
    DEFAULT_THEME,
    ThemeFile(
        description="the dark default (built in)",
        dark=True,
        colors=ColoursSpec(
            primary="#4C9BE8", secondary="#3A6EA5", accent="#E3B341", warning="#D29922", error="#F85149",
            success="#3FB950", foreground="#D6DEE8", background="#0F141A", surface="#161C24", panel="#1F2733",
        ),
        status=StatusSpec(ok="#3FB950", warn="#D29922", bad="#F85149", stale="#6E7681", spark="#58A6FF"),
    ),
    None,
)


@dataclass
class ThemeCatalog:
    """Every usable theme by name, in display order, and the errors met loading them."""

    entries: dict[str, ThemeEntry] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # theme name -> the one-line error

    @classmethod
    def load(cls, directories: tuple[Path, ...] | None = None) -> ThemeCatalog:
        """Load `*.toml` from each directory in order; later directories override earlier."""
        catalog = cls()
        for directory in directories if directories is not None else (BUILTIN_DIR, user_theme_dir()):
            for path in sorted(directory.glob("*.toml")):
                try:
                    entry = parse_theme(path)
                except ThemeError as exc:
                    catalog.broken[path.stem] = str(exc)
                    continue
                catalog.entries[entry.name] = entry
                catalog.broken.pop(entry.name, None)
        if DEFAULT_THEME not in catalog.entries:
            catalog.entries = {DEFAULT_THEME: FALLBACK, **catalog.entries}
        else:
            catalog.entries = {DEFAULT_THEME: catalog.entries.pop(DEFAULT_THEME), **catalog.entries}
        return catalog

    @property
    def names(self) -> list[str]:
        return list(self.entries)

    @property
    def errors(self) -> list[str]:
        return list(self.broken.values())

    def resolve(self, name: str | None) -> str:
        """The theme to start with: `name` if usable, the default if it was a broken file.

        An unknown name is a usage error (UnknownTheme); a name whose file failed to load is
        not -- its error is already in `broken`, and the monitor starts with the default.
        """
        if name is None or name in self.entries:
            return name or DEFAULT_THEME
        if name in self.broken:
            return DEFAULT_THEME
        raise UnknownTheme(name, self.names)

    def next_after(self, name: str) -> str:
        names = self.names
        return names[(names.index(name) + 1) % len(names)] if name in names else names[0]
