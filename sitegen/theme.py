"""The built-in theme: the templates and static files every site starts from.

Their one source is the repository's top-level `templates/` and `static/`; an installed
sitegen carries them as `sitegen/theme_templates/` and `sitegen/theme_static/` (setuptools'
package-dir mapping in pyproject.toml), so there is never a second copy to keep in step.  A
project's own `templates/` and `static/` override them file by file, as Pelican and MkDocs
themes are overridden.
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import Config

_PACKAGE = Path(__file__).resolve().parent


def _theme_dir(installed: str, source: str) -> Path:
    """Return the installed copy's folder, else (a source checkout, an editable install) the
    repository's own."""
    folder = _PACKAGE / installed
    return folder if folder.is_dir() else _PACKAGE.parent / source


THEME_TEMPLATES = _theme_dir("theme_templates", "templates")
THEME_STATIC = _theme_dir("theme_static", "static")


def template_dirs(config: Config) -> list[Path]:
    """Return the folders templates are looked up in, the project's first."""
    own = Path(config.templates_dir)
    dirs = [own] if own.is_dir() and own.resolve() != THEME_TEMPLATES else []
    return dirs + [THEME_TEMPLATES]


def static_dirs(config: Config) -> list[Path]:
    """Return the folders static files come from, the theme's first (the project's win)."""
    own = Path(config.static_dir)
    return [THEME_STATIC] + ([own] if own.resolve() != THEME_STATIC else [])


def static_files(config: Config) -> dict[str, Path]:
    """Return {path under static/: file} of the theme's static files, then the project's
    (which win, file by file)."""
    found: dict[str, Path] = {}
    for folder in static_dirs(config):
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath) / name
                found[path.relative_to(folder).as_posix()] = path
    return dict(sorted(found.items()))
