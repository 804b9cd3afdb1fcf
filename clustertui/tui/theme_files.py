"""Where theme files live, without Textual: shell completion lists theme names from here and
must start fast (see docs/performance.md); `themes.py` loads and validates the files."""

from __future__ import annotations

import os
from pathlib import Path

from clustertui.resources import themes_dir

#: The built-in themes: in the installed package, or themes/ of the source tree.
BUILTIN_DIR = themes_dir()


def user_theme_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "clustertui" / "themes"


def theme_file_names() -> list[str]:
    """Names of the theme files, built-in and the user's (unvalidated), sorted."""
    names = {path.stem for directory in (BUILTIN_DIR, user_theme_dir()) for path in directory.glob("*.toml")}
    return sorted(names)
