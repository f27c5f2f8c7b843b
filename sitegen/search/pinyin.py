"""Pinyin: the readings of words, and the pinyin keys of the index's vocabulary.

A word's reading is pypinyin's toneless ``lazy_pinyin`` of it (ü as v), found one of three ways
that all give what pypinyin gives (tests/test_search.py compares them): from `_plain_readings`
(the characters pypinyin reads one way everywhere: a word of them reads as its characters do),
from `PinyinTable` (pypinyin's dictionaries in SQLite, one file for all sites: `table_path`, so
that a patch need not load pypinyin), else from pypinyin itself, asked piece by piece
(`pypinyin_reading`).  `_Words` is the vocabulary of a whole index or of a patch: how many
documents hold each word, and the entries of the p: and i: keys, the words that read so
(docs/SEARCH.md §3).
"""

from __future__ import annotations

import functools
import heapq
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import read_only, remove_db, replace_db, user_cache_dir
from .state import INITIALS_MAX_CHARS, expand_reading, new_database

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)

PINYIN_WORDS = 3  # words a pinyin key holds (those most documents hold)


def _syllables(word: str, plain: dict[str, str] | None = None, table: PinyinTable | None = None) -> str:
    """Return the syllables of *word* joined by ' ("" when it has no pinyin).

    A word whose every character is in *plain* (`_plain_readings`) reads as its characters do;
    others read from *table* when it has one, where pypinyin, whose dictionaries take
    0.15-0.5 s to load, is not asked.
    """
    if plain and all(c in plain for c in word):
        return "'".join([plain[c] for c in word])  # plain readings are [a-z]+ each
    syl = table.read(word) if table is not None else None
    if syl is None:
        syl = pypinyin_reading(word)
    full = "".join(syl)
    if not (full.isascii() and full.isalpha() and full.islower()):  # [a-z]+, without a regex per word
        return ""
    return "'".join(syl)


def plain_readings(table: PinyinTable | None) -> dict[str, str]:
    """Return `_plain_readings()`: made once in this process, else read from *table*, which
    holds them as the same pypinyin made them (35,000 rows: 0.02 s, against 0.23-0.59 s to make
    them in a new process, such as the one that builds an editor's edit).  What a table gave
    is kept for the process, as `_plain_readings()` is, with the stamp of the pypinyin that
    wrote the table: the preview server's rebuilds ask again and again, and a server that
    outlives an upgrade of pypinyin reads the next table anew."""
    global _PLAIN_FROM_TABLE
    if _plain_readings.cache_info().currsize or table is None or table.db is None:
        return _plain_readings()
    if _PLAIN_FROM_TABLE is None or _PLAIN_FROM_TABLE[0] != table.made_by:
        _PLAIN_FROM_TABLE = (table.made_by, table.plain())
    return _PLAIN_FROM_TABLE[1]


_PLAIN_FROM_TABLE: tuple[str, dict[str, str]] | None = None  # (made_by, readings): read-only


def pypinyin_reading(word: str) -> list[str]:
    """Return pypinyin's toneless reading of *word*, syllable by syllable (ü as v).

    pypinyin cuts a word into the phrases of its dictionary (forward maximum matching) and reads
    each piece on its own, so a word reads as its pieces do: each distinct piece is asked of
    pypinyin once.  Asking it word by word cost 18 s of a 10,000-article build's 37 s search
    stage (417,000 words; the shared realistic corpus); by pieces, 2.7 s, and 1.3 s with the cutting
    done here instead of through pypinyin's generator, with the same readings for every word of
    that corpus (tests/test_search.py checks a sample against lazy_pinyin)."""
    prefixes, phrases = _pypinyin_dictionary()
    syllables: list[str] = []
    i, n = 0, len(word)
    while i < n:  # pypinyin's strict forward maximum matching (pypinyin.seg.mmseg.seg.cut)
        best, size = 0, 1
        while i + size <= n and word[i : i + size] in prefixes:
            if word[i : i + size] in phrases:
                best = size
            size += 1
        if best:
            syllables.extend(_piece_reading(word[i : i + best]))
            i += best
        elif i + size > n:  # the rest is a prefix of phrases but none: read character by character
            for c in word[i:]:
                syllables.extend(_piece_reading(c))
            break
        else:
            syllables.extend(_piece_reading(word[i]))
            i += 1
    return syllables


@functools.lru_cache(maxsize=1)
def _pypinyin_dictionary() -> tuple[set[str], dict]:
    """pypinyin's phrase prefixes and phrases, as its word cutter uses them."""
    from pypinyin.constants import PHRASES_DICT
    from pypinyin.seg import mmseg

    return mmseg.seg._prefix_set._set, PHRASES_DICT


@functools.cache
def _piece_reading(piece: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(s.lower().replace("ü", "v") for s in lazy_pinyin(piece, style=Style.NORMAL))


@functools.lru_cache(maxsize=1)
def _plain_readings() -> dict[str, str]:
    """Return {character: its reading} for the characters pypinyin reads one way, tones aside,
    alone and in every phrase it knows (read-only: kept for the process and the processes it
    forks, 0.23 s a time; the preview server's rebuilds and the tests ask again and again).

    pypinyin reads a word phrase by phrase from its phrase dictionary, and each remaining
    character by its first reading; for these characters every way gives the same syllable,
    so a word made of them reads as its characters do, exactly as pypinyin would read it.
    """
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    plain = _toneless()
    one = {}
    for code, readings in PINYIN_DICT.items():
        syllables = {plain(r) for r in readings.split(",")}
        if len(syllables) == 1:
            one[chr(code)] = syllables.pop()
    for phrase, phrase_readings in PHRASES_DICT.items():
        if len(phrase_readings) != len(phrase):
            for c in phrase:
                one.pop(c, None)
            continue
        for c, options in zip(phrase, phrase_readings):
            if c in one and plain(options[0]) != one[c]:
                del one[c]
    return {c: r for c, r in one.items() if re.fullmatch(r"[a-z]+", r)}


PINYIN_FILE = "pinyin.sqlite"


def table_path(cache_dir: Path) -> Path:
    """Where the pinyin table of the installed pypinyin is kept: in the user's cache folder,
    named for that pypinyin, so that every site reads one table (writing it took 0.31 s of a new
    site's first build of 0.80 s); in the site's *cache_dir* where that folder cannot be written."""
    import hashlib

    shared = user_cache_dir()
    if shared is None:
        return Path(cache_dir) / PINYIN_FILE
    return shared / f"pinyin-{hashlib.sha1(PinyinTable.stamp().encode()).hexdigest()[:16]}.sqlite"


class PinyinTable:
    """pypinyin's phrases and characters with their toneless first readings, in SQLite: a word
    of Han characters reads as ``lazy_pinyin(word, style=Style.NORMAL)`` reads it (ü as v)
    without loading pypinyin, whose dictionaries take 0.15-0.5 s to load.

    That is, the word is cut as pypinyin's strict forward maximum matching cuts it
    (``pypinyin.seg.mmseg.seg``: at each place the longest phrase of its dictionary, else one
    character), and each piece reads as its phrase, else character by character by the first
    reading.  tests/test_search.py compares the two over jieba's dictionary."""

    def __init__(self, path: Path, *, checked: bool = False) -> None:
        """Open the table at *path*, if it is of the installed pypinyin (its stamp) and, when
        *checked*, whole (SQLite's quick_check: 10 ms)."""
        import sqlite3

        self.path = path
        self.db: sqlite3.Connection | None = None
        self.made_by = ""  # the stamp of the pypinyin that wrote the table, once opened
        try:
            if path.is_file():
                db = read_only(path)
                (stamp,) = db.execute("SELECT stamp FROM meta").fetchone()
                if stamp == self.stamp() and (not checked or _whole(db, path)):
                    self.db = db
                    self.made_by = stamp
                else:
                    db.close()
        except (sqlite3.Error, TypeError):
            self.db = None

    def _damaged(self, exc: Exception) -> None:
        """Let go of a table that cannot be read, and delete it: every site of the user reads this
        one file, and the next whole index writes it again (pypinyin answers meanwhile)."""
        log.warning("%s: damaged pinyin table dropped (%s); pypinyin reads the words", self.path, exc)
        self.close()
        try:
            remove_db(self.path)
        except OSError:
            pass

    @staticmethod
    def stamp() -> str:
        from ..stamp import library_stamp

        return repr((2, library_stamp("pypinyin")))  # the installed pypinyin

    @classmethod
    def write(cls, path: Path) -> None:
        """Write the table of the installed pypinyin into *path*, unless it is there."""
        import sqlite3

        there = cls(path, checked=True)
        if there.db is not None:
            there.close()
            return
        from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

        toneless = _toneless()
        aside = path.with_name(path.name + f".{os.getpid()}.new")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            aside.unlink(missing_ok=True)
            db = new_database(
                aside,
                (
                    "CREATE TABLE meta (stamp TEXT)",
                    "CREATE TABLE phrases (phrase TEXT PRIMARY KEY, reading TEXT) WITHOUT ROWID",
                    "CREATE TABLE chars (char TEXT PRIMARY KEY, reading TEXT) WITHOUT ROWID",
                    "CREATE TABLE plain (char TEXT PRIMARY KEY, reading TEXT) WITHOUT ROWID",
                ),
            )
            with db:
                db.execute("INSERT INTO meta VALUES (?)", (cls.stamp(),))
                db.executemany(
                    "INSERT INTO phrases VALUES (?, ?)",
                    sorted(
                        (phrase, " ".join(toneless(options[0]) for options in readings))
                        for phrase, readings in PHRASES_DICT.items()
                    ),
                )
                db.executemany(
                    "INSERT INTO chars VALUES (?, ?)",
                    sorted((chr(code), toneless(readings.split(",")[0])) for code, readings in PINYIN_DICT.items()),
                )
                db.executemany("INSERT INTO plain VALUES (?, ?)", sorted(_plain_readings().items()))
            db.close()
            replace_db(aside, path)
        except (sqlite3.Error, OSError):  # a cache: without it, pypinyin reads the new words
            aside.unlink(missing_ok=True)

    def plain(self) -> dict[str, str]:
        """Return `_plain_readings()` as the table holds it (the same pypinyin's: the stamp)."""
        import sqlite3

        assert self.db is not None
        try:
            return dict(self.db.execute("SELECT char, reading FROM plain"))
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            return _plain_readings()

    def read(self, word: str) -> list[str] | None:
        """Return the syllables of *word*, or None without a table (ask pypinyin)."""
        import sqlite3

        if self.db is None:
            return None
        try:
            return self._read(word)
        except sqlite3.DatabaseError as exc:
            self._damaged(exc)
            return None

    def _read(self, word: str) -> list[str]:
        assert self.db is not None
        out: list[str] = []
        for piece, reading in self._cut(word):
            if reading is not None:
                out += reading.split(" ")
                continue
            for char in piece:
                row = self.db.execute("SELECT reading FROM chars WHERE char = ?", (char,)).fetchone()
                if row is None:
                    out.append(char)  # pypinyin keeps a character it cannot read
                else:
                    out.append(row[0])
        return [syllable for syllable in out if syllable]  # pypinyin drops empty readings

    def _phrase(self, text: str) -> str | None:
        assert self.db is not None  # read() asks only with a table
        row = self.db.execute("SELECT reading FROM phrases WHERE phrase = ?", (text,)).fetchone()
        return row[0] if row else None

    def _starts_phrase(self, text: str) -> bool:
        assert self.db is not None
        return (
            self.db.execute(
                "SELECT 1 FROM phrases WHERE phrase >= ? AND phrase < ? LIMIT 1", (text, text + "\U0010ffff")
            ).fetchone()
            is not None
        )

    def _cut(self, text: str):
        """Cut *text* as pypinyin's strict mmseg does (pypinyin.seg.mmseg.Seg.cut); yield each
        piece with its reading as a phrase, or None for a character that is not one."""
        remain = text
        while remain:
            longest, reading = "", None
            for end in range(1, len(remain) + 1):
                piece = remain[:end]
                if not self._starts_phrase(piece):
                    break
                found = self._phrase(piece)
                if found is not None:
                    longest, reading = piece, found
            else:
                if not longest:
                    yield from ((char, self._phrase(char)) for char in remain)
                    return
            if longest:
                yield longest, reading
                remain = remain[len(longest) :]
            else:
                yield remain[0], None
                remain = remain[1:]

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


# The tables this process found whole, by file identity: a process that builds again and again
# (the preview server, a test session) checks each once, not at every whole index.
_WHOLE: set[tuple[str, int, int, int]] = set()


def _whole(db: sqlite3.Connection, path: Path) -> bool:
    """Whether the table *db* opened at *path* is whole (SQLite's quick_check: 10 ms)."""
    st = path.stat()
    key = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
    if key not in _WHOLE:
        if db.execute("PRAGMA quick_check").fetchone() != ("ok",):
            return False
        _WHOLE.add(key)
    return True


def _toneless():
    """Return pypinyin's toneless form of a syllable, ü as v (cached)."""
    import functools

    from pypinyin import Style
    from pypinyin.style import convert

    @functools.cache
    def toneless(syllable: str) -> str:
        return convert(syllable, Style.NORMAL, True).lower().replace("ü", "v")

    return toneless


def pinyin_keys(word: str, syllables: str) -> list[str]:
    """The pinyin keys of *word*, whose syllables (joined by ') are *syllables*: its reading,
    its initials (short words), and the reading of its first two syllables when it has more
    (`state.reading_prefixes`), so that pinyin typed for the start of a word finds it (wutong:
    梧桐树)."""
    if not syllables:
        return []
    parts = syllables.split("'")
    keys = ["p:" + "".join(parts)]
    if len(word) <= INITIALS_MAX_CHARS:
        keys.append("i:" + "".join(s[0] for s in parts))
    if len(parts) >= 3:
        keys.append("p:" + parts[0] + parts[1])
    return keys


@dataclass
class _Words:
    """Pinyin vocabulary: how many documents hold each word, and each pinyin key's entry: the
    PINYIN_WORDS most frequent of the words that read so (the browser finds them as Han text)."""

    counts: dict[str, int]  # word -> the number of documents that hold it
    readings: dict[str, str]  # word -> its syllables joined by ' ("" when none): see `reading`
    plain: dict[str, str] = field(default_factory=dict)  # see _plain_readings
    table: PinyinTable | None = None

    def syllables(self, word: str) -> str:
        """Return the syllables of *word* joined by ' ("" when it has no pinyin)."""
        got = self.readings.get(word)
        if got is None:
            got = self.readings[word] = _syllables(word, self.plain, self.table)
        return got

    def reading(self, word: str) -> tuple[str, str, str]:
        """Return (full pinyin, initials, syllables) of *word*, all "" when it has none."""
        return expand_reading(self.syllables(word))

    def keys_of(self, word: str) -> list[str]:
        """The pinyin keys of *word* (`pinyin_keys`)."""
        return pinyin_keys(word, self.syllables(word))

    def entry(self, members: Iterable[str]) -> str | None:
        """Return the index entry of a pinyin key over the words that read so (*members*)."""
        return pinyin_entry(members, self.counts)


def pinyin_entry(members: Iterable[str], counts: dict[str, int]) -> str | None:
    """The index entry of a pinyin key over the words that read so (*members*): the
    PINYIN_WORDS of them that most documents hold (*counts*), most first, or None when none of
    them is counted."""
    top = heapq.nsmallest(PINYIN_WORDS, (w for w in members if w in counts), key=lambda w: (-counts[w], w))
    return " ".join(top) if top else None
