"""The search index's saved state, in SQLite: one row per pinyin word, document and file.

A patch for a few changed documents reads the rows of the words and keys those documents touch
and writes back only those: its cost follows the change, not the archive.  (Kept as one pickle
before, the state of a 10,000-article index was 45 MB: 2.3 s to load and 1.8 s to dump on every
edit, on the shared realistic corpus.)

The state changes only once public/ holds the index it describes (`StateChange.apply`, called by
`SearchIndex.save`): a whole new state is written beside the old one and renamed over it; a
patch's rows are written in one transaction.  Any damage reads as "no state": the index is then
built whole.

Beside it, `InputStore` (search-inputs.sqlite) keeps the input of every document indexed, by
digest: a patch tokenizes a changed document's old input again to know which keys it leaves.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import pickle
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import read_only, select_in

if TYPE_CHECKING:
    from .tokens import DocInput

log = logging.getLogger(__name__)

SEARCH_STATE_FILE = "search-state.sqlite"
# The prefix of the temporary folder of a whole index's word tasks, beside the state.
WORDS_FOLDER = "sitegen-words-"
# A pinyin key's words are the words that read so: found by the reading's index, not kept.
_WORDS = (
    "CREATE TABLE words (word TEXT PRIMARY KEY, count INTEGER, reading TEXT, initials TEXT, syllables TEXT)"
    " WITHOUT ROWID"
)
# A word of three or more syllables under the reading of its first two (a key p:wutong holds
# 梧桐树 as well as the words that read wutong).
_PREFIXES = "CREATE TABLE prefixes (key TEXT, word TEXT, PRIMARY KEY (key, word)) WITHOUT ROWID"
_SCHEMA = (
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
    _WORDS,
    _PREFIXES,
    "CREATE TABLE docs (n INTEGER PRIMARY KEY, id TEXT, digest BLOB, date TEXT)",
    "CREATE TABLE files (path TEXT PRIMARY KEY, digest TEXT) WITHOUT ROWID",
)
# Made once the rows are in: building an index over sorted values beats keeping it while inserting.
_INDEXES = (
    "CREATE INDEX by_reading ON words (reading)",
    "CREATE INDEX by_initials ON words (initials)",
    "CREATE INDEX prefixes_by_word ON prefixes (word)",
    "CREATE INDEX docs_by_id ON docs (id)",  # a body edit's patch finds its documents by id
)
# Words of up to this many characters also get an initials key (pinyin.py's _Words.keys_of).
INITIALS_MAX_CHARS = 4
_BATCH = 900  # parameters per IN (…) query, under SQLite's default limit

Reading = tuple[str, str, str]  # (full pinyin, initials, syllables joined by '); all "" when none


def expand_reading(syllables: str) -> Reading:
    """Return the Reading of a word whose syllables (joined by ') are *syllables*: a whole
    index keeps those alone for each of its million words (the three strings and their tuple
    held 244 MiB more at 30,000 articles)."""
    if not syllables:
        return "", "", ""
    return syllables.replace("'", ""), "".join(s[0] for s in syllables.split("'")), syllables


SavedWord = tuple[int, str, str, str]  # the documents that hold the word, and its Reading


@dataclass
class StateChange:
    """What to write into the saved state once public/ holds the index: a whole new state
    (a database file already written beside the state) or a patch's rows (None deletes)."""

    whole: Path | None = None
    words: dict[str, SavedWord | None] = field(default_factory=dict)
    docs: dict[int, tuple[str, bytes, str] | None] = field(
        default_factory=dict
    )  # (id, digest, date); None: a number gone
    files: dict[str, str | None] = field(default_factory=dict)
    version: str | None = None  # the index version, kept for a body edit's patch
    moved: list[list[int]] | None = None  # meta.js's moved documents, [[number, rank], ...]: None keeps them

    def apply(self, path: Path) -> None:
        """Write the change into the state at *path*; on failure, drop the state (the next
        build indexes everything again) rather than leave one that disagrees with public/."""
        try:
            if self.whole is not None:
                os.replace(self.whole, path)
                return
            db = sqlite3.connect(str(path))
            try:
                with db:
                    _upsert(db, "words", self.words, lambda w, row: (w, *row))
                    db.executemany("DELETE FROM prefixes WHERE word = ?", [(w,) for w in sorted(self.words)])
                    db.executemany(
                        "INSERT INTO prefixes VALUES (?, ?)",
                        [
                            (k, w)
                            for w, row in sorted(self.words.items())
                            if row is not None
                            for k in reading_prefixes(row[3])
                        ],
                    )
                    db.executemany(
                        "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?)",
                        [(n, *doc) for n, doc in sorted(self.docs.items()) if doc is not None],
                    )
                    db.executemany(
                        "DELETE FROM docs WHERE n = ?", [(n,) for n, doc in self.docs.items() if doc is None]
                    )
                    _upsert(db, "files", self.files, lambda p, d: (p, d))
                    if self.version is not None:
                        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (json.dumps(self.version),))
                    if self.moved is not None:
                        db.execute("INSERT OR REPLACE INTO meta VALUES ('moved', ?)", (json.dumps(self.moved),))
            finally:
                db.close()
        except (sqlite3.Error, OSError) as exc:
            log.warning("%s: could not save the search state (%s); the next build indexes everything", path, exc)
            Path(path).unlink(missing_ok=True)


def _upsert(db: sqlite3.Connection, table: str, rows: dict, row_of) -> None:
    column = {"words": "word", "files": "path"}[table]
    gone = [(k,) for k, v in rows.items() if v is None]
    kept = [row_of(k, v) for k, v in sorted(rows.items()) if v is not None]
    db.executemany(f"DELETE FROM {table} WHERE {column} = ?", gone)
    if kept:
        marks = ",".join("?" * len(kept[0]))
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", kept)


def new_database(path: Path, schema: Iterable[str], *, autocommit: bool = False) -> sqlite3.Connection:
    """A new SQLite database at *path* with the tables of *schema*, written once and renamed
    or copied when whole: without a journal, never synced (a crash leaves a file nobody reads).
    With *autocommit*, the caller begins and commits its transactions itself."""
    db = sqlite3.connect(str(path), isolation_level=None) if autocommit else sqlite3.connect(str(path))
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    for statement in schema:
        db.execute(statement)
    return db


class WholeState:
    """A whole new state, written into a file beside *path* as the index is made: the words
    from the parts the workers wrote (`WordsPart`, `words_from`), the documents, then
    the settings and the index's files (`finish`, once they are known).  It is renamed into
    place by `StateChange.apply` once public/ holds the index; `discard` removes it if the
    build goes no further."""

    def __init__(self, path: Path) -> None:
        self.aside = path.with_name(f"{path.name}.{os.getpid()}.new")
        self.aside.parent.mkdir(parents=True, exist_ok=True)
        for stale in [*path.parent.glob(f"{path.name}.*.new"), path.with_name("search-state.pickle")]:
            stale.unlink(missing_ok=True)  # left by a failed build, or the state's format before 0.3
        for folder in path.parent.glob(f"{WORDS_FOLDER}*"):  # a killed build's word tasks' files
            shutil.rmtree(folder, ignore_errors=True)
        # Transactions by hand: a part is attached between them (`words_from`).
        self.db: sqlite3.Connection | None = new_database(self.aside, _SCHEMA, autocommit=True)

    def words_from(self, parts: list[Path]) -> None:
        """Copy in the words and prefixes of *parts*, in order (SQLite copies the rows)."""
        assert self.db is not None
        for part in parts:
            self.db.execute("ATTACH DATABASE ? AS part", (str(part),))
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO words SELECT * FROM part.words")
            self.db.execute("INSERT INTO prefixes SELECT * FROM part.prefixes")
            self.db.execute("COMMIT")
            self.db.execute("DETACH DATABASE part")

    def documents(self, ids: list[str], digests: list[bytes], dates: list[str]) -> None:
        assert self.db is not None
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", list(zip(range(len(ids)), ids, digests, dates)))
        self.db.execute("COMMIT")

    def finish(self, meta: dict[str, object], files: dict[str, str]) -> Path:
        """Write the settings and the index's files, index the tables; return the new file."""
        assert self.db is not None
        try:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in sorted(meta.items())])
            self.db.executemany("INSERT INTO files VALUES (?, ?)", sorted(files.items()))
            for statement in _INDEXES:
                self.db.execute(statement)
            self.db.execute("COMMIT")
        finally:
            self.close()
        return self.aside

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def discard(self) -> None:
        self.close()
        self.aside.unlink(missing_ok=True)


class WordsPart:
    """A part of a whole state (`WholeState.words_from`), written by the worker that read its
    words: their rows, block by block as they are read (`add`), and the prefixes of their
    readings (`close`), in a new database at *path*."""

    def __init__(self, path: Path, words: dict[str, int]) -> None:
        self.words = words
        self.prefixes: list[tuple[str, str]] = []
        self.db = new_database(path, (_WORDS, _PREFIXES))

    def add(self, readings: Iterable[tuple[str, str]]) -> None:
        """Write the rows of words, each with its syllables (*readings*: (word, syllables
        joined by '), in order)."""

        def rows() -> Iterator[tuple]:
            for word, syllables in readings:
                self.prefixes.extend((key, word) for key in reading_prefixes(syllables))
                yield (word, self.words[word], *expand_reading(syllables))

        self.db.executemany("INSERT INTO words VALUES (?, ?, ?, ?, ?)", rows())

    def close(self) -> None:
        try:
            self.db.executemany("INSERT INTO prefixes VALUES (?, ?)", sorted(self.prefixes))
            self.db.commit()
        finally:
            self.db.close()


def reading_prefixes(syllables: str) -> list[str]:
    """The reading of the first two syllables of a word of three or more (wu'tong'shu: wutong).

    Two syllables only: on the shared 10,000-article corpus they add 0.8 MB to 45.3 MB of shards
    (most are another word's reading already); every longer prefix as well would add 16 MB."""
    parts = syllables.split("'")
    return ["".join(parts[:2])] if len(parts) >= 3 else []


class SavedState:
    """The state the last build saved, read as a patch needs it: the small tables whole
    (documents, files, settings), the large ones (words, readings, keys) row by row."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = read_only(path)
        meta = {name: json.loads(value) for name, value in self.db.execute("SELECT name, value FROM meta")}
        self.meta: dict[str, object] = meta
        self.code = str(meta["code"])
        self.shards = int(meta["shards"])
        # The span of a part (index.part_span); states saved before it could grow (99e4a3b) used
        # 8,192 (read by scripts/bench_patch.py --any-code, which compares code versions).
        self.part = int(meta.get("part", 8192))
        self.blocks: list[str] = list(meta["blocks"])
        self.version = str(meta["version"]) if "version" in meta else None
        # The documents kept at their numbers out of date order (index.py, `_meta`): a whole
        # index has none.
        self.moved: list[list[int]] = list(meta.get("moved", []))

    # The documents and files, read whole on first use: a body edit's patch reads only the
    # rows it touches (`numbers`, `file_digests`).
    @functools.cached_property
    def _docs(self) -> tuple[list[str], list[bytes], list[str]]:
        """Every document's id, head digest and date, by number: read in one query."""
        rows = self.db.execute("SELECT id, digest, date FROM docs ORDER BY n").fetchall()
        return [r[0] for r in rows], [bytes(r[1]) for r in rows], [r[2] for r in rows]

    @property
    def ids(self) -> list[str]:
        return self._docs[0]

    @property
    def digests(self) -> list[bytes]:
        return self._docs[1]

    @property
    def dates(self) -> list[str]:
        return self._docs[2]

    @functools.cached_property
    def files(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, digest FROM files"))

    def numbers(self, ids: Iterable[str]) -> dict[str, tuple[int, bytes, str]] | None:
        """Return id -> (number, head digest, date) of those of *ids* the index holds; None when
        one of them names two documents (two articles may share an id: only a whole index, which
        numbers documents by position, tells them apart)."""
        rows = self._many("SELECT id, n, digest, date FROM docs WHERE id IN ({})", ids)
        found = {i: (n, bytes(d), date) for i, n, d, date in rows}
        return found if len(found) == len(rows) else None

    def file_digests(self, paths: Iterable[str]) -> dict[str, str]:
        """Return path -> digest of those of *paths* the index holds."""
        return dict(self._many("SELECT path, digest FROM files WHERE path IN ({})", paths))

    @classmethod
    def open(cls, path: Path) -> SavedState | None:
        """The saved state at *path*, or None when there is none or it is damaged."""
        if not path.is_file():
            return None
        try:
            return cls(path)
        except (sqlite3.Error, KeyError, ValueError, TypeError) as exc:
            log.info("%s: the search state is unreadable (%s): indexing everything", path, exc)
            return None

    def _many(self, sql: str, names: Iterable[str]) -> list[tuple]:
        return select_in(self.db, sql, names, _BATCH)

    def words(self, words: Iterable[str]) -> dict[str, SavedWord]:
        """The saved rows of those *words* the index holds: (documents, reading, initials,
        syllables)."""
        rows = self._many("SELECT word, count, reading, initials, syllables FROM words WHERE word IN ({})", words)
        return {w: (c, r, i, y) for w, c, r, i, y in rows}

    def counts(self, words: Iterable[str]) -> dict[str, int]:
        """The number of documents that hold each of those *words* the index holds."""
        return dict(self._many("SELECT word, count FROM words WHERE word IN ({})", words))

    def readings(self) -> dict[str, str]:
        """The syllables of every word the index holds (a whole index reuses them)."""
        return dict(self.db.execute("SELECT word, syllables FROM words"))

    def members(self, keys: Iterable[str]) -> dict[str, list[str]]:
        """The words of each pinyin key (p:reading, i:initials), as the saved index has them."""
        out: dict[str, list[str]] = {}
        for key in sorted(set(keys)):
            kind, _, value = key.partition(":")
            if kind == "p":
                rows = self.db.execute(
                    "SELECT word FROM words WHERE reading = ? UNION SELECT word FROM prefixes WHERE key = ? ORDER BY 1",
                    (value, value),
                )
            else:
                rows = self.db.execute(
                    "SELECT word FROM words WHERE initials = ? AND length(word) <= ? ORDER BY word",
                    (value, INITIALS_MAX_CHARS),
                )
            out[key] = [w for (w,) in rows]
        return out

    def close(self) -> None:
        self.db.close()


INPUTS_FILE = "search-inputs.sqlite"


class InputStore:
    """The input of every document indexed, keyed by its digest, in SQLite: an incremental
    build re-tokenizes a changed document's old input to know which keys it leaves.

    A cache: not synced to disk, and any damage reads as "not stored" (a whole index then)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.db = self._open(path) if path is not None else None

    @staticmethod
    def _open(path: Path, new: bool = False):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(path))
            db.execute("PRAGMA synchronous=OFF")
            if new:
                db.execute("PRAGMA journal_mode=OFF")
            # rows in the order they come, found by the digest's index: a whole index appends
            # 30,000 inputs in 0.4 s, where a table ordered by digest took 2.7 s unsorted
            db.execute("CREATE TABLE IF NOT EXISTS docs (digest BLOB NOT NULL UNIQUE, data BLOB)")
            return db
        except (sqlite3.Error, OSError):  # a cache is disposable: work without it
            return None

    def get_many(self, digests: list[bytes]) -> dict[bytes, DocInput]:
        """Return the stored inputs of those *digests* that are in the store."""
        if self.db is None or not digests:
            return {}
        wanted = sorted(set(digests))
        marks = ",".join("?" * len(wanted))
        try:
            rows = self.db.execute(f"SELECT digest, data FROM docs WHERE digest IN ({marks})", wanted).fetchall()
            return {d: pickle.loads(data) for d, data in rows}
        except (sqlite3.Error, pickle.UnpicklingError, EOFError):
            return {}

    @contextlib.contextmanager
    def replacing(self) -> Iterator[_NewInputs]:
        """Make the store hold exactly what is put into it inside the block (`_NewInputs.put`,
        or `take` of a file that `part` wrote): a new file, written aside as the inputs come
        (none is kept) and swapped in at the end (twice as fast as deleting every row and
        inserting again).  Where the new file can't be written, or the block fails, the store
        keeps what it held: each input is filed under its own digest, so an old entry is never a
        wrong one, and a missing one means a whole index."""
        if self.path is None:
            yield _NewInputs(None)
            return
        self.close()
        aside = self.path.with_name(self.path.name + f".{os.getpid()}.new")
        try:
            # this one's, or one a killed build left (a build holds the cache folder's lock)
            for left in self.path.parent.glob(self.path.name + ".*.new"):
                with contextlib.suppress(OSError):
                    left.unlink()
            with self.part(aside) as new:
                yield new
            if new.written:
                with contextlib.suppress(OSError):
                    os.replace(aside, self.path)
        finally:  # after the swap, after a failed write, or when the block failed
            aside.unlink(missing_ok=True)
            self.db = self._open(self.path)

    @classmethod
    @contextlib.contextmanager
    def part(cls, path: Path | None) -> Iterator[_NewInputs]:
        """Write the inputs put in the block into a new file *path* (None: nowhere): the share
        of one tokenizer worker of a whole index, which `replacing`'s `take` files.  The
        worker that makes an input stores it, so the search process never makes it twice."""
        new = _NewInputs(cls._open(path, new=True) if path is not None else None)
        try:
            if new.db is not None:
                new.db.execute("BEGIN")
            yield new
            if new.db is not None:
                try:
                    new.db.commit()
                    new.written = True
                except sqlite3.Error:
                    pass  # the store lacks them: a whole index next
        finally:
            if new.db is not None:
                new.db.close()

    def put_many(self, items: dict[bytes, DocInput]) -> None:
        """Add *items*."""
        if self.db is None:
            return
        try:
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO docs VALUES (?, ?)",
                    [(d, pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)) for d, doc in items.items()],
                )
        except sqlite3.Error:
            self.db = None

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


class _NewInputs:
    """A new input store being written (`InputStore.replacing`, `InputStore.part`); on a
    write error it stops storing, and the store then lacks those inputs (a whole index next)."""

    def __init__(self, db: sqlite3.Connection | None) -> None:
        self.db = db
        self.written = False  # every input put is in the file, committed

    def put(self, digest: bytes, doc: DocInput) -> None:
        if self.db is None:
            return
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO docs VALUES (?, ?)", (digest, pickle.dumps(doc, pickle.HIGHEST_PROTOCOL))
            )
        except sqlite3.Error:
            self.drop()

    def take(self, path: Path) -> None:
        """Add every input of the store file *path* (`InputStore.part`'s)."""
        if self.db is None:
            return
        try:
            if self.db.in_transaction:  # SQLite attaches a file only between transactions
                self.db.commit()
            self.db.execute("ATTACH DATABASE ? AS part", (str(path),))
            try:
                self.db.execute("INSERT OR REPLACE INTO docs SELECT digest, data FROM part.docs")
                self.db.commit()
            finally:
                self.db.execute("DETACH DATABASE part")
        except sqlite3.Error:
            self.drop()

    def drop(self) -> None:
        """Stop storing: the new store is not swapped in (`InputStore.replacing`)."""
        if self.db is not None:
            self.db.close()
            self.db = None
