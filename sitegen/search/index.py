"""The whole index: the documents, their files, the shards of postings and meta.js.

The browser's script, search.js (this package's data, written beside the index as
``search/search.js``), loads only the shards a query needs, as ``<script>`` files that call
``window.__sitegenSearch.load(name, data)`` — this works over http and from ``file://`` alike.
The rules are in docs/SEARCH.md.

Files written (paths relative to public/):

- ``search/search.js``        the script that reads the index (`browser_script`)
- ``search/syllables.js``     pinyin syllables, for pinyin typed for two words (`syllables`)
- ``search/meta.js``          shard count, filter values, district aliases, fold blocks
- ``search/f/<block>.js``     the fold table for one 256-code-point block
- ``search/s/<shard>.js``     the keys that hash to this shard: postings, or a pinyin key's words
- ``search/p/<part>/<shard>.js``  the part *part* of the postings of the shard's split keys
- ``search/d/<n>.js``         one document: title, date, district, url, plain text

A whole index numbers documents oldest first, so "newer above older" is "larger number first",
and articles imported from the latest dumps take new numbers at the end.  A patch (patch.py)
keeps every document at its number: one redated, or added among older ones, is listed in
meta.js with its place in date order ("moved"), so a corrected date rewrites its document's
file and meta.js, not the postings of every document between its old and new places.  `full_search_index` makes every file from every
document, tokenized in runs (postings.bulk_runs) by forked workers or one after another;
`SearchIndex` is what a build writes, whole or patched.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import pickle
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast, overload

from ..config import Config
from ..model import Article
from ..text import add_words, fold, fold_table, segmenter
from .pinyin import PinyinTable, _syllables, _Words, pinyin_keys, plain_readings, pypinyin_reading, table_path
from .postings import Runs, bulk_runs, decode_gaps, head_entry, shard_items, shorter, split_parts
from .state import INPUTS_FILE, SEARCH_STATE_FILE, WORDS_FOLDER, InputStore, StateChange, WholeState, WordsPart
from .tokens import PINYIN_MAX_CHARS, DocInput, _doc_input

if TYPE_CHECKING:
    from .patch import PreviousIndex

_T = TypeVar("_T")

# 2: a pinyin key holds words, not postings (the browser finds the words as Han text).
# 3: a key in PART_MIN documents or more is a head and parts (`part_span` documents each).
# 4: meta.js may list documents kept at their numbers out of date order ("moved", `_meta`).
FORMAT_VERSION = 4
# A key in this many documents is written in parts, so a query loads only the spans of the
# archive it shows documents from.  At 100,000 articles of the realistic corpus 9,000 keys are
# split (105 million postings); 创业 alone is 12 KB gzipped whole, about 1 KB a part.
PART_MIN = 4096
# Document numbers a part covers, at least.  At 100,000 articles a split key has 13 parts.
PART_SPAN = 8192
# Parts a split key has at most, past PART_SPAN × PARTS_AIM documents (131,072), where the span
# doubles with the archive (`part_span`): at a million articles, spans of 65,536 documents keep
# the part files near 16 a split key, not 122.
PARTS_AIM = 16
# Aim for shards of about this many bytes before gzip.
SHARD_TARGET = 2_000
# Shard bytes a document adds to the index, on the realistic benchmark corpus (1,740 at 10,000
# articles of the shared generator's corpus, index format 2): with SHARD_TARGET, how many
# shards an index of N documents gets.
BYTES_PER_DOCUMENT = 1_750
# 65,536: shards stay small up to 100,000 articles of the realistic corpus.  At the old 8,192
# they grew with the archive past 10,000 articles: at 100,000 the largest first query took
# 150.5 KB gzipped, 60.9 KB with this cap (docs/BENCHMARKS.md, 2026-12-02).
MAX_SHARDS = 65_536
# Characters of body text kept per document for snippets ("z": 1 marks a cut text).  The
# document files are a third of the index at 800 (250 of 604 MB at 100,000 articles), whose
# goal is half the Markdown's bytes; 240 is two snippets' worth.
DOC_TEXT_LIMIT = 240
# The browser's script, written with the index it reads; every page loads it (templates/_searchbox.html).
SCRIPT = "search/search.js"


SYLLABLES = "search/syllables.js"


def syllables() -> str:
    """pypinyin's toneless syllables but the interjections m, n, ng, hm and hng, space-separated:
    the browser's script cuts pinyin typed for two words between them (package data,
    tests/test_search_parity.py holds it equal to pypinyin's).  A file of its own, loaded only
    by a query that needs it: in search.js it weighed 1 KB gzipped on every page."""
    return resources.files(__package__).joinpath("syllables.txt").read_text(encoding="ascii").strip()


# A comment of the script: /* … */ anywhere (the script holds "/*" in no string or regex), or a
# line of its own starting with //.
_JS_COMMENT = re.compile(r"/\*.*?\*/|^[ \t]*//[^\n]*\n", re.S | re.M)


def browser_script() -> bytes:
    """Return the browser's script: search.js, shipped in this package beside the code that
    writes the index it reads, so the two are always of one version; without its comments,
    which are for the reader of the source (every page loads the script: 7.4 KB gzipped with
    them, 5.9 KB without)."""
    source = resources.files(__package__).joinpath("search.js").read_text(encoding="utf-8")
    return _JS_COMMENT.sub("", source).encode("utf-8")


def key_hash(key: str) -> int:
    """FNV-1a over the key's code points (the same in search.js)."""
    h = 0x811C9DC5
    for ch in key:
        h ^= ord(ch)
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def shard_name(key: str, shards: int) -> str:
    """Name of the shard that holds *key*."""
    return format(_shard_number(key, shards), "x")


def _shard_number(key: str, shards: int) -> int:
    return key_hash(key) % shards


def shard_numbers(keys: list[str], shards: int):
    """Return the shard of each of *keys* as an array: `key_hash` over them all at once, one
    numpy step per character position (one key at a time took 2 s of the serial part of a
    10,000-article index, 830,000 keys)."""
    import numpy as np

    lengths = np.fromiter(map(len, keys), np.int64, len(keys))
    codes = np.frombuffer("".join(keys).encode("utf-32-le"), np.uint32)
    order = np.argsort(-lengths, kind="stable")  # longest first: the keys still going are a prefix
    starts = (np.cumsum(lengths) - lengths)[order]
    longest = lengths[order]
    h = np.full(len(keys), 0x811C9DC5, np.uint32)
    for i in range(int(longest[0]) if len(keys) else 0):
        live = int(np.count_nonzero(longest > i))
        h[:live] = (h[:live] ^ codes[starts[:live] + i]) * np.uint32(0x01000193)
    out = np.empty(len(keys), np.int64)
    out[order] = h % np.uint32(shards)
    return out


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


class _Tokenized(NamedTuple):
    """What a tokenizer task gives back of its run of documents."""

    body: Runs  # ordered by shard
    title: Runs
    words: dict[str, int]  # how many of its documents hold each pinyin word
    files: dict[str, str] | dict[str, bytes]  # their document files, as `_Output` holds them
    stored: bool  # their inputs are in the run's store file (`InputStore.part`)


def _postings_of(bounds: tuple[int, int]) -> _Tokenized:
    """Tokenize documents *bounds*; write their document files, and their inputs into the store
    file of the run in the shared folder (`InputStore.part`)."""
    from ..parallel import shared

    docs, shards, digests, staging, folder = shared()
    out = _Output(staging)
    lo, hi = bounds
    with InputStore.part(folder / f"inputs-{lo}.sqlite" if folder else None) as store:

        def made(n: int, doc: DocInput) -> None:
            out.put(*_document_file(n, doc))
            store.put(digests[n], doc)

        body, title, words = bulk_runs(_Run(docs, lo, hi, made), lo, PINYIN_MAX_CHARS, segmenter())
    shards_of = functools.partial(shard_numbers, shards=shards)
    files = out.staged if out.stager is not None else out.files
    stored = store.written or folder is None
    return _Tokenized(body.by_shard(shards_of), title.by_shard(shards_of), words, files, stored)


TOKENIZE_STEP = 8000  # documents a tokenizer task takes: its memory is bounded by them, not by the archive


def _postings_all(
    docs: Documents,
    shards: int,
    meanwhile: Callable[[], _T],
    workers: int,
    digests: list[bytes],
    out: _Output,
    store: InputStore,
) -> tuple[list[_Tokenized], _T]:
    """Tokenize every document into postings: in *workers* forked processes on big corpora
    (jieba is the slow part), each task over a run of at most TOKENIZE_STEP documents, which
    also writes its documents' files into *out* and files their inputs (by *digests*) for the
    *store*.  Return each run's postings, in order, and the value of *meanwhile*, which runs
    here while the workers tokenize."""
    from ..parallel import chunks, fan_out

    extra: list[_T] = []
    tasks = max(workers, math.ceil(len(docs) / TOKENIZE_STEP))
    runs = chunks(len(docs), max(1, math.ceil(len(docs) / tasks)))
    staging = out.stager.root if out.stager is not None else None
    with store.replacing() as inputs, contextlib.ExitStack() as stack:
        # named as the word tasks' folder, which the next whole index clears if a killed build left it
        temporary = tempfile.TemporaryDirectory(prefix=WORDS_FOLDER, dir=store.path.parent) if store.path else None
        folder = Path(stack.enter_context(temporary)) if temporary else None
        parts = fan_out(
            _postings_of,
            runs,
            name="search tokens",
            workers=workers,
            shared=(docs, shards, digests, staging, folder),
            meanwhile=lambda: extra.append(meanwhile()),
        )
        for (lo, _), part in zip(runs, parts):
            out.absorb(part.files)
            if not part.stored:  # a store lacking them would be swapped in: keep the old one
                inputs.drop()
            elif folder is not None:
                inputs.take(folder / f"inputs-{lo}.sqlite")
    return parts, extra[0]


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


@functools.lru_cache(maxsize=1)
def fold_blocks() -> dict[str, str]:
    """Split the non-ASCII part of the fold table into 256-code-point blocks of pairs (read-only:
    kept for the process, whose every whole index writes them: 4.5 ms of a 75-100 ms build of an
    11-article site, which the preview server and the tests make again and again)."""
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


class DocHead(NamedTuple):
    """What the index needs of every document besides its input."""

    id: str
    year: str
    district: str
    topics: tuple[str, ...]
    date: str
    source: str  # the text its digest is taken of (see `_head_digest`)


class Documents:
    """The documents, oldest first; each one's index input is made on first use
    (an incremental build needs only the changed ones)."""

    def __init__(
        self,
        articles: Sequence[Article],
        url_of: Callable[[Article], str],
        digest_of: Callable[[Article], str] | None = None,
    ) -> None:
        self.articles: Sequence[Article] = sorted((a for a in articles if not a.draft), key=lambda a: (a.date, a.id))
        self.urls = [url_of(a) for a in self.articles]
        self.digest_of = digest_of
        self._inputs: dict[int, DocInput] = {}
        self._heads: list[DocHead] | None = None

    @classmethod
    def ordered(cls, articles: Sequence[Article], urls: list[str], heads: list[DocHead]) -> Documents:
        """Documents already in index order, their heads made: a build's search process gets
        the heads, and reads the articles back from the parse cache (`content.StoredArticles`)
        a block at a time, instead of inheriting the archive's text."""
        docs = cls([], str)
        docs.articles, docs.urls, docs._heads = articles, urls, heads
        return docs

    def __len__(self) -> int:
        return len(self.articles)

    def __getitem__(self, n: int) -> DocInput:
        got = self._inputs.get(n)
        if got is None:
            got = self._inputs[n] = _doc_input(self.articles[n], self.urls[n])
        return got

    def __iter__(self):
        return (self[n] for n in range(len(self)))

    def made(self, n: int) -> DocInput:
        """Document *n*'s input, not kept: a whole index reads each input once, and keeping
        them all held 320 MiB more at 30,000 articles."""
        got = self._inputs.get(n)
        return got if got is not None else _doc_input(self.articles[n], self.urls[n])

    def heads(self) -> list[DocHead]:
        """Return what the index needs of every document besides its input."""
        if self._heads is not None:
            return self._heads
        out = []
        for a, url in zip(self.articles, self.urls):
            if self.digest_of is not None:  # the caller's digest of the whole article is enough
                source = f"{self.digest_of(a)}\0{url}"
            else:
                source = repr(
                    (a.id, a.date, a.kicker, a.title, a.subtitle, a.body, a.tags, a.places, a.district, a.topics, url)
                )
            out.append(DocHead(a.id, a.year, a.district or "", a.topics, a.date, source))
        return out


class _Run(Sequence[DocInput]):
    """Documents *lo* to *hi* of *docs*, each input made when a batch of the tokenizer asks for
    it, handed to *made* (with its number) and dropped with the batch."""

    def __init__(self, docs: Documents, lo: int, hi: int, made: Callable[[int, DocInput], None]) -> None:
        self.docs, self.lo, self.hi, self.made = docs, lo, hi, made

    def _input(self, n: int) -> DocInput:
        doc = self.docs.made(n)
        self.made(n, doc)
        return doc

    def __len__(self) -> int:
        return self.hi - self.lo

    @overload
    def __getitem__(self, i: int) -> DocInput: ...
    @overload
    def __getitem__(self, i: slice) -> list[DocInput]: ...
    def __getitem__(self, i: int | slice) -> DocInput | list[DocInput]:
        if isinstance(i, slice):
            return [self._input(self.lo + n) for n in range(*i.indices(len(self)))]
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._input(self.lo + i)


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
    layout = (FORMAT_VERSION, PART_MIN, PART_SPAN, PARTS_AIM)
    h.update(repr((*layout, sorted(districts.items()), place_names)).encode("utf-8"))
    return h.digest()


def year_ranges(years: Iterable[str]) -> list[list[Any]]:
    """meta.js's years: [year, first rank, last rank], newest first, of the documents' *years*
    in date order."""
    ranges: dict[str, list[int]] = {}
    for rank, year in enumerate(years):
        ranges.setdefault(year, [rank, rank])[1] = rank
    return [[y, r[0], r[1]] for y, r in sorted(ranges.items(), reverse=True)]


def _meta(
    heads: list[DocHead],
    shards: int,
    blocks: list[str],
    districts: dict[str, str],
    moved: list[list[int]] | None = None,
) -> dict:
    """meta.js: *heads* are in date order, and a document's rank is its place there; years are
    ranges of ranks.  A document's number is its rank but for the *moved* ones ([number, rank],
    by number: a patch keeps a redated or back-dated document at its number, `patch._numbering`),
    and the others take the ranks left, in the order of their numbers."""
    names: set[str] = set()
    topics: set[str] = set()
    for head in heads:
        if head.district:
            names.add(head.district)
        topics.update(head.topics)
    aliases = {k: v for k, v in sorted(districts.items()) if v in names}
    return {
        "v": FORMAT_VERSION,
        "n": len(heads),
        "shards": shards,
        "part": part_span(len(heads)),
        "fold": blocks,
        "years": year_ranges(head.year for head in heads),
        "districts": sorted(names),
        "topics": sorted(topics),
        "aliases": aliases,
        **({"moved": moved} if moved else {}),
    }


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
    # A body edit's patch: the files of the last index not in *files* stay as they are, but
    # for *removed*; *keep* is then empty (the writer keeps what it does not write).
    keeps_rest: bool = False
    removed: list[str] = field(default_factory=list)

    def save(self) -> None:
        """Remember this index for the next incremental build (after public/ holds it)."""
        if self._change is not None and self._state_path is not None:
            self._change.apply(self._state_path)


def _file_mark(path: str, digest: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{path}\0{digest}".encode(), digest_size=8).digest(), "big")


def _version(digests: dict[str, str]) -> str:
    """The index version: the XOR of a mark of every (file, digest), so that a patch works out
    the new one from the files it changes alone (`_version_after`)."""
    version = 0
    for path, digest in digests.items():
        version ^= _file_mark(path, digest)
    return f"{version:016x}"


def _version_after(version: str, changes: dict[str, tuple[str | None, str | None]]) -> str:
    """The version once each file of *changes* went from its old digest to its new one
    (None: absent)."""
    value = int(version, 16)
    for path, (old, new) in changes.items():
        for digest in (old, new):
            if digest is not None:
                value ^= _file_mark(path, digest)
    return f"{value:016x}"


def _file_digest(data: bytes) -> str:
    from ..writer import digest  # the output manifest's digest, so the two can be compared

    return digest(data)


def _document_file(n: int, doc: DocInput) -> tuple[str, bytes]:
    return f"search/d/{n}.js", _js(f"d{n}", _doc_file(doc))


class _Output:
    """The files of a whole index, as they are made: written into the staging folder at once
    when there is one (so the index is never held whole: 186 MiB of files at 30,000 articles),
    else kept for the writer."""

    def __init__(self, staging: Path | None) -> None:
        from ..writer import Stager

        self.stager = Stager(staging) if staging is not None else None
        self.files: dict[str, bytes] = {}
        self.staged: dict[str, str] = {}  # name -> digest

    def put(self, name: str, data: bytes) -> None:
        if self.stager is None:
            self.files[name] = data
        else:
            self.staged[name] = self.stager.put(name, data)

    def absorb(self, made: dict[str, str] | dict[str, bytes]) -> None:
        """Take in the files another process made (`_shard_files`)."""
        if self.stager is None:
            self.files.update(cast("dict[str, bytes]", made))
        else:
            self.staged.update(cast("dict[str, str]", made))

    def digests(self) -> dict[str, str]:
        return self.staged if self.stager is not None else {n: _file_digest(d) for n, d in self.files.items()}


def part_span(documents: int) -> int:
    """Return the span of a part in an index of *documents*: PART_SPAN, or past PARTS_AIM spans
    of it, the power of two that cuts the archive into PARTS_AIM spans.  From the document count
    alone, as `shard_count`: a patch knows what a whole index would choose, and the span changes
    only when the archive doubles (then the index is made whole)."""
    wanted = max(1, math.ceil(documents / PARTS_AIM))
    return max(PART_SPAN, 1 << (wanted - 1).bit_length())


def shard_count(documents: int) -> int:
    """Return the number of shards of an index of *documents*: a power of two from the
    document count alone (about SHARD_TARGET bytes a shard at BYTES_PER_DOCUMENT), so a patch
    knows the count a whole index would choose, and it changes only when the archive doubles.
    A count from the index's bytes made a patched index differ from a whole one as it grew."""
    wanted = max(1, math.ceil(documents * BYTES_PER_DOCUMENT / SHARD_TARGET))
    return min(MAX_SHARDS, 1 << (wanted - 1).bit_length())


def _full_index(
    parts: list[_Tokenized],
    readings: dict[str, str],
    plain: dict[str, str],
    shards: int,
    part_docs: int,
    out: _Output,
    workers: int,
    state: WholeState | None,
) -> None:
    """Build every shard from the postings of each run of documents (*parts*, in order, their
    body and title runs ordered by shard, and how many of its documents hold each word), and
    the words of the saved *state*.

    In *workers* forked processes, each takes a slice of the words: their readings, their pinyin
    keys (sorted out by the span of shards they fall in) and their rows of the state, each
    written into a file (`_word_keys`); and each takes a span of the shards and writes them
    (`_shard_files`: the keys joined shard by shard, so no process holds every entry of the
    index), while this process copies the words into the state."""
    from ..parallel import can_fork, chunks, fan_out

    kinds = [[p.body for p in parts], [p.title for p in parts]]
    words = _word_counts([p.words for p in parts])
    parts.clear()  # each run goes once joined, shard by shard
    ordered = sorted(words)
    # One task per worker: a span of shards is streamed out of every run, so an in-process
    # build takes them all at once.
    tasks = workers if workers > 1 and can_fork() else 1
    spans = [(shards * k // tasks, shards * (k + 1) // tasks) for k in range(tasks)]
    slices = chunks(len(ordered), -(-len(ordered) // tasks))
    with tempfile.TemporaryDirectory(prefix=WORDS_FOLDER, dir=state.aside.parent if state else None) as temporary:
        folder = Path(temporary)
        fan_out(
            _word_keys,
            list(enumerate(slices)),
            name="search pinyin",
            workers=tasks,
            shared=(ordered, words, readings, plain, spans, shards, folder, state is not None),
        )
        del ordered
        made = fan_out(
            _shard_files,
            range(tasks),
            name="search shards",
            workers=tasks,
            shared=(kinds, _Words(words, {}), len(slices), spans, out.stager and out.stager.root, folder, part_docs),
            meanwhile=lambda: _state_words(state, folder, len(slices)),
        )
    kinds.clear()
    for files in made:
        out.absorb(files)


def _word_counts(parts: list[dict[str, int]]) -> dict[str, int]:
    """How many documents hold each word, from the counts of each run of documents."""
    total = parts[0] if parts else {}
    for part in parts[1:]:
        get = total.get
        for word, count in part.items():
            total[word] = get(word, 0) + count
    return total


def _state_words(state: WholeState | None, folder: Path, slices: int) -> None:
    if state is not None:
        state.words_from([folder / f"state-{number}.sqlite" for number in range(slices)])


def _final(run: tuple[str, int, int, int] | None) -> str:
    """The postings text of a joined run: its varint gaps, or its bitmap or complement when
    shorter."""
    return shorter(run[0], run[2], run[3]) if run else ""


# Words read at a time by a word task: its memory is bounded by a block, not by its slice.
WORD_BLOCK = 50_000


def _word_keys(job: tuple[int, tuple[int, int]]) -> None:
    """For slice *job* of the sorted words (its number, and its bounds), find their readings
    and pinyin keys, WORD_BLOCK words at a time; append, for each block and span of shards,
    {shard: {pinyin key: the words of the block that read so, sorted; the word itself when it
    is the only one}} to ``keys-<slice>-<span>.pickle``, and write their rows of the state
    into ``state-<slice>.sqlite``, in the folder of the shared values."""
    import numpy as np

    from ..parallel import shared

    ordered, words, known, plain, spans, shards, folder, stateful = shared()
    number, (lo, hi) = job
    starts = [start for start, _ in spans]
    outs = [open(folder / f"keys-{number}-{span}.pickle", "wb") for span in range(len(spans))]
    part = WordsPart(folder / f"state-{number}.sqlite", words) if stateful else None
    try:
        for at in range(lo, hi, WORD_BLOCK):
            block = ordered[at : min(at + WORD_BLOCK, hi)]
            syllables = [_known_syllables(word, known, plain) for word in block]
            keys: list[str] = []
            members: list[str] = []
            for word, read in zip(block, syllables):
                found = pinyin_keys(word, read)
                keys += found
                members += [word] * len(found)
            numbers = shard_numbers(keys, shards)
            which = np.searchsorted(starts, numbers, side="right") - 1
            buckets: list[dict[int, dict[str, str | list[str]]]] = [{} for _ in spans]
            for key, word, shard, k in zip(keys, members, numbers.tolist(), which.tolist()):
                group = buckets[k].get(shard)
                if group is None:
                    group = buckets[k][shard] = {}
                _add_member(group, key, word)
            for out, bucket in zip(outs, buckets):
                pickle.dump(bucket, out, pickle.HIGHEST_PROTOCOL)
            if part is not None:
                part.add(zip(block, syllables))
    finally:
        for out in outs:
            out.close()
        if part is not None:
            part.close()


def _known_syllables(word: str, known: dict[str, str], plain: dict[str, str]) -> str:
    """The syllables of *word*: as the last index read it, else read now (not kept)."""
    got = known.get(word)
    return _syllables(word, plain) if got is None else got


def _buckets(folder: Path, slices: int, span: int) -> Iterator[dict[int, dict[str, str | list[str]]]]:
    """Yield the pinyin keys of span *span* that the word tasks wrote, block by block, in the
    order of the words."""
    for number in range(slices):
        with open(folder / f"keys-{number}-{span}.pickle", "rb") as f:
            while True:
                try:
                    yield pickle.load(f)
                except EOFError:
                    break


def _add_member(group: dict[str, str | list[str]], key: str, word: str | list[str]) -> None:
    """Add *word* (or words, in order) to the members of *key*: a key of one word holds the word
    itself (most keys: a list each took the search process's peak 106 MiB higher at 30,000
    articles)."""
    have = group.get(key)
    if have is None:
        group[key] = word
        return
    more = [word] if isinstance(word, str) else word
    if isinstance(have, str):
        group[key] = [have, *more]
    else:
        have += more


def _shard_files(task: int) -> dict[str, str] | dict[str, bytes]:
    """Write the shards of span *task*: each key's postings joined from every run, and the
    entries of the pinyin keys whose members the words' tasks found; return the files made
    ({name: digest} when written into the staging folder, else {name: bytes})."""
    from ..parallel import shared

    kinds, vocab, slices, spans, staging, folder, part_docs = shared()
    pinyin: dict[int, dict[str, str | list[str]]] = {}
    for bucket in _buckets(folder, slices, task):  # in word order: each key's members stay sorted
        for shard, keys in bucket.items():
            have = pinyin.get(shard)
            if have is None:
                pinyin[shard] = keys
                continue
            for key, words in keys.items():
                _add_member(have, key, words)
    out = _Output(Path(staging) if staging else None)
    for shard, (body, title) in shard_items(kinds, spans[task] if len(spans) > 1 else None):
        group: dict[str, str] = {}
        parts: dict[int, dict[str, str]] = defaultdict(dict)
        for key, run in body.items():
            if run[3] >= PART_MIN:
                pieces = split_parts(decode_gaps(run[0]), part_docs)
                for part, text in pieces.items():
                    parts[part][key] = text
                entry = head_entry(run[3], sorted(pieces))
            else:
                entry = _final(run)
            group[key] = entry + ("|" + _final(title[key]) if key in title else "")
        group.update(_pinyin_entries(vocab, pinyin.pop(shard, {})))
        _put_shard(out, shard, group)
        for part, split in parts.items():
            _put_part(out, part, shard, split)
    for shard, keys in sorted(pinyin.items()):  # shards of pinyin keys alone
        _put_shard(out, shard, _pinyin_entries(vocab, keys))
    return out.staged if out.stager is not None else out.files


def _pinyin_entries(vocab: _Words, keys: dict[str, str | list[str]]) -> dict[str, str]:
    """The entries of pinyin *keys* ({key: the words that read so, or the one word})."""
    entries: dict[str, str] = {}
    for key, members in keys.items():
        entry = vocab.entry([members] if isinstance(members, str) else members)
        if entry is not None:  # always: members are words
            entries[key] = entry
    return entries


def shard_file(shard: str) -> str:
    """Return the path of the shard named *shard* (hex)."""
    return f"search/s/{shard}.js"


def part_file(part: int, shard: str) -> str:
    """Return the path of the file holding part *part* of the split keys of shard *shard* (its
    name, hex)."""
    return f"search/p/{part:x}/{shard}.js"


def load_name(path: str) -> str:
    """The name a shard or part file passes to the browser's loader: s<shard>, p<part>.<shard>."""
    pieces = path.removesuffix(".js").split("/")  # search/s/<shard> or search/p/<part>/<shard>
    return "s" + pieces[2] if pieces[1] == "s" else f"p{pieces[2]}.{pieces[3]}"


def _put_shard(out: _Output, shard: int, group: dict[str, str]) -> None:
    path = shard_file(format(shard, "x"))
    out.put(path, _js(load_name(path), group))


def _put_part(out: _Output, part: int, shard: int, keys: dict[str, str]) -> None:
    path = part_file(part, format(shard, "x"))
    out.put(path, _js(load_name(path), keys))


def full_search_index(
    docs: Documents,
    config: Config,
    districts: dict[str, str] | None = None,
    previous: PreviousIndex | None = None,
    staging: Path | None = None,
    tokenize_here: bool = False,
) -> SearchIndex:
    """Index every document; reuse the pinyin readings of the *previous* index, if any.  With
    *staging*, each file is written there as it is made (`SearchIndex.staged`).  On the
    config's workers on a big archive, but for the tokenizing with *tokenize_here*."""
    districts = _load_districts() if districts is None else districts
    code = _code_digest(districts, _teach_place_names())
    heads = docs.heads()
    digests = [_head_digest(h) for h in heads]
    cache_dir = getattr(config, "cache_dir", None)
    old = previous.saved if previous is not None else None
    old_readings = old.readings() if old is not None else {}
    store = InputStore(Path(cache_dir) / INPUTS_FILE if cache_dir is not None else None)
    out = _Output(staging)
    try:

        def meanwhile() -> dict[str, str]:
            table = None
            if cache_dir is not None:  # for the patches of the next builds
                path = table_path(cache_dir)
                PinyinTable.write(path)
                table = PinyinTable(path)
            if not old_readings and workers > 1:
                # Every word is read anew, by word workers forked later: loaded here once, while
                # the tokenizers work, pypinyin's dictionaries are theirs too (each loaded them,
                # 0.5 s of CPU a worker at 10,000 articles).
                pypinyin_reading("拼音")
            try:
                return plain_readings(table)
            finally:
                if table is not None:
                    table.close()

        from ..parallel import worker_count

        big = len(docs) >= getattr(config, "parallel_from", 1000)
        workers = worker_count(getattr(config, "workers", 0)) if big else 1
        shards = shard_count(len(heads))
        parts, plain = _postings_all(docs, shards, meanwhile, 1 if tokenize_here else workers, digests, out, store)
    finally:
        store.close()
    state_path = Path(cache_dir) / SEARCH_STATE_FILE if cache_dir is not None else None
    state = WholeState(state_path) if state_path is not None else None
    try:
        if state is not None:
            state.documents([h.id for h in heads], digests, [h.date for h in heads])
        _full_index(parts, old_readings, plain, shards, part_span(len(heads)), out, workers, state)
        blocks = fold_blocks()
        for name, pairs in blocks.items():
            out.put(f"search/f/{name}.js", _js("f" + name, pairs))
        block_names = sorted(blocks)
        out.put("search/meta.js", _js("meta", _meta(heads, shards, block_names, districts)))
        out.put(SYLLABLES, _js("syllables", syllables()))
        out.put(SCRIPT, browser_script())
        file_digests = out.digests()
        version = _version(file_digests)
        change = None
        if state is not None:
            meta = {
                "code": code.hex(),
                "shards": shards,
                "part": part_span(len(heads)),
                "blocks": block_names,
                "version": version,
            }
            change = StateChange(whole=state.finish(meta, file_digests))
    except BaseException:
        if state is not None:
            state.discard()
        raise
    return SearchIndex(out.files, [], version, False, change, state_path, staged=sorted(out.staged.items()))


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
    version = _version(digests)
    change = change_of(digests, changed)
    if change is not None and change.whole is None:
        change.version = version
    return SearchIndex(files, keep, version, incremental, change, state_path)


def build_search_files(
    articles: Sequence[Article],
    config: Config,
    url_of: Callable[[Article], str] | None = None,
    districts: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """Build every search file from scratch; return {path relative to public/: bytes}."""
    return full_search_index(Documents(articles, url_of or default_url_of(articles)), config, districts).files
