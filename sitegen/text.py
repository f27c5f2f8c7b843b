"""Chinese-text handling in one place: folding for matching, words, pinyin.

Every comparison in the project (gazetteer look-ups, byline patterns, search
tokens) goes through :func:`fold`, so an import and a query agree on what
"the same text" means.  Folding is one character to one character, so offsets
in folded text are offsets in the printed text.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import logging
import operator
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

# Chinese punctuation that NFKC leaves alone (or folds to several characters).
_PUNCT = {
    "，": ",",
    "。": ".",
    "、": ",",
    "；": ";",
    "：": ":",
    "？": "?",
    "！": "!",
    "（": "(",
    "）": ")",
    "【": "[",
    "】": "]",
    "〔": "[",
    "〕": "]",
    "［": "[",
    "］": "]",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "＂": '"',
    "「": '"',
    "」": '"',
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "『": '"',
    "』": '"',
    "《": "<",
    "》": ">",
    "〈": "<",
    "〉": ">",
    "・": "·",
    "•": "·",
    "‧": "·",
    "∙": "·",
    "･": "·",
    "～": "~",
    "〜": "~",
    "－": "-",
    "‐": "-",
    "‑": "-",
    "–": "-",
    "\u3000": " ",
    "\u00a0": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u200b": " ",
    "\ufeff": " ",
    "\t": " ",
}


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """Load OpenCC's one-to-one traditional-to-simplified character table."""
    import opencc

    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        simp = simp.split(" ")[0]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[ord(trad)] = simp
    return table


@functools.lru_cache(maxsize=1)
def fold_table() -> dict[int, str]:
    """Return the character map behind :func:`fold` (also shipped to the browser)."""
    table = dict(_t2s_table())
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0)
    for src, dst in _PUNCT.items():
        table[ord(src)] = dst
    for code in range(ord("A"), ord("Z") + 1):
        table[code] = chr(code + 32)
    for code in range(0xFF21, 0xFF3B):
        table[code] = chr(code - 0xFEE0 + 32)
    return table


def fold(text: str) -> str:
    """Fold *text* for matching: width, punctuation, case, traditional → simplified."""
    if len(text) > 2000:
        return text.translate(fold_table())
    return _fold_line(text)


@functools.lru_cache(maxsize=1 << 16)
def _fold_line(text: str) -> str:
    # The segmenter folds each line many times (one pattern family after another): remember them.
    return text.translate(fold_table())


_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACE_IN_CJK = re.compile(
    rf"(?<=[{_CJK}，。、；：？！“”（）《》\"'(),.;:?!]) +(?=[{_CJK}，。、；：？！“”（）《》\"'(),.;:?!])"
)


def squeeze(text: str) -> str:
    """Drop the spaces that column flattening leaves between Chinese characters."""
    return _SPACE_IN_CJK.sub("", text.strip())


def is_cjk(char: str) -> bool:
    """Tell whether *char* is a CJK ideograph."""
    return (
        bool(char)
        and unicodedata.category(char) == "Lo"
        and ("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff")
    )


_USER_WORDS: set[str] = set()
_TAUGHT: dict[str, set[str]] = {"jieba": set(), "rjieba": set()}


def _teach(name: str, add_word) -> None:
    for word in sorted(_USER_WORDS - _TAUGHT[name]):
        add_word(word)
        _TAUGHT[name].add(word)


def _jieba():
    """Return the pure-Python jieba, loaded on first use (its dictionary takes a second) and
    taught every word :func:`add_words` was given."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    _teach("jieba", lambda w: jieba.add_word(w, freq=20000))
    return jieba


def segmenter():
    """Return the cut function: jieba-rs (the same dictionary and algorithm, about 30 times
    faster) when installed, else jieba; loaded on first use and taught :func:`add_words`."""
    try:
        import rjieba
    except ImportError:  # pragma: no cover - pure-Python jieba does the same, slowly
        return _jieba().lcut
    _teach("rjieba", lambda w: rjieba.add_word(w, 20000, None))
    return rjieba.cut


def add_words(words: list[str] | set[str] | tuple[str, ...]) -> None:
    """Teach jieba words it must not split (place names, for instance)."""
    _USER_WORDS.update(w for w in words if w)


def words(text: str) -> list[str]:
    """Segment *text* into jieba words (precise mode), dropping whitespace."""
    return [w for w in segmenter()(text) if w.strip()]


def keywords(text: str, limit: int = 8) -> list[str]:
    """Return jieba's TF-IDF keywords for *text*, best first: what
    `jieba.analyse.extract_tags(text, topK=limit)` returns (tests/test_import.py compares them),
    worked out here over jieba-rs's cut (`_jieba_words`).  The pure-Python jieba takes half a
    second to load its dictionary and cuts 30 times slower, and importing jieba.analyse loads
    jieba.posseg's part-of-speech table, which extract_tags never reads: `sitegen import` of the
    five sample dumps took 1.77-1.82 s, 1.66-1.68 s without jieba.analyse, 1.02-1.04 s now.
    The one difference known: in a run of a character or a word repeated three times or more
    (区区区, 一阵一阵一阵), two cuts score the same and jieba-rs may take the other one, and the
    character after the run may join another word (区区区后: 区, 区区, 后 against 区区, 区后).  None
    in the 10,000 articles of the benchmark corpus or the import corpus; a review helper put
    such runs into 4,000 pairs of lines of the sample dumps and 53 got other tags.

    Every word of two characters or more but a stop word counts; each scores its count times
    its IDF (the median for a word the table lacks), over the count of them all."""
    idf, median = _idf_table()
    counts: dict[str, float] = {}
    for word in _jieba_words(text):
        if len(word.strip()) < 2 or word.lower() in _IDF_STOP_WORDS:
            continue
        counts[word] = counts.get(word, 0.0) + 1.0
    total = sum(counts.values())
    for word in counts:
        counts[word] *= idf.get(word, median) / total
    ranked = sorted(counts, key=counts.__getitem__, reverse=True)
    return ranked[:limit] if limit else ranked  # extract_tags: topK 0 or None is every word


_JIEBA_BLOCK = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")  # jieba's re_han_default
_JIEBA_SPACE = re.compile(r"(\r\n|\s)")  # jieba's re_skip_default
_JIEBA_HAN = re.compile("[\u4e00-\u9fd5]")  # jieba.finalseg's re_han
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg's re_skip


def _jieba_words(text: str) -> Iterator[str]:
    """Yield the words of *text* as the pure-Python jieba's `cut` does (precise mode, HMM),
    with jieba-rs cutting the runs of Chinese, letters and digits.  The two share the
    dictionary and the model and cut such a run alike, but for two things done here as jieba
    does them: outside the run jieba yields each character on its own, where jieba-rs reads a
    wider range of characters as Chinese (`𠀀𠀀` is one word to it); and in the run, jieba cuts a
    stretch of letters, digits and `-_.` the dictionary lacks into letters and digits and what
    lies between (`1-303`: `1`, `-`, `303`), where jieba-rs keeps it whole."""
    cut = segmenter()
    try:
        from rjieba import has_word
    except ImportError:  # pragma: no cover - the cut is jieba's own then
        yield from cut(text)
        return
    for block in _JIEBA_BLOCK.split(text):
        if not block:
            continue
        if not _JIEBA_BLOCK.match(block):
            for piece in _JIEBA_SPACE.split(block):
                if _JIEBA_SPACE.match(piece):
                    yield piece
                else:
                    yield from piece
            continue
        for word in cut(block):
            if len(word) > 1 and not _JIEBA_HAN.search(word) and not _JIEBA_SKIP.fullmatch(word) and not has_word(word):
                yield from (piece for piece in _JIEBA_SKIP.split(word) if piece)
            else:
                yield word


# jieba.analyse.tfidf.KeywordExtractor.STOP_WORDS
_IDF_STOP_WORDS = frozenset(
    "the of is and to in that we for an are by be as on with can if from which you it this then at have all not "
    "one has or".split()
)


@functools.lru_cache(maxsize=1)
def _idf_table() -> tuple[dict[str, float], float]:
    """Return jieba's IDF table (jieba/analyse/idf.txt) and its median, read as
    jieba.analyse.tfidf.IDFLoader reads them."""
    # found, not imported: jieba's import loads pkg_resources (0.1 s of an import of dumps)
    spec = importlib.util.find_spec("jieba")
    assert spec is not None and spec.origin
    content = (Path(spec.origin).parent / "analyse" / "idf.txt").read_bytes().decode("utf-8")
    idf: dict[str, float] = {}
    for line in content.splitlines():
        word, freq = line.strip().split(" ")
        idf[word] = float(freq)
    return idf, sorted(idf.values())[len(idf) // 2]


_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def load_segmenter_and_pinyin() -> None:
    """Load jieba-rs and pypinyin now (half a second between them), so that processes forked
    afterwards start with them loaded."""
    segmenter()
    importlib.import_module("pypinyin.core")


# A slug's length at most: an article's slug may take "-2", "-3" more (`importer`) and stays
# within `frontmatter.SLUG_LENGTH`; tag and people slugs name folders too (255 bytes at most).
SLUG_WORDS_LENGTH = 100


def slugify(text: str, max_words: int = 8) -> str:
    """Make an ASCII slug from Chinese text: one hyphenated chunk per word."""
    from pypinyin import Style, lazy_pinyin

    parts: list[str] = []
    for word in words(fold(text)):
        # pypinyin takes an errors callback that returns a list (one item per character), which its
        # annotations (Callable[[str], str]) leave out.
        syllables = lazy_pinyin(word, style=Style.NORMAL, errors=lambda s: list(s))  # type: ignore[arg-type,return-value]
        chunk = _SLUG_JUNK.sub("", "".join(syllables).lower().replace("ü", "v"))
        if chunk:
            parts.append(chunk)
        if len(parts) >= max_words:
            break
    slug = "-".join(parts)
    if len(slug) > SLUG_WORDS_LENGTH:  # a run of Latin letters: cut at the last whole word that fits
        cut = slug[: SLUG_WORDS_LENGTH + 1].rfind("-")
        slug = slug[: cut if cut > 0 else SLUG_WORDS_LENGTH]
    return slug or "article"


# --- search tokens ---
# The rules are in docs/SEARCH.md; sitegen/search/search.js implements the same ones.
SEARCH_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # Han characters for search
SEARCH_HAN_RUN = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in SEARCH_HAN_RANGES) + "]+")
_SEARCH_RUN = re.compile(SEARCH_HAN_RUN.pattern + "|[a-z0-9]+")


def is_search_cjk(char: str) -> bool:
    """Tell whether *char* is a Han character for search (U+3400–4DBF, 4E00–9FFF, F900–FAFF)."""
    return len(char) == 1 and (
        "\u3400" <= char <= "\u4dbf" or "\u4e00" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
    )


def search_runs(text: str) -> list[str]:
    """Fold *text*, then cut it into runs of Han characters and runs of [a-z0-9]."""
    return _SEARCH_RUN.findall(fold(text))


def search_tokens(text: str) -> list[str]:
    """Return the index keys of *text* in order: Han bigrams (a lone Han character
    stands for itself) and whole Latin/digit runs."""
    out: list[str] = []
    for run in search_runs(text):
        if is_search_cjk(run[0]) and len(run) > 1:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def search_token_set(text: str, folded: bool = False) -> set[str]:
    """Return ``set(search_tokens(text))``, built without the list (the index's hot path);
    *folded* says that *text* went through :func:`fold` already."""
    out: set[str] = set()
    for run in _SEARCH_RUN.findall(text if folded else fold(text)):
        if len(run) > 1 and is_search_cjk(run[0]):
            out.update(map(operator.add, run, run[1:]))
        else:
            out.add(run)
    return out
