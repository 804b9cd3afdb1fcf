"""Themes as data files: the built-in five load, user files override, broken ones are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from clustertui.tui.launch import build_app
from clustertui.tui.themes import BUILTIN_DIR, DEFAULT_THEME, FALLBACK, ThemeCatalog, UnknownTheme, parse_theme
from tests.support.waiting import until
from tests.tui.tui_state import LAB_STATE

GOOD = (BUILTIN_DIR / "nord.toml").read_text()


def test_five_builtin_themes_including_dark_light_and_high_contrast() -> None:
    catalog = ThemeCatalog.load((BUILTIN_DIR,))
    assert catalog.errors == []
    assert catalog.names[0] == DEFAULT_THEME and len(catalog.names) >= 5
    assert {"default", "light", "high-contrast"} <= set(catalog.names)
    assert catalog.entries["default"].theme.dark and not catalog.entries["light"].theme.dark


def test_user_theme_overrides_and_adds(tmp_path: Path) -> None:
    (tmp_path / "light.toml").write_text(GOOD.replace('description = "nord"', 'description = "mine"'))
    (tmp_path / "mine.toml").write_text(GOOD)
    catalog = ThemeCatalog.load((BUILTIN_DIR, tmp_path))
    assert catalog.entries["light"].description == "mine" and "mine" in catalog.names


def test_user_theme_directory_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    themes = tmp_path / "clustertui" / "themes"
    themes.mkdir(parents=True)
    (themes / "ops.toml").write_text(GOOD)
    assert "ops" in ThemeCatalog.load().names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dark = true\n[colors\n", "not valid TOML"),
        (GOOD.replace('primary = "#88C0D0"', 'primary = "bluish"'), "colors.primary: 'bluish' is not a colour"),
        (GOOD.replace("[status]\n", "[status]\nglow = \"#fff\"\n"), "status.glow: Extra inputs are not permitted"),
        (GOOD.replace("dark = true\n", ""), "dark: Field required"),
        (GOOD.replace('ok = "#A3BE8C"\n', ""), "status.ok: Field required"),
    ],
)
def test_broken_theme_file_error_names_the_file_and_the_field(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    catalog = ThemeCatalog.load((BUILTIN_DIR, tmp_path))
    [error] = catalog.errors
    assert error.startswith(f"{path}: ") and expected in error and "\n" not in error
    assert "broken" not in catalog.names
    assert catalog.resolve("broken") == DEFAULT_THEME  # a broken --theme starts with the default


def test_unknown_theme_is_a_usage_error() -> None:
    with pytest.raises(UnknownTheme, match="unknown theme 'nope'; available: default, "):
        ThemeCatalog.load((BUILTIN_DIR,)).resolve("nope")


def test_missing_theme_directory_falls_back_to_the_compiled_default(tmp_path: Path) -> None:
    catalog = ThemeCatalog.load((tmp_path / "absent",))
    assert catalog.names == [DEFAULT_THEME] and catalog.entries[DEFAULT_THEME] is FALLBACK


def test_compiled_fallback_matches_the_default_file() -> None:
    from_file = parse_theme(BUILTIN_DIR / "default.toml")
    assert from_file.palette == FALLBACK.palette and from_file.theme.primary == FALLBACK.theme.primary


async def test_app_starts_with_default_and_says_which_file_is_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from clustertui.config import load_cluster

    broken = tmp_path / "gaudy.toml"
    broken.write_text("dark = maybe\n")
    cluster = load_cluster(LAB_STATE.parents[3] / "sample_clusters" / "lab.yaml", check_files=False)
    catalog = ThemeCatalog.load((BUILTIN_DIR, tmp_path))
    app = build_app(cluster, theme="gaudy", catalog=catalog)
    assert app.theme == DEFAULT_THEME
    assert f"{broken}: not valid TOML" in capsys.readouterr().err
    assert any(str(broken) in notice for notice in app.notices)
    assert any("theme 'gaudy' could not be loaded; using 'default'" in notice for notice in app.notices)


async def test_notices_are_shown_in_the_app(recorded, builtin_themes) -> None:
    from textual.widgets._toast import Toast

    from clustertui.tui.app import ClusterApp
    from clustertui.tui.source import ReplaySource

    app = ClusterApp(ReplaySource([recorded[0]]), builtin_themes, notices=["/x/gaudy.toml: not valid TOML"])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(pilot, lambda: any("gaudy.toml: not valid TOML" in str(toast.render())
                                       for toast in app.screen.query(Toast)), what="the notice's toast")


async def test_switching_theme_live_recolours_rows(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for name in ("light", "high-contrast", "nord", "gruvbox", "default"):
            app.theme = name
            await pilot.pause()
            table = app.screen.query_one("#nodes")
            [(_glyph, style)] = table.cell("web1", "services")
            assert table.palette is app.palette and table.palette.style(style).color.name == app.palette.ok.lower()


async def test_a_theme_switch_reaches_every_widget_that_draws_cells(make_app) -> None:
    """One reactive (`ClusterApp.palette`): the widgets follow it themselves, on the
    overview and on a node's detail alike, without the app naming them."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.open_node("web1")
        await pilot.pause()
        app.theme = "light"
        await pilot.pause()
        light = app.catalog.entries["light"].palette
        drawn = [w for screen in app.screen_stack for w in screen.query("*") if hasattr(w, "set_palette")]
        assert {type(w).__name__ for w in drawn} >= {
            "ClusterHeader", "NodeTable", "EventLog", "FaultsPanel", "DrillPanel",
            "NodeHeader", "CoreBars", "ServicesTable", "NodeEvents",
        }
        assert all(w.palette is light for w in drawn) and app.screen.palette is light


def test_the_stylesheets_ship_inside_the_package() -> None:
    """CSS_PATH is relative to the app's module: the .tcss files live in the package (and
    pyproject's package-data puts them in the wheel)."""
    from importlib.resources import files

    from clustertui.tui.app import ClusterApp

    for path in ClusterApp.CSS_PATH:
        assert (files("clustertui.tui") / path).is_file()
