"""The project's one typed configuration: `sitegen.toml` at the project root, read by every
command (build, serve, check, import, hooks), then overridden by command-line flags.

Every key is documented in docs/CONFIG.md.  An unknown key or a value of the wrong type is an
error naming the file, the line and the closest valid key: a silently ignored setting (a
typo in `base_url`) would publish a site with host-less URLs.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import SitegenError

CONFIG_FILE = "sitegen.toml"

# A build that would take more than this share of the published site's articles away fails
# (a mistyped --content, a folder moved away): the next publish with `rsync --delete`
# would delete them from the live site.
ARTICLE_LOSS_LIMIT = 0.10


@dataclass(frozen=True)
class MenuItem:
    """One link of the site's main menu."""

    name: str
    url: str  # relative to the site root ('districts/'), or absolute ('https://…')


@dataclass(frozen=True)
class Config:
    """Where things live, how the site is addressed and what it shows."""

    root: Path
    raw_dir: Path
    content_dir: Path
    out_dir: Path
    templates_dir: Path  # the project's own templates: override the theme's, file by file
    static_dir: Path  # likewise for static files
    cache_dir: Path
    base_url: str = "/"
    site_title: str = "株洲区县新闻摘要"
    site_description: str = "株洲日报各区县、街道新闻的每日摘要"
    language: str = "zh-CN"
    timezone: str = "Asia/Shanghai"
    per_page: int = 20
    feed_items: int = 20
    tag_min_articles: int = 2  # a tag gets its own page from this many articles
    taxonomies: tuple[tuple[str, bool], ...] = (("tags", True), ("people", True))
    menu: tuple[MenuItem, ...] = ()
    workers: int = 0  # processes a big build fans out to; 0: one per core, at most 4
    parallel_from: int = 1000  # a stage fans out from this many articles
    search: bool = True  # build the search index (off: benchmarks of the rest, tests)
    compress: bool | None = None  # None: as the last build of out_dir did
    preview: bool = False
    allow_article_loss: bool = False  # publish even when many of the last site's articles go
    config_file: Path | None = field(default=None, compare=False)  # the sitegen.toml read, if any

    @property
    def review_file(self) -> Path:
        """Return the path of the import review report, next to content/."""
        return self.root / "REVIEW.md"

    @property
    def has_host(self) -> bool:
        """Tell whether base_url is absolute: sitemap, feeds and canonical links need it."""
        return bool(urlsplit(self.base_url).netloc)

    def taxonomy_on(self, name: str) -> bool:
        """Tell whether the index pages of taxonomy *name* (tags, people) are built."""
        return dict(self.taxonomies).get(name, True)

    def with_overrides(self, **changes: Any) -> Config:
        """Return a copy with the given fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# sitegen.toml key -> (Config field, type, what it is); the folders are relative to the root.
_KEYS: dict[str, tuple[str, type | tuple[type, ...], str]] = {
    "title": ("site_title", str, "the site's name"),
    "description": ("site_description", str, "one sentence about the site"),
    "base_url": ("base_url", str, "the absolute site URL, e.g. https://news.example.cn/digest/"),
    "language": ("language", str, "the pages' language tag, e.g. zh-CN"),
    "timezone": ("timezone", str, "the newsroom's time zone, e.g. Asia/Shanghai"),
    "per_page": ("per_page", int, "articles per listing page"),
    "feed_items": ("feed_items", int, "entries per feed"),
    "tag_min_articles": ("tag_min_articles", int, "articles a tag needs for its own page"),
    "compress": ("compress", bool, "write .gz/.br copies of text files"),
    "content_dir": ("content_dir", str, "the articles folder"),
    "raw_dir": ("raw_dir", str, "the raw dumps folder"),
    "out_dir": ("out_dir", str, "the output folder"),
    "templates_dir": ("templates_dir", str, "the project's own templates"),
    "static_dir": ("static_dir", str, "the project's own static files"),
    "cache_dir": ("cache_dir", str, "the build cache folder"),
}
_TABLES = ("taxonomies", "menu", "build")
# [build]: how the build uses the machine (key -> Config field, type, what it is)
_BUILD_KEYS: dict[str, tuple[str, type, str]] = {
    "workers": ("workers", int, "processes a big build fans out to (0: one per core, at most 4)"),
    "parallel_from": ("parallel_from", int, "the number of articles from which a stage fans out"),
    "search": ("search", bool, "build the search index"),
}
_TAXONOMIES = ("tags", "people")
_POSITIVE = ("per_page", "feed_items", "tag_min_articles")


def default_config(root: Path | str = ".") -> Config:
    """Build the configuration of the project at *root*: defaults, then its sitegen.toml."""
    root = Path(root).resolve()
    config = Config(
        root=root,
        raw_dir=root / "raw",
        content_dir=root / "content",
        out_dir=root / "public",
        templates_dir=root / "templates",
        static_dir=root / "static",
        cache_dir=root / ".sitegen-cache",
    )
    path = root / CONFIG_FILE
    return read_config_file(config, path) if path.is_file() else config


def read_config_file(config: Config, path: Path) -> Config:
    """Return *config* with the settings of the TOML file at *path*, checked key by key."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise SitegenError(
            path,
            int(line.group(1)) if line else None,
            f"not valid TOML: {exc}",
            "strings need quotes; see docs/CONFIG.md",
        ) from None
    changes: dict[str, Any] = {"config_file": path}
    for key, value in data.items():
        if key in _TABLES:
            continue
        if key not in _KEYS:
            raise _unknown(path, text, key, list(_KEYS) + list(_TABLES))
        name, kind, what = _KEYS[key]
        if not _is_a(value, kind):
            raise SitegenError(
                path,
                _line_of(text, key),
                f"'{key}' must be {_type_name(kind)}, not {_type_name(type(value))}",
                f"{key} is {what}",
            )
        if key in _POSITIVE and value < 1:
            raise SitegenError(path, _line_of(text, key), f"'{key}' must be at least 1", f"{key} is {what}")
        if name.endswith("_dir"):
            value = (config.root / value).resolve()
        elif key == "base_url":
            value = normalise_base_url(value)
            problem = base_url_problem(value)
            if problem:
                raise SitegenError(path, _line_of(text, key), problem, "write it as https://news.example.cn/digest/")
        elif key == "language" and not _LANGUAGE.fullmatch(value):
            raise SitegenError(
                path,
                _line_of(text, key),
                f"language '{value}' is not a language tag",
                "write it as zh-CN, zh-Hans or zh",
            )
        changes[name] = value
    changes.update(_build_table(path, text, data.get("build", {})))
    changes.update(_taxonomies(path, text, data.get("taxonomies", {})))
    changes.update(_menu(path, text, data.get("menu", [])))
    return replace(config, **changes)


def _build_table(path: Path, text: str, table: object) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise SitegenError(path, _line_of(text, "build"), "'build' must be a table", "write [build] then workers = 2")
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _BUILD_KEYS:
            raise _unknown(path, text, key, list(_BUILD_KEYS), table="build")
        name, kind, what = _BUILD_KEYS[key]
        if not _is_a(value, kind) or (kind is int and value < 0):
            raise SitegenError(
                path,
                _line_of(text, key),
                f"'build.{key}' must be {_type_name(kind)}" + (" (0 or more)" if kind is int else ""),
                f"{key} is {what}",
            )
        changes[name] = value
    return changes


def _taxonomies(path: Path, text: str, table: object) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise SitegenError(
            path,
            _line_of(text, "taxonomies"),
            "'taxonomies' must be a table",
            "write [taxonomies] then tags = true / people = false",
        )
    for key, value in table.items():
        if key not in _TAXONOMIES:
            raise _unknown(path, text, key, list(_TAXONOMIES), table="taxonomies")
        if not isinstance(value, bool):
            raise SitegenError(path, _line_of(text, key), f"'taxonomies.{key}' must be true or false")
    return {"taxonomies": tuple((name, bool(table.get(name, True))) for name in _TAXONOMIES)} if table else {}


def _menu(path: Path, text: str, items: object) -> dict[str, Any]:
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise SitegenError(
            path,
            _line_of(text, "menu"),
            "'menu' must be a list of [[menu]] tables",
            'write [[menu]] then name = "区县" and url = "districts/"',
        )
    menu = []
    for item in items:
        for key in item:
            if key not in ("name", "url"):
                raise _unknown(path, text, key, ["name", "url"], table="menu")
        if not (isinstance(item.get("name"), str) and isinstance(item.get("url"), str)):
            raise SitegenError(path, _line_of(text, "menu"), "every [[menu]] item needs a name and a url, both strings")
        menu.append(MenuItem(item["name"], item["url"]))
    return {"menu": tuple(menu)} if items else {}


def _is_a(value: object, kind: type | tuple[type, ...]) -> bool:
    """Tell whether a TOML value has the setting's type (true and false are no numbers)."""
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _unknown(path: Path, text: str, key: str, valid: list[str], table: str = "") -> SitegenError:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    where = f" in [{table}]" if table else ""
    hint = f"did you mean '{close[0]}'?" if close else f"valid keys{where}: {', '.join(valid)}"
    return SitegenError(path, _line_of(text, key), f"unknown setting '{key}'{where}", hint)


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*(\[\[?\s*)?{re.escape(key)}\b")
    return next((n for n, line in enumerate(text.splitlines(), start=1) if pattern.match(line)), None)


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {
        str: "a string in quotes",
        int: "a whole number",
        bool: "true or false",
        float: "a number",
        list: "a list",
        dict: "a table",
    }
    return names.get(kind, getattr(kind, "__name__", str(kind))) if isinstance(kind, type) else "a value"


def normalise_base_url(url: str) -> str:
    """Return *url* with exactly one trailing slash ('/' for the empty string)."""
    url = (url or "/").strip()
    return url if url.endswith("/") else url + "/"


def base_url_problem(url: str) -> str | None:
    """Why *url* cannot be the address the site is published at, or None: it goes into every
    canonical link, feed and sitemap entry, so only an http(s) address or a path will do."""
    scheme = urlsplit(url).scheme.lower()
    if scheme and scheme not in ("http", "https"):
        return f"base_url '{url}' is neither an http(s) address nor a path"
    return None


# A language tag (BCP 47's shape: a language, then subtags): it is the pages' `lang` and Open Graph locale
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


SCAFFOLD = """# sitegen.toml: the site's settings (every key: docs/CONFIG.md in sitegen's repository).
title = "{title}"
description = "株洲日报各区县、街道新闻的每日摘要"
# The absolute address the site is published at: sitemap, feeds and canonical links need it.
base_url = "https://news.example.cn/digest/"
language = "zh-CN"
timezone = "Asia/Shanghai"
per_page = 20
feed_items = 20
tag_min_articles = 2
compress = false

[taxonomies]
tags = true
people = true

[[menu]]
name = "区县"
url = "districts/"

[[menu]]
name = "专题"
url = "topics/"

[[menu]]
name = "归档"
url = "archive/"

[[menu]]
name = "搜索"
url = "search/"
"""


def documented_keys() -> tuple[str, ...]:
    """Return every sitegen.toml key and table, as docs/CONFIG.md must list them."""
    return (*_KEYS, *_TABLES)
