"""The static search index: bigram/word/pinyin postings split into small JS shards.

The browser (static/search.js) loads only the shards a query needs, as
``<script>`` files that call ``window.__sitegenSearch.load(name, data)`` — this
works over http and from ``file://`` alike.  The rules are in docs/SEARCH.md.

Files written (paths relative to public/):

- ``search/meta.js``          shard count, filter values, district aliases, fold blocks
- ``search/f/<block>.js``     the fold table for one 256-code-point block
- ``search/s/<shard>.js``     postings for the keys that hash to this shard
- ``search/d/<n>.js``         one document: title, date, district, url, plain text

Documents are numbered newest first, so "newer above older" is "smaller number first".
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .config import Config
from .model import Article
from .text import add_words, fold, fold_table, is_search_cjk, search_runs, search_tokens, words

FORMAT_VERSION = 1
# Aim for shards of about this many bytes before gzip (≈ 5–8 KB gzipped).
SHARD_TARGET = 4_000
MAX_SHARDS = 8192
# Characters of body text kept per document for snippets ("z": 1 marks a cut text).
DOC_TEXT_LIMIT = 1500
PINYIN_WORDS = 3            # words kept per initials key (most frequent first)
PINYIN_MAX_CHARS = 6

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


B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def encode_postings(ids: Iterable[int]) -> str:
    """Encode document numbers: gaps as varints, or, when shorter, a bitmap.

    A bitmap is "~" followed by one B64 character per six documents (bit k of
    character j is document 6j+k), trailing empty characters dropped."""
    ids = sorted(set(ids))
    out = []
    prev = -1
    for i in ids:
        out.append(encode_number(i - prev - 1))
        prev = i
    gaps = "".join(out)
    if ids and len(gaps) > ids[-1] // 6 + 2:
        bits = [0] * (ids[-1] // 6 + 1)
        for i in ids:
            bits[i // 6] |= 1 << (i % 6)
        return "~" + "".join(B64[b] for b in bits)
    return gaps


def decode_postings(text: str) -> list[int]:
    """Decode :func:`encode_postings` (used by the tests)."""
    out: list[int] = []
    if text.startswith("~"):
        for j, ch in enumerate(text[1:]):
            v = B64.index(ch)
            out.extend(6 * j + k for k in range(6) if v >> k & 1)
        return out
    n = 0
    prev = -1
    for ch in text:
        k = CONT.find(ch)
        if k >= 0:
            n = n * 32 + k
            continue
        n = n * 32 + FIN.index(ch)
        prev = prev + n + 1
        out.append(prev)
        n = 0
    return out


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


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_LEAD = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+)")
_MD_EMPH = re.compile(r"(\*\*|__|\*|`)")


def plain_text(markdown: str) -> str:
    """Strip Markdown markup, keeping one paragraph per line."""
    lines = []
    for line in markdown.splitlines():
        line = _MD_IMAGE.sub(r"\1", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_LEAD.sub("", line)
        line = _MD_EMPH.sub("", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def _pinyin(word: str) -> tuple[str, str]:
    """Return the full pinyin and the initials of *word* ("" when it has no pinyin)."""
    from pypinyin import Style, lazy_pinyin

    syl = [s.lower().replace("ü", "v") for s in lazy_pinyin(word, style=Style.NORMAL)]
    full = "".join(syl)
    if not re.fullmatch(r"[a-z]+", full):
        return "", ""
    return full, "".join(s[0] for s in syl)


def _load_districts() -> dict[str, str]:
    """Return {folded name or alias: canonical district} from the gazetteer."""
    from .gazetteer import load_gazetteer

    out: dict[str, str] = {}
    for d in load_gazetteer().districts:
        out[fold(d.name)] = d.name
        for alias in d.aliases:
            out[fold(alias)] = d.name
    return out


def _teach_place_names() -> tuple[str, ...]:
    """Give jieba the gazetteer's names, as the importer does, so the index never
    depends on whether an import ran in the same process; return the names."""
    from .gazetteer import load_gazetteer

    names = load_gazetteer().all_names()
    add_words(names)
    return names


def _headline(article: Article) -> str:
    return " ".join(p for p in (article.kicker, article.title, article.subtitle) if p)


@dataclass(frozen=True)
class DocTokens:
    """What one document puts into the index."""

    title_keys: frozenset[str]    # keys of the headline (they are body keys too)
    body_keys: frozenset[str]     # keys of headline, body, tags and places, and d:/t: filter keys
    title_words: frozenset[str]   # words of the headline that get pinyin keys
    body_words: frozenset[str]    # words of the headline, body, tags and places that get pinyin keys

    def pack(self) -> bytes:
        """Return the tokens as compressed bytes for the token store."""
        parts = (self.title_keys, self.body_keys, self.title_words, self.body_words)
        return zlib.compress("\x01".join("\x00".join(sorted(p)) for p in parts).encode("utf-8"), 1)

    @classmethod
    def unpack(cls, data: bytes) -> "DocTokens":
        """Return the tokens that :meth:`pack` stored."""
        parts = zlib.decompress(data).decode("utf-8").split("\x01")
        return cls(*(frozenset(p.split("\x00")) if p else frozenset() for p in parts))


def _pinyin_words(ws: Iterable[str]) -> set[str]:
    return {w for w in ws if 2 <= len(w) <= PINYIN_MAX_CHARS and _ALL_HAN.fullmatch(w)}


_ALL_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _words_and_pairs(text: str) -> set[str]:
    """jieba words, plus adjacent pairs of Han words (2–3 characters each, 4–5 in all)
    so that pinyin typed for a compound jieba splits (机关|干部 → jiguanganbu) still matches."""
    ws = words(text)
    out = set(ws)
    for a, b in zip(ws, ws[1:]):
        if 2 <= len(a) <= 3 and 2 <= len(b) <= 3 and len(a) + len(b) <= 5 and _ALL_HAN.fullmatch(a + b):
            out.add(a + b)
    return out


def doc_tokens(doc: tuple) -> DocTokens:
    """Return the index tokens of one document input (see :func:`_doc_input`)."""
    _id, _date, head, body, extra, district, topics, _url, _title, _kicker, _subtitle = doc
    fhead = fold(head)
    fbody = fold(body + "\n" + extra)
    title_keys = set(search_tokens(head))
    title_keys.update(c for c in fhead if is_search_cjk(c))
    ws_head = _words_and_pairs(fhead)
    ws_body = _words_and_pairs(fbody)
    body_keys = set(search_tokens(body))
    body_keys.update(search_tokens(extra))
    body_keys.update(w for w in ws_body if len(w) == 1 and is_search_cjk(w))
    body_keys |= title_keys
    if district:
        body_keys.add("d:" + fold(district))
    body_keys.update("t:" + fold(t) for t in topics)
    title_words = _pinyin_words(ws_head)
    return DocTokens(frozenset(title_keys), frozenset(body_keys), frozenset(title_words),
                     frozenset(_pinyin_words(ws_body) | title_words))


def _tokens_chunk(docs: list) -> list[bytes]:
    return [doc_tokens(d).pack() for d in docs]


PARALLEL_MIN = 400     # tokenize in one process per core from this many documents


def _tokenize_all(docs: list) -> list[DocTokens]:
    """Tokenize *docs*, in forked workers when there are many (jieba is the slow part)."""
    import multiprocessing
    import os

    workers = min(os.cpu_count() or 1, 4)
    if len(docs) < PARALLEL_MIN or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [doc_tokens(d) for d in docs]
    size = max(50, len(docs) // (workers * 4) + 1)
    chunks = [docs[i:i + size] for i in range(0, len(docs), size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        packed = [data for part in pool.map(_tokens_chunk, chunks) for data in part]
    return [DocTokens.unpack(data) for data in packed]


class TokenStore:
    """Tokens of every document ever indexed, keyed by the digest of its input, in SQLite
    (read one document at a time on an incremental build, all at once on a full one)."""

    def __init__(self, path: Path | None, code: bytes) -> None:
        import sqlite3

        self.db = None
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path))
            self.db.execute("CREATE TABLE IF NOT EXISTS tokens (digest BLOB PRIMARY KEY, data BLOB) WITHOUT ROWID")
            self.db.execute("CREATE TABLE IF NOT EXISTS code (digest BLOB)")
            row = self.db.execute("SELECT digest FROM code").fetchone()
            if row is None or row[0] != code:   # other tokenizing code: every entry is stale
                self.db.execute("DELETE FROM tokens")
                self.db.execute("DELETE FROM code")
                self.db.execute("INSERT INTO code VALUES (?)", (code,))
                self.db.commit()
        except sqlite3.Error:   # a cache is disposable: work without it
            self.db = None

    def get_many(self, digests: list[bytes]) -> dict[bytes, DocTokens]:
        """Return the stored tokens of those *digests* that are in the store."""
        if self.db is None or not digests:
            return {}
        wanted = set(digests)
        if len(wanted) > 200:
            rows = self.db.execute("SELECT digest, data FROM tokens")
        else:
            marks = ",".join("?" * len(wanted))
            rows = self.db.execute(f"SELECT digest, data FROM tokens WHERE digest IN ({marks})", list(wanted))
        return {d: DocTokens.unpack(data) for d, data in rows if d in wanted}

    def put_many(self, items: dict[bytes, DocTokens], keep: set[bytes] | None = None) -> None:
        """Store *items*; with *keep*, drop every entry whose digest is not in it."""
        import sqlite3

        if self.db is None:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO tokens VALUES (?, ?)",
                                    [(d, t.pack()) for d, t in items.items()])
                if keep is not None:
                    stored = [d for (d,) in self.db.execute("SELECT digest FROM tokens")]
                    self.db.executemany("DELETE FROM tokens WHERE digest = ?", [(d,) for d in stored if d not in keep])
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def _read_pickle(path: Path):
    """Return a cache file's content, or None when it is missing or unreadable."""
    import pickle

    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # a cache is disposable: any damage means "rebuild it"
        return None


def _write_pickle(path: Path, value: object) -> None:
    import os
    import pickle

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass


def _js(name: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"window.__sitegenSearch.load({json.dumps(name)},{payload});\n".encode("utf-8")


_JS_LOAD = re.compile(r'window\.__sitegenSearch\.load\("[^"]*",(.*)\);\n', re.S)


def _unjs(data: bytes) -> object:
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
    try:
        from .site import district_slug
    except Exception:  # pragma: no cover
        def district_slug(name: str) -> str:
            return "a"
    slugs: dict[str, str] = {}
    seen: set[str] = set()
    for name in sorted({a.district for a in articles if a.district}):
        slug = district_slug(name)
        if slug in seen:
            slug = f"{slug}-{sum(1 for v in slugs.values() if v.startswith(slug)) + 1}"
        seen.add(slug)
        slugs[name] = slug
    return lambda a: f"{slugs[a.district] if a.district else 'a'}/{a.slug}/"


def _doc_input(art: Article, url: str) -> tuple:
    """Return everything of *art* that the index depends on, in one tuple."""
    return (art.id, art.date, _headline(art), plain_text(art.body), " ".join((*art.tags, *art.places)),
            art.district or "", art.topics, url, art.title, art.kicker or "", art.subtitle or "")


def _doc_digest(doc: tuple) -> bytes:
    return hashlib.blake2b(repr(doc).encode("utf-8"), digest_size=16).digest()


def _doc_file(doc: tuple) -> dict:
    _id, date, _head, body, _extra, district, _topics, url, title, kicker, subtitle = doc
    return {"t": title, "k": kicker, "s": subtitle, "u": url, "d": date, "r": district,
            "x": body[:DOC_TEXT_LIMIT], **({"z": 1} if len(body) > DOC_TEXT_LIMIT else {})}


def _code_digest(districts: dict[str, str], place_names: tuple[str, ...]) -> bytes:
    """Digest this code, the text rules, district aliases and jieba's place names:
    a change in any of them means "index everything again"."""
    h = hashlib.blake2b(digest_size=16)
    for src in (Path(__file__), Path(__file__).with_name("text.py")):
        h.update(src.read_bytes())
    h.update(repr((FORMAT_VERSION, sorted(districts.items()), place_names)).encode("utf-8"))
    return h.digest()


def _meta(docs: list[tuple], shards: int, blocks: list[str], districts: dict[str, str]) -> dict:
    years: dict[str, list[int]] = {}
    names: set[str] = set()
    topics: set[str] = set()
    for n, doc in enumerate(docs):
        years.setdefault(doc[1][:4], [n, n])[1] = n
        if doc[5]:
            names.add(doc[5])
        topics.update(doc[6])
    aliases = {k: v for k, v in sorted(districts.items()) if v in names}
    return {"v": FORMAT_VERSION, "n": len(docs), "shards": shards, "fold": blocks,
            "years": [[y, r[0], r[1]] for y, r in sorted(years.items(), reverse=True)],
            "districts": sorted(names), "topics": sorted(topics), "aliases": aliases}


@dataclass
class _Words:
    """Pinyin vocabulary: documents per word, and the words behind each pinyin key."""

    docs: dict[str, tuple[int, str, str]]       # word -> (document count, postings, headline postings)
    readings: dict[str, tuple[str, str]]         # word -> (full pinyin, initials); "" when not pinyin-able

    def reading(self, word: str) -> tuple[str, str]:
        got = self.readings.get(word)
        if got is None:
            got = self.readings[word] = _pinyin(word)
        return got

    def keys_of(self, word: str) -> list[str]:
        full, initials = self.reading(word)
        if not full:
            return []
        return ["p:" + full, "i:" + initials] if len(word) <= 4 else ["p:" + full]

    def entry(self, key: str, members: Iterable[str]) -> str | None:
        """Return the index entry of pinyin *key* over the words that read so, or None."""
        ranked = sorted((w for w in members if w in self.docs), key=lambda w: (-self.docs[w][0], w))[:PINYIN_WORDS]
        if not ranked:
            return None
        body: set[int] = set()
        title: set[int] = set()
        for w in ranked:
            body.update(decode_postings(self.docs[w][1]))
            title.update(decode_postings(self.docs[w][2]))
        return encode_postings(body) + "|" + encode_postings(title) + "|" + " ".join(ranked)


@dataclass
class SearchIndex:
    """The search files of one build: what to write, what is unchanged, and the saved state."""

    files: dict[str, bytes]          # new or changed files, path relative to public/
    keep: list[str]                  # unchanged files already in public/
    version: str                     # digest of the whole index, changes whenever any file does
    incremental: bool
    _state: dict | None = None
    _state_path: Path | None = None

    def save(self) -> None:
        """Remember this index for the next incremental build (after public/ holds it)."""
        if self._state is not None and self._state_path is not None:
            _write_pickle(self._state_path, self._state)


def _version(digests: dict[str, str]) -> str:
    h = hashlib.blake2b(digest_size=8)
    for path in sorted(digests):
        h.update(f"{path}\0{digests[path]}\n".encode("utf-8"))
    return h.hexdigest()


def _file_digest(data: bytes) -> str:
    from .writer import digest   # the output manifest's digest, so the two can be compared

    return digest(data)


def _full_index(docs: list[tuple], tokens: list[DocTokens], districts: dict[str, str],
                readings: dict) -> tuple[dict[str, bytes], _Words, int]:
    """Build every search file from every document's tokens."""
    body_post: dict[str, list[int]] = defaultdict(list)
    title_post: dict[str, list[int]] = defaultdict(list)
    word_post: dict[str, list[int]] = defaultdict(list)
    word_title: dict[str, list[int]] = defaultdict(list)
    files: dict[str, bytes] = {}
    for n, (doc, tok) in enumerate(zip(docs, tokens)):
        for key in tok.body_keys:
            body_post[key].append(n)
        for key in tok.title_keys:
            title_post[key].append(n)
        for w in tok.body_words:
            word_post[w].append(n)
        for w in tok.title_words:
            word_title[w].append(n)
        files[f"search/d/{n}.js"] = _js(f"d{n}", _doc_file(doc))

    entries: dict[str, str] = {}
    for key, ids in body_post.items():
        title = title_post.get(key)
        entries[key] = encode_postings(ids) + ("|" + encode_postings(title) if title else "")
    vocab = _Words({w: (len(ids), encode_postings(ids), encode_postings(word_title.get(w, ())))
                    for w, ids in word_post.items()}, readings)
    by_key: dict[str, list[str]] = defaultdict(list)
    for w in sorted(vocab.docs):
        for key in vocab.keys_of(w):
            by_key[key].append(w)
    for key, members in by_key.items():
        entries[key] = vocab.entry(key, members)

    total = sum(len(k.encode()) + len(v) + 6 for k, v in entries.items())
    shards = max(1, min(MAX_SHARDS, math.ceil(total / SHARD_TARGET)))
    grouped: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in entries.items():
        grouped[shard_name(key, shards)][key] = value
    for name, group in grouped.items():
        files[f"search/s/{name}.js"] = _js("s" + name, group)
    return files, vocab, shards


def _apply(value: str | None, add_body: set[int], drop_body: set[int], add_title: set[int],
           drop_title: set[int]) -> str | None:
    """Return a key's entry with documents added and removed (None when none is left)."""
    body_text, _, title_text = (value or "").partition("|")
    body = (set(decode_postings(body_text)) | add_body) - drop_body
    if not body:
        return None
    title = (set(decode_postings(title_text)) | add_title) - drop_title
    return encode_postings(body) + ("|" + encode_postings(title) if title else "")


def _incremental(state: dict, docs: list[tuple], digests: list[bytes], changed: list[int],
                 old_tokens: list[DocTokens], new_tokens: list[DocTokens], out_dir: Path) -> dict[str, bytes] | None:
    """Patch the previous index for *changed* documents; None when the previous output is unusable."""
    shards = state["shards"]
    body_delta: dict[str, tuple[set, set, set, set]] = defaultdict(lambda: (set(), set(), set(), set()))
    word_delta: dict[str, tuple[set, set, set, set]] = defaultdict(lambda: (set(), set(), set(), set()))
    for n, old, new in zip(changed, old_tokens, new_tokens):
        for delta, (o_body, n_body, o_title, n_title) in (
                (body_delta, (old.body_keys, new.body_keys, old.title_keys, new.title_keys)),
                (word_delta, (old.body_words, new.body_words, old.title_words, new.title_words))):
            for key in n_body - o_body:
                delta[key][0].add(n)
            for key in o_body - n_body:
                delta[key][1].add(n)
            for key in n_title - o_title:
                delta[key][2].add(n)
            for key in o_title - n_title:
                delta[key][3].add(n)

    vocab = _Words(state["words"], state["readings"])
    by_key: dict[str, list[str]] = state["by_key"]
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

    touched = defaultdict(set)
    for key in list(body_delta) + sorted(pinyin_touched):
        touched[shard_name(key, shards)].add(key)
    files: dict[str, bytes] = {}
    for name, keys in touched.items():
        path = f"search/s/{name}.js"
        group: dict[str, str] = {}
        if path in state["files"]:
            try:
                data = (out_dir / path).read_bytes()
            except OSError:
                return None
            if _file_digest(data) != state["files"][path]:
                return None   # public/ is not what the last build wrote
            group = _unjs(data)
        for key in keys:
            if key in pinyin_touched:
                value = vocab.entry(key, by_key.get(key, ()))
            else:
                value = _apply(group.get(key), *body_delta[key])
            if value is None:
                group.pop(key, None)
            else:
                group[key] = value
        if group:
            files[path] = _js("s" + name, group)
        else:
            files[path] = b""   # marks a shard that no longer exists
    for n in changed:
        files[f"search/d/{n}.js"] = _js(f"d{n}", _doc_file(docs[n]))
    return files


STATE_FILE = "search-state.pickle"
TOKENS_FILE = "search-tokens.sqlite"
INCREMENTAL_MAX = 0.05       # patch the index when at most this share of documents changed


def build_search_index(articles: Sequence[Article], config: Config, *,
                       url_of: Callable[[Article], str] | None = None,
                       districts: dict[str, str] | None = None,
                       out_dir: Path | None = None, published: dict[str, str] | None = None) -> SearchIndex:
    """Build the search files; patch the previous index in *out_dir* when few documents changed.

    *published* is the writer's manifest of *out_dir* ({path: digest}); the previous index is
    only patched when every one of its files is there unchanged.  Call ``.save()`` on the
    result once its files are in *out_dir*."""
    url_of = url_of or default_url_of(articles)
    published = published or {}
    districts = _load_districts() if districts is None else districts
    code = _code_digest(districts, _teach_place_names())
    arts = sorted((a for a in articles if not a.draft), key=lambda a: (a.date, a.id), reverse=True)
    docs = [_doc_input(a, url_of(a)) for a in arts]
    digests = [_doc_digest(d) for d in docs]
    cache_dir = getattr(config, "cache_dir", None)
    state_path = Path(cache_dir) / STATE_FILE if cache_dir is not None else None
    store = TokenStore(Path(cache_dir) / TOKENS_FILE if cache_dir is not None else None, code)
    try:
        state = _read_pickle(state_path) if (state_path is not None and out_dir is not None) else None
        files = None
        if (isinstance(state, dict) and state.get("code") == code and state.get("ids") == [d[0] for d in docs]
                and len(state.get("digests", ())) == len(docs)
                and all(published.get(p) == d for p, d in state["files"].items())):
            changed = [n for n, (a, b) in enumerate(zip(state["digests"], digests)) if a != b]
            if len(changed) <= max(1, INCREMENTAL_MAX * len(docs)):
                old = store.get_many([state["digests"][n] for n in changed])
                if len(old) == len(set(state["digests"][n] for n in changed)):
                    new = [doc_tokens(docs[n]) for n in changed]
                    store.put_many({digests[n]: t for n, t in zip(changed, new)})
                    files = _incremental(state, docs, digests, changed,
                                         [old[state["digests"][n]] for n in changed], new, Path(out_dir))
        if files is not None:
            state = dict(state, digests=digests)
            blocks = state["blocks"]
            shards = state["shards"]
            incremental = True
        else:
            known = store.get_many(digests)
            missing = [n for n, d in enumerate(digests) if d not in known]
            fresh = dict(zip((digests[n] for n in missing), _tokenize_all([docs[n] for n in missing])))
            store.put_many(fresh, keep=set(digests))
            tokens = [known.get(d) or fresh[d] for d in digests]
            readings = state.get("readings", {}) if isinstance(state, dict) and state.get("code") == code else {}
            files, vocab, shards = _full_index(docs, tokens, districts, readings)
            blocks = fold_blocks()
            for name, pairs in blocks.items():
                files[f"search/f/{name}.js"] = _js("f" + name, pairs)
            blocks = sorted(blocks)
            by_key: dict[str, list[str]] = defaultdict(list)
            for w in sorted(vocab.docs):
                for key in vocab.keys_of(w):
                    by_key[key].append(w)
            state = {"code": code, "shards": shards, "blocks": blocks, "words": vocab.docs,
                     "readings": vocab.readings, "by_key": dict(by_key), "files": {}, "digests": digests}
            incremental = False
        files["search/meta.js"] = _js("meta", _meta(docs, shards, blocks, districts))
        state["ids"] = [d[0] for d in docs]
        old_files = state["files"] if incremental else {}
        digests_out = dict(old_files) if incremental else {}
        for path, data in list(files.items()):
            if not data:
                del files[path]
                digests_out.pop(path, None)
                continue
            d = _file_digest(data)
            if old_files.get(path) == d:
                del files[path]
            digests_out[path] = d
        state["files"] = digests_out
        keep = sorted(p for p in digests_out if p not in files)
        return SearchIndex(files, keep, _version(digests_out), incremental, state, state_path)
    finally:
        store.close()


def build_search_files(articles: Sequence[Article], config: Config,
                       url_of: Callable[[Article], str] | None = None,
                       districts: dict[str, str] | None = None) -> dict[str, bytes]:
    """Build every search file from scratch; return {path relative to public/: bytes}."""
    return build_search_index(articles, config, url_of=url_of, districts=districts, published={}).files


def tokens_for_test(text: str) -> dict[str, list[str]]:
    """Return what the parity test compares: folded text, runs and tokens."""
    return {"fold": [fold(text)], "runs": search_runs(text), "tokens": search_tokens(text)}
