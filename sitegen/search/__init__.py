"""The static search index (docs/SEARCH.md), and the browser's script that reads it.

The modules, each named for what it owns:

- ``tokens``: what the index reads of an article (`DocInput`, `plain_text`) and the keys of
  one document (`doc_tokens`);
- ``pinyin``: the pinyin readings of words (pypinyin, `PinyinTable`) and the pinyin keys;
- ``postings``: postings lists as text, and built in bulk with numpy;
- ``index``: the whole index: documents, shards, meta.js, the files and `SearchIndex`;
- ``patch``: the last build's index patched for the documents that changed
  (`load_previous_index`, `PreviousIndex`), and `build_search_index`, which patches when it can;
- ``state``: what a patch needs of the last build, in SQLite: the saved state and the inputs;
- ``search.js``: the browser's script (package data), which every index carries as
  ``search/search.js``: the index and the script that reads it are always of one version.

What the build and the other stages use is below; tests reach into the modules.
"""

from __future__ import annotations

from .index import (
    SCRIPT,
    DocHead,
    Documents,
    SearchIndex,
    browser_script,
    build_search_files,
    default_url_of,
    fold_blocks,
    full_search_index,
    key_hash,
    part_span,
    shard_count,
    shard_name,
)
from .patch import PreviousIndex, build_search_index, load_previous_index, warm_up
from .pinyin import PINYIN_FILE, PinyinTable, pypinyin_reading, table_path
from .state import INPUTS_FILE, SEARCH_STATE_FILE
from .tokens import DocInput, DocTokens, doc_tokens, plain_text, tokens_for_test

__all__ = [
    "INPUTS_FILE",
    "PINYIN_FILE",
    "SCRIPT",
    "SEARCH_STATE_FILE",
    "DocHead",
    "DocInput",
    "DocTokens",
    "Documents",
    "PinyinTable",
    "PreviousIndex",
    "SearchIndex",
    "browser_script",
    "build_search_files",
    "build_search_index",
    "default_url_of",
    "doc_tokens",
    "fold_blocks",
    "full_search_index",
    "key_hash",
    "load_previous_index",
    "part_span",
    "plain_text",
    "pypinyin_reading",
    "shard_count",
    "shard_name",
    "table_path",
    "tokens_for_test",
    "warm_up",
]
