"""The page store: every page of the last build, saved for builds that change only article bodies.

Fixing a typo is the usual edit.  It changes no article's metadata (every field but the body),
so the site model would come out as before but for the bodies it shows.  When the layout key
(every article's metadata digest, the preview flags, templates, settings and render code) is
the one saved, the build skips laying out and planning all pages: it loads from here only the
pages that show a changed article in a role whose digest changed (see sitegen/plan.py).

`<cache_dir>/pages.sqlite` holds:
  pages   output -> kind, digest, the Page pickled with its articles by path, the
          (article path, role) of every article it shows, and its source (the listing, feed
          or article that made it: an edit of metadata plans the sources it touches)
  shown   article path -> (role, output) of every page that shows it
  keys    article path -> its role digests (full, link, card)
  saved   the layout key, what the layout was made in (`layout`), the model without its pages and
          articles, every article's shown tags, and the content folder's scan (path, mtime,
          size of every file) the build read

Everything is written in one transaction after the site is, so the store describes one
complete build, or none: a build that renders every page of a new layout empties it before it
writes the site (`expect`), and `save` then writes it whole.  A store that cannot be read is an
empty one: the build takes the slow path.
"""

from __future__ import annotations

import hashlib
import io
import logging
import marshal
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache import open_cache_db, remove_db, select_in
from .model import ARTICLE_TYPES, Article
from .plan import ANY, CARD, FULL, LINK, RoleDigests, page_deps

if TYPE_CHECKING:
    from .content import PackedScan, Scan
    from .site import Page, PageKind, SiteModel

log = logging.getLogger(__name__)
PAGE_STORE_FILE = "pages.sqlite"
LAYOUT_KEY_VERSION = 2  # part of every layout key (`layout_key`); the file's own is SCHEMA_VERSION
# What the store keeps of a rendered page: the Page pickled, and its (article path, role) dependencies.
# The page and its deps (the (article path, role) pairs it shows), both pickled where the page is
# rendered: a render worker sends bytes, where a list of pairs a page held 49 MiB more in the
# build's process at 10,000 articles (tracemalloc), until the store was written.
SavedPage = tuple[bytes, bytes]
# A page as the store saves it: output, kind, digest, pickled page, pickled deps, source.
PageRow = tuple[str, "PageKind", str, bytes, bytes, str]


def layout_key(articles: Iterable[Article], meta: dict[str, str], flagged: frozenset[str], env: str) -> str:
    """Digest everything the site model depends on but article bodies."""
    h = hashlib.sha1(f"{LAYOUT_KEY_VERSION}\0{env}\n".encode())
    h.update(repr(sorted((a.path, meta[a.path], a.path in flagged) for a in articles)).encode("utf-8"))
    return h.hexdigest()


def _shown_by(rows: list[PageRow]) -> dict[str, list[Any]]:
    """Return article path -> [role, output, role, output, ...] of the pages of *rows* that
    show it.  Flat, because a cold build's store holds
    every page an article shows on: as (role, output) pairs in sets, they took the build's
    process 46 MiB higher at 10,000 articles, and to its peak at 100,000 (1,926 MiB; 1,651 since)."""
    added: dict[str, list[Any]] = {}
    for output, _, _, _, pickled_deps, _ in rows:
        for path, role in pickle.loads(pickled_deps):
            flat = added.get(path)
            if flat is None:
                flat = added[path] = []
            flat += (role, output)
    return added


def _pairs(flat: list[Any]) -> Iterable[tuple[int, str]]:
    return zip(flat[0::2], flat[1::2])


def _pickled_pairs(pairs: set[tuple[int, str]]) -> bytes:
    return pickle.dumps(sorted(pairs), protocol=pickle.HIGHEST_PROTOCOL)


class _ArticlesByPath(pickle.Pickler):
    def persistent_id(self, obj: object) -> str | None:
        return obj.path if type(obj) in ARTICLE_TYPES else None  # type: ignore[attr-defined]


class _PathsToArticles(pickle.Unpickler):
    def __init__(self, data: bytes, articles: dict[str, Article]) -> None:
        super().__init__(io.BytesIO(data))
        self.articles = articles

    def persistent_load(self, path: str) -> Article:
        return self.articles[path]


def saved_page(page: Page) -> SavedPage:
    """Return what the store keeps of a page: the page pickled, and its dependencies."""
    return dump(page), pickle.dumps(page_deps(page), protocol=pickle.HIGHEST_PROTOCOL)


def dump(value: object) -> bytes:
    """Pickle *value* with every Article in it saved as its path."""
    out = io.BytesIO()
    _ArticlesByPath(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()


def load(data: bytes, articles: dict[str, Article]) -> Any:
    """Unpickle what `dump` saved, giving each path back its Article from *articles*."""
    return _PathsToArticles(data, articles).load()


# Rowid tables: a WITHOUT ROWID table keeps at most about a thousand bytes of a row in its
# b-tree page and the rest on overflow pages of their own, and most pages' rows are a little
# longer (an article page's: 734 + 383 bytes on average).  At 100,000 articles of the realistic
# corpus the store took 1,077 MB as WITHOUT ROWID tables and 553 MB as rowid tables, and
# inserting its 160,188 pages' rows into an empty store took 3.1 s into WITHOUT ROWID tables
# and 1.9 s into rowid tables.
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS pages"
    " (output TEXT PRIMARY KEY, kind TEXT, digest TEXT, page BLOB, deps BLOB, source TEXT);"
    # An edit asks for the search page's outputs: without the index, a read of every row.
    "CREATE INDEX IF NOT EXISTS pages_by_kind ON pages (kind);"
    # An edit of metadata asks for the pages of the sources it touches, and for the pages a
    # killed build left without a digest (`expect`): without these, reads of every row.
    "CREATE INDEX IF NOT EXISTS pages_by_source ON pages (source);"
    "CREATE INDEX IF NOT EXISTS pages_unsettled ON pages (output) WHERE digest IS NULL;"
    "CREATE TABLE IF NOT EXISTS shown (path TEXT PRIMARY KEY, pages BLOB);"
    "CREATE TABLE IF NOT EXISTS saved (name TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS keys (path TEXT PRIMARY KEY, full TEXT, link TEXT, card TEXT) WITHOUT ROWID;"
    # Each article's shown tags (marshalled): an edit of tags reads and writes its articles' rows
    # alone (one pickle of them all took 0.35 s of such an edit at 100,000 articles)
    "CREATE TABLE IF NOT EXISTS tags (path TEXT PRIMARY KEY, shown BLOB) WITHOUT ROWID;"
)
SCHEMA_VERSION = 6  # the file's user_version; a store of another one is made again


class PageStore:
    """The saved pages of one cache folder (`<cache_dir>/pages.sqlite`)."""

    def __init__(self, cache_dir: Path | None) -> None:
        import sqlite3

        self.path = None if cache_dir is None else Path(cache_dir) / PAGE_STORE_FILE
        self.db: sqlite3.Connection | None = None
        self._open()

    def _open(self) -> None:
        if self.path is not None:
            self.db = open_cache_db(self.path, _SCHEMA, version=SCHEMA_VERSION, dropped="the site is laid out again")

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def _saved(self, name: str) -> Any:
        import sqlite3

        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT value FROM saved WHERE name = ?", (name,)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def key(self) -> str | None:
        """Return the layout key of the saved build, None when there is none."""
        return None if self.db is None else self._saved("key")

    def target(self) -> str | None:
        """Return the output folder the store describes, None when it describes none."""
        return None if self.db is None else self._saved("target")

    def expect(self, target: str, outputs: Iterable[str], whole: bool = False) -> None:
        """Before *outputs* of *target* are written: forget the layout key and their digests,
        so a build killed before `save` leaves a store that renders them again.  *whole*: they
        are every page of a new layout, and the store starts again empty (`save` writes all of
        it anew): at 100,000 articles `expect` took 0.2 s instead of 5.4, where setting every
        row's digest to NULL rewrote the whole store, and `save` 7.1 s instead of 19.8, where
        it deleted every row first (cProfile of a build that renders every page)."""
        import sqlite3

        if self.db is None:
            return
        if whole:
            self._start_again()
            if self.db is None:
                return
        try:
            with self.db:
                self.db.execute("DELETE FROM saved WHERE name = 'key'")
                self.db.execute("INSERT OR REPLACE INTO saved VALUES ('target', ?)", (target,))
                if whole:
                    return
                outputs = list(outputs)
                # (the saved counts: counting the rows reads every page's row, 0.06 s at 100,000 articles)
                if len(outputs) >= sum(self.kind_counts().values()):
                    self.db.execute("UPDATE pages SET digest = NULL")  # every page, in one statement
                else:
                    self.db.executemany("UPDATE pages SET digest = NULL WHERE output = ?", [(o,) for o in outputs])
        except sqlite3.Error:
            self.forget()

    def _start_again(self) -> None:
        """Delete the store's file and open a new, empty one."""
        assert self.path is not None
        self.close()
        try:
            remove_db(self.path)
        except OSError as exc:
            log.warning("%s: could not be deleted (%s); its pages are forgotten instead", self.path, exc)
            self._open()
            self.forget()  # every row: the old file is still there
            return
        self._open()

    def digests(self, outputs: Iterable[str] | None = None) -> dict[str, str]:
        """Return output -> digest of every saved page, or of those of *outputs*."""
        if self.db is None:
            return {}
        if outputs is None:
            return dict(self.db.execute("SELECT output, digest FROM pages"))
        return self._select("pages", "output", "digest", outputs)

    def outputs(self) -> list[str]:
        """Return the output of every saved page."""
        return [] if self.db is None else [output for (output,) in self.db.execute("SELECT output FROM pages")]

    def kinds(self) -> dict[str, PageKind]:
        """Return output -> kind of every saved page."""
        return {} if self.db is None else dict(self.db.execute("SELECT output, kind FROM pages"))

    def kind_counts(self) -> dict[PageKind, int]:
        """Return kind -> how many saved pages are of it (counted by `save`)."""
        data = self._saved("counts")
        return {} if data is None else pickle.loads(data)

    def outputs_of(self, kind: PageKind) -> list[str]:
        """Return the outputs of the saved pages of *kind*."""
        if self.db is None:
            return []
        return [out for (out,) in self.db.execute("SELECT output FROM pages WHERE kind = ? ORDER BY output", (kind,))]

    def article_keys(self, paths: Iterable[str] | None = None) -> dict[str, RoleDigests]:
        """Return the role digests of every article of the saved build, or of those of *paths*."""
        if self.db is None:
            return {}
        query = "SELECT path, full, link, card FROM keys"
        rows = self.db.execute(query) if paths is None else select_in(self.db, query + " WHERE path IN ({})", paths)
        return {path: (full, link, card) for path, full, link, card in rows}

    def model(self, articles: tuple[Article, ...] = ()) -> SiteModel:
        """Return the saved SiteModel, without its pages, with those of *articles* that got their
        page (saved without them: every one is in the layout key)."""
        from .site import article_source

        model: SiteModel = pickle.loads(self._saved("model"))
        if model.errors and articles and self.db is not None:  # (a preview's) two articles with one URL
            paged = {source for (source,) in self.db.execute("SELECT source FROM pages WHERE kind = 'article'")}
            articles = tuple(art for art in articles if article_source(art.path) in paged)
        return replace(model, articles=articles)

    def layout(self) -> tuple[str, str] | None:
        """Return what the saved layout was made in: the digest of the environment (templates,
        settings, render code), and the key of the related articles it shows; None when unknown."""
        data = self._saved("layout")
        layout = None if data is None else pickle.loads(data)
        return None if layout is None else tuple(layout)

    def shown_tags(self, paths: Iterable[str] | None = None) -> dict[str, tuple[str, ...]] | None:
        """Return article path -> the tags its pages showed in the saved build (of every article,
        or of those of *paths*), None when unknown."""
        if self.db is None or self._saved("tag_counts") is None:  # (saved with the tags, at once)
            return None
        query = "SELECT path, shown FROM tags"
        rows = self.db.execute(query) if paths is None else select_in(self.db, query + " WHERE path IN ({})", paths)
        return {path: marshal.loads(shown) for path, shown in rows}

    def _save_tags(self, shown: dict[str, tuple[str, ...]], counts: dict[str, int], whole: bool) -> None:
        """Save the shown tags of every article (*whole*) or of some, and every tag's count."""
        assert self.db is not None
        query = "SELECT path, shown FROM tags"
        if whole:
            before = dict(self.db.execute(query))
            self.db.executemany("DELETE FROM tags WHERE path = ?", [(p,) for p in before.keys() - shown.keys()])
        else:
            before = dict(select_in(self.db, query + " WHERE path IN ({})", shown))
        rows = [(path, marshal.dumps(tags)) for path, tags in shown.items()]
        self.db.executemany(
            "INSERT OR REPLACE INTO tags VALUES (?, ?)", [row for row in rows if before.get(row[0]) != row[1]]
        )
        self.db.execute(
            "INSERT OR REPLACE INTO saved VALUES ('tag_counts', ?)",
            (pickle.dumps(counts, protocol=pickle.HIGHEST_PROTOCOL),),
        )

    def tag_counts(self) -> dict[str, int] | None:
        """Return tag -> the number of articles that may show it (`site.tags_and_counts`) in the
        saved build, None when unknown."""
        data = self._saved("tag_counts")
        return None if data is None else pickle.loads(data)

    def sources(self, outputs: Iterable[str]) -> set[str]:
        """Return the sources of the saved pages of *outputs*."""
        return set(self._select("pages", "output", "source", outputs).values())

    def unsettled(self) -> set[str]:
        """Return the outputs whose digest a build that did not end forgot (`expect`)."""
        if self.db is None:
            return set()
        return {out for (out,) in self.db.execute("SELECT output FROM pages WHERE digest IS NULL")}

    def scan(self) -> PackedScan | None:
        """Return the content folder's scan the saved build read, None when there is none."""
        from .content import PackedScan

        paths, stats = self._saved("scan_paths"), self._saved("scan_stats")
        if not isinstance(paths, bytes) or not isinstance(stats, bytes):
            return None
        return PackedScan(paths, stats)

    def showing(self, changes: list[tuple[str, int]]) -> set[str]:
        """Return the outputs of the pages that show any (article path, role) of *changes*."""
        roles: dict[str, set[int]] = {ANY: {FULL, LINK, CARD}}
        for path, role in changes:
            roles.setdefault(path, set()).add(role)
        return {out for path, shown in self._shown(roles).items() for role, out in shown if role in roles[path]}

    def _select(self, table: str, key: str, column: str, keys: Iterable[str]) -> dict[str, Any]:
        """Return key -> *column* of the rows of *table* whose *key* is one of *keys*."""
        if self.db is None:
            return {}
        return dict(select_in(self.db, f"SELECT {key}, {column} FROM {table} WHERE {key} IN ({{}})", keys))

    def _shown(self, paths: Iterable[str]) -> dict[str, set[tuple[int, str]]]:
        """Return article path -> {(role, output)} of the pages that show it, for *paths*."""
        found = self._select("shown", "path", "pages", paths)
        return {path: set(pickle.loads(found[path])) if path in found else set() for path in paths}

    def shown_on(self, outputs: Iterable[str]) -> set[str]:
        """Return the paths of the articles the saved pages of *outputs* show."""
        return {path for deps in self._deps(outputs).values() for path, _ in deps}

    def _deps(self, outputs: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
        """Return output -> its saved (article path, role) dependencies, for *outputs*."""
        return {out: pickle.loads(data) for out, data in self._select("pages", "output", "deps", outputs).items()}

    def pages(self, outputs: Iterable[str], articles: dict[str, Article]) -> list[Page]:
        """Return the saved Pages of *outputs*, each showing the current *articles*."""
        found = self._select("pages", "output", "page", outputs)
        return [load(found[out], articles) for out in sorted(found)]

    def save(
        self,
        key: str,
        model: SiteModel | None,
        keys: dict[str, RoleDigests],
        rows: list[PageRow],
        outputs: set[str] | None,
        scan: Scan,
        layout: tuple[str, str] | None = None,
        tags: tuple[dict[str, tuple[str, ...]], dict[str, int]] | None = None,
        urls: dict[str, str] | None = None,
    ) -> None:
        """Record one complete build in one transaction.

        *rows* are the pages rendered; *model* the SiteModel without its pages (None: unchanged,
        but for the shown *tags* of some articles and every tag's count, when given, and the
        *layout*), laid out as
        *layout* says (`PageStore.layout`); *keys* the role digests of every article when
        *model* is new, else of those that may have changed; *outputs* every page of the site
        (the saved pages not among them are deleted; None: the same pages as before); *scan*
        the content folder's scan the build read; *urls*, with no *model*: the new URLs of
        articles moved to another district (path -> URL), which the saved model takes.
        """
        import sqlite3

        if self.db is None:
            return
        try:
            with self.db:
                self.db.execute("DELETE FROM saved WHERE name = 'key'")
                old = set(self.outputs() if outputs is not None else self.digests(row[0] for row in rows))
                stale = old - outputs if outputs is not None else set()
                # The pages that show each article: withdraw what the replaced and removed pages
                # showed, add what the new ones show.
                withdrawn = self._deps([row[0] for row in rows if row[0] in old] + sorted(stale))
                added = _shown_by(rows)
                paths = set(added).union(path for deps in withdrawn.values() for path, _ in deps)
                dropped: dict[str, set[tuple[int, str]]] = {}  # path -> the pairs of the pages replaced
                for output, deps in withdrawn.items():
                    for path, role in deps:
                        dropped.setdefault(path, set()).add((role, output))

                def made(path: str) -> set[tuple[int, str]]:
                    return set(_pairs(added.get(path, [])))

                # A list whose articles shift by one keeps most of them on their pages: an article
                # the pages replaced show as the pages made do keeps its row, unread and unwritten
                # (a date into another month at 100,000 articles makes some 200 list pages again,
                # which show 3,700 articles: their rows read took 0.1 s).  A store started anew
                # has no rows: every article's are written, their pairs made one at a time.
                reshown: dict[str, set[tuple[int, str]]] | None = None  # path -> its pairs made, where they differ
                shown: dict[str, set[tuple[int, str]]] = {}
                if old:
                    reshown = {path: now for path in paths if (now := made(path)) != dropped.get(path, set())}
                    shown = self._shown(reshown)
                self.db.executemany("DELETE FROM pages WHERE output = ?", [(o,) for o in stale])
                self.db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?)", rows)
                gone: list[tuple[str]] = []

                def changed() -> Iterator[tuple[str, bytes]]:  # one article's pages at a time
                    for path in paths if reshown is None else reshown:
                        replaced, now = dropped.get(path, set()), made(path) if reshown is None else reshown[path]
                        before = shown.get(path, set())
                        if replaced <= now <= before:
                            continue  # shown where it was (the pages replaced were among those)
                        pairs = (before - replaced) | now
                        if pairs:
                            yield path, _pickled_pairs(pairs)
                        elif before:
                            gone.append((path,))

                self.db.executemany("INSERT OR REPLACE INTO shown VALUES (?, ?)", changed())
                self.db.executemany("DELETE FROM shown WHERE path = ?", gone)
                if model is not None:
                    # The shown tags apart: only an edit of metadata reads them, a body edit the model.
                    saved = pickle.dumps(
                        replace(model, articles=(), shown_tags={}, tag_counts={}), protocol=pickle.HIGHEST_PROTOCOL
                    )
                    self.db.execute("INSERT OR REPLACE INTO saved VALUES ('model', ?)", (saved,))
                    self._save_tags(model.shown_tags, model.tag_counts, whole=True)
                elif tags is not None:
                    self._save_tags(*tags, whole=False)
                if model is None and urls:
                    moved = self.model()
                    moved = replace(moved, articles=(), article_url={**moved.article_url, **urls})
                    saved = pickle.dumps(moved, protocol=pickle.HIGHEST_PROTOCOL)
                    self.db.execute("INSERT OR REPLACE INTO saved VALUES ('model', ?)", (saved,))
                if model is not None or tags is not None:
                    self.db.execute("INSERT OR REPLACE INTO saved VALUES ('layout', ?)", (pickle.dumps(layout),))
                if model is not None:
                    # Every article's keys: the rows of the others go, the changed ones are written
                    # (not all 100,000 rows deleted and written again at each edit of metadata)
                    before = self.article_keys()
                    self.db.executemany("DELETE FROM keys WHERE path = ?", [(p,) for p in before.keys() - keys.keys()])
                else:
                    before = self.article_keys(keys)
                keys = {path: roles for path, roles in keys.items() if before.get(path) != roles}
                self.db.executemany(
                    "INSERT OR REPLACE INTO keys VALUES (?, ?, ?, ?)", [(p, *r) for p, r in keys.items()]
                )
                if outputs is not None:  # else the same pages as before
                    counts = dict(self.db.execute("SELECT kind, count(*) FROM pages GROUP BY kind"))
                    self.db.execute("INSERT OR REPLACE INTO saved VALUES ('counts', ?)", (pickle.dumps(counts),))
                packed = scan.packed()
                if self._saved("scan_paths") != packed.paths:  # (an edit in place changes none)
                    self.db.execute("INSERT OR REPLACE INTO saved VALUES ('scan_paths', ?)", (packed.paths,))
                self.db.executemany(
                    "INSERT OR REPLACE INTO saved VALUES (?, ?)", [("scan_stats", packed.stats), ("key", key)]
                )
        except sqlite3.Error:
            self.forget()

    def forget(self) -> None:
        """Empty the store: every page is planned, rendered and saved again."""
        import sqlite3

        if self.db is None:
            return
        try:
            with self.db:
                self.db.executescript(
                    "DELETE FROM saved; DELETE FROM pages; DELETE FROM shown; DELETE FROM keys; DELETE FROM tags;"
                )
        except sqlite3.Error as exc:  # a damaged page: the file goes, and the next build makes it anew
            log.warning("%s: damaged page store dropped (%s); the site is laid out again", self.path, exc)
            self.close()
            try:
                if self.path is not None:
                    remove_db(self.path)
            except OSError:
                pass
