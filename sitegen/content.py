"""Load content/*.md into frozen Articles, with a parse cache keyed by (path, mtime_ns, size).

The cache (`articles.sqlite`) keeps one row per file: its stat key, the digest of its text,
the digest of its metadata (every field but the body: all the site model reads), the Article
as a plain tuple (or its error), because tuples load several times faster than pickled
dataclasses, and its summary; the body apart.  A build reads every row but the bodies and holds
`StoredArticle`s, whose bodies are read by path when a page or a search document needs them
(`cached_body`): the 10,000 articles of the realistic corpus load in 0.22 s instead of 0.31,
and a build's processes no longer hold the archive's text.  An edit writes only its own rows,
and the build of a body edit (sitegen/body_edit.py) reads only the rows of the articles its
pages show.  A cold cache is parsed in one forked process per core.
"""

from __future__ import annotations

import array
import contextlib
import datetime as _dt
import functools
import hashlib
import itertools
import logging
import operator
import os
import pickle
import sqlite3
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import NamedTuple, TypeVar, cast, overload

from .cache import open_cache_db, read_only, select_in
from .errors import SitegenError
from .frontmatter import id_line, parse_article, read_text
from .model import Article, StoredArticle
from .parallel import chunks, fan_out, shared, worker_count
from .stamp import package_stamp

log = logging.getLogger(__name__)
R = TypeVar("R")  # what a worker gives for each file (`_for_each_file`)
CACHE_NAME = "articles.sqlite"
CACHE_VERSION = 4
FIELDS = tuple(f.name for f in fields(Article))
_BODY = FIELDS.index("body")
STALE_NOTE = "the preview shows its last good version"  # ends a preview error that kept one


@dataclass(frozen=True)
class Library:
    """Every article that will be published, plus what was left out and why."""

    articles: tuple[Article, ...]  # published, sorted by (date, path)
    errors: tuple[SitegenError, ...] = ()  # files that could not be read
    left_out: tuple[Article, ...] = ()  # drafts and future-dated articles, by path (the importer reads them)
    flagged: frozenset[str] = frozenset()  # paths shown with a preview banner
    digests: dict = field(default_factory=dict, compare=False)  # path -> digest of the file's text
    fingerprint: str = ""  # digest of every input file's stat
    meta: dict = field(default_factory=dict, compare=False)  # path -> digest of all fields but body
    # Every article is in the parse cache as it is here, so a process may read it back by path
    # (`StoredArticles`) instead of inheriting it.
    cached: bool = False
    # The days today may move between without an article published or withdrawn for its date
    # (`today_window`): a new day re-renders nothing until it leaves them.
    today_window: tuple[str, str] = ("", "")

    @property
    def skipped(self) -> tuple[str, ...]:
        """The paths of the drafts and future-dated articles left out."""
        return tuple(art.path for art in self.left_out)


def today_from_env(today: str | None = None, timezone: str | None = None) -> str:
    """Return 'today' as YYYY-MM-DD: the argument, else $SITEGEN_TODAY, else the clock in the
    newsroom's *timezone* (an article dated tomorrow in Zhuzhou is embargoed until then,
    wherever the build runs)."""
    value = today or os.environ.get("SITEGEN_TODAY")
    if value:
        return _dt.date.fromisoformat(value).isoformat()
    if timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return _dt.datetime.now(ZoneInfo(timezone)).date().isoformat()
        except (ZoneInfoNotFoundError, ValueError):
            raise SitegenError(
                None,
                None,
                f"unknown time zone '{timezone}'",
                "set timezone in sitegen.toml to a name such as Asia/Shanghai",
            ) from None
    return _dt.date.today().isoformat()


class PackedScan(NamedTuple):
    """A scan as the page store keeps it and the fingerprint digests it: its paths apart from
    their stats, so that an edit compares and writes bytes, not 100,000 tuples (marshalled
    whole, they were read back in 0.04 s, compared in 0.03 s and written in 0.04 s of an edit
    at 100,000 files)."""

    paths: bytes  # every path, UTF-8, a NUL between two
    stats: bytes  # every (mtime_ns, size), native signed 64-bit integers

    def changed_since(self, before: PackedScan) -> list[int] | None:
        """The indexes of the files whose stat differs from *before*'s; None when the paths
        differ (a file added, removed or renamed)."""
        if self.paths != before.paths or len(self.stats) != len(before.stats):
            return None
        size, chunk = _STAT_BYTES, _STAT_BYTES * 1024
        out = []
        for start in range(0, len(self.stats), chunk):
            if self.stats[start : start + chunk] != before.stats[start : start + chunk]:
                for at in range(start, min(start + chunk, len(self.stats)), size):
                    if self.stats[at : at + size] != before.stats[at : at + size]:
                        out.append(at // size)
        return out

    def stat(self, index: int) -> tuple[int, int]:
        """The (mtime_ns, size) of the file at *index*."""
        mtime, size = struct.unpack_from("=qq", self.stats, index * _STAT_BYTES)
        return mtime, size


_STAT_BYTES = 16  # a file's (mtime_ns, size) in PackedScan.stats


class Scan(list[tuple[str, int, int]]):
    """A content folder's scan: sorted (relative path, mtime_ns, size) of every article file.
    Its packed form is made once (`packed`): the build's fingerprint digests it and the page
    store keeps it."""

    _packed: PackedScan | None = None
    # Files named like an article but not read as one ('x.MD', 'x.markdown'): the build refuses them
    misnamed: tuple[str, ...] = ()

    def packed(self) -> PackedScan:
        if self._packed is None:
            paths = "\0".join(map(operator.itemgetter(0), self)).encode("utf-8", "surrogateescape")
            stats = array.array("q", itertools.chain.from_iterable(map(operator.itemgetter(1, 2), self)))
            self._packed = PackedScan(paths, stats.tobytes())
        return self._packed


def scan(content_dir: Path) -> Scan:
    """Return sorted (relative path, mtime_ns, size) for every *.md under *content_dir*.

    Every build stats every article (an edit in place changes no folder), so each folder is
    listed through an open descriptor where the system allows it: each file's stat then looks
    up its name in that folder, not its whole path (0.47 s against 0.56 s for 100,000 files
    here, most of an edit's build at that size)."""
    out = Scan()
    if not content_dir.is_dir():
        return out
    misnamed: list[str] = []
    by_fd = os.scandir in os.supports_fd
    stack = [(str(content_dir), "")]  # (folder, its path relative to content_dir + "/")
    while stack:
        folder, prefix = stack.pop()
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if by_fd else None
        try:
            with os.scandir(folder if fd is None else fd) as entries:
                for entry in entries:
                    name = entry.name
                    if name.startswith("."):
                        continue
                    if entry.is_dir():
                        stack.append((os.path.join(folder, name), prefix + name + "/"))
                    elif name.endswith(".md"):
                        try:
                            st = entry.stat()
                        except OSError:  # a link to a file that is gone: listed, so that its parse names it
                            out.append((prefix + name, 0, -1))
                            continue
                        out.append((prefix + name, st.st_mtime_ns, st.st_size))
                    elif name.lower().endswith(MISNAMED_SUFFIXES):
                        misnamed.append(prefix + name)
        finally:
            if fd is not None:
                os.close(fd)
    out.sort(key=operator.itemgetter(0))  # by path alone, each once: 0.02 s of 0.31 at 100,000 files
    out.misnamed = tuple(sorted(misnamed))
    return out


# Names an editor may give an article that the build does not read (only '*.md' files are articles).
MISNAMED_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")


def fingerprint_of(stats: list[tuple[str, int, int]]) -> str:
    """Digest a scan result: equal fingerprints mean no file was touched."""
    return hashlib.sha1(repr(stats).encode("utf-8")).hexdigest()


def _article(row: tuple) -> Article:
    """Return the Article of a cached row (its fields in FIELDS order).  Setting them through
    object.__new__ saved nothing over the constructor with positional fields: 0.040 s against
    0.038 s for the 10,000 articles of the shared realistic corpus (Article(**fields): 0.069 s)."""
    return Article(*row)


def _stored_article(row: tuple, cache_path: str, digest: str, summary: str) -> StoredArticle:
    art = object.__new__(StoredArticle)
    values = art.__dict__
    values.update(zip(FIELDS, row))
    del values["body"]
    values["_stored"] = (cache_path, digest, summary)
    return art


def summary_of(art: Article) -> str:
    """The summary of *art* its cards and feeds show: kept on a StoredArticle, else made from
    its body."""
    stored = art.__dict__.get("_stored")
    if stored is not None:
        return cast(str, stored[2])
    from .render import cached_summary

    return cached_summary(art.body)


# (process, cache path) -> (the file's identity when opened, a connection), the latest few: a
# forked process opens its own, a file made anew (a cache deleted, a clean build into the same
# folder) is opened anew, and a process that builds many sites (the tests) keeps a few open.
_connections: dict[tuple[int, str], tuple[tuple[int, int, int], sqlite3.Connection]] = {}
_CONNECTIONS_KEPT = 4
# Threads share the connections (a preview server builds in one, a test may build in several):
# one at a time takes, evicts or reads through them; a connection closed under another thread's
# query crashed the process.
_connections_lock = threading.Lock()


@functools.lru_cache(maxsize=64)  # an article's page asks for its body three times
def cached_body(cache_path: str, rel: str, digest: str) -> str:
    """The body of *rel* in the parse cache at *cache_path*, which must hold the text of
    *digest* (the one the build read): any other is an error, never a silent other text."""
    ahead = _read_ahead.pop((cache_path, rel, digest), None)
    if ahead is not None:
        return ahead
    return _read_bodies(cache_path, {rel: digest})[rel]


def _read_bodies(cache_path: str, digests: dict[str, str]) -> dict[str, str]:
    """rel -> body of each of *digests* (rel -> the text digest the build read)."""
    return {rel: entry[4][_BODY] for rel, entry in _read_rows(cache_path, digests).items()}


def _read_rows(cache_path: str, digests: dict[str, str], batch: int = 500) -> dict[str, Entry]:
    """rel -> the row, body included, of each of *digests* (rel -> the text digest the build
    read) in the parse cache at *cache_path*, which must hold them as the build read them: any
    other text is an error, never a silent other text."""
    query = "SELECT path, entry, body FROM parsed WHERE path IN ({})"
    try:
        with _connections_lock:
            rows = select_in(_connection(cache_path), query, list(digests), batch)
        entries = {rel: _with_body(pickle.loads(entry), body) for rel, entry, body in rows}
    except (OSError, sqlite3.Error, pickle.UnpicklingError, EOFError, ValueError, IndexError) as exc:
        raise SitegenError(cache_path, None, f"the parse cache cannot be read for {min(digests)}: {exc}") from None
    for rel, digest in digests.items():
        entry = entries.get(rel)
        if entry is None or entry[2] != digest or entry[4] is None or entry[4][_BODY] is None:
            raise SitegenError(cache_path, None, f"the parse cache does not hold {rel} as this build read it")
    return entries


# Bodies read ahead for the pages about to be rendered (`bodies_read_ahead`), each taken once.
_read_ahead: dict[tuple[str, str, str], str] = {}


@contextlib.contextmanager
def bodies_read_ahead(articles: Iterable[Article]) -> Iterator[None]:
    """Read the bodies of the StoredArticles among *articles* in one query a cache while the
    block runs: a render worker asked for each article page's body alone, one query and its
    locks each (100,000 articles: the render 6 s slower than with the bodies held, 11 s more
    system time)."""
    wanted: dict[str, dict[str, str]] = {}
    for art in articles:
        stored = art.__dict__.get("_stored")
        if stored is not None:
            wanted.setdefault(stored[0], {})[art.path] = stored[1]
    for cache_path, digests in wanted.items():
        for rel, body in _read_bodies(cache_path, digests).items():
            _read_ahead[(cache_path, rel, digests[rel])] = body
    try:
        yield
    finally:
        _read_ahead.clear()


def _connection(cache_path: str) -> sqlite3.Connection:
    key = (os.getpid(), cache_path)
    st = os.stat(cache_path)
    identity = (st.st_dev, st.st_ino, st.st_mtime_ns)  # (an inode number may be taken again)
    opened = _connections.pop(key, None)
    if opened is None or opened[0] != identity:
        if opened is not None:
            opened[1].close()
        # (a preview server builds in a thread of its own; the connection only reads)
        opened = (identity, read_only(cache_path, check_same_thread=False))
    _connections[key] = opened  # the latest last
    for old in [k for k in _connections if k[0] != key[0]] + list(_connections)[:-_CONNECTIONS_KEPT]:
        gone = _connections.pop(old, None)
        if gone is not None and old[0] == key[0]:  # (a forked process leaves its parent's alone)
            gone[1].close()
    return opened[1]


def _parse(content_dir: Path, rel: str) -> tuple:
    """Parse one file into (text digest, metadata digest, row, error row, summary)."""
    from .render import summarize

    path = content_dir / rel
    try:
        text = read_text(path)
        art = parse_article(text, path, rel)
    except SitegenError as exc:
        return None, None, None, (None if exc.path is None else str(exc.path), exc.line, exc.message, exc.hint), None
    except OSError as exc:  # gone since the scan, a link to nothing, no permission
        why = exc.strerror or str(exc)
        return None, None, None, (str(path), None, f"cannot read the file: {why}", "restore it, or remove it"), None
    except Exception as exc:  # pragma: no cover - unexpected reader failure
        return None, None, None, (str(path), None, f"cannot read: {exc}", ""), None
    row = tuple(getattr(art, name) for name in FIELDS)
    meta = repr(row[:_BODY] + row[_BODY + 1 :])
    digest = hashlib.sha1(meta.encode("utf-8")).hexdigest()[:16]
    return _text_digest(text), digest, row, None, summarize(art.body)


def _without_body(entry: Entry) -> tuple[Entry, str | None]:
    """Split a cache row into the row the cache keeps whole (its Article's body None) and the
    body, which it keeps apart."""
    row = entry[4]
    if row is None:
        return entry, None
    return (*entry[:4], (*row[:_BODY], None, *row[_BODY + 1 :]), *entry[5:]), row[_BODY]


def _with_body(entry: Entry, body: str | None) -> Entry:
    row = entry[4]
    if row is None:
        return entry
    return (*entry[:4], (*row[:_BODY], body, *row[_BODY + 1 :]), *entry[5:])


def _text_digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _restamped(
    content_dir: Path, stale: list[tuple[str, int, int]], old: dict[str, Entry], workers: int, parallel_from: int
) -> dict[str, Entry]:
    """Return rel -> the cached row, with the file's new stat, of each *stale* file whose text is
    the one the row was parsed from: a fresh checkout (the publishing workflow's, every run), a
    `touch` or a branch switched back changes every stat and no text.  Reading and digesting a
    file costs a fraction of parsing it; *workers* forked processes read them when there are
    *parallel_from* or more (every file of 10,000 touched: the load 0.87-0.91 s in this process
    alone, 0.75-0.78 s in two workers)."""
    known = [stat for stat in stale if stat[0] in old and old[stat[0]][5] is None]
    digests = _for_each_file(_text_digests, "restamp", content_dir, known, workers, parallel_from)
    return {
        rel: (mtime, size, *old[rel][2:]) for (rel, mtime, size), digest in zip(known, digests) if digest == old[rel][2]
    }


def _text_digests(bounds: tuple[int, int]) -> list[str | None]:
    """The text digests of the files `_restamped` shares, None for one that cannot be read."""
    content_dir, stats = shared()
    out: list[str | None] = []
    for rel, _, _ in stats[bounds[0] : bounds[1]]:
        try:
            out.append(_text_digest(read_text(content_dir / rel)))
        except (SitegenError, OSError):
            out.append(None)
    return out


def _parse_chunk(bounds: tuple[int, int]) -> list[tuple[bytes, str | None]]:
    content_dir, stats = shared()
    out = []
    for rel, mtime, size in stats[bounds[0] : bounds[1]]:
        entry, body = _without_body((mtime, size, *_parse(content_dir, rel)))
        out.append((pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL), body))
    return out


def _parse_all(
    content_dir: Path, stats: list, workers: int, parallel_from: int, meanwhile: Callable[[], object] | None = None
) -> list[tuple[bytes, str | None]]:
    """Parse the files of *stats* in order (YAML parsing is the slow part), while *meanwhile*
    runs here; return each one's cache row without its body, pickled, and the body.

    The rows come pickled, as the cache stores them: a build holds the articles without their
    bodies (`StoredArticle`), and the row as bytes is the smallest form to hold until the cache
    is written."""
    if len(stats) >= parallel_from:  # the summary's code, imported once before the workers fork
        from . import render  # noqa: F401
    return _for_each_file(_parse_chunk, "parse", content_dir, stats, workers, parallel_from, meanwhile)


def _for_each_file(
    work: Callable[[tuple[int, int]], list[R]],
    name: str,
    content_dir: Path,
    stats: list,
    workers: int,
    parallel_from: int,
    meanwhile: Callable[[], object] | None = None,
) -> list[R]:
    """Return what *work* gives for each file of *stats*, in order, *work* taking the bounds of a
    run of them (and `shared()` being (content_dir, stats)): in *workers* forked processes when
    there are *parallel_from* files or more, a few runs each."""
    workers = worker_count(workers) if len(stats) >= parallel_from else 1
    size = -(-len(stats) // (workers * 4)) if workers > 1 else len(stats)
    parts = fan_out(
        work, chunks(len(stats), size), name=name, workers=workers, shared=(content_dir, stats), meanwhile=meanwhile
    )
    return [each for part in parts for each in part]


# A cache row: (mtime_ns, size, text digest, metadata digest, Article row, error row, summary).
# The cache keeps each row's body apart from the rest (`_without_body`): a build reads every
# article's row but only the bodies of the pages it renders.
Entry = tuple


class ParseCache:
    """The parse cache of one cache folder; any damage reads as an empty cache (a cold one)."""

    def __init__(self, cache_dir: Path) -> None:
        path = self.path = Path(cache_dir) / CACHE_NAME
        self.db = open_cache_db(
            path,
            # (`parsed`, not the `rows` of the versions that kept theirs in a `meta` table: one of
            # them sharing this cache folder leaves this table alone.)
            "CREATE TABLE IF NOT EXISTS parsed (path TEXT PRIMARY KEY, entry BLOB, body TEXT);",
            # Rows another version of the parsing code made go with their file: deleting the rows
            # of 100,000 articles took 2.8 s, deleting the file next to nothing.
            version=_version_number(),
            dropped="every article is read again",
        )

    def all(self) -> dict[str, Entry]:
        """Return rel -> row of every cached file, without its body (the Article row's body
        is None): 10,000 rows of the realistic corpus read in 0.06 s, against 0.18 s with their
        bodies (4 MB against 53)."""
        if self.db is None:
            return {}
        try:
            return {rel: pickle.loads(entry) for rel, entry in self.db.execute("SELECT path, entry FROM parsed")}
        except (sqlite3.Error, pickle.UnpicklingError, EOFError, ValueError) as exc:
            log.warning("damaged parse cache dropped (%s); every article is read again", exc)
            return {}

    def some(self, rels: Iterable[str]) -> dict[str, Entry]:
        """Return rel -> row, body included, of those of *rels* the cache holds."""
        if self.db is None:
            return {}
        rows = select_in(self.db, "SELECT path, entry, body FROM parsed WHERE path IN ({})", rels)
        return {rel: _with_body(pickle.loads(entry), body) for rel, entry, body in rows}

    def stored(self, rels: Iterable[str]) -> dict[str, Entry]:
        """Return rel -> row, without its body (as `all` reads them), of those of *rels* the
        cache holds: for `stored_article`."""
        if self.db is None:
            return {}
        rows = select_in(self.db, "SELECT path, entry FROM parsed WHERE path IN ({})", rels)
        return {rel: pickle.loads(entry) for rel, entry in rows}

    def stored_article(self, entry: Entry) -> Article | None:
        """The Article of a row read by `stored` (None when its file did not parse): its body
        read from this cache when asked for, its summary the one the row keeps."""
        _, _, digest, _, row, _, summary = entry
        return None if row is None else _stored_article(row, str(self.path), digest, summary)

    def put(self, entries: dict[str, Entry], removed: Iterable[str] = ()) -> bool:
        """Store *entries* and forget *removed*, in one transaction; say whether it was done."""
        rows = {}
        for rel, entry in entries.items():
            kept, body = _without_body(entry)
            rows[rel] = (pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL), body)
        return self.put_pickled(rows, removed)

    def put_pickled(
        self,
        rows: dict[str, tuple[bytes, str | None]],
        removed: Iterable[str] = (),
        restamped: Iterable[tuple[str, Entry]] = (),
    ) -> bool:
        """Store *rows* (each a pickled row without its body, and the body), give the *restamped*
        rows (rel -> row without its body) their new stat and forget *removed*, in one
        transaction; say whether it was done."""
        if self.db is None:
            return False
        try:
            with self.db:
                self.db.executemany("DELETE FROM parsed WHERE path = ?", [(rel,) for rel in removed])
                self.db.executemany(
                    "INSERT OR REPLACE INTO parsed VALUES (?, ?, ?)", [(rel, *row) for rel, row in rows.items()]
                )
                self.db.executemany(
                    "UPDATE parsed SET entry = ? WHERE path = ?",
                    [(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL), rel) for rel, entry in restamped],
                )
        except sqlite3.Error as exc:  # the next build parses these files again
            log.warning("the parse cache could not be written (%s)", exc)
            return False
        return True

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


class StoredArticles(Sequence[Article]):
    """Articles read back from the parse cache by path, a block of them at a time, as they are
    asked for: a process that goes through the archive once (the search index) then holds one
    block of its text instead of all of it, read as `cached_body` reads one (`_read_rows`), so
    forked workers may read it too.  *digests* are the text digests the build loaded
    (`Library.digests`): a row that differs from them is an error, never a silent other text."""

    BLOCK = 256  # rows read at once (0.3 s for the 30,000 rows of a whole index, against 1.0 s one by one)

    def __init__(self, cache_dir: Path, paths: Sequence[str], digests: Sequence[str]) -> None:
        self.path = Path(cache_dir) / CACHE_NAME
        self.paths, self.digests = paths, digests
        self.first, self.block = 0, cast("list[Article]", [])

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, n: int) -> Article: ...
    @overload
    def __getitem__(self, n: slice) -> list[Article]: ...
    def __getitem__(self, n: int | slice) -> Article | list[Article]:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(len(self)))]
        if not 0 <= n < len(self.paths):
            raise IndexError(n)
        if not self.first <= n < self.first + len(self.block):
            self._read(n)
        return self.block[n - self.first]

    def _read(self, start: int) -> None:
        paths = self.paths[start : start + self.BLOCK]
        rows = _read_rows(str(self.path), dict(zip(paths, self.digests[start : start + self.BLOCK])), self.BLOCK)
        self.first, self.block = start, [_article(rows[rel][4]) for rel in paths]


def _cache_version() -> tuple:
    """What a cached row depends on besides its file: the row's shape and the code and data
    that parse it (a gazetteer alias added changes what `district:` resolves to)."""
    return (CACHE_VERSION, FIELDS, package_stamp())


def _version_number() -> int:
    """`_cache_version` as the parse cache file's version (a user_version, a signed 32-bit
    number): 31 bits of its digest, never 0."""
    digest = hashlib.sha1(pickle.dumps(_cache_version())).digest()
    return (int.from_bytes(digest[:4], "big") & 0x7FFFFFFF) or 1


def parse_files(content_dir: Path, stats: list[tuple[str, int, int]]) -> dict[str, Entry]:
    """Parse the files of *stats* here, one after the other: rel -> cache row."""
    return {rel: (mtime, size, *_parse(content_dir, rel)) for rel, mtime, size in stats}


def cache_entries(cache_dir: Path, entries: dict[str, Entry]) -> None:
    """Store parsed rows in the parse cache."""
    cache = ParseCache(cache_dir)
    try:
        cache.put(entries)
    finally:
        cache.close()


def article_of(entry: Entry) -> Article | None:
    """Return the Article of a cache row, None when its file did not parse."""
    return None if entry[4] is None else _article(entry[4])


def shown_as(art: Article, today: str, preview: bool) -> str:
    """Return how a build shows an article that parsed: "published", "flagged" (a preview's
    draft or future article, with a banner) or "skipped" (left out)."""
    if not art.date:  # an undated draft has no place in any date index, even in preview
        return "skipped"
    hidden = art.draft or art.date > today
    if not hidden:
        return "published"
    return "flagged" if preview else "skipped"


def today_window(articles: Iterable[Article], today: str) -> tuple[str, str]:
    """Return (the latest date on or before *today*, the earliest date after it) of the
    articles whose date decides whether they are shown (dated, not drafts; "" where there is
    none).  While today stays in [first, second), `shown_as` shows every article as it does today."""
    dates = [art.date for art in articles if art.date and not art.draft]
    return max((d for d in dates if d <= today), default=""), min((d for d in dates if d > today), default="")


def within(window: tuple[str, str], day: str) -> bool:
    """Whether *day* lies in a `today_window`."""
    latest, next_due = window
    return latest <= day and (not next_due or day < next_due)


def _keep_last_good(entry: tuple, previous: tuple | None) -> tuple:
    """Give a cache row whose file no longer parses the last article that did, beside its error.

    Only the preview does this: an editor mid-edit still sees the page (with a banner), where the
    published build must stop at the error."""
    if previous is None or previous[4] is None:
        return entry
    return (*entry[:2], *previous[2:5], entry[5], previous[6])


def _duplicate_ids(articles: Iterable[Article], content_dir: Path) -> list[SitegenError]:
    """An error for each article whose id an article before it (in path order) has (a file
    copied to start a new article keeps the id it copied).  The importer finds an article again
    by its id: a re-import takes the later file for the article, keeps a hand edit there, and
    with `--force` writes over it."""
    first: dict[str, str] = {}
    out = []
    for art in sorted(articles, key=operator.attrgetter("path")):
        other = first.setdefault(art.id, art.path)
        if other != art.path:
            path = content_dir / art.path
            found = id_line(path.read_text(encoding="utf-8", errors="replace"))
            line = found[0] if found else 2
            out.append(
                SitegenError(
                    path,
                    line,
                    f"id '{art.id}' is the id of {other} too",
                    "give this article an id of its own (12 hex digits no other article has): the importer "
                    "finds an article again by its id",
                )
            )
    return out


def load_content(
    content_dir: Path,
    cache_dir: Path | None = None,
    *,
    preview: bool = False,
    today: str | None = None,
    stats: list | None = None,
    fingerprint: str | None = None,
    meanwhile: Callable[[], object] | None = None,
    workers: int = 0,
    parallel_from: int = 1000,
) -> Library:
    """Read every article; collect per-file errors instead of stopping.

    *stats* and *fingerprint* are the caller's `scan` and `fingerprint_of` it, if it has them;
    *meanwhile* runs while files are parsed (before the load returns, in any case).
    """
    content_dir = Path(content_dir)
    today = today_from_env(today)
    stats = scan(content_dir) if stats is None else stats
    cache = ParseCache(cache_dir) if cache_dir else None
    old = cache.all() if cache is not None else {}
    entries: dict = {}
    stale: list = []
    for rel, mtime, size in stats:
        hit = old.get(rel)
        entries[rel] = hit if hit is not None and hit[0] == mtime and hit[1] == size else None
        if entries[rel] is None:
            stale.append((rel, mtime, size))
    restamped = _restamped(content_dir, stale, old, workers, parallel_from)
    stale = [stat for stat in stale if stat[0] not in restamped]
    entries.update(restamped)
    # The rows parsed now, to store: each pickled without its body, and the body.
    rows: dict[str, tuple[bytes, str | None]] = {}
    for (rel, _, _), (row, body) in zip(stale, _parse_all(content_dir, stale, workers, parallel_from, meanwhile)):
        entries[rel] = pickle.loads(row)
        rows[rel] = (row, body)
        if preview and entries[rel][5] is not None:
            last_good = _keep_last_good(entries[rel], old.get(rel))
            if last_good is not entries[rel] and cache is not None:
                kept_body = _without_body(cache.some([rel]).get(rel, last_good))[1]
                entries[rel] = last_good
                rows[rel] = (pickle.dumps(last_good, protocol=pickle.HIGHEST_PROTOCOL), kept_body)
    cached = False
    if cache is not None:
        cached = cache.put_pickled(rows, old.keys() - entries.keys(), restamped.items())
        cache.close()
    cache_path = str(Path(cache_dir) / CACHE_NAME) if cache_dir else ""
    articles: list[Article] = []
    errors: list[SitegenError] = []
    digests: dict = {}
    meta: dict = {}
    kept: set[str] = set()  # broken files shown (in preview) as they last parsed
    for rel, (_, _, digest, shape, row, error, summary) in entries.items():
        if error is not None and (row is None or not preview):
            errors.append(SitegenError(*error))
            continue
        if error is not None:
            errors.append(SitegenError(error[0], error[1], f"{error[2]}; {STALE_NOTE}", error[3]))
            kept.add(rel)
        if rel in rows and not cached:  # parsed now, and not in the cache: its body is here alone
            articles.append(_article(_with_body(entries[rel], rows[rel][1])[4]))
        else:
            articles.append(_stored_article(row, cache_path, digest, summary))
        digests[rel] = digest
        meta[rel] = shape
    errors += _duplicate_ids(articles, content_dir)
    published: list[Article] = []
    skipped: list[Article] = []
    flagged: set[str] = set(kept)
    for art in articles:
        shown = shown_as(art, today, preview)
        if shown == "skipped":
            skipped.append(art)
            continue
        if shown == "flagged":
            flagged.add(art.path)
        published.append(art)
    published.sort(key=lambda a: (a.date, a.path))
    return Library(
        tuple(published),
        tuple(errors),
        tuple(skipped),
        frozenset(flagged),
        digests,
        fingerprint or fingerprint_of(stats),
        meta,
        cached,
        today_window(articles, today),
    )
