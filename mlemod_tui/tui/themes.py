"""Load the themes shipped in mlemod_tui.themes (the repository's themes/ folder)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from textual.theme import Theme

THEME_PACKAGE = "mlemod_tui.themes"
DEFAULT_THEME = "mlemod-dark"
# Defaults for our own CSS variables, so Textual's built-in themes work too.
VARIABLE_DEFAULTS = {
    "cell-running": "#4EA1D3",
    "cell-ok": "#5DBB63",
    "cell-error": "#E0575B",
    "cell-timeout": "#E8A33D",
    "cell-died": "#C678DD",
    "cell-markdown": "#6B7685",
}


def theme_folder() -> Path:
    return Path(str(resources.files(THEME_PACKAGE)))


def stylesheet_path() -> Path:
    return theme_folder() / "app.tcss"


def load_themes(folder: Path | None = None) -> list[Theme]:
    """Every ``*.toml`` theme in the folder, sorted by name."""
    themes = []
    for path in sorted((folder or theme_folder()).glob("*.toml")):
        with path.open("rb") as handle:
            spec = tomllib.load(handle)
        themes.append(Theme(**spec))
    return themes
