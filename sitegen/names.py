"""The names an article may give as `district:` and `topics:`, and what they resolve to.

A district is a gazetteer district, one of its aliases, or its short form without 区/市/县
(`荷塘` → 荷塘区); a topic is a taxonomy topic.  Anything else is an error with the closest
known name as the hint: a typo (`天元去`) must never become a new district page, nor take
over the URL folder of a real one.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path

from .errors import SitegenError

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.yaml"
_SUFFIXES = ("区", "市", "县")


@functools.cache
def load_taxonomy_entries(path: Path | None = None) -> tuple[dict, ...]:
    """Return the taxonomy's entries (name, slug, keywords), or raise SitegenError naming
    the file and line of the first problem: a broken taxonomy must stop the build, never
    silently change every topic URL."""
    import yaml

    from .frontmatter import load_yaml

    path = path or TAXONOMY_FILE
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))  # (the C loader: 2 ms against 13 of an edit's build)
    except OSError as exc:
        raise SitegenError(path, None, f"cannot read the topic taxonomy: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SitegenError(
            path,
            mark.line + 1 if mark else None,
            f"the topic taxonomy is not valid YAML: {getattr(exc, 'problem', None) or exc}",
            "each topic is '- name: …' with 'slug:' and 'keywords: […]' indented under it",
        ) from None
    if not isinstance(data, list) or not data:
        raise SitegenError(path, 1, "the topic taxonomy must be a list of topics", "see the comment at its top")
    entries = []
    for number, entry in enumerate(data, start=1):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("slug"), str)
            and isinstance(entry.get("keywords", []), list)
        ):
            raise SitegenError(
                path,
                _line_of_entry(path, number),
                f"topic {number} needs a name, a slug and a list of keywords",
                "copy the shape of the topic above it",
            )
        entries.append(
            {"name": entry["name"], "slug": entry["slug"], "keywords": tuple(str(k) for k in entry.get("keywords", []))}
        )
    return tuple(entries)


def _line_of_entry(path: Path, number: int) -> int | None:
    seen = 0
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("-"):
            seen += 1
            if seen == number:
                return line_no
    return None


@functools.cache
def _districts() -> tuple[dict[str, str], tuple[str, ...]]:
    """Return (folded surface form -> canonical district, every canonical district name)."""
    from .gazetteer import load_gazetteer
    from .text import fold

    gaz = load_gazetteer()
    table: dict[str, str] = {}
    for district in gaz.districts:
        for surface in (district.name, *district.aliases):
            table.setdefault(fold(surface), district.name)
    for district in gaz.districts:  # short forms last: a real alias wins
        name = district.name
        if len(name) > 2 and name.endswith(_SUFFIXES):
            table.setdefault(fold(name[:-1]), name)
    return table, tuple(d.name for d in gaz.districts)


def resolve_district(name: str, path: Path | str, line: int | None) -> str:
    """Return the canonical district for *name*, or raise SitegenError with the closest one."""
    from .text import fold

    table, known = _districts()
    found = table.get(fold(name.strip()))
    if found is not None:
        return found
    from .gazetteer import district_of, load_gazetteer

    inside = district_of(load_gazetteer(), name)
    if inside is not None:
        hint = f"{name} is a place in {inside}: write district: {inside}"
    else:
        hint = _closest(name, known, "a district from sitegen/data/gazetteer.json, or 株洲市 for city-wide news")
    raise SitegenError(path, line, f"unknown district '{name}'", hint)


def resolve_topic(name: str, path: Path | str, line: int | None) -> str:
    """Return the taxonomy topic called *name* (its Traditional or full-width spelling too)."""
    from .text import fold

    by_fold = _topics()
    found = by_fold.get(fold(name.strip()))
    if found is not None:
        return found
    names = tuple(by_fold.values())
    raise SitegenError(
        path, line, f"unknown topic '{name}'", _closest(name, names, "a topic from sitegen/data/taxonomy.yaml")
    )


_TOPICS: tuple[object, dict[str, str]] = (None, {})


def _topics() -> dict[str, str]:
    """Return folded topic name -> topic, made once per loaded taxonomy (every article's every
    topic is resolved through it)."""
    global _TOPICS
    from .text import fold

    entries = load_taxonomy_entries()
    if _TOPICS[0] is not entries:
        _TOPICS = (entries, {fold(entry["name"]): entry["name"] for entry in entries})
    return _TOPICS[1]


def _closest(name: str, known: tuple[str, ...], fallback: str) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else f"use {fallback}"


def check_vocabularies() -> list[str]:
    """Return the errors of the gazetteer and the taxonomy themselves: said once, before
    every article that names a district or topic would repeat them."""
    try:
        load_taxonomy_entries()
        _districts()
    except SitegenError as exc:
        return [exc.describe()]
    return []
