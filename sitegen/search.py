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

import json
import math
import re
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .config import Config
from .model import Article
from .text import fold, fold_table, search_tokens, search_runs, words, is_search_cjk

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


def _headline(article: Article) -> str:
    return " ".join(p for p in (article.kicker, article.title, article.subtitle) if p)


def _unigrams(text: str) -> set[str]:
    return {c for c in fold(text) if is_search_cjk(c)}


def _pinyin(word: str) -> tuple[str, str]:
    from pypinyin import Style, lazy_pinyin

    syl = [s.lower().replace("ü", "v") for s in lazy_pinyin(word, style=Style.NORMAL)]
    full = "".join(syl)
    if not re.fullmatch(r"[a-z]+", full):
        return "", ""
    return full, "".join(s[0] for s in syl)


def _load_districts() -> dict[str, str]:
    """Return {name or alias: canonical district} from the gazetteer, if it is there."""
    try:
        from . import gazetteer  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - gazetteer not written yet
        return {}
    try:
        gaz = gazetteer.load_gazetteer()
    except Exception:  # pragma: no cover
        return {}
    out: dict[str, str] = {}
    districts = getattr(gaz, "districts", None)
    if districts is None:
        return out
    items = districts.values() if isinstance(districts, dict) else districts
    for d in items:
        name = getattr(d, "name", None) or (d.get("name") if isinstance(d, dict) else None)
        if not name:
            continue
        aliases = getattr(d, "aliases", None)
        if aliases is None and isinstance(d, dict):
            aliases = d.get("aliases", ())
        out[fold(name)] = name
        for alias in aliases or ():
            out[fold(alias)] = name
    return out


def _words_and_pairs(text: str) -> set[str]:
    """jieba words, plus adjacent pairs of Han words (2–3 characters each, 4–5 in all)
    so that pinyin typed for a compound jieba splits (机关|干部 → jiguanganbu) still matches."""
    ws = words(text)
    out = set(ws)
    for a, b in zip(ws, ws[1:]):
        if 2 <= len(a) <= 3 and 2 <= len(b) <= 3 and len(a) + len(b) <= 5 \
                and all(is_search_cjk(c) for c in a + b):
            out.add(a + b)
    return out


def _article_tokens(head: str, body: str, extra: str):
    head_tokens = set(search_tokens(head)) | _unigrams(head)
    body_tokens = set(search_tokens(body)) | set(search_tokens(extra))
    ws_head = _words_and_pairs(fold(head))
    ws_body = _words_and_pairs(fold(body + "\n" + extra))
    # single characters: headline characters and single-character words
    body_tokens |= {w for w in ws_body if len(w) == 1 and is_search_cjk(w)}

    def pinyin_words(ws: set[str]) -> frozenset[str]:
        return frozenset(w for w in ws if 2 <= len(w) <= PINYIN_MAX_CHARS and all(is_search_cjk(c) for c in w))
    return frozenset(head_tokens), frozenset(body_tokens), pinyin_words(ws_head), pinyin_words(ws_body)


class _TokenCache:
    """Per-article tokens keyed by a digest of the text, kept in config.cache_dir
    (jieba is most of the index's build time; unchanged articles skip it)."""

    VERSION = 4

    def __init__(self, config: Config) -> None:
        import pickle

        self.path = None
        self.old: dict = {}
        self.new: dict = {}
        cache_dir = getattr(config, "cache_dir", None)
        if cache_dir is None:
            return
        self.path = Path(cache_dir) / "search-tokens.pickle"
        version, data = _read_pickle(self.path) or (None, {})
        if version == (self.VERSION, FORMAT_VERSION):
            self.old = data

    def get(self, head: str, body: str, extra: str):
        import hashlib

        key = hashlib.blake2b("\x00".join((head, body, extra)).encode("utf-8"), digest_size=16).digest()
        packed = self.new.get(key) or self.old.get(key)
        if packed is None:
            # stored as NUL-joined strings: far quicker to pickle than sets of strings
            packed = tuple("\x00".join(sorted(part)) for part in _article_tokens(head, body, extra))
        self.new[key] = packed
        return tuple(set(part.split("\x00")) if part else set() for part in packed)

    def save(self) -> None:
        import os
        import pickle

        if self.path is None or self.new.keys() == self.old.keys():
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump(((self.VERSION, FORMAT_VERSION), self.new), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass


def _read_pickle(path: Path):
    """Return a cache file's (key, value) pair, or None when it is missing, stale or unreadable."""
    import pickle

    try:
        with open(path, "rb") as fh:
            pair = pickle.load(fh)
    except Exception:  # a cache is disposable: any damage means "rebuild it"
        return None
    return pair if isinstance(pair, tuple) and len(pair) == 2 else None


class _OutputMemo:
    """The whole output, kept with a digest of every input (and of this code): an
    unchanged corpus costs one digest and one read instead of a rebuild of the index."""

    def __init__(self, config: Config, inputs: list, districts: dict[str, str]) -> None:
        import hashlib
        import pickle

        self.files: dict[str, bytes] | None = None
        self.path = None
        h = hashlib.blake2b(digest_size=20)
        for src in (Path(__file__), Path(__file__).with_name("text.py")):
            try:
                h.update(src.read_bytes())
            except OSError:
                pass
        h.update(pickle.dumps((FORMAT_VERSION, inputs, sorted(districts.items())), protocol=4))
        self.digest = h.digest()
        cache_dir = getattr(config, "cache_dir", None)
        if cache_dir is None:
            return
        self.path = Path(cache_dir) / "search-output.pickle"
        digest, files = _read_pickle(self.path) or (None, None)
        if digest == self.digest:
            self.files = files

    def save(self, files: dict[str, bytes]) -> None:
        import os
        import pickle

        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                pickle.dump((self.digest, files), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass


def _js(name: str, data: object) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"window.__sitegenSearch.load({json.dumps(name)},{payload});\n".encode("utf-8")


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


def build_search_files(
    articles: Sequence[Article],
    config: Config,
    url_of: Callable[[Article], str] | None = None,
    districts: dict[str, str] | None = None,
) -> dict[str, bytes]:
    """Build every search file; return {path relative to public/: bytes}, deterministic."""
    if url_of is None:
        url_of = default_url_of(articles)
    docs = sorted((a for a in articles if not a.draft), key=lambda a: (a.date, a.id), reverse=True)
    if districts is None:
        districts = _load_districts()

    inputs = [(_headline(a), a.body, a.tags, a.places, url_of(a), a.date, a.id, a.district, a.topics,
               a.title, a.kicker, a.subtitle) for a in docs]
    memo = _OutputMemo(config, inputs, districts)
    if memo.files is not None:
        return memo.files
    cache = _TokenCache(config)
    body_keys: dict[str, set[int]] = defaultdict(set)
    title_keys: dict[str, set[int]] = defaultdict(set)
    word_df: dict[str, int] = defaultdict(int)
    word_docs: dict[str, set[int]] = defaultdict(set)
    word_title: dict[str, set[int]] = defaultdict(set)
    files: dict[str, bytes] = {}
    years: dict[str, list[int]] = {}
    topics: set[str] = set()
    district_names: set[str] = set()

    for n, art in enumerate(docs):
        head = _headline(art)
        body = plain_text(art.body)
        extra = " ".join((*art.tags, *art.places))
        head_tokens, body_tokens, ws_head, ws_body = cache.get(head, body, extra)
        for key in head_tokens:
            title_keys[key].add(n)
            body_keys[key].add(n)
        for key in body_tokens:
            body_keys[key].add(n)
        for w in ws_head | ws_body:
            word_df[w] += 1
            word_docs[w].add(n)
        for w in ws_head:
            word_title[w].add(n)
        if art.district:
            key = "d:" + fold(art.district)
            body_keys[key].add(n)
            district_names.add(art.district)
        for t in art.topics:
            body_keys["t:" + fold(t)].add(n)
            topics.add(t)
        years.setdefault(art.year, [n, n])[1] = n
        files[f"search/d/{n}.js"] = _js(f"d{n}", {
            "t": art.title, "k": art.kicker or "", "s": art.subtitle or "",
            "u": url_of(art), "d": art.date, "r": art.district or "",
            "x": body[:DOC_TEXT_LIMIT],
            **({"z": 1} if len(body) > DOC_TEXT_LIMIT else {}),
        })

    # pinyin keys: full reading and initials of each word, phrase readings
    pinyin_words: dict[str, list[str]] = defaultdict(list)
    for w in sorted(word_df):
        full, initials = _pinyin(w)
        if not full:
            continue
        pinyin_words["p:" + full].append(w)
        if len(w) <= 4:
            pinyin_words["i:" + initials].append(w)

    entries: dict[str, str] = {}
    for key in body_keys:
        value = encode_postings(body_keys[key])
        if key in title_keys:
            value += "|" + encode_postings(title_keys[key])
        entries[key] = value
    for key, ws in pinyin_words.items():
        ws.sort(key=lambda w: (-word_df[w], w))
        ws = ws[:PINYIN_WORDS]
        b: set[int] = set()
        t: set[int] = set()
        for w in ws:
            b |= word_docs[w]
            t |= word_title[w]
        entries[key] = encode_postings(b) + "|" + encode_postings(t) + "|" + " ".join(ws)

    total = sum(len(k.encode()) + len(v) + 6 for k, v in entries.items())
    shards = max(1, min(MAX_SHARDS, math.ceil(total / SHARD_TARGET)))
    grouped: dict[str, dict[str, str]] = defaultdict(dict)
    for key, value in entries.items():
        grouped[shard_name(key, shards)][key] = value
    for name in sorted(grouped):
        files[f"search/s/{name}.js"] = _js("s" + name, grouped[name])

    blocks = fold_blocks()
    for name, pairs in blocks.items():
        files[f"search/f/{name}.js"] = _js("f" + name, pairs)

    aliases = {k: v for k, v in sorted(districts.items()) if v in district_names or k == fold(v)}
    meta = {
        "v": FORMAT_VERSION,
        "n": len(docs),
        "shards": shards,
        "fold": sorted(blocks),
        "years": [[y, r[0], r[1]] for y, r in sorted(years.items(), reverse=True)],
        "districts": sorted(district_names),
        "topics": sorted(topics),
        "aliases": {k: v for k, v in aliases.items() if v in district_names},
    }
    files["search/meta.js"] = _js("meta", meta)
    cache.save()
    memo.save(files)
    return files


def tokens_for_test(text: str) -> dict[str, list[str]]:
    """Return what the parity test compares: folded text, runs and tokens."""
    return {"fold": [fold(text)], "runs": search_runs(text), "tokens": search_tokens(text)}
