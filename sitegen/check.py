"""`sitegen check`: every internal link, anchor and asset in the built site resolves."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

_ATTR = re.compile(r"""\s(href|src|action)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_ID = re.compile(r"""\sid\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_TAG = re.compile(r"<(a|link|script|img|source|iframe|form)\b[^>]*>", re.I)
# A folder above the server root: relative links are resolved below it, so one that climbs
# out of the site shows instead of being clamped at '/' (browsers clamp over http, not from file://).
_ABOVE = "/.above-root"


def _base_of(out_dir: Path, base_url: str | None) -> tuple[str, str]:
    """Return (origin, base path) of the site, from the argument or public/.sitegen.json."""
    if base_url is None:
        try:
            base_url = json.loads((out_dir / ".sitegen.json").read_text(encoding="utf-8"))["base_url"]
        except (OSError, ValueError, KeyError):
            base_url = "/"
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    path = parts.path or "/"
    return origin, path if path.endswith("/") else path + "/"


def _page_url(rel: str) -> str:
    """Return the site-relative URL a file is served at (index.html → its folder)."""
    rel = rel.replace(os.sep, "/")
    if rel == "index.html":
        return ""
    if rel.endswith("/index.html"):
        return rel[: -len("index.html")]
    return rel


def check_site(out_dir: Path | str, base_url: str | None = None, only: Iterable[str] | None = None) -> list[str]:
    """Return one line per broken internal link, anchor or asset in *out_dir*'s HTML files
    (*only*: in those of these paths relative to *out_dir* that are HTML files there)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return [f"{out_dir}: no built site here (run `sitegen build` first)"]
    origin, base_path = _base_of(out_dir, base_url)
    html_files: list[str] = []
    if only is not None:
        html_files = sorted({rel for rel in only if rel.endswith(".html") and (out_dir / rel).is_file()})
    else:
        for dirpath, dirnames, filenames in os.walk(out_dir):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".html"):
                    html_files.append(os.path.relpath(os.path.join(dirpath, name), out_dir).replace(os.sep, "/"))
    # The ids of the pages anchors point into, found when first needed: a page's text is not
    # kept (kept, the texts took 378 MB at 10,000 articles, and grew with the site).
    ids_cache: dict[str, set[str]] = {}

    def ids_of(rel: str, text: str | None = None) -> set[str]:
        found = ids_cache.get(rel)
        if found is None:
            if text is None:
                text = (out_dir / rel).read_text(encoding="utf-8", errors="replace")
            found = ids_cache[rel] = {m.group(1) or m.group(2) for m in _ID.finditer(text)}
        return found

    problems: list[str] = []
    seen_targets: dict = {}
    splits: dict[str, SplitResult] = {}
    for rel in html_files:
        text = (out_dir / rel).read_text(encoding="utf-8", errors="replace")
        page = base_path + _page_url(rel)
        for tag in _TAG.finditer(text):
            for m in _ATTR.finditer(tag.group(0)):
                link = m.group(2) if m.group(2) is not None else m.group(3)
                link = link.replace("&amp;", "&").strip()
                if not link or link.startswith(("mailto:", "tel:", "javascript:", "data:")):
                    continue
                parts = splits.get(link)
                if parts is None:  # the same links (menus, cards) come back on many pages
                    parts = splits[link] = urlsplit(link)
                if parts.scheme or parts.netloc:
                    if origin and f"{parts.scheme}://{parts.netloc}" == origin:
                        parts = urlsplit(
                            parts.path
                            + (("?" + parts.query) if parts.query else "")
                            + (("#" + parts.fragment) if parts.fragment else "")
                        )
                    else:
                        continue  # external
                path = _join(page, parts.path) if parts.path else page
                if path is None:
                    problems.append(f"{rel}: broken link {link!r} (climbs above the root folder)")
                    continue
                fragment = unquote(parts.fragment)
                problem = _resolve(out_dir, base_path, path, seen_targets)
                if problem:
                    problems.append(f"{rel}: broken link {link!r} ({problem})")
                    continue
                if fragment:
                    target = seen_targets.get(path) if parts.path else rel
                    if (
                        target
                        and target.endswith(".html")
                        and fragment not in ids_of(target, text if target == rel else None)
                    ):
                        problems.append(f'{rel}: broken anchor {link!r} (no id="{fragment}" in {target})')
    return problems


# A path urljoin reads as a path alone: no parameters, query, fragment or scheme to split off,
# no character it strips, no '//' that would start a host.  Such paths are joined by `_merged`,
# the same steps as urljoin's without its parsing, which took half of a check's time (2 million
# links on a 30,000-article site).
_PLAIN_PATH = re.compile(r"[^;?#:\x00-\x20\x7f]*")


def _join(page: str, link_path: str, join: Callable[[str, str], str] | None = None) -> str | None:
    """Resolve *link_path* against the URL path *page* by *join* (by default `_merged` where
    it gives what urljoin gives, else urljoin); None if it climbs above '/'."""
    if join is None:
        plain = not link_path.startswith("//") and _PLAIN_PATH.fullmatch(link_path) and _PLAIN_PATH.fullmatch(page)
        join = _merged if plain else urljoin
    if link_path.startswith("/"):
        return unquote(join(page, link_path))
    joined = join(_ABOVE + page, link_path)
    return unquote(joined[len(_ABOVE) :]) if joined.startswith(_ABOVE + "/") else None


def _merged(base_path: str, path: str) -> str:
    """urljoin's resolution of a non-empty *path* against *base_path* (RFC 3986 5.2, with
    urljoin's dropping of empty segments and of '..' above the root)."""
    if path.startswith("/"):
        segments = path.split("/")
    else:
        base = base_path.split("/")
        if base[-1] != "":
            del base[-1]  # the last segment is not a folder
        segments = base + path.split("/")
        segments[1:-1] = filter(None, segments[1:-1])
    resolved: list[str] = []
    for segment in segments:
        if segment == "..":
            if resolved:
                resolved.pop()
        elif segment != ".":
            resolved.append(segment)
    if segments[-1] in (".", ".."):
        resolved.append("")
    return "/".join(resolved) or "/"


def _resolve(out_dir: Path, base_path: str, path: str, seen: dict) -> str:
    """Map an absolute URL path to a file under out_dir; return '' if it exists, else why not."""
    if not path.startswith(base_path):
        return f"outside the site's base path {base_path}"
    if path in seen:
        return "" if seen[path] else "missing"
    rel = path[len(base_path) :]
    candidates = [rel + "index.html"] if (rel == "" or rel.endswith("/")) else [rel, rel + "/index.html"]
    for cand in candidates:
        if (out_dir / cand).is_file():
            seen[path] = cand
            return ""
    seen[path] = ""
    return "missing"
