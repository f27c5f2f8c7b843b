"""Load content/*.md into frozen Articles, with a parse cache keyed by (path, mtime_ns, size)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SitegenError
from .frontmatter import read_article
from .model import Article

CACHE_NAME = "articles.pickle"
CACHE_VERSION = 1


@dataclass(frozen=True)
class Library:
    """Every article that will be published, plus what was left out and why."""

    articles: tuple[Article, ...]               # published, sorted by (date, path)
    errors: tuple[SitegenError, ...] = ()         # files that could not be read
    skipped: tuple[str, ...] = ()                 # drafts / future articles left out
    flagged: frozenset[str] = frozenset()          # paths shown with a preview banner
    digests: dict = field(default_factory=dict, compare=False)  # path -> content digest
    fingerprint: str = ""                          # digest of every input file's stat


def today_from_env(today: str | None = None) -> str:
    """Return 'today' as YYYY-MM-DD: the argument, else $SITEGEN_TODAY, else the clock."""
    value = today or os.environ.get("SITEGEN_TODAY")
    if value:
        return _dt.date.fromisoformat(value).isoformat()
    return _dt.date.today().isoformat()


def scan(content_dir: Path) -> list[tuple[str, int, int]]:
    """Return sorted (relative path, mtime_ns, size) for every *.md under *content_dir*."""
    out: list[tuple[str, int, int]] = []
    if not content_dir.is_dir():
        return out
    stack = [content_dir]
    while stack:
        folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".md"):
                    st = entry.stat()
                    rel = os.path.relpath(entry.path, content_dir).replace(os.sep, "/")
                    out.append((rel, st.st_mtime_ns, st.st_size))
    out.sort()
    return out


def fingerprint_of(stats: list[tuple[str, int, int]]) -> str:
    """Digest a scan result: equal fingerprints mean no file was touched."""
    h = hashlib.sha1()
    for rel, mtime, size in stats:
        h.update(f"{rel}\0{mtime}\0{size}\n".encode())
    return h.hexdigest()


def _digest(article: Article) -> str:
    return hashlib.sha1(pickle.dumps(article, protocol=4)).hexdigest()[:16]


def load_content(content_dir: Path, cache_dir: Path | None = None, *, preview: bool = False,
                 today: str | None = None, stats: list | None = None) -> Library:
    """Read every article; collect per-file errors instead of stopping."""
    content_dir = Path(content_dir)
    today = today_from_env(today)
    stats = scan(content_dir) if stats is None else stats
    cache_file = Path(cache_dir) / CACHE_NAME if cache_dir else None
    old: dict = {}
    if cache_file and cache_file.exists():
        try:
            with cache_file.open("rb") as fh:
                payload = pickle.load(fh)
            if payload.get("version") == CACHE_VERSION:
                old = payload["entries"]
        except Exception:  # a broken cache is just a cold cache
            old = {}
    entries: dict = {}
    articles: list[Article] = []
    errors: list[SitegenError] = []
    dirty = False
    for rel, mtime, size in stats:
        key = (mtime, size)
        hit = old.get(rel)
        if hit is not None and hit[0] == key:
            entry = hit
        else:
            dirty = True
            try:
                art = read_article(content_dir / rel, content_dir)
                art = _with_path(art, rel)
                entry = (key, art, _digest(art), None)
            except SitegenError as exc:
                entry = (key, None, None, exc)
            except Exception as exc:  # pragma: no cover - unexpected reader failure
                entry = (key, None, None, SitegenError(content_dir / rel, None, f"cannot read: {exc}"))
        entries[rel] = entry
        if entry[3] is not None:
            errors.append(entry[3])
        else:
            articles.append(entry[1])
    if set(old) != set(entries):
        dirty = True
    if cache_file and dirty:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"version": CACHE_VERSION, "entries": entries}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
    published: list[Article] = []
    skipped: list[str] = []
    flagged: set[str] = set()
    for art in articles:
        hidden = art.draft or art.date > today
        if hidden and not preview:
            skipped.append(art.path)
            continue
        if hidden:
            flagged.add(art.path)
        published.append(art)
    published.sort(key=lambda a: (a.date, a.path))
    digests = {rel: e[2] for rel, e in entries.items() if e[2]}
    return Library(tuple(published), tuple(errors), tuple(skipped), frozenset(flagged),
                   digests, fingerprint_of(stats))


def _with_path(art: Article, rel: str) -> Article:
    if art.path == rel:
        return art
    from dataclasses import replace
    return replace(art, path=rel)
