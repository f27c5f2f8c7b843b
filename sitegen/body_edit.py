"""Find a body edit: the content files that changed since the last good build, when they
changed nothing but article bodies.

Fixing a typo is the usual edit.  The site is then laid out exactly as before, so a build needs
neither the archive's articles nor its layout: only the pages the page store says show a changed
article in a role whose digest changed (sitegen/plan.py), and the search documents of the
changed articles.  `find_body_edit` says whether the edit is one, reading what the edit touches
and never the whole archive:

  - the content folder's scan (every build stats every file) against the one the page store
    saved with the last good build: the same files, a few of them changed;
  - the changed files, parsed: each must parse, and be shown (published, flagged or left out)
    as before with the same link digest, which covers every field but the body, or with
    only its labels changed; one left out must keep its date and draft flag (the days on
    which no article falls due, which the build's fingerprint keeps, depend on them);
  - the role digests of the changed articles, from the page store.

A headline's fields are labels as well (`LABEL_FIELDS`: title, kicker, subtitle and where the
article came from): they show on the pages that show the article, and no page's existence,
list or order depends on them, so an edit of them is built the same way (with the old version
from the content cache, to see that nothing else changed).  Tags, places, topics and the people
credited, a date or a district (`RELAY_FIELDS`) are built the same way, with the tag, topic,
people, date and district lists they change, the places in lists a date moves, the URL a
district moves and the related articles laid out again beside (sitegen/relay.py, which may
still hand the edit to the full build).  Everything else (a slug changed, a file added or
removed, a file that no longer parses,
templates, settings or code changed, more files than `parallel_from`) is the full build's.  The
build renders the pages of a `BodyEdit` with the articles they show read by path from the
content cache (`ArticleRows`), and the search stage patches the changed documents
(`PreviousIndex.patch_bodies`).  tests/test_build_incremental.py checks that such a build
equals a clean one.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .config import Config
from .content import Entry, ParseCache, Scan, article_of, cache_entries, parse_files, shown_as
from .model import Article
from .page_store import PageStore
from .plan import CARD, FULL, LINK, RoleDigests, article_keys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BodyEdit:
    """What changed: the changed articles the site shows, and their new role digests."""

    store: PageStore
    files: tuple[str, ...]  # the changed files, shown or not
    articles: dict[str, Article]  # path -> the changed article, for those the site shows
    digests: dict[str, str]  # path -> digest of the changed file's text
    keys: dict[str, RoleDigests]  # path -> new role digests, for the changed articles shown
    changes: list[tuple[str, int]]  # (path, role) of every role digest that changed
    # path -> the version the last build showed, of the changed articles whose tags or places
    # changed, or whose new headline may show other tags (sitegen/relay.py)
    relayed: dict[str, Article] = field(default_factory=dict)


def _only_content_changed(config: Config, fingerprint: dict[str, str], last: dict[str, str]) -> bool:
    """Tell whether only content files changed since the last good build (the fingerprint's
    other parts are equal), so that the edit may be a body edit."""
    others_equal = all(last.get(name) == value for name, value in fingerprint.items() if name != "content")
    return bool(last) and others_equal and Path(config.out_dir).is_dir()


def find_body_edit(
    config: Config, today: str, scan: Scan, fingerprint: dict[str, str], last: dict[str, str]
) -> BodyEdit | None:
    """Return the body edit the content folder holds since the last good build, or None when
    the build must lay the site out (or when there was no last good build)."""
    if not _only_content_changed(config, fingerprint, last):
        return None
    out_dir, cache_dir = Path(config.out_dir), Path(config.cache_dir)
    store = PageStore(cache_dir)
    parsed: dict[str, Entry] = {}
    try:
        edit = _body_edit(store, config, today, scan, str(out_dir.resolve()), parsed)
    except Exception as exc:  # an unreadable cache is a cold one: the full build takes over
        log.warning("%s: the page store is unreadable (%s: %s)", cache_dir, type(exc).__name__, exc)
        edit = None
    if edit is None:
        store.close()
        if parsed and all(entry[5] is None for entry in parsed.values()):
            cache_entries(cache_dir, parsed)  # the full build's load finds them parsed (0.03 s a file)
    return edit


def _body_edit(
    store: PageStore, config: Config, today: str, scan: Scan, target: str, parsed: dict[str, Entry]
) -> BodyEdit | None:
    """The body edit of the changed files, or None; *parsed* gets the rows of the files it parsed."""
    before = store.scan() if store.key() is not None and store.target() == target else None
    if before is None:
        return None
    at = scan.packed().changed_since(before)
    if at is None:
        return None  # a file added, removed or renamed
    changed = [scan[i] for i in at]
    if not changed or len(changed) >= config.parallel_from:
        return None
    entries = parse_files(Path(config.content_dir), changed)
    parsed.update(entries)
    old_keys = store.article_keys(entries)
    articles: dict[str, Article] = {}
    flagged: set[str] = set()
    for path, entry in entries.items():
        art = article_of(entry)
        if art is None or entry[5] is not None:
            return None  # a file that no longer parses: the full build reports it
        shown = shown_as(art, today, config.preview)
        if (shown == "skipped") != (path not in old_keys):
            return None  # published or withdrawn: the site's layout changes
        if shown != "skipped":
            articles[path] = art
        if shown == "flagged":
            flagged.add(path)
    digests = {path: entries[path][2] for path in articles}
    keys = article_keys(articles.values(), digests, {path: entries[path][3] for path in articles}, frozenset(flagged))
    relabelled = [path for path in keys if keys[path][LINK] != old_keys[path][LINK]]
    hidden = [path for path in entries if path not in articles]
    relayed: dict[str, Article] = {}
    if relabelled or hidden:
        # the versions the last good build read: cached with the stat its page store saved
        then = {scan[i][0]: before.stat(i) for i in at}
        cached = _cached_versions(config, [*relabelled, *hidden], then)
        if not all(_same_schedule(cached.get(path), article_of(entries[path])) for path in hidden):
            return None  # a left-out article's date or draft flag: the days the fingerprint keeps change
        old_links = {path: old_keys[path][LINK] for path in relabelled}
        shown_before = _only_labels_changed(cached, {path: articles[path] for path in relabelled}, old_links, flagged)
        if shown_before is None:
            return None  # a field that places the article changed
        relayed = {
            path: old
            for path, old in shown_before.items()
            if _relay_fields_changed(old, articles[path]) or not _same_tags_shown(old, articles[path])
        }
    cache_entries(Path(config.cache_dir), entries)  # rows that parsed: as the full build's load keeps them
    changes = [(path, role) for path in keys for role in (FULL, LINK, CARD) if keys[path][role] != old_keys[path][role]]
    log.info("a body edit: %d file(s) changed, %d article role(s) to show again", len(changed), len(changes))
    return BodyEdit(store, tuple(entries), articles, digests, keys, changes, relayed)


# Fields no page's existence, list or order depends on: an edit of them shows again the pages
# that show the article, as a body edit does.  (The title also decides which tags are shown:
# `_same_tags_shown`.)
LABEL_FIELDS = frozenset({"title", "kicker", "subtitle", "date_source", "source", "source_lines"})
# Fields that decide which tag, topic and people lists hold an article, where lists place it and
# which articles are related to it, and nothing else's place: an edit of them lays those out
# again (sitegen/relay.py; a date within its month and day pages).
RELAY_FIELDS = ("tags", "places", "topics", "reporters", "correspondents", "photographers", "date", "district")
_PLACING_FIELDS = tuple(f.name for f in fields(Article) if f.name not in LABEL_FIELDS | {"body", "path", *RELAY_FIELDS})


def _relay_fields_changed(old: Article, new: Article) -> bool:
    return any(getattr(old, name) != getattr(new, name) for name in RELAY_FIELDS)


def _cached_versions(config: Config, paths: list[str], then: dict[str, tuple[int, int]]) -> dict[str, Entry]:
    """Return path -> the content cache's row of each of *paths* that it holds as the file was
    when the last good build read it (*then*: its mtime and size in the page store's scan), and
    that parsed.  Until this edit is cached, that is the version the last good build showed."""
    cache = ParseCache(Path(config.cache_dir))
    try:
        rows = cache.some(paths)
    finally:
        cache.close()
    return {path: row for path, row in rows.items() if tuple(row[:2]) == then[path] and row[5] is None}


def _same_schedule(entry: Entry | None, art: Article | None) -> bool:
    """Whether a left-out article keeps the date and draft flag of its cached version *entry*:
    they decide the days on which it is published, which the build's fingerprint keeps
    (`content.today_window`) and a body edit does not work out again."""
    old = article_of(entry) if entry is not None else None
    return old is not None and art is not None and (old.date, old.draft) == (art.date, art.draft)


def _only_labels_changed(
    cached: dict[str, Entry], changed: dict[str, Article], old_links: dict[str, str], flagged: set[str]
) -> dict[str, Article] | None:
    """Return path -> the *cached* version of each of the *changed* articles (the one the last
    good build showed, `_cached_versions`), when each differs from it only in LABEL_FIELDS,
    RELAY_FIELDS and the body; that version's link digest must be the one the page store keeps
    (*old_links*).  None otherwise."""
    before: dict[str, Article] = {}
    for path, art in changed.items():
        entry = cached.get(path)
        if entry is None:
            return None
        old = article_of(entry)
        if old is None or any(getattr(old, f) != getattr(art, f) for f in _PLACING_FIELDS):
            return None
        shown = article_keys([old], {path: entry[2]}, {path: entry[3]}, frozenset(flagged))
        if shown[path][LINK] != old_links[path]:
            return None  # not the version the last good build showed
        before[path] = old
    return before


def _same_tags_shown(old: Article, new: Article) -> bool:
    """Whether a new headline leaves the article's tags as shown (site.kept_tags drops a tag
    that the headline quotes inside a longer name)."""
    from .site import fragment_of_title

    return all(fragment_of_title(t, old.title) == fragment_of_title(t, new.title) for t in old.tags)


class ArticleRows(dict[str, Article]):
    """Articles by path, read from the content cache on first use (the changed ones given):
    the articles the pages of a body edit show, out of an archive never read whole."""

    def __init__(self, config: Config, scan: Scan, changed: dict[str, Article]) -> None:
        super().__init__(changed)
        self.content_dir = Path(config.content_dir)
        self.cache = ParseCache(Path(config.cache_dir))
        self.scan = scan  # sorted by path

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read the articles of *paths* not read yet, in one query and without their bodies (read
        by path if a page shows one: `model.StoredArticle`), as the full build's load holds them:
        the some 12,700 articles of a topic's list at 100,000 took one query each, with the
        body, and their cards made each summary again from it."""
        wanted = sorted(set(paths).difference(self))
        found = self.cache.stored(wanted) if wanted else {}
        for path in wanted:
            entry, stat = found.get(path), self._stat(path)
            if entry is None or stat is None or entry[:2] != stat[1:]:
                continue  # not cached as the file is now: read when asked for (__missing__)
            art = self.cache.stored_article(entry)
            if art is not None:
                self[path] = art

    def _stat(self, path: str) -> tuple[str, int, int] | None:
        """The scan's (path, mtime, size) of *path*, None when the content folder lacks it."""
        at = bisect.bisect_left(self.scan, (path,))
        return self.scan[at] if at < len(self.scan) and self.scan[at][0] == path else None

    def __missing__(self, path: str) -> Article:
        entry: Entry | None = self.cache.some([path]).get(path)
        stat = self._stat(path)
        if stat is None:
            raise KeyError(path)
        if entry is None or entry[:2] != stat[1:]:  # not cached as the file is now: parse it
            entry = parse_files(self.content_dir, [stat])[path]
        art = article_of(entry)
        if art is None:
            raise KeyError(path)
        self[path] = art
        return art

    def close(self) -> None:
        self.cache.close()


class StoredKeys(dict[str, RoleDigests]):
    """Role digests by path, the page store's but for the changed articles' new ones."""

    def __init__(self, store: PageStore, changed: dict[str, RoleDigests]) -> None:
        super().__init__(changed)
        self.store = store

    def prefetch(self, paths: Iterable[str]) -> None:
        """Read the digests of *paths* not read yet in one query: the 17,000 articles a district
        corrected at 100,000 lays out again took one query each (0.1 s)."""
        wanted = set(paths).difference(self)
        if wanted:
            self.update(self.store.article_keys(sorted(wanted)))

    def __missing__(self, path: str) -> RoleDigests:
        found: Any = self.store.article_keys([path])
        self[path] = found[path]
        return found[path]
