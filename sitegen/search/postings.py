"""Postings: the document numbers of each index key, as text, and built in bulk.

A postings list is written as gaps between rising document numbers, in a base-32 varint
text, or as a bitmap or its complement when that is shorter (docs/SEARCH.md).
:func:`bulk_runs` builds the postings of thousands of documents at once with numpy: per
document, it finds exactly the keys that ``tokens.doc_tokens`` gives one document, and counts
the same words (a test holds the two equal), without a list append per key and document.
"""

from __future__ import annotations

import collections
import functools
import itertools
import operator
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from ..text import SEARCH_HAN_RANGES, SEARCH_HAN_RUN, fold, fold_table

if TYPE_CHECKING:
    from .tokens import DocInput

# Varint alphabets: a number is base-32 digits, most significant first; every digit
# but the last is taken from CONT, the last from FIN.  Both are JSON-safe.
FIN = "0123456789abcdefghijklmnopqrstuv"
CONT = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-."


def encode_number(n: int) -> str:
    """Encode a non-negative integer with the FIN/CONT varint alphabets."""
    if n < 32:
        return FIN[n]
    digits = [FIN[n & 31]]
    n >>= 5
    while n:
        digits.append(CONT[n & 31])
        n >>= 5
    return "".join(reversed(digits))


_GAP_CODES: list[str] = [""]  # _GAP_CODES[d] encodes the gap before a number d above the previous one


def _gap_codes(size: int) -> list[str]:
    while len(_GAP_CODES) <= size:
        _GAP_CODES.append(encode_number(len(_GAP_CODES) - 1))
    return _GAP_CODES


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64_OF_VALUE = bytes.maketrans(bytes(range(64)), B64.encode("ascii"))
_VALUE_OF_B64 = bytes.maketrans(B64.encode("ascii"), bytes(range(64)))
_BIT_K = [bytes((v >> k) & 1 for v in range(256)) for k in range(6)]


def encode_postings(ids: Iterable[int]) -> str:
    """Encode document numbers: gaps as varints, or, when shorter, a bitmap or the complement.

    A bitmap is "~" followed by one B64 character per six documents (bit k of character j is
    document 6j+k), trailing empty characters dropped.  A complement is "!", the last document
    as a varint, then the documents before it that are *not* in the list, as varint gaps: a key
    in most documents (株洲, 社区) takes about half a bitmap's bytes, gzipped too."""
    ids = ids if isinstance(ids, list) and _strictly_rising(ids) else sorted(set(ids))
    if not ids:
        return ""
    return shorter(_varints(ids), ids[-1], len(ids), ids)


def _complement(ids: list[int]) -> str:
    """The complement form of rising *ids*: "!", the last one, the gaps of the numbers missing
    below it."""
    missing = _absent(ids[:-1], ids[-1])
    return "!" + encode_number(ids[-1]) + (_varints(missing) if missing else "")


def _absent(numbers: Iterable[int], size: int) -> list[int]:
    """The numbers below *size* that are not among *numbers* (each below *size*), rising."""
    flags = bytearray(b"\x01") * size
    collections.deque(map(flags.__setitem__, numbers, itertools.repeat(0)), maxlen=0)
    return list(itertools.compress(range(size), flags))


def _varints(ids: list[int]) -> str:
    gaps = list(map(operator.sub, ids, itertools.chain((-1,), ids)))
    largest = max(gaps)
    if largest >= len(_GAP_CODES) and largest > 8 * len(gaps):
        # A few numbers far apart, past the table: coding each costs less than growing the
        # table to the largest gap.  A one-article edit's process starts with no table, and the
        # rare words it touches have gaps of tens of thousands at 100,000 articles: six lists of
        # 3 to 20,000 numbers below 100,000 took 25-42 ms through the table, 2 ms so.
        return "".join(map(_gap_code, gaps))
    codes = _gap_codes(largest)
    return "".join(map(codes.__getitem__, gaps))


def _gap_code(gap: int) -> str:
    return encode_number(gap - 1)


def shorter(
    gaps: str,
    last: int,
    count: int,
    ids: Any = None,
    bitmap: Callable[[Any], str] | None = None,
    complement: Callable[[Any], str] | None = None,
) -> str:
    """Return the shortest form of the *count* documents whose varint gaps are *gaps* (ending at
    document *last*): the gaps themselves, their bitmap, or their complement (*ids*: the
    documents, when the caller has them decoded; *bitmap* and *complement* make those forms of
    them, `_bitmap` and `_complement` of a list unless given: `encode_array` gives numpy's)."""
    best = gaps
    bitmap_chars = last // 6 + 2  # "~" and a character per six documents, one more at most
    if len(gaps) > bitmap_chars:
        ids = decode_postings(gaps) if ids is None else ids
        best = "~" + (bitmap or _bitmap)(ids)
    if last - count + 2 < min(len(gaps), bitmap_chars):  # at least a character a missing document
        ids = decode_postings(gaps) if ids is None else ids
        other = (complement or _complement)(ids)
        if len(other) < len(best):
            best = other
    return best


def _strictly_rising(ids: list[int]) -> bool:
    return all(map(operator.lt, ids, itertools.islice(ids, 1, None)))


def _bitmap(ids: list[int]) -> str:
    size = ids[-1] // 6 + 1
    flags = bytearray(size * 6)
    collections.deque(map(flags.__setitem__, ids, itertools.repeat(1)), maxlen=0)
    value = 0
    for k in range(6):  # each byte holds 0 or 1, so shifting the whole number moves bits within bytes
        value |= int.from_bytes(flags[k::6], "little") << k
    return value.to_bytes(size, "little").translate(_B64_OF_VALUE).decode("ascii")


class _VarintValues(dict):
    def __missing__(self, token: str) -> int:
        n = 0
        for ch in token[:-1]:
            n = n * 32 + CONT.index(ch)
        value = self[token] = n * 32 + FIN.index(token[-1]) + 1
        return value


_VARINT = re.compile(f"[{re.escape(CONT)}]*[{FIN}]")
_VARINT_VALUES = _VarintValues()  # token -> gap + 1


def decode_postings(text: str) -> list[int]:
    """Decode :func:`encode_postings`."""
    if text.startswith("!"):
        last, *missing = decode_postings(text[1:])  # the last one, then the gaps of the missing
        return _absent([m - last - 1 for m in missing], last + 1)
    if text.startswith("~"):
        data = text[1:].encode("ascii").translate(_VALUE_OF_B64)
        # One flag per document, in order, so no sort of the six runs of bits: three bitmaps
        # of 20,000 to 80,000 documents out of 100,000 decode in 7.9 ms, against 11.4 ms.
        flags = bytearray(len(data) * 6)
        for k in range(6):
            flags[k::6] = data.translate(_BIT_K[k])
        return list(itertools.compress(range(len(flags)), flags))
    if len(text) >= DECODE_ARRAY_FROM and _numpy_pays(len(text)) and _whole_varints(text):
        return cast("list[int]", decode_gaps(text).tolist())
    steps = map(_VARINT_VALUES.__getitem__, _VARINT.findall(text))
    return list(itertools.accumulate(steps, initial=-1))[1:]


# From this many characters varint gaps are decoded with numpy (`decode_gaps`): the same
# numbers, 23 µs against 44 at 400 characters, 94 against 390 at 4,000.
DECODE_ARRAY_FROM = 400
# What importing numpy costs (40-70 ms), in characters decoded or numbers encoded without it
# (about 0.1 µs each): a body edit's patch meets a handful of long postings, and importing
# numpy for them made it slower (`_numpy_pays`).
NUMPY_IMPORT_WORK = 500_000
_work_without_numpy = 0


def _numpy_pays(work: int) -> bool:
    """Whether to do *work* (characters to decode, numbers to encode) with numpy: when it is
    imported already, or once this process has done NUMPY_IMPORT_WORK such work without it."""
    global _work_without_numpy
    if "numpy" in sys.modules:
        return True
    _work_without_numpy += work
    return _work_without_numpy >= NUMPY_IMPORT_WORK


_VARINT_BYTES = (FIN + CONT).encode("ascii")


def _whole_varints(text: str) -> bool:
    """Whether *text* is whole varint tokens and nothing else, as `decode_gaps` reads them (the
    regex's way skips what is not a token)."""
    return bool(text) and text[-1] in FIN and text.isascii() and not text.encode("ascii").translate(None, _VARINT_BYTES)


def runs_of(table: dict[str, list[int]]) -> dict[str, tuple[str, int, int, int]]:
    """Return {key: rising document numbers} as {key: (varint gaps, first, last, count)}."""
    return {key: (_varints(ids), ids[0], ids[-1], len(ids)) for key, ids in table.items()}


# --- bulk postings ---
# Han characters for search are all in the Basic Multilingual Plane, so a key of one or two of
# them is one number below 2**32: a character's code point, or (first << 16) | second.
_LATIN = re.compile(r"[a-z0-9]+")
CHUNK = 1000  # documents per batch of arrays (bounds the memory of one batch)


@functools.lru_cache(maxsize=1)
def _fold_lookup():
    """Return the fold table as an array indexed by code point (fold is one character to one):
    read-only, made once a process (4.4 MB, 0.8 ms, which every batch of documents paid)."""
    import numpy as np

    lookup = np.arange(0x110000, dtype=np.uint32)
    table = fold_table()
    lookup[np.fromiter(table, np.int64, len(table))] = [ord(v) for v in table.values()]
    lookup.flags.writeable = False
    return lookup


def bulk_runs(
    inputs: Sequence[DocInput], first: int, max_chars: int, cut: Callable[[str], list[str]]
) -> tuple[Runs, Runs, dict[str, int]]:
    """Return the body and title runs of documents *first*, *first* + 1, … whose index inputs
    (``tokens._doc_input``) are *inputs*, and the number of those documents that hold each
    pinyin word.

    *cut* segments text, whitespace included (``text.segmenter()``); whitespace is then dropped,
    as ``text.words`` does.  Pinyin words are jieba's words of 2–*max_chars* Han characters."""
    import numpy as np

    lookup = _fold_lookup()
    han = _han_characters()
    codes: dict[str, list] = {"body": [], "title": []}
    word_docs: collections.Counter[str] = collections.Counter()  # word -> the documents that hold it
    latin_body: dict[str, list[int]] = collections.defaultdict(list)
    latin_title: dict[str, list[int]] = collections.defaultdict(list)
    for start in range(0, len(inputs), CHUNK):
        batch = inputs[start : start + CHUNK]
        base = first + start
        texts = [t for doc in batch for t in (doc.headline, doc.body, doc.extra)]
        lengths = np.fromiter(map(len, texts), np.int64, len(texts)) + 1
        points = lookup[np.frombuffer(("\n".join(texts) + "\n").encode("utf-32-le"), np.uint32)]
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        body_chars, head_chars = _character_keys(points, owner // 3 + base, owner % 3 == 0)

        single_points: list[int] = []  # jieba's one-character Han words of the bodies
        single_docs: list[int] = []
        folded = points.tobytes().decode("utf-32-le")
        offsets = np.concatenate(([0], np.cumsum(lengths))).tolist()
        for i, n in enumerate(range(base, base + len(batch))):
            head, body_start, body_end = offsets[3 * i], offsets[3 * i + 1], offsets[3 * i + 3] - 1
            head_text, body_text = folded[head : body_start - 1], folded[body_start:body_end]
            held = set(cut(body_text))
            singles = list(map(ord, held.intersection(han)))
            single_points += singles
            single_docs += [n] * len(singles)
            held.update(cut(head_text))
            word_docs.update(held)  # every word once a document; the pinyin words are sorted out below
            _add_latin_keys(n, head_text, body_text, batch[i].district, batch[i].topics, latin_body, latin_title)
        singles_at = (np.array(single_points, np.int64), np.array(single_docs, np.int64))
        codes["body"].append(_pack(body_chars[0] + singles_at[:1], body_chars[1] + singles_at[1:]))
        codes["title"].append(_pack(*head_chars))

    body = Runs.joined([_runs(codes["body"], _key_names), Runs.of(runs_of(latin_body))])
    title = Runs.joined([_runs(codes["title"], _key_names), Runs.of(runs_of(latin_title))])
    pinyin = SEARCH_HAN_RUN.fullmatch
    return body, title, {w: c for w, c in word_docs.items() if 2 <= len(w) <= max_chars and pinyin(w)}


@functools.lru_cache(maxsize=1)
def _han_characters() -> frozenset[str]:
    """Every character that is Han for search (a jieba word that is one of them is a key)."""
    return frozenset(chr(c) for low, high in SEARCH_HAN_RANGES for c in range(low, high + 1))


def _character_keys(points, doc, in_head) -> tuple[tuple, tuple]:
    """Return ((keys, documents) of the bodies, (keys, documents) of the headlines) for the Han
    characters of a batch: bigrams, lone characters, and every character of a headline (both).

    *points* are the folded code points of the batch's texts, each ending in a newline; *doc* and
    *in_head* say, for each, its document and whether it is in a headline."""
    import numpy as np

    han = np.zeros(len(points), bool)
    for low, high in SEARCH_HAN_RANGES:
        han |= (points >= low) & (points <= high)
    pair = han[:-1] & han[1:]  # texts end in "\n", so no pair spans two of them
    lone = han.copy()
    lone[1:] &= ~han[:-1]
    lone[:-1] &= ~han[1:]
    bigrams = (points[:-1][pair].astype(np.int64) << 16) | points[1:][pair]
    bigram_docs = doc[:-1][pair]
    head_bigrams = in_head[:-1][pair]
    head_han = han & in_head
    head_points = points[head_han].astype(np.int64)
    return (
        ((bigrams, points[lone].astype(np.int64), head_points), (bigram_docs, doc[lone], doc[head_han])),
        ((bigrams[head_bigrams], head_points), (bigram_docs[head_bigrams], doc[head_han])),
    )


def _add_latin_keys(
    n: int, head: str, body: str, district: str, topics: tuple, body_keys: dict, title_keys: dict
) -> None:
    """Add document *n* to the postings of its Latin and digit runs and its filter keys."""
    found = set(_LATIN.findall(head))
    for key in found:
        title_keys[key].append(n)
    found.update(_LATIN.findall(body))
    if district:
        found.add("d:" + fold(district))
    found.update("t:" + fold(t) for t in topics)
    for key in found:
        body_keys[key].append(n)


def _pack(keys: tuple, docs: tuple):
    """Return the distinct (key, document) pairs as sorted numbers: key << 32 | document."""
    import numpy as np

    packed = np.sort((np.concatenate(keys).astype(np.uint64) << np.uint64(32)) | np.concatenate(docs).astype(np.uint64))
    return packed[_firsts(packed)]


def _firsts(values):
    """Return a mask of the first of each run of equal values."""
    import numpy as np

    first = np.empty(len(values), bool)
    first[:1] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return first


def _key_names(keys: list[int]) -> list[str]:
    return [chr(k) if k < 0x10000 else chr(k >> 16) + chr(k & 0xFFFF) for k in keys]


_FIN_BYTES = FIN.encode("ascii")
_CONT_BYTES = CONT.encode("ascii")


def _varint_text(values):
    """Return the varint text of *values* (numbers ≥ 0) and where each one's code ends."""
    import numpy as np

    if len(values) and values.min() < 0:  # a shift right never ends a negative number
        raise ValueError("a posting's gap is negative: the documents are out of order")
    digits = np.ones(len(values), np.int64)
    rest = values >> 5
    while rest.any():
        digits += rest > 0
        rest >>= 5
    ends = np.cumsum(digits)
    out = np.empty(int(ends[-1]) if len(ends) else 0, np.uint8)
    out[ends - 1] = np.frombuffer(_FIN_BYTES, np.uint8)[values & 31]
    cont = np.frombuffer(_CONT_BYTES, np.uint8)
    for k in range(1, int(digits.max()) if len(digits) else 1):
        longer = digits > k
        out[ends[longer] - 1 - k] = cont[(values[longer] >> (5 * k)) & 31]
    return out.tobytes().decode("ascii"), ends


PIECE = 1 << 20  # pairs encoded at a time (bounds the memory of the arrays)


def _runs(batches: list, names_of: Callable[[list[int]], list[str]]) -> Runs:
    """Return the runs of batches of packed pairs (emptying *batches*)."""
    import numpy as np

    if not batches:
        return Runs.of({})
    packed = np.concatenate(batches)
    batches.clear()
    # Each batch is sorted and holds later documents than the one before: a stable sort
    # (timsort) merges the runs.
    packed.sort(kind="stable")
    starts = np.flatnonzero(_firsts(packed >> np.uint64(32)))
    pieces = []
    begin = 0
    while begin < len(packed):
        cut = np.searchsorted(starts, begin + PIECE)  # the first key to start past the piece
        end = int(starts[cut]) if cut < len(starts) else len(packed)
        pieces.append(_encode(packed[begin:end], names_of))
        begin = end
    return Runs.joined(pieces)


def _encode(packed, names_of: Callable[[list[int]], list[str]]) -> Runs:
    """Encode sorted packed pairs that hold whole keys."""
    import numpy as np

    keys, docs = packed >> np.uint64(32), (packed & np.uint64(0xFFFFFFFF)).astype(np.int64)
    starts = np.flatnonzero(_firsts(keys))
    stops = np.append(starts[1:], len(docs))
    previous = np.empty_like(docs)
    previous[0] = -1
    previous[1:] = docs[:-1]
    previous[starts] = -1
    text, ends = _varint_text(docs - previous - 1)
    ends = np.concatenate(([0], ends))
    return Runs(
        names_of(keys[starts].tolist()), text, ends[starts], ends[stops], docs[starts], docs[stops - 1], stops - starts
    )


class Runs:
    """The postings of one run of consecutive documents, kept compact: key ``names[i]``'s
    varint gaps are ``text[starts[i]:stops[i]]``, its first and last documents ``first[i]`` and
    ``last[i]``, its document count ``count[i]``.  A tokenizer worker sends these to the search
    process, where the same postings as a dict of tuples held 380 MiB a worker at 30,000
    articles, against the 56 MB they pickle to."""

    def __init__(self, names: list[str] | str, text: str, starts, stops, first, last, count) -> None:
        import numpy as np

        self.names, self.text = names, text
        # 32 bits are enough (a run's text and the document numbers stay far below 2**31) and
        # hold half of 64: 48 MiB less in the search process at 30,000 articles.
        self.starts, self.stops, self.first, self.last, self.count = (
            np.asarray(a, np.int32) for a in (starts, stops, first, last, count)
        )
        self.shard: Any = None  # each key's shard, once ordered by them (`by_shard`)
        self.key_starts: Any = None  # where each key begins, once they are one string (`keys`)

    @classmethod
    def of(cls, table: dict[str, tuple[str, int, int, int]]) -> Runs:
        """The runs of a {key: (varint gaps, first, last, count)} table."""
        import numpy as np

        values = list(table.values())
        ends = np.cumsum([0] + [len(v[0]) for v in values], dtype=np.int64)
        numbers = np.array([v[1:] for v in values], np.int64).reshape(-1, 3)
        text = "".join(v[0] for v in values)
        return cls(list(table), text, ends[:-1], ends[1:], numbers[:, 0], numbers[:, 1], numbers[:, 2])

    @classmethod
    def joined(cls, parts: list[Runs]) -> Runs:
        """The runs of *parts*, which hold distinct keys, one after the other."""
        import numpy as np

        if len(parts) <= 1:
            return parts[0] if parts else cls.of({})
        offsets = np.cumsum([0] + [len(p.text) for p in parts], dtype=np.int64)
        return cls(
            [name for p in parts for name in p.keys()],
            "".join(p.text for p in parts),
            np.concatenate([p.starts + o for p, o in zip(parts, offsets)]),
            np.concatenate([p.stops + o for p, o in zip(parts, offsets)]),
            np.concatenate([p.first for p in parts]),
            np.concatenate([p.last for p in parts]),
            np.concatenate([p.count for p in parts]),
        )

    _SEP = "\n"  # between the keys of a pickled run; no key holds it (else they go as a list)

    def __getstate__(self) -> dict:
        # The keys as one string: unpickled, a list of them is an object per key (55 bytes
        # each, millions of keys in the search process at 100,000 articles).
        state = dict(self.__dict__)
        if isinstance(self.names, list):
            joined = self._SEP.join(self.names)
            if joined.count(self._SEP) == len(self.names) - 1:
                state["names"], state["key_starts"] = joined, None
        return state

    def __len__(self) -> int:
        return len(self.count)

    def keys(self, lo: int = 0, hi: int | None = None) -> list[str]:
        """The keys *lo* to *hi*."""
        if isinstance(self.names, list):
            return self.names[lo:hi]
        import numpy as np

        text = self.names
        if self.key_starts is None:  # where each key begins in the text, and one past its end
            codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)
            self.key_starts = np.concatenate(([0], np.flatnonzero(codes == ord(self._SEP)) + 1, [len(text) + 1]))
        hi = len(self) if hi is None else min(hi, len(self))
        if lo >= hi:
            return []
        return text[int(self.key_starts[lo]) : int(self.key_starts[hi]) - 1].split(self._SEP)

    def items(
        self, block: int = 8192, lo: int = 0, hi: int | None = None
    ) -> Iterator[tuple[str, tuple[str, int, int, int]]]:
        """Yield (key, (varint gaps, first, last, count)) for keys *lo* to *hi* (every key),
        *block* at a time."""
        text = self.text
        hi = len(self) if hi is None else hi
        for at in range(lo, hi, block):
            end = min(at + block, hi)
            for name, a, b, first, last, count in zip(
                self.keys(at, end),
                self.starts[at:end].tolist(),
                self.stops[at:end].tolist(),
                self.first[at:end].tolist(),
                self.last[at:end].tolist(),
                self.count[at:end].tolist(),
            ):
                yield name, (text[a:b], first, last, count)

    def table(self) -> dict[str, tuple[str, int, int, int]]:
        return dict(self.items())

    def by_shard(self, shard_numbers: Callable[[list[str]], Any]) -> Runs:
        """Return these runs ordered by the shard of each key (kept in ``shard``; *shard_numbers*
        gives the keys' shards as an array), so that the search process joins and writes one
        shard at a time (`shard_items`)."""
        import numpy as np

        names = self.keys()
        shard = np.asarray(shard_numbers(names), np.int64)
        order = np.argsort(shard, kind="stable")
        ordered = Runs(
            [names[i] for i in order.tolist()],
            self.text,
            self.starts[order],
            self.stops[order],
            self.first[order],
            self.last[order],
            self.count[order],
        )
        ordered.shard = shard[order]
        return ordered

    def stream(
        self, tag: int, shards: tuple[int, int] | None = None, block: int = 8192
    ) -> Iterator[tuple[int, int, str, tuple[str, int, int, int]]]:
        """Yield (shard, *tag*, key, (varint gaps, first, last, count)) in order, for the keys
        of the shards from ``shards[0]`` up to ``shards[1]`` (all), *block* keys' numbers at a
        time (a list of them all would hold more than the arrays)."""
        import numpy as np

        lo, hi = (0, len(self)) if shards is None else (int(i) for i in np.searchsorted(self.shard, shards))
        numbers = itertools.chain.from_iterable(
            self.shard[at : min(at + block, hi)].tolist() for at in range(lo, hi, block)
        )
        for shard, (name, piece) in zip(numbers, self.items(block, lo, hi)):
            yield shard, tag, name, piece


def shard_items(
    kinds: list[list[Runs]], shards: tuple[int, int] | None = None
) -> Iterator[tuple[int, list[dict[str, tuple[str, int, int, int]]]]]:
    """Join runs ordered by shard (`Runs.by_shard`) one shard at a time: *kinds* holds, for each
    kind of postings (body, title), its runs in document order; yield (shard, [{key: joined
    (gaps, first, last, count)} for each kind]) for every shard that holds a key, of those from
    ``shards[0]`` up to ``shards[1]``.  Asked for every shard (*shards* None), the runs are
    taken out of *kinds*, each let go when its stream ends; a process that writes a span of the
    shards may be given another span of the same runs next."""
    import heapq

    streams = [runs.stream(tag, shards) for tag, runs_list in enumerate(kinds) for runs in runs_list]
    if shards is None:
        for runs_list in kinds:
            runs_list.clear()
    # Ties (one shard) come in the order of the streams: each kind's runs in document order.
    merged = heapq.merge(*streams, key=operator.itemgetter(0))
    for shard, items in itertools.groupby(merged, key=operator.itemgetter(0)):
        pieces: list[dict[str, list]] = [{} for _ in kinds]
        for _, tag, name, piece in items:
            got = pieces[tag].get(name)
            if got is None:
                pieces[tag][name] = [piece]
            else:
                got.append(piece)
        yield shard, [{name: join_pieces(p) for name, p in kind.items()} for kind in pieces]


def join_pieces(pieces: list[tuple[str, int, int, int]]) -> tuple[str, int, int, int]:
    """Join one key's (varint gaps, first, last, count) of consecutive document runs, in order:
    each run's first gap is coded again from the previous run's last document."""
    gaps, first, last, count = pieces[0]
    if len(pieces) == 1:
        return pieces[0]
    out = [gaps]
    for more, start, end, n in pieces[1:]:
        codes = _gap_codes(start + 1)
        out.append(codes[start - last] + more[len(codes[start + 1]) :])
        last = end
        count += n
    return "".join(out), first, last, count


# --- postings in parts (index format 3) ---
# A key in thousands of documents is written as a head and parts: each part holds the key's
# documents of one span of document numbers (PART_SPAN in index.py), counted from the span's
# start, so a query loads only the spans it shows documents from (docs/SEARCH.md §5).


def decode_gaps(gaps: str):
    """Return the rising document numbers of varint gap text as an array (`decode_postings`
    for the gaps form, with numpy: the 9,000 keys split at 100,000 articles hold 105 million
    numbers)."""
    import numpy as np

    codes = np.frombuffer(gaps.encode("ascii"), np.uint8)
    value_of, is_final = _digit_tables()
    ends = np.flatnonzero(is_final[codes])
    if not len(ends):
        return np.zeros(0, np.int64)
    digits = np.diff(ends, prepend=-1)
    values = value_of[codes[ends]]
    for k in range(1, int(digits.max())):
        longer = digits > k
        values[longer] += value_of[codes[ends[longer] - k]] << (5 * k)
    return np.cumsum(values + 1) - 1


@functools.cache
def _digit_tables():
    import numpy as np

    value_of = np.zeros(256, np.int64)
    is_final = np.zeros(256, bool)
    for alphabet in (FIN, CONT):
        for value, ch in enumerate(alphabet):
            value_of[ord(ch)] = value
    is_final[np.frombuffer(_FIN_BYTES, np.uint8)] = True
    return value_of, is_final


# From this many documents a list is coded with numpy (`encode_array`): the same text, 1.6 times
# faster at 1,000 numbers, 4.7 times at 8,000; slower below about 600.
ARRAY_FROM = 600


def encode_numbers(ids: Collection[int]) -> str:
    """`encode_postings` of distinct document numbers in any order (a patch's sets of them)."""
    if len(ids) < ARRAY_FROM or not _numpy_pays(len(ids)):
        return encode_postings(ids)
    import numpy as np

    numbers = np.fromiter(ids, np.int64, len(ids))
    numbers.sort()
    return encode_array(numbers)


def encode_array(ids) -> str:
    """`encode_postings` of a rising, non-empty array of document numbers, with numpy: the same
    text, by the same choice of form (`shorter`; tests/test_search_parts.py holds them equal)."""
    return shorter(_gaps_of_array(ids), int(ids[-1]), len(ids), ids, _bitmap_of_array, _complement_of_array)


def _gaps_of_array(ids) -> str:
    import numpy as np

    return _varint_text(np.diff(ids, prepend=-1) - 1)[0]


def _bitmap_of_array(ids) -> str:
    """`_bitmap` of a rising array."""
    import numpy as np

    flags = np.zeros((int(ids[-1]) // 6 + 1) * 6, np.uint8)
    flags[ids] = 1
    values = flags.reshape(-1, 6) @ (1 << np.arange(6, dtype=np.uint8))
    return values.astype(np.uint8).tobytes().translate(_B64_OF_VALUE).decode("ascii")


def _complement_of_array(ids) -> str:
    """`_complement` of a rising array."""
    import numpy as np

    last = int(ids[-1])
    present = np.zeros(last, bool)
    present[ids[:-1]] = True
    missing = np.flatnonzero(~present)
    return "!" + encode_number(last) + (_gaps_of_array(missing) if len(missing) else "")


def split_parts(ids, span: int) -> dict[int, str]:
    """Return {part: its documents' postings} of rising document numbers *ids* (an array):
    part r holds the documents from r × *span* on, less r × *span*."""
    import numpy as np

    part_of = ids // span
    cuts = np.flatnonzero(np.diff(part_of)) + 1
    return {
        int(piece[0] // span): encode_array(piece - (piece[0] // span) * span)
        for piece in np.split(ids, cuts)
        if len(piece)
    }


def head_entry(count: int, parts: Iterable[int]) -> str:
    """The body of a split key's entry: "@", its document count as a varint, then its parts'
    numbers as postings."""
    return "@" + encode_number(count) + encode_postings(list(parts))


def read_head(body: str) -> tuple[int, list[int]]:
    """Return (document count, part numbers) of a split key's body (`head_entry`)."""
    end = next(i for i, ch in enumerate(body) if ch in FIN)  # the count's last digit
    count = _VARINT_VALUES[body[1 : end + 1]] - 1
    return count, decode_postings(body[end + 1 :])
