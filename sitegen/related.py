"""Related articles: each article's few nearest by shared tags and places, then topic, then days apart.

A build that lays the site out works them out for every article (`related_articles`), or takes
the last build's, and saves them whole (`save_related`).  An edit of some articles' tags,
places, topics or dates works them out again for the articles it can touch alone, from what the
last build saved (`RelatedStore.again`), and reads nothing else of the archive.

`<cache_dir>/related.sqlite` holds:
  meta      the name of these related articles (the page store's layout records the name of
            the ones its pages show) and the package stamp they were worked out with
  articles  path -> its inputs (date, tags, places, topics) and its related articles' paths
  lists     each tag's and place's articles in date order: a row each (key, date, path), so
            that an edit reads the few near its places, not the lists whole

A tag or place shared by many articles says little: of its list, only the *window* articles
nearest in date order are an article's candidates, which keeps the work linear in the number
of articles, and an edit's in the articles it changes.
"""

from __future__ import annotations

import bisect
import datetime
import logging
import marshal
import os
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence, Set
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from .cache import remove_db, replace_db, select_in

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)

RELATED_FILE = "related.sqlite"  # in the cache folder
RELATED_SIZE = 5  # related articles an article page shows
RELATED_WINDOW = 24  # of a tag's or place's articles, the nearest in date order that are candidates
_SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (path TEXT PRIMARY KEY, inputs BLOB NOT NULL, related BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lists (
    key TEXT NOT NULL, date TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (key, date, path)
) WITHOUT ROWID;
"""


class RelatedInput(Protocol):
    """What related articles are worked out from: an Article, or the saved inputs of one."""

    @property
    def path(self) -> str: ...
    @property
    def date(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def places(self) -> tuple[str, ...]: ...
    @property
    def topics(self) -> tuple[str, ...]: ...


_ArticleLike = TypeVar("_ArticleLike", bound=RelatedInput)


class RelatedRow(NamedTuple):
    """What an article's related articles are worked out from, as the store saves it."""

    path: str
    date: str
    tags: tuple[str, ...]
    places: tuple[str, ...]
    topics: tuple[str, ...]


def related_row(art: RelatedInput) -> RelatedRow:
    return RelatedRow(art.path, art.date, tuple(art.tags), tuple(art.places), tuple(art.topics))


def related_keys(art: RelatedInput) -> list[str]:
    """The tags ("t" + tag) and places ("p" + place) of *art*, each once: a tag written twice
    would score twice, and take two places in its list, beyond the window an edit looks within."""
    return list(dict.fromkeys([*("t" + t for t in art.tags), *("p" + p for p in art.places)]))


def related_articles(
    articles: Sequence[_ArticleLike], limit: int = RELATED_SIZE, window: int = RELATED_WINDOW
) -> dict[str, tuple[_ArticleLike, ...]]:
    """Return path -> related articles of every one of *articles* (in date order, then path).

    Candidates are the *window* articles nearest in date order in the list of each tag and
    place an article has; they rank by more shared tags and places, then a shared topic, then
    fewer days apart, then the earlier of two as near, then the nearer in date order."""
    lists: dict[str, list[int]] = defaultdict(list)
    for index, art in enumerate(articles):
        for key in related_keys(art):
            lists[key].append(index)
    bits: dict[str, int] = {}
    topics = [_topic_bits(a, bits) for a in articles]
    days = [_day_number(a.date) for a in articles]
    half = window // 2
    out: dict[str, tuple[_ArticleLike, ...]] = {}
    for index, art in enumerate(articles):
        hits = []
        for key in related_keys(art):
            found = lists[key]
            if len(found) > window:
                lo = max(0, bisect.bisect_left(found, index) - half)
                found = found[lo : lo + window]
            hits += found
        shared = Counter(hits)  # each shared tag or place scores 2: the order is the same
        shared.pop(index, None)
        mine, day = topics[index], days[index]
        most = max(shared.values(), default=0)
        # One integer sort key a candidate, smallest best (twice as fast to sort as tuples):
        # more shared keys, then a shared topic, then fewer days apart, then the earlier of two
        # as near (bit 40 clear), then the nearer in date order.  `RelatedStore.again` ranks
        # the same without the indexes: the nearer in date order on one side is the nearer in
        # its candidates' order by date and path.
        ranked = [
            (
                (most - n) << 60
                | (0 if topics[o] & mine else 1 << 59)
                | abs(day - days[o]) << 41
                | (index - o if o < index else (o - index) | 1 << 40)
            )
            for o, n in shared.items()
        ]
        ranked.sort()
        out[art.path] = tuple(
            articles[index - (k & _DISTANCE) if not k >> 40 & 1 else index + (k & _DISTANCE)] for k in ranked[:limit]
        )
    return out


_DISTANCE = (1 << 40) - 1  # the bits of a related-article sort key that hold the places apart in date order


def related_paths(related: Mapping[str, Sequence[RelatedInput]]) -> dict[str, tuple[str, ...]]:
    """*related* (`related_articles`) by path, as the store saves it."""
    return {p: tuple(a.path for a in others) for p, others in related.items()}


def related_whole(related: Any, paths: Set[str]) -> bool:
    """Whether *related* gives the related articles of exactly *paths*, each among them (a
    cache a build reuses: one damaged otherwise failed every later edit of metadata)."""
    return (
        isinstance(related, dict)
        and related.keys() == paths
        and all(type(others) is tuple and all(other in paths for other in others) for others in related.values())
    )


def _topic_bits(art: RelatedInput, bits: dict[str, int]) -> int:
    """*art*'s topics as bits, each topic's bit given by *bits* (a new topic takes the next)."""
    return _topic_bits_of(art.topics, bits)


def _topic_bits_of(topics: Sequence[str], bits: dict[str, int]) -> int:
    return sum(1 << bits.setdefault(t, len(bits)) for t in set(topics))


def _day_number(date: str) -> int:
    """The day number of an ISO date (one dated to the month or year is on its first day)."""
    try:
        return datetime.date.fromisoformat(date[:10]).toordinal()
    except ValueError:
        return datetime.date.fromisoformat((date[:7] + "-01") if len(date) >= 7 else f"{date[:4]}-01-01").toordinal()


def save_related(
    cache_dir: Path, name: str, stamp: str, rows: Sequence[RelatedRow], related: Mapping[str, tuple[str, ...]]
) -> None:
    """Save every article's related articles (*rows* in date order, then path) under *name*,
    replacing the store at once (a reader sees the old one or the new one).  OSError when it
    cannot be written."""
    import sqlite3

    path = Path(cache_dir) / RELATED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    remove_db(tmp)
    lists: dict[str, tuple[list[str], list[str]]] = {}
    for row in rows:
        for key in related_keys(row):
            dates, paths = lists.setdefault(key, ([], []))
            dates.append(row.date)
            paths.append(row.path)
    try:
        db = sqlite3.connect(tmp)
        try:
            db.execute("PRAGMA journal_mode = OFF")  # a new file, replaced whole: no journal to keep
            db.executescript(_SCHEMA + f"PRAGMA user_version = {_SCHEMA_VERSION};")
            db.executemany("INSERT INTO meta VALUES (?, ?)", [("name", name), ("stamp", stamp)])
            db.executemany(
                "INSERT INTO articles VALUES (?, ?, ?)",
                sorted((r.path, marshal.dumps(tuple(r[1:])), marshal.dumps(related[r.path])) for r in rows),
            )
            db.executemany(
                "INSERT INTO lists VALUES (?, ?, ?)",
                ((key, date, path) for key in sorted(lists) for date, path in zip(*lists[key], strict=True)),
            )
            db.commit()
        finally:
            db.close()
        replace_db(tmp, path)
    except sqlite3.Error as exc:
        remove_db(tmp)
        raise OSError(f"{path}: {exc}") from exc


class Saved(NamedTuple):
    """What the store holds whole: every article's inputs (date, tags, places, topics: a
    RelatedRow but its path) and related articles, by path, and their name."""

    name: str
    inputs: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]
    related: dict[str, tuple[str, ...]]


def read_saved(cache_dir: Path, stamp: str) -> Saved | None:
    """Every article's saved inputs and related articles (a build that lays the site out), when
    the store in *cache_dir* holds them whole for *stamp*; None when there is none, or it is
    damaged or of another version."""
    import sqlite3

    store = RelatedStore.open(cache_dir)
    if store is None:
        return None
    try:
        if store.stamp != stamp:
            return None
        # (as tuples: a RelatedRow each took 0.4 s of 0.8 at 100,000 articles)
        inputs: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        related: dict[str, tuple[str, ...]] = {}
        for path, row, others in store.db.execute("SELECT path, inputs, related FROM articles"):
            inputs[path], related[path] = marshal.loads(row), marshal.loads(others)
    except (sqlite3.Error, ValueError, EOFError, TypeError) as exc:
        log.warning("%s: unreadable (%s); related articles are worked out anew", RELATED_FILE, exc)
        return None
    finally:
        store.close()
    return Saved(store.name, inputs, related) if related_whole(related, inputs.keys()) else None


def open_again(
    cache_dir: Path,
    changes: Mapping[str, tuple[RelatedRow, RelatedRow]],
    parallel_from: int,
    stamp: str,
    name: str | None = None,
) -> tuple[RelatedStore, dict[str, tuple[str, ...]], set[str]] | None:
    """(The store in *cache_dir*, holding *changes* until `RelatedStore.commit`; the related
    articles worked out again; the paths of those that changed): `RelatedStore.again` over the
    store saved for *stamp* (and under *name*, when given).  None, the store closed, when there
    is no such store, it was saved for other inputs, or a tenth of *parallel_from* articles or
    more changed (as many as a build works out whole)."""
    if len(changes) >= max(1, parallel_from // 10):
        return None
    store = RelatedStore.open(cache_dir)
    if store is None:
        return None
    worked = None
    if store.stamp == stamp and name in (None, store.name):
        worked = store.again(changes)
    if worked is None:
        store.close()
        return None
    return store, *worked


class RelatedStore:
    """The related articles the last build saved (`RELATED_FILE`), open to work them out again
    for an edit (`again`), whose changes are kept once `commit` names them."""

    def __init__(self, db: sqlite3.Connection, name: str, stamp: str) -> None:
        self.db, self.name, self.stamp = db, name, stamp

    @classmethod
    def open(cls, cache_dir: Path) -> RelatedStore | None:
        """The store in *cache_dir*; None when there is none, or it is damaged or of another
        layout (the build then works the related articles out whole)."""
        import sqlite3

        path = Path(cache_dir) / RELATED_FILE
        if not path.is_file():
            return None
        db = None
        try:
            db = sqlite3.connect(path, isolation_level=None)  # transactions are begun and committed here
            if db.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
                log.info("%s: made by another version of sitegen; related articles are worked out anew", path)
                db.close()
                return None
            meta = dict(db.execute("SELECT name, value FROM meta"))
            return cls(db, str(meta["name"]), str(meta["stamp"]))
        except (sqlite3.Error, KeyError) as exc:
            log.warning("%s: unreadable (%s); related articles are worked out anew", path, exc)
            if db is not None:
                db.close()
            return None

    def again(
        self,
        changes: Mapping[str, tuple[RelatedRow, RelatedRow]],
        limit: int = RELATED_SIZE,
        window: int = RELATED_WINDOW,
    ) -> tuple[dict[str, tuple[str, ...]], set[str]] | None:
        """Change the saved inputs of the articles *changes* names (path -> (its inputs saved,
        its inputs now)) and work out again the related articles of those the change can touch:
        the changed ones, and in the list of each tag and place they have or had, the articles
        within a window of their old and new places.  Any other article finds the same
        candidates, with the same topics, days apart and order, so its related articles are the
        same.  Return (path -> the related articles worked out again, the paths of those that
        changed); None, with nothing changed, when the store was saved for other inputs.  The
        changes are kept once `commit` names them."""
        import sqlite3

        try:
            self.db.execute("BEGIN IMMEDIATE")
            worked = self._again(changes, limit, window)
        except (sqlite3.Error, ValueError, EOFError, TypeError, KeyError, IndexError) as exc:
            log.warning(
                "%s: unreadable (%s: %s); related articles are worked out anew", RELATED_FILE, type(exc).__name__, exc
            )
            worked = None
        if worked is None and self.db.in_transaction:
            self.db.execute("ROLLBACK")
        return worked

    def commit(self, name: str) -> None:
        """Keep the changes `again` made, under *name*.  OSError when they cannot be."""
        import sqlite3

        try:
            self.db.execute("UPDATE meta SET value = ? WHERE name = 'name'", (name,))
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise OSError(f"{RELATED_FILE}: {exc}") from exc
        self.name = name

    def close(self) -> None:
        """Close the store; changes not committed are dropped."""
        self.db.close()

    def _again(
        self, changes: Mapping[str, tuple[RelatedRow, RelatedRow]], limit: int, window: int
    ) -> tuple[dict[str, tuple[str, ...]], set[str]] | None:
        saved = self._rows(changes)
        if any(saved.get(path) != old for path, (old, _new) in changes.items()):
            return None  # saved for other inputs
        for path, (old, new) in changes.items():
            for key in related_keys(old):
                if not self.db.execute(
                    "DELETE FROM lists WHERE key = ? AND date = ? AND path = ?", (key, old.date, path)
                ).rowcount:
                    return None  # a list without the article
            self.db.executemany(
                "INSERT INTO lists VALUES (?, ?, ?)", [(key, new.date, path) for key in related_keys(new)]
            )
        lists = _Lists(self.db)
        touched = _touched(changes, lists, window)
        rows = {**self._rows(touched.difference(changes)), **{path: new for path, (_old, new) in changes.items()}}
        if rows.keys() != touched:
            return None  # a list names an article the store lacks
        candidates: dict[str, list[str]] = {}  # path -> the paths in its windows, once for each key shared
        dates: dict[str, str] = {}
        for path in sorted(touched):
            row = rows[path]
            hits: list[str] = []
            dates[path] = row.date
            for key in related_keys(row):
                found = lists.window(key, row.date, path, window)
                hits += (other for _date, other in found)
                dates.update((other, date) for date, other in found)
            candidates[path] = hits
        # Without the articles' indexes: on one side of an article, the nearer in date order is
        # the nearer in the candidates' order by date and path.
        place = {path: i for i, path in enumerate(sorted(dates, key=lambda p: (dates[p], p)))}
        bits: dict[str, int] = {}
        topics = {path: _topic_bits(row, bits) for path, row in rows.items()}
        elsewhere = select_in(
            self.db, "SELECT path, inputs FROM articles WHERE path IN ({})", dates.keys() - rows.keys()
        )
        topics.update((path, _topic_bits_of(marshal.loads(inputs)[3], bits)) for path, inputs in elsewhere)
        day_of = {date: _day_number(date) for date in set(dates.values())}
        days = {path: day_of[date] for path, date in dates.items()}
        worked = {path: tuple(_ranked(path, hits, place, days, topics)[:limit]) for path, hits in candidates.items()}
        before = self._related(worked)
        self._write(changes, worked)
        return worked, {path for path, others in worked.items() if before.get(path) != others}

    def _rows(self, paths: Set[str] | Mapping[str, Any]) -> dict[str, RelatedRow]:
        found = select_in(self.db, "SELECT path, inputs FROM articles WHERE path IN ({})", paths)
        return {path: RelatedRow(path, *marshal.loads(inputs)) for path, inputs in found}

    def _related(self, paths: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
        found = select_in(self.db, "SELECT path, related FROM articles WHERE path IN ({})", paths)
        return {path: marshal.loads(related) for path, related in found}

    def _write(
        self,
        changes: Mapping[str, tuple[RelatedRow, RelatedRow]],
        worked: Mapping[str, tuple[str, ...]],
    ) -> None:
        self.db.executemany(
            "UPDATE articles SET inputs = ? WHERE path = ?",
            [(marshal.dumps(tuple(new[1:])), path) for path, (_old, new) in changes.items()],
        )
        self.db.executemany(
            "UPDATE articles SET related = ? WHERE path = ?",
            [(marshal.dumps(others), path) for path, others in worked.items()],
        )


def _ranked(
    path: str, hits: list[str], place: Mapping[str, int], days: Mapping[str, int], topics: Mapping[str, int]
) -> list[str]:
    """The candidates of the article at *path* (*hits*: the paths in its windows, once for each
    key shared), ranked as `related_articles` ranks them, with *place* for their indexes."""
    shared = Counter(hits)
    shared.pop(path, None)
    most = max(shared.values(), default=0)
    me, mine, day = place[path], topics[path], days[path]
    ranked = sorted(
        (
            (most - n) << 60
            | (0 if topics[other] & mine else 1 << 59)
            | abs(day - days[other]) << 41
            | (me - place[other] if place[other] < me else (place[other] - me) | 1 << 40),
            other,
        )
        for other, n in shared.items()
    )
    return [other for _key, other in ranked]


class _Lists:
    """The saved lists of tags and places, read a few rows at a time: an article's place in a
    list, the articles near it, a list's start."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._short: dict[tuple[str, int], list[tuple[str, str]] | None] = {}  # (key, most) -> whole_if_short

    def start(self, key: str, count: int) -> list[tuple[str, str]]:
        """The first *count* (date, path) of *key*'s list (all of it, when shorter)."""
        return self.db.execute(
            "SELECT date, path FROM lists WHERE key = ? ORDER BY date, path LIMIT ?", (key, count)
        ).fetchall()

    def whole_if_short(self, key: str, most: int) -> list[tuple[str, str]] | None:
        """*key*'s whole list when it holds at most *most* articles, else None."""
        if (key, most) not in self._short:
            first = self.start(key, most + 1)
            self._short[key, most] = first if len(first) <= most else None
        return self._short[key, most]

    def at(self, key: str, date: str, path: str, most: int) -> int:
        """The place of (*date*, *path*) in *key*'s list, where it is or would be; *most* + 1
        for any place after *most* (counting stops there)."""
        query = "SELECT count(*) FROM (SELECT 1 FROM lists WHERE key = ? AND (date, path) < (?, ?) LIMIT ?)"
        return int(self.db.execute(query, (key, date, path, most + 1)).fetchone()[0])

    def before(self, key: str, date: str, path: str, count: int) -> list[tuple[str, str]]:
        """The *count* (date, path) of *key*'s list just before (*date*, *path*), in date order."""
        query = (
            "SELECT date, path FROM lists WHERE key = ? AND (date, path) < (?, ?) ORDER BY date DESC, path DESC LIMIT ?"
        )
        return self.db.execute(query, (key, date, path, count)).fetchall()[::-1]

    def after(self, key: str, date: str, path: str, count: int) -> list[tuple[str, str]]:
        """The *count* (date, path) of *key*'s list from (*date*, *path*) on."""
        query = "SELECT date, path FROM lists WHERE key = ? AND (date, path) >= (?, ?) ORDER BY date, path LIMIT ?"
        return self.db.execute(query, (key, date, path, count)).fetchall()

    def window(self, key: str, date: str, path: str, window: int) -> list[tuple[str, str]]:
        """The candidates of the article (*date*, *path*) in *key*'s list, as `related_articles`
        takes them: the *window* articles from half a window before it (from the list's start,
        when it is nearer; all, when the list is no longer than a window).  KeyError when the
        list lacks the article (a damaged store)."""
        whole = self.whole_if_short(key, window)
        if whole is not None:
            if (date, path) not in whole:
                raise KeyError(f"{path} is not in the list of {key}")
            return whole
        before = self.before(key, date, path, window // 2)
        after = self.after(key, date, path, window - len(before))
        if not after or after[0] != (date, path):
            raise KeyError(f"{path} is not in the list of {key}")
        return before + after


def _touched(changes: Mapping[str, tuple[RelatedRow, RelatedRow]], lists: _Lists, window: int) -> set[str]:
    """The articles whose related articles a change can touch: the changed ones, and of each
    key a changed article has or had, those whose window can hold it or whose window it shifts:
    within half a window of its old and new places in the key's list; from the list's start,
    when it is within a window of it (the articles there share the first window, whose last
    place it shifts); the whole list when it is about a window long (every article's
    candidates).  Places moved by the other changed articles widen each reach."""
    out = set(changes)
    slack = len(changes)
    reach = window // 2 + 2 + slack
    short = window + 1 + slack
    for path, (old, new) in changes.items():
        for key in {*related_keys(old), *related_keys(new)}:
            whole = lists.whole_if_short(key, short)
            if whole is not None:
                out.update(other for _date, other in whole)
                continue
            for date in {old.date, new.date}:
                at = lists.at(key, date, path, short)
                near = (
                    lists.start(key, at + reach)
                    if at <= short
                    else lists.before(key, date, path, reach) + lists.after(key, date, path, reach)
                )
                out.update(other for _date, other in near)
    return out
