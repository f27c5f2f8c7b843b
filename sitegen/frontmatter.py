"""Read and write article files: YAML front-matter between two `---` lines, then Markdown."""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import cast

from .errors import SitegenError
from .model import (
    CONTRACT_FIELDS,
    DATE_PRECISIONS,
    DATE_SOURCES,
    KINDS,
    LIST_FIELDS,
    OPTIONAL_FIELDS,
    Article,
    ArticleKind,
    DatePrecision,
    DateSource,
    Undated,
)
from .names import resolve_district, resolve_topic


def load_yaml(text: str) -> object:
    """Read YAML with the C loader where there is one (several times faster on 10,000 files).

    PyYAML is imported here, on first use: a build that reads every article from its cache
    never needs it."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_KNOWN = set(CONTRACT_FIELDS) | {"draft"}


def _scalar(value: object) -> str:
    """Render one YAML scalar on one line, quoting only where YAML needs it."""
    import yaml

    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1 << 30)
    return text.removesuffix("\n...\n").strip()


def render_article(article: Article) -> str:
    """Return the file text for *article*, fields in contract order."""
    lines = ["---"]
    for name in CONTRACT_FIELDS:
        value = getattr(article, name)
        if name in OPTIONAL_FIELDS and not value:
            continue
        if name in ("date", "date_precision", "date_source") and not article.date:
            continue  # an undated draft: nothing dated its page (docs/CONTRACT.md)
        if name == "date":  # validated YYYY-MM-DD: written bare, as the contract shows
            lines.append(f"date: {value}")
        elif name in LIST_FIELDS or name == "source_lines":
            lines.append(f"{name}: [{', '.join(_scalar(v) for v in value)}]")
        else:
            lines.append(f"{name}: {_scalar(value)}")
    if article.draft:
        lines.append("draft: true")
    for name, value in article.extra:
        lines.append(f"{name}: {_scalar(value)}")
    lines.append("---")
    body = article.body.strip("\n")
    return "\n".join(lines) + "\n\n" + body + "\n"


def split_front_matter(text: str, path: Path | str) -> tuple[str, str, int]:
    """Split file text into (yaml, body, first body line number)."""
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise SitegenError(
            path,
            1,
            "the file does not start with a '---' front-matter line",
            "put the article's fields between two '---' lines at the top",
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise SitegenError(path, 1, "the front-matter is never closed", "add a '---' line after the last field")


# The front-matter this project writes (render_article) is one `field: value` a line, each value
# a plain scalar or a flow list of them.  _plain_fields reads that shape without the YAML
# machinery, giving exactly what YAML would (5,000 heads of the shared realistic corpus: 0.21 s
# against 0.63 s with libyaml's CSafeLoader, 9 in 10 read here; about 0.8 s of a cold 10,000-file
# load), and
# hands everything else to YAML: quotes, comments, colons, several lines, words YAML reads as
# booleans or numbers.
_FIELD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?")
_NOT_PLAIN = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff:#]|^[-?,\[\]{}&*!|>'\"%@`\s]|\s$"
)
# ASCII that YAML reads as a string: a word, or digits then letters (ids) unless 0b/0x numbers
_ASCII_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*|(?!0[bBxX])[0-9]+[A-Za-z][A-Za-z0-9]*")
_YAML_WORDS = {
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "null",
    "Null",
    "NULL",
}
_INT = re.compile(r"0|[1-9][0-9]*")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_NOT_FOUND = object()


def _plain_value(text: str, in_list: bool) -> object:
    """Return what YAML reads from one plain scalar, or _NOT_FOUND when unsure."""
    if not text or _NOT_PLAIN.search(text) or (in_list and any(c in text for c in ",[]{}")):
        return _NOT_FOUND
    if text.isascii():
        if _INT.fullmatch(text):
            return int(text)
        if _DAY.fullmatch(text):
            try:
                return _dt.date.fromisoformat(text)
            except ValueError:
                return _NOT_FOUND
        if not _ASCII_WORD.fullmatch(text) or text in _YAML_WORDS:
            return _NOT_FOUND
    return text  # with a character beyond ASCII, no YAML type matches it: a string


def _plain_fields(head: str) -> dict | None:
    """Return the fields of a front-matter written one plain `field: value` a line, or None."""
    data: dict = {}
    for line in head.split("\n"):
        match = _FIELD.fullmatch(line)
        if match is None or match.group(1) in _YAML_WORDS:
            return None
        raw = match.group(2)
        if raw is None or raw == "":
            value: object = None
        elif raw[0] == "[" and raw[-1] == "]":
            inner = raw[1:-1]
            # YAML separates flow items by spaces and tabs only: str.strip() would also take a
            # no-break space (\xa0), which YAML keeps as the item (Hypothesis found [\xa0]).
            value = [_plain_value(item.strip(" \t"), True) for item in inner.split(",")] if inner.strip(" \t") else []
            if inner.strip(" \t") and inner != inner.strip(" \t"):
                return None
        else:
            value = _plain_value(raw, False)
        if value is _NOT_FOUND or (isinstance(value, list) and _NOT_FOUND in value):
            return None
        data[match.group(1)] = value
    return data


def _as_list(name: str, value: object, path: Path | str, line: int) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in re.split(r"[,，、]", value) if v.strip())
    if not isinstance(value, list):
        raise SitegenError(path, line, f"'{name}' must be a list such as [a, b]")
    nested = next((v for v in value if isinstance(v, (list, dict))), None)
    if nested is not None:
        raise SitegenError(
            path, line, f"'{name}' must be a list of names such as [a, b], not of lists: {nested}", _QUOTE_HINT
        )
    return tuple(str(v) for v in value if v is not None and str(v).strip())


_ID_LINE = re.compile(r"^id:\s*(\S+)", re.M)


def id_line(text: str) -> tuple[int, str] | None:
    """The line number and value of an article file's `id:` line, read without parsing the file
    (a file that does not parse, or one whose id another file has); None when it has none."""
    match = _ID_LINE.search(text)
    if match is None:
        return None
    return text.count("\n", 0, match.start()) + 1, match.group(1).strip("'\"")


_QUOTE_HINT = "quote values that contain ':' or start with '[', '{', '*' or '#'"


def _read_yaml(head: str, path: Path | str) -> object:
    """Read a front-matter with YAML, raising SitegenError that names the file and line."""
    import yaml

    try:
        return load_yaml(head) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc)
        raise SitegenError(
            path,
            line,
            f"front-matter is not valid YAML: {problem}",
            _QUOTE_HINT,
        ) from None
    except ValueError as exc:  # a date-like scalar that is not a real date, e.g. 2025-13-45
        bad = next(
            (
                n
                for n, raw in enumerate(head.split("\n"), start=2)
                if re.match(r"^[\w-]+:\s*\d{4}-\d{1,2}-\d{1,2}", raw)
            ),
            2,
        )
        raise SitegenError(
            path, bad, f"front-matter has an impossible date: {exc}", "write dates as a real YYYY-MM-DD day"
        ) from None


# An article's slug names its page's folder in its district's (`site.article_urls`): lowercase
# ASCII letters, digits, '-' and '_', as the importer writes them (`text.slugify`).  Any other
# name could write outside public/ ('../x'), onto another page ('.', '..', 'index.html',
# 'feed.xml'), past the file system's 255 bytes, or differ from another only in case, which a
# host that ignores case would serve as one.
SLUG_LENGTH = 120
_SLUG = re.compile(rf"[a-z0-9][a-z0-9_-]{{0,{SLUG_LENGTH - 1}}}")


def _checked_slug(slug: str, title: str, path: Path | str, line: int | None) -> str:
    if _SLUG.fullmatch(slug):
        return slug
    from .text import slugify

    raise SitegenError(
        path,
        line,
        f"slug '{slug[:60]}{'…' if len(slug) > 60 else ''}' is not a folder name a URL can have",
        f"use lowercase ASCII letters, digits and hyphens, at most {SLUG_LENGTH}, e.g. '{slugify(title)}'",
    )


def parse_article(text: str, path: Path | str, rel_path: str = "") -> Article:
    """Parse one article file, raising SitegenError that names the file and line."""
    head, body, _ = split_front_matter(text, path)
    data: object = _plain_fields(head)
    if data is None:
        data = _read_yaml(head, path)
    if not isinstance(data, dict):
        raise SitegenError(path, 2, "front-matter must be 'field: value' lines")
    line_of: dict[str, int] = {}
    for number, raw in enumerate(head.split("\n"), start=2):
        key = raw.split(":", 1)[0].strip()
        if key and not raw.startswith((" ", "-", "#")):
            first = line_of.setdefault(key, number)
            if first != number and key in _KNOWN:  # YAML keeps the last, and drops the first without a word
                raise SitegenError(
                    path, number, f"'{key}' is given twice, on lines {first} and {number}", "keep one of them"
                )

    for name in ("id", "title", "slug", "source", *sorted(OPTIONAL_FIELDS)):
        if isinstance(data.get(name), (list, dict)):  # `title: [视频]` unquoted: a list, shown as "['视频']"
            raise SitegenError(path, line_of.get(name), f"'{name}' must be text, not {data[name]}", _QUOTE_HINT)

    def need(name: str) -> object:
        if name not in data or data[name] in (None, ""):
            raise SitegenError(
                path, 1, f"missing required field '{name}'", "see docs/CONTRACT.md for the fields every article has"
            )
        return data[name]

    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        raise SitegenError(path, line_of.get("draft"), "draft must be true or false")
    # No invented dates: a draft may have none (nothing in its dump dated it), and then no
    # precision or source either, until an editor sets them.
    undated = draft and data.get("date") in (None, "")
    date = "" if undated else need("date")
    if isinstance(date, (_dt.date, _dt.datetime)):
        date = date.strftime("%Y-%m-%d")
    date = str(date)
    if not undated and not _DATE.match(date):
        raise SitegenError(path, line_of.get("date"), f"date '{date}' is not YYYY-MM-DD")
    try:
        if not undated:
            _dt.date.fromisoformat(date)
    except ValueError:
        raise SitegenError(path, line_of.get("date"), f"date '{date}' is not a real day") from None
    choices = {"date_precision": DATE_PRECISIONS, "date_source": DATE_SOURCES, "kind": KINDS}
    values: dict[str, str] = {}
    for name, allowed in choices.items():
        if undated and name != "kind" and data.get(name) in (None, ""):
            values[name] = ""
            continue
        value = str(need(name))
        if value not in allowed:
            raise SitegenError(path, line_of.get(name), f"{name} '{value}' is not one of {', '.join(allowed)}")
        values[name] = value
    lines_value = need("source_lines")
    if not isinstance(lines_value, list) or len(lines_value) != 2 or not all(isinstance(v, int) for v in lines_value):
        raise SitegenError(path, line_of.get("source_lines"), "source_lines must be [first, last]")
    lists = {name: _as_list(name, data.get(name), path, line_of.get(name, 1)) for name in LIST_FIELDS}
    if not lists["topics"]:
        raise SitegenError(
            path,
            line_of.get("topics", 1),
            "an article needs at least one topic",
            "pick one from sitegen/data/taxonomy.yaml",
        )
    optional = {
        name: (str(data[name]).strip() or None) if data.get(name) not in (None, "") else None
        for name in OPTIONAL_FIELDS
    }
    if optional["district"] is not None:
        optional["district"] = resolve_district(optional["district"], path, line_of.get("district"))
    lists["topics"] = tuple(dict.fromkeys(resolve_topic(t, path, line_of.get("topics")) for t in lists["topics"]))
    extra = tuple((k, data[k]) for k in data if k not in _KNOWN)
    return Article(
        id=str(need("id")),
        title=str(need("title")),
        date=date,
        slug=_checked_slug(str(need("slug")), str(need("title")), path, line_of.get("slug")),
        source=str(need("source")),
        source_lines=(lines_value[0], lines_value[1]),
        body=body.strip("\n"),
        draft=draft,
        extra=extra,
        path=rel_path,
        # checked above against the contract's choices
        date_precision=cast("DatePrecision | Undated", values["date_precision"]),
        date_source=cast("DateSource | Undated", values["date_source"]),
        kind=cast(ArticleKind, values["kind"]),
        kicker=optional["kicker"],
        subtitle=optional["subtitle"],
        district=optional["district"],
        places=lists["places"],
        topics=lists["topics"],
        tags=lists["tags"],
        reporters=lists["reporters"],
        correspondents=lists["correspondents"],
        photographers=lists["photographers"],
    )


def read_text(path: Path) -> str:
    """Read an article file as UTF-8 text, raising SitegenError when it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SitegenError(
            path, None, f"not UTF-8 ({exc.reason} at byte {exc.start})", "save the file as UTF-8"
        ) from None


def read_article(path: Path, content_dir: Path | None = None) -> Article:
    """Read and parse the article file at *path*."""
    rel = str(path.relative_to(content_dir)) if content_dir else path.name
    return parse_article(read_text(path), path, rel)
