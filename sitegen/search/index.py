"""The static search index: bigram/word/pinyin postings split into small JS shards.

The browser (static/search.js) loads only the shards a query needs, as
``<script>`` files that call ``window.__sitegenSearch.load(name, data)`` — this
works over http and from ``file://`` alike.  The rules are in docs/SEARCH.md.

Files written (paths relative to public/):

- ``search/meta.js``          shard count, filter values, district aliases, fold blocks
- ``search/f/<block>.js``     the fold table for one 256-code-point block
- ``search/s/<shard>.js``     postings for the keys that hash to this shard
- ``search/d/<n>.js``         one document: title, date, district, url, plain text

Documents are numbered oldest first, so "newer above older" is "larger number first", and
articles imported from the latest dumps take new numbers at the end: adding them patches the
index instead of renumbering it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from ..config import Config
from ..model import Article
from ..text import (
    SEARCH_HAN_RUN,
    add_words,
    fold,
    fold_table,
    is_search_cjk,
    search_runs,
    search_token_set,
    search_tokens,
    segmenter,
    words,
)
from .postings import decode_postings, encode_postings, join_runs, shorter
from .state import (
    INITIALS_MAX_CHARS,
    SEARCH_STATE_FILE,
    SavedState,
    StateChange,
    reading_prefixes,
    write_whole_state,
)

_T = TypeVar("_T")

FORMAT_VERSION = 1
# Aim for shards of about this many bytes before gzip (≈ 5–8 KB gzipped).
SHARD_TARGET = 4_000
# Postings bytes a document adds to the index, on the realistic benchmark corpus (4.5 KB at
# 10,000 articles): with SHARD_TARGET, how many shards an index of N documents gets.
BYTES_PER_DOCUMENT = 4_000
MAX_SHARDS = 8192
# Characters of body text kept per document for snippets ("z": 1 marks a cut text): ten result
# documents must fit the 30 KB budget of a later query together with its shards.
DOC_TEXT_LIMIT = 800
PINYIN_WORDS = 3  # words kept per initials key (most frequent first)
PINYIN_MAX_CHARS = 6


def key_hash(key: str) -> int:
    """FNV-1a over the key's code points (the same in search.js)."""
    h = 0x811C9DC5
    for ch in key:
        h ^= ord(ch)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def shard_name(key: str, shards: int) -> str:
    """Name of the shard that holds *key*."""
    return format(key_hash(key) % shards, "x")


# Markup of one line; applied to a whole text at once, so no pattern crosses a line break.
_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")
_MD_LEAD = re.compile(r"^[^\S\n]{0,3}(?:#{1,6}[^\S\n]+|>[^\S\n]?|[-*+][^\S\n]+|\d+\.[^\S\n]+)", re.M)
_MD_EMPH = re.compile(r"(\*\*|__|\*|`)")


def plain_text(markdown: str) -> str:
    """Strip Markdown markup, keeping one paragraph per line."""
    text = "\n".join(markdown.splitlines())  # any line break becomes \n
    text = _MD_EMPH.sub("", _MD_LEAD.sub("", _MD_LINK.sub(r"\1", _MD_IMAGE.sub(r"\1", text))))
    return "\n".join(line for line in map(str.strip, text.split("\n")) if line)


def _pinyin(word: str, plain: dict[str, str] | None = None, table: PinyinTable | None = None) -> tuple[str, str, str]:
    """Return the full pinyin, the initials and the syllables (joined by ') of *word* ("" when it
    has no pinyin).

    A word whose every character is in *plain* (`_plain_readings`) reads as its characters do;
    others read from *table* when it has one, where pypinyin, whose dictionaries take
    0.15-0.5 s to load, is not asked.
    """
    syl: list[str] | None
    if plain and all(c in plain for c in word):
        syl = [plain[c] for c in word]
    else:
        syl = table.read(word) if table is not None else None
        if syl is None:
            syl = pypinyin_reading(word)
    full = "".join(syl)
    if not (full.isascii() and full.isalpha() and full.islower()):  # [a-z]+, without a regex per word
        return "", "", ""
    return full, "".join(s[0] for s in syl), "'".join(syl)


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


def _plain_readings() -> dict[str, str]:
    """Return {character: its reading} for the characters pypinyin reads one way, tones aside,
    alone and in every phrase it knows.

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


class PinyinTable:
    """pypinyin's phrases and characters with their toneless first readings, in SQLite: a word
    of Han characters reads as ``lazy_pinyin(word, style=Style.NORMAL)`` reads it (ü as v)
    without loading pypinyin, whose dictionaries take 0.15-0.5 s to load.

    That is, the word is cut as pypinyin's strict forward maximum matching cuts it
    (``pypinyin.seg.mmseg.seg``: at each place the longest phrase of its dictionary, else one
    character), and each piece reads as its phrase, else character by character by the first
    reading.  tests/test_search.py compares the two over jieba's dictionary."""

    def __init__(self, path: Path) -> None:
        import sqlite3

        self.db: sqlite3.Connection | None = None
        try:
            if path.is_file():
                db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                (stamp,) = db.execute("SELECT stamp FROM meta").fetchone()
                if stamp == self.stamp():
                    self.db = db
                else:
                    db.close()
        except (sqlite3.Error, TypeError):
            self.db = None

    @staticmethod
    def stamp() -> str:
        from ..stamp import library_stamp

        return repr((1, library_stamp("pypinyin")))  # the installed pypinyin

    @classmethod
    def write(cls, path: Path) -> None:
        """Write the table of the installed pypinyin into *path*, unless it is there."""
        import sqlite3

        there = cls(path)
        if there.db is not None:
            there.close()
            return
        from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

        toneless = _toneless()
        aside = path.with_name(path.name + f".{os.getpid()}.new")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            aside.unlink(missing_ok=True)
            db = sqlite3.connect(str(aside))
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            with db:
                db.execute("CREATE TABLE meta (stamp TEXT)")
                db.execute("INSERT INTO meta VALUES (?)", (cls.stamp(),))
                db.execute("CREATE TABLE phrases (phrase TEXT PRIMARY KEY, reading TEXT) WITHOUT ROWID")
                db.execute("CREATE TABLE chars (char TEXT PRIMARY KEY, reading TEXT) WITHOUT ROWID")
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
            db.close()
            os.replace(aside, path)
        except (sqlite3.Error, OSError):  # a cache: without it, pypinyin reads the new words
            aside.unlink(missing_ok=True)

    def read(self, word: str) -> list[str] | None:
        """Return the syllables of *word*, or None without a table (ask pypinyin)."""
        if self.db is None:
            return None
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


def _toneless():
    """Return pypinyin's toneless form of a syllable, ü as v (cached)."""
    import functools

    from pypinyin import Style
    from pypinyin.style import convert

    @functools.cache
    def toneless(syllable: str) -> str:
        return convert(syllable, Style.NORMAL, True).lower().replace("ü", "v")

    return toneless


def _load_districts() -> dict[str, str]:
    """Return {folded name or alias: canonical district} from the gazetteer."""
    from ..gazetteer import load_gazetteer

    out: dict[str, str] = {}
    for d in load_gazetteer().districts:
        out[fold(d.name)] = d.name
        for alias in d.aliases:
            out[fold(alias)] = d.name
    return out


def _teach_place_names() -> tuple[str, ...]:
    """Give jieba the gazetteer's names, as the importer does, so the index never
    depends on whether an import ran in the same process; return the names."""
    from ..gazetteer import load_gazetteer

    names = load_gazetteer().all_names()
    add_words(names)
    return names


def _headline(article: Article) -> str:
    return " ".join(p for p in (article.kicker, article.title, article.subtitle) if p)


@dataclass(frozen=True)
class DocTokens:
    """What one document puts into the index."""

    title_keys: frozenset[str]  # keys of the headline (they are body keys too)
    body_keys: frozenset[str]  # keys of headline, body, tags and places, and d:/t: filter keys
    title_words: frozenset[str]  # words of the headline that get pinyin keys
    body_words: frozenset[str]  # words of the headline, body, tags and places that get pinyin keys


def _index_words(text: str) -> tuple[set[str], set[str]]:
    """Return (single Han characters that jieba keeps as words, words that get pinyin keys).

    The pinyin words are jieba's words of 2–6 Han characters, plus adjacent pairs of Han
    words of 2–3 characters (4–5 in all), so that pinyin typed for a compound jieba
    splits (机关|干部 → jiguanganbu) still matches."""
    ws = words(text)
    han = {w for w in set(ws) if SEARCH_HAN_RUN.fullmatch(w)}
    short = {w for w in han if 2 <= len(w) <= 3}
    pinyin = {w for w in han if 2 <= len(w) <= PINYIN_MAX_CHARS}
    pinyin.update(a + b for a, b in zip(ws, ws[1:]) if a in short and b in short and len(a) + len(b) <= 5)
    return {w for w in han if len(w) == 1}, pinyin


def doc_tokens(doc: DocInput) -> DocTokens:
    """Return the index tokens of one document input (see :func:`_doc_input`)."""
    fhead, fbody, fextra = fold(doc.headline), fold(doc.body), fold(doc.extra)
    title_keys = search_token_set(fhead, folded=True)
    title_keys.update(c for c in fhead if is_search_cjk(c))
    _, title_words = _index_words(fhead)
    singles, body_words = _index_words(fbody + "\n" + fextra)
    body_keys = search_token_set(fbody, folded=True) | search_token_set(fextra, folded=True) | singles | title_keys
    if doc.district:
        body_keys.add("d:" + fold(doc.district))
    body_keys.update("t:" + fold(t) for t in doc.topics)
    return DocTokens(
        frozenset(title_keys), frozenset(body_keys), frozenset(title_words), frozenset(body_words | title_words)
    )


def _postings_of(bounds: tuple[int, int]) -> tuple[dict, ...]:
    from ..parallel import shared
    from .postings import bulk_runs

    docs = shared()
    inputs = [docs[n] for n in range(*bounds)]
    return bulk_runs(inputs, bounds[0], PINYIN_MAX_CHARS, segmenter())


def _postings_all(docs: Documents, meanwhile: Callable[[], _T], workers: int) -> tuple[tuple[dict, ...], _T]:
    """Tokenize every document into postings: in *workers* forked processes on big corpora
    (jieba is the slow part), each over one run of documents.  Return them and the value of
    *meanwhile*, which runs here while the workers tokenize."""
    from ..parallel import chunks, fan_out

    extra: list[_T] = []
    step = math.ceil(len(docs) / workers) if workers > 1 else max(1, len(docs))
    parts = fan_out(
        _postings_of,
        chunks(len(docs), step),
        name="search tokens",
        workers=workers,
        shared=docs,
        meanwhile=lambda: extra.append(meanwhile()),
    )
    return tuple(join_runs([tables[i] for tables in parts]) for i in range(4)), extra[0]


class InputStore:
    """The input of every document indexed, keyed by its digest, in SQLite: an incremental
    build re-tokenizes a changed document's old input to know which keys it leaves.

    A cache: not synced to disk, and any damage reads as "not stored" (a whole index then)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.db = self._open(path) if path is not None else None

    @staticmethod
    def _open(path: Path, new: bool = False):
        import sqlite3

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(path))
            db.execute("PRAGMA synchronous=OFF")
            if new:
                db.execute("PRAGMA journal_mode=OFF")
            db.execute("CREATE TABLE IF NOT EXISTS docs (digest BLOB PRIMARY KEY, data BLOB) WITHOUT ROWID")
            return db
        except (sqlite3.Error, OSError):  # a cache is disposable: work without it
            return None

    def get_many(self, digests: list[bytes]) -> dict[bytes, DocInput]:
        """Return the stored inputs of those *digests* that are in the store."""
        import pickle
        import sqlite3

        if self.db is None or not digests:
            return {}
        wanted = sorted(set(digests))
        marks = ",".join("?" * len(wanted))
        try:
            rows = self.db.execute(f"SELECT digest, data FROM docs WHERE digest IN ({marks})", wanted).fetchall()
            return {d: pickle.loads(data) for d, data in rows}
        except (sqlite3.Error, pickle.UnpicklingError, EOFError):
            return {}

    def replace_all(self, items: dict[bytes, DocInput]) -> None:
        """Make the store hold exactly *items*: a new file, written aside and swapped in (twice
        as fast as deleting every row and inserting again)."""
        import pickle
        import sqlite3

        if self.path is None:
            return
        self.close()
        aside = self.path.with_name(self.path.name + f".{os.getpid()}.new")
        try:
            aside.unlink(missing_ok=True)
            db = self._open(aside, new=True)
            if db is None:
                return
            with db:
                db.executemany(
                    "INSERT INTO docs VALUES (?, ?)",
                    sorted((d, pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)) for d, doc in items.items()),
                )
            db.close()
            os.replace(aside, self.path)
        except (sqlite3.Error, OSError):
            aside.unlink(missing_ok=True)
        self.db = self._open(self.path)

    def put_many(self, items: dict[bytes, DocInput]) -> None:
        """Add *items*."""
        import pickle
        import sqlite3

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


def _js(name: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"window.__sitegenSearch.load({json.dumps(name)},{payload});\n".encode()


_JS_LOAD = re.compile(r'window\.__sitegenSearch\.load\("[^"]*",(.*)\);\n', re.S)


def _unjs(data: bytes) -> Any:
    """Return the data of a file that :func:`_js` wrote."""
    match = _JS_LOAD.fullmatch(data.decode("utf-8"))
    if match is None:
        raise ValueError("not a search data file")
    return json.loads(match.group(1))


def fold_blocks() -> dict[str, str]:
    """Split the non-ASCII part of the fold table into 256-code-point blocks of pairs."""
    blocks: dict[str, list[str]] = defaultdict(list)
    for code, dst in sorted(fold_table().items()):
        if code < 0x80:
            continue
        blocks[format(code >> 8, "x")].append(chr(code) + dst)
    return {k: "".join(v) for k, v in blocks.items()}


def default_url_of(articles: Sequence[Article]) -> Callable[[Article], str]:
    """Article URLs as sitegen.site lays them out (district folder / slug /)."""
    from ..site import article_urls, district_slug, district_slug_map

    urls = article_urls(articles, district_slug_map(articles, district_slug))
    return lambda a: urls[a.path]


class DocInput(NamedTuple):
    """Everything of one article that the index depends on (a tuple: it is pickled and digested)."""

    id: str
    date: str
    headline: str  # kicker, title and subtitle (see `_headline`)
    body: str  # plain text, one paragraph per line
    extra: str  # tags and places, space-separated
    district: str
    topics: tuple[str, ...]
    url: str
    title: str
    kicker: str
    subtitle: str


class DocHead(NamedTuple):
    """What the index needs of every document besides its input."""

    id: str
    year: str
    district: str
    topics: tuple[str, ...]
    source: str  # the text its digest is taken of (see `_head_digest`)


def _doc_input(art: Article, url: str) -> DocInput:
    """Return everything of *art* that the index depends on."""
    return DocInput(
        art.id,
        art.date,
        _headline(art),
        plain_text(art.body),
        " ".join((*art.tags, *art.places)),
        art.district or "",
        art.topics,
        url,
        art.title,
        art.kicker or "",
        art.subtitle or "",
    )


class Documents:
    """The documents, oldest first; each one's index input is made on first use
    (an incremental build needs only the changed ones)."""

    def __init__(
        self,
        articles: Sequence[Article],
        url_of: Callable[[Article], str],
        digest_of: Callable[[Article], str] | None = None,
    ) -> None:
        self.articles = sorted((a for a in articles if not a.draft), key=lambda a: (a.date, a.id))
        self.urls = [url_of(a) for a in self.articles]
        self.digest_of = digest_of
        self._inputs: dict[int, DocInput] = {}

    def __len__(self) -> int:
        return len(self.articles)

    def __getitem__(self, n: int) -> DocInput:
        got = self._inputs.get(n)
        if got is None:
            got = self._inputs[n] = _doc_input(self.articles[n], self.urls[n])
        return got

    def __iter__(self):
        return (self[n] for n in range(len(self)))

    def heads(self) -> list[DocHead]:
        """Return what the index needs of every document besides its input."""
        out = []
        for a, url in zip(self.articles, self.urls):
            if self.digest_of is not None:  # the caller's digest of the whole article is enough
                source = f"{self.digest_of(a)}\0{url}"
            else:
                source = repr(
                    (a.id, a.date, a.kicker, a.title, a.subtitle, a.body, a.tags, a.places, a.district, a.topics, url)
                )
            out.append(DocHead(a.id, a.year, a.district or "", a.topics, source))
        return out


def _head_digest(head: DocHead) -> bytes:
    """Digest the fields of a document that its input is made from."""
    return hashlib.blake2b(head.source.encode("utf-8"), digest_size=16).digest()


def _doc_file(doc: DocInput) -> dict:
    return {
        "t": doc.title,
        "k": doc.kicker,
        "s": doc.subtitle,
        "u": doc.url,
        "d": doc.date,
        "r": doc.district,
        "x": doc.body[:DOC_TEXT_LIMIT],
        **({"z": 1} if len(doc.body) > DOC_TEXT_LIMIT else {}),
    }


def _code_digest(districts: dict[str, str], place_names: tuple[str, ...]) -> bytes:
    """Digest the installed package (code, data, version), district aliases and jieba's place
    names: a change in any of them means "index everything again"."""
    from ..stamp import package_stamp

    h = hashlib.blake2b(digest_size=16)
    h.update(package_stamp().encode())
    h.update(repr((FORMAT_VERSION, sorted(districts.items()), place_names)).encode("utf-8"))
    return h.digest()


def _meta(heads: list[DocHead], shards: int, blocks: list[str], districts: dict[str, str]) -> dict:
    years: dict[str, list[int]] = {}
    names: set[str] = set()
    topics: set[str] = set()
    for n, head in enumerate(heads):
        years.setdefault(head.year, [n, n])[1] = n
        if head.district:
            names.add(head.district)
        topics.update(head.topics)
    aliases = {k: v for k, v in sorted(districts.items()) if v in names}
    return {
        "v": FORMAT_VERSION,
        "n": len(heads),
        "shards": shards,
        "fold": blocks,
        "years": [[y, r[0], r[1]] for y, r in sorted(years.items(), reverse=True)],
        "districts": sorted(names),
        "topics": sorted(topics),
        "aliases": aliases,
    }


@dataclass
class _Words:
    """Pinyin vocabulary: documents per word, and the words behind each pinyin key."""

    docs: dict[str, tuple[int, str, str]]  # word -> (document count, postings, headline postings)
    readings: dict[str, tuple[str, str, str]]  # word -> (full pinyin, initials, syllables); "" when none
    plain: dict[str, str] = field(default_factory=dict)  # see _plain_readings
    table: PinyinTable | None = None

    def reading(self, word: str) -> tuple[str, str, str]:
        got = self.readings.get(word)
        if got is None:
            got = self.readings[word] = _pinyin(word, self.plain, self.table)
        return got

    def keys_of(self, word: str) -> list[str]:
        """The pinyin keys of *word*: its reading, its initials (short words), and the reading of
        its first two syllables when it has more, so that pinyin typed for the start of a word
        finds it (wutong: 梧桐树)."""
        full, initials, syllables = self.reading(word)
        if not full:
            return []
        keys = ["p:" + full] + (["i:" + initials] if len(word) <= INITIALS_MAX_CHARS else [])
        return keys + ["p:" + prefix for prefix in reading_prefixes(syllables)]

    def by_key(self) -> dict[str, list[str]]:
        """Return {pinyin key: the words that read so, sorted}."""
        out: dict[str, list[str]] = defaultdict(list)
        for w in sorted(self.docs):
            for key in self.keys_of(w):
                out[key].append(w)
        return dict(out)

    def entry(self, members: Iterable[str]) -> str | None:
        """Return the index entry of a pinyin key over the words that read so, or None."""
        ranked = sorted((w for w in members if w in self.docs), key=lambda w: (-self.docs[w][0], w))[:PINYIN_WORDS]
        if not ranked:
            return None
        if len(ranked) == 1:
            _, body, title = self.docs[ranked[0]]
            return f"{body}|{title}|{ranked[0]}"
        body_ids: set[int] = set()
        title_ids: set[int] = set()
        for w in ranked:
            body_ids.update(decode_postings(self.docs[w][1]))
            title_ids.update(decode_postings(self.docs[w][2]))
        return encode_postings(body_ids) + "|" + encode_postings(title_ids) + "|" + " ".join(ranked)


@dataclass
class SearchIndex:
    """The search files of one build: what to write, what is unchanged, and the saved state."""

    files: dict[str, bytes]  # new or changed files, path relative to public/
    keep: list[str]  # unchanged files already in public/
    version: str  # digest of the whole index, changes whenever any file does
    incremental: bool
    # What the saved state takes from this index, written by `save` once public/ holds it.
    _change: StateChange | None = None
    _state_path: Path | None = None
    staged: list[tuple[str, str]] = field(default_factory=list)  # (path, digest) of files already staged

    def save(self) -> None:
        """Remember this index for the next incremental build (after public/ holds it)."""
        if self._change is not None and self._state_path is not None:
            self._change.apply(self._state_path)


def _version(digests: dict[str, str]) -> str:
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(digests):
        h.update(f"{path}\0{digests[path]}\n".encode())
    return h.hexdigest()


def _file_digest(data: bytes) -> str:
    from ..writer import digest  # the output manifest's digest, so the two can be compared

    return digest(data)


def _document_files(docs: Documents) -> dict[str, bytes]:
    """Return the file of every document."""
    return {f"search/d/{n}.js": _js(f"d{n}", _doc_file(doc)) for n, doc in enumerate(docs)}


def shard_count(documents: int) -> int:
    """Return the number of shards of an index of *documents*: a power of two from the
    document count alone (about SHARD_TARGET bytes a shard at BYTES_PER_DOCUMENT), so a patch
    knows the count a whole index would choose, and it changes only when the archive doubles.
    A count from the index's bytes made a patched index differ from a whole one as it grew."""
    wanted = max(1, math.ceil(documents * BYTES_PER_DOCUMENT / SHARD_TARGET))
    return min(MAX_SHARDS, 1 << (wanted - 1).bit_length())


def _full_index(
    post: tuple[dict, ...], readings: dict, plain: dict[str, str], shards: int
) -> tuple[dict[str, bytes], _Words, dict, int]:
    """Build every shard from the joined postings runs of every document."""
    files = {}
    body, title, word_body, word_title = post

    def final(run: list | None) -> str:
        return shorter(run[0], run[2]) if run else ""

    entries: dict[str, str] = {}
    for key, run in body.items():
        in_title = title.get(key)
        entries[key] = final(run) + ("|" + final(in_title) if in_title else "")
    vocab = _Words({w: (run[3], final(run), final(word_title.get(w))) for w, run in word_body.items()}, readings, plain)
    by_key = vocab.by_key()
    for key, members in by_key.items():
        entry = vocab.entry(members)
        if entry is not None:  # always: a key's members are the vocabulary's words
            entries[key] = entry

    grouped: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in entries.items():
        grouped[shard_name(key, shards)][key] = value
    for name, group in grouped.items():
        files[f"search/s/{name}.js"] = _js("s" + name, group)
    return files, vocab, by_key, shards


def _apply(
    value: str | None, add_body: set[int], drop_body: set[int], add_title: set[int], drop_title: set[int]
) -> str | None:
    """Return a key's entry with documents added and removed (None when none is left)."""
    body_text, _, title_text = (value or "").partition("|")
    body = (set(decode_postings(body_text)) | add_body) - drop_body
    if not body:
        return None
    title = (set(decode_postings(title_text)) | add_title) - drop_title
    return encode_postings(body) + ("|" + encode_postings(title) if title else "")


def _incremental(
    saved: SavedState,
    inputs: dict[int, DocInput],
    changed: list[int],
    old_tokens: list[DocTokens],
    new_tokens: list[DocTokens],
    out_dir: Path,
    table: PinyinTable | None = None,
) -> tuple[dict[str, bytes], StateChange] | None:
    """Patch the previous index for *changed* documents: the files to write and the rows the
    saved state takes; None when the previous output is unusable.  Only the rows of the words
    and pinyin keys the changed documents touch are read."""
    shards = saved.shards
    body_delta: dict[str, tuple[set, set, set, set]] = defaultdict(lambda: (set(), set(), set(), set()))
    word_delta: dict[str, tuple[set, set, set, set]] = defaultdict(lambda: (set(), set(), set(), set()))
    for n, old, new in zip(changed, old_tokens, new_tokens):
        for delta, (o_body, n_body, o_title, n_title) in (
            (body_delta, (old.body_keys, new.body_keys, old.title_keys, new.title_keys)),
            (word_delta, (old.body_words, new.body_words, old.title_words, new.title_words)),
        ):
            for key in n_body - o_body:
                delta[key][0].add(n)
            for key in o_body - n_body:
                delta[key][1].add(n)
            for key in n_title - o_title:
                delta[key][2].add(n)
            for key in o_title - n_title:
                delta[key][3].add(n)

    rows = saved.words(word_delta)
    docs = {w: r[:3] for w, r in rows.items()}
    vocab = _Words(docs, {w: r[3:] for w, r in rows.items()}, saved.plain, table)
    by_key = saved.members({key for w in word_delta for key in vocab.keys_of(w)})
    pinyin_touched: set[str] = set()
    for w, (add_b, drop_b, add_t, drop_t) in word_delta.items():
        count, body_text, title_text = vocab.docs.get(w, (0, "", ""))
        body = (set(decode_postings(body_text)) | add_b) - drop_b
        title = (set(decode_postings(title_text)) | add_t) - drop_t
        if body:
            vocab.docs[w] = (len(body), encode_postings(body), encode_postings(title))
        else:
            vocab.docs.pop(w, None)
        for key in vocab.keys_of(w):
            members = by_key.setdefault(key, [])
            if body and w not in members:
                members.append(w)
                members.sort()
            elif not body and w in members:
                members.remove(w)
            pinyin_touched.add(key)

    others = saved.words({m for key in pinyin_touched for m in by_key.get(key, ()) if m not in vocab.docs})
    vocab.docs.update((w, r[:3]) for w, r in others.items())
    touched = defaultdict(set)
    for key in list(body_delta) + sorted(pinyin_touched):
        touched[shard_name(key, shards)].add(key)
    files: dict[str, bytes] = {}
    for name, keys in touched.items():
        path = f"search/s/{name}.js"
        group: dict[str, str] = {}
        if path in saved.files:
            try:
                data = (out_dir / path).read_bytes()
            except OSError:
                return None
            if _file_digest(data) != saved.files[path]:
                return None  # public/ is not what the last build wrote
            group = _unjs(data)
        for key in keys:
            if key in pinyin_touched:
                value = vocab.entry(by_key.get(key, ()))
            else:
                value = _apply(group.get(key), *body_delta[key])
            if value is None:
                group.pop(key, None)
            else:
                group[key] = value
        if group:
            files[path] = _js("s" + name, group)
        else:
            files[path] = b""  # marks a shard that no longer exists
    for n in changed:
        files[f"search/d/{n}.js"] = _js(f"d{n}", _doc_file(inputs[n]))
    change = StateChange(
        words={w: (*vocab.docs[w], *vocab.reading(w)) if w in vocab.docs else None for w in word_delta}
    )
    return files, change


INPUTS_FILE = "search-inputs.sqlite"
INCREMENTAL_MAX = 0.05  # patch the index when at most this share of documents changed


def build_search_index(
    articles: Sequence[Article],
    config: Config,
    *,
    url_of: Callable[[Article], str] | None = None,
    districts: dict[str, str] | None = None,
    out_dir: Path | None = None,
    published: dict[str, str] | None = None,
    digest_of: Callable[[Article], str] | None = None,
) -> SearchIndex:
    """Build the search files; patch the previous index in *out_dir* when few documents changed.

    *published* is the writer's manifest of *out_dir* ({path: digest}); the previous index is
    only patched when every one of its files is there unchanged.  *digest_of* returns a digest
    of every field of an article (the build has one from its content cache).  Call ``.save()``
    on the result once its files are in *out_dir*."""
    docs = Documents(articles, url_of or default_url_of(articles), digest_of)
    previous = load_previous_index(config, out_dir, districts) if out_dir is not None else None
    if previous is not None:
        heads = docs.heads()
        wanted = previous.wanted(heads, published or {})
        index = previous.patch(heads, {n: docs[n] for n in wanted}) if wanted is not None else None
        if index is not None:
            previous.close()
            return index
    try:
        return full_search_index(docs, config, districts, previous)
    finally:
        if previous is not None:
            previous.close()


def full_search_index(
    docs: Documents, config: Config, districts: dict[str, str] | None = None, previous: PreviousIndex | None = None
) -> SearchIndex:
    """Index every document; reuse the pinyin readings of the *previous* index, if any."""
    districts = _load_districts() if districts is None else districts
    code = _code_digest(districts, _teach_place_names())
    heads = docs.heads()
    digests = [_head_digest(h) for h in heads]
    cache_dir = getattr(config, "cache_dir", None)
    old = previous.saved if previous is not None else None
    old_plain, old_readings = (old.plain, old.readings()) if old is not None else (None, {})
    store = InputStore(Path(cache_dir) / INPUTS_FILE if cache_dir is not None else None)
    try:

        def meanwhile() -> tuple[dict[str, bytes], dict[str, str]]:
            store.replace_all(dict(zip(digests, docs)))
            if cache_dir is not None:  # for the patches of the next builds
                PinyinTable.write(Path(cache_dir) / PINYIN_FILE)
            return _document_files(docs), old_plain if old_plain is not None else _plain_readings()

        from ..parallel import worker_count

        big = len(docs) >= getattr(config, "parallel_from", 1000)
        workers = worker_count(getattr(config, "workers", 0)) if big else 1
        post, (documents, plain) = _postings_all(docs, meanwhile, workers)
    finally:
        store.close()
    files, vocab, by_key, shards = _full_index(post, old_readings, plain, shard_count(len(heads)))
    files.update(documents)
    blocks = fold_blocks()
    for name, pairs in blocks.items():
        files[f"search/f/{name}.js"] = _js("f" + name, pairs)
    block_names = sorted(blocks)
    files["search/meta.js"] = _js("meta", _meta(heads, shards, block_names, districts))
    state_path = Path(cache_dir) / SEARCH_STATE_FILE if cache_dir is not None else None

    def whole_state(file_digests: dict[str, str], _: dict[str, str | None]) -> StateChange | None:
        if state_path is None:
            return None
        meta = {"code": code.hex(), "shards": shards, "blocks": block_names, "plain": plain}
        ids = [h.id for h in heads]
        aside = write_whole_state(state_path, meta, vocab.docs, vocab.readings, ids, digests, file_digests)
        return StateChange(whole=aside)

    return _finish(files, {}, False, state_path, whole_state)


def load_previous_index(config: Config, out_dir: Path, districts: dict[str, str] | None = None) -> PreviousIndex | None:
    """Return the index state the last build saved, when this code made it, with jieba
    loaded; else None.  It needs no article: a build loads it while it reads the content."""
    cache_dir = getattr(config, "cache_dir", None)
    if cache_dir is None:
        return None
    state_path = Path(cache_dir) / SEARCH_STATE_FILE
    saved = SavedState.open(state_path)
    if saved is None:
        return None
    districts = _load_districts() if districts is None else districts
    if saved.code != _code_digest(districts, _teach_place_names()).hex():
        saved.close()
        return None
    words("株洲")  # loads jieba's dictionary, the slow part of a patch
    return PreviousIndex(
        saved,
        state_path,
        InputStore(Path(cache_dir) / INPUTS_FILE),
        Path(out_dir),
        districts,
        PinyinTable(Path(cache_dir) / PINYIN_FILE),
    )


class PreviousIndex:
    """The last build's index: patched for the documents that changed, when few did."""

    def __init__(
        self,
        saved: SavedState,
        state_path: Path,
        store: InputStore,
        out_dir: Path,
        districts: dict[str, str],
        table: PinyinTable | None = None,
    ) -> None:
        self.saved = saved
        self.table = table
        self.state_path = state_path
        self.store = store
        self.out_dir = out_dir
        self.districts = districts
        self.changed: list[int] = []  # set by `wanted`
        self.added: list[int] = []
        self.digests: list[bytes] = []

    def wanted(self, heads: list[DocHead], published: dict[str, str]) -> list[int] | None:
        """Return the numbers of the documents whose inputs a patch needs (changed or added),
        or None when the index must be built whole.

        *heads* are `Documents.heads()`; *published* is the writer's manifest of the output."""
        saved = self.saved
        before = saved.ids
        if [h.id for h in heads[: len(before)]] != before or len(saved.digests) != len(before):
            return None  # documents removed or reordered: the numbers after them move
        if any(published.get(path) != d for path, d in saved.files.items()):
            return None
        self.digests = [_head_digest(h) for h in heads]
        changed = [n for n, (a, b) in enumerate(zip(saved.digests, self.digests)) if a != b]
        added = list(range(len(before), len(heads)))
        if len(changed) + len(added) > max(1, INCREMENTAL_MAX * len(heads)):
            return None
        if shard_count(len(heads)) != saved.shards:
            return None  # the archive doubled: a whole index spreads its keys over more shards
        self.changed, self.added = changed, added
        return changed + added

    def patch(self, heads: list[DocHead], inputs: dict[int, DocInput]) -> SearchIndex | None:
        """Return the index with the documents `wanted` named indexed again from their
        *inputs*, or None when the previous one is unusable (build it whole)."""
        saved = self.saved
        old_digests = [saved.digests[n] for n in self.changed]
        old_inputs = self.store.get_many(old_digests)
        if any(d not in old_inputs for d in old_digests):
            return None
        nothing = DocTokens(frozenset(), frozenset(), frozenset(), frozenset())
        numbers = self.changed + self.added
        old = [doc_tokens(old_inputs[d]) for d in old_digests] + [nothing] * len(self.added)
        new = [doc_tokens(inputs[n]) for n in numbers]
        patched = _incremental(saved, inputs, numbers, old, new, self.out_dir, self.table)
        if patched is None:
            return None
        files, change = patched
        self.store.put_many({self.digests[n]: inputs[n] for n in numbers})
        change.docs = {n: (heads[n].id, self.digests[n]) for n in numbers}
        files["search/meta.js"] = _js("meta", _meta(heads, saved.shards, saved.blocks, self.districts))

        def with_files(_: dict[str, str], changed_files: dict[str, str | None]) -> StateChange:
            change.files = changed_files
            return change

        return _finish(files, saved.files, True, self.state_path, with_files)

    def close(self) -> None:
        self.store.close()
        self.saved.close()
        if self.table is not None:
            self.table.close()


def _finish(
    files: dict[str, bytes],
    previous: dict[str, str],
    incremental: bool,
    state_path: Path | None,
    change_of: Callable[[dict[str, str], dict[str, str | None]], StateChange | None],
) -> SearchIndex:
    """Drop unchanged and emptied files from *files* (*previous*: the last index's file digests);
    *change_of* gets every file's digest and the changed ones (None: gone) and returns the
    change of the saved state."""
    digests = dict(previous)
    changed: dict[str, str | None] = {}
    for path, data in list(files.items()):
        if not data:  # a shard that lost its last key
            del files[path]
            if digests.pop(path, None) is not None:
                changed[path] = None
            continue
        d = _file_digest(data)
        if previous.get(path) == d:
            del files[path]
        else:
            changed[path] = d
        digests[path] = d
    keep = sorted(p for p in digests if p not in files)
    return SearchIndex(files, keep, _version(digests), incremental, change_of(digests, changed), state_path)


def build_search_files(
    articles: Sequence[Article],
    config: Config,
    url_of: Callable[[Article], str] | None = None,
    districts: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """Build every search file from scratch; return {path relative to public/: bytes}."""
    return build_search_index(articles, config, url_of=url_of, districts=districts, published={}).files


def tokens_for_test(text: str) -> dict[str, list[str]]:
    """Return what the parity test compares: folded text, runs and tokens."""
    return {"fold": [fold(text)], "runs": search_runs(text), "tokens": search_tokens(text)}
