"""What the index reads of an article, and the keys one document gives (docs/SEARCH.md §3).

An article becomes a `DocInput` (`_doc_input`): its headline, its body as plain text
(`plain_text`, a paragraph a line), its tags and places, its district and topics, and what its
document file shows.  `doc_tokens` folds an input (sitegen.text.fold) and returns its keys: the
bigrams, lone Han characters and Latin runs of its text (sitegen.text.search_token_set), the Han
characters of its headline, jieba's one-character words, the d:/t: filter keys, and the words
that get pinyin keys (`_index_words`).  A patch tokenizes the changed documents with it; a whole
index finds the same keys in bulk (postings.bulk_runs; tests/test_search.py holds the two equal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from ..model import Article
from ..text import SEARCH_HAN_RUN, fold, is_search_cjk, search_runs, search_token_set, search_tokens, words

PINYIN_MAX_CHARS = 6  # jieba's words of 2 to this many Han characters get pinyin keys


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


def _headline(article: Article) -> str:
    return " ".join(p for p in (article.kicker, article.title, article.subtitle) if p)


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


@dataclass(frozen=True)
class DocTokens:
    """What one document puts into the index."""

    title_keys: frozenset[str]  # keys of the headline (they are body keys too)
    body_keys: frozenset[str]  # keys of headline, body, tags and places, and d:/t: filter keys
    words: frozenset[str]  # words of the headline, body, tags and places that get pinyin keys


def _index_words(text: str) -> tuple[set[str], set[str]]:
    """Return (single Han characters that jieba keeps as words, words that get pinyin keys).

    The pinyin words are jieba's words of 2–6 Han characters.  A pinyin key holds words, which
    the browser then finds as Han text; pinyin typed for a compound jieba splits (直播|创业) the
    browser cuts into two words' readings (search.js: `halves`).  Keys for adjacent pairs of
    words as well (4–5 characters) took most of the pinyin keys' bytes: at 10,000 articles of
    the realistic corpus the keys of 4–5-character words took 24.5 of 31.4 MB."""
    han = {w for w in set(words(text)) if SEARCH_HAN_RUN.fullmatch(w)}
    return {w for w in han if len(w) == 1}, {w for w in han if 2 <= len(w) <= PINYIN_MAX_CHARS}


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
    return DocTokens(frozenset(title_keys), frozenset(body_keys), frozenset(body_words | title_words))


def tokens_for_test(text: str) -> dict[str, list[str]]:
    """Return what the parity test compares: folded text, runs and tokens."""
    return {"fold": [fold(text)], "runs": search_runs(text), "tokens": search_tokens(text)}
