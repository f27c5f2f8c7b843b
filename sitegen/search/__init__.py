"""The static search index (docs/SEARCH.md): what the build and the other stages use of it.

- ``index``: the whole index (search.py before 0.3);
- ``state``: its saved state in SQLite, which a patch reads row by row;
- ``postings``: the postings lists, as text, and built in bulk with numpy.
"""

from __future__ import annotations

from .index import (
    INPUTS_FILE,
    PINYIN_FILE,
    DocHead,
    DocInput,
    DocTokens,
    Documents,
    PinyinTable,
    PreviousIndex,
    SearchIndex,
    build_search_files,
    build_search_index,
    default_url_of,
    doc_tokens,
    fold_blocks,
    full_search_index,
    key_hash,
    load_previous_index,
    plain_text,
    pypinyin_reading,
    shard_count,
    shard_name,
    tokens_for_test,
)
from .state import SEARCH_STATE_FILE

__all__ = [
    "INPUTS_FILE",
    "PINYIN_FILE",
    "SEARCH_STATE_FILE",
    "DocHead",
    "DocInput",
    "DocTokens",
    "Documents",
    "PinyinTable",
    "PreviousIndex",
    "SearchIndex",
    "build_search_files",
    "build_search_index",
    "default_url_of",
    "doc_tokens",
    "fold_blocks",
    "full_search_index",
    "key_hash",
    "load_previous_index",
    "plain_text",
    "pypinyin_reading",
    "shard_count",
    "shard_name",
    "tokens_for_test",
]
