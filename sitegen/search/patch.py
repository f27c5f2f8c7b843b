"""The last build's index, patched for the documents that changed (docs/SEARCH.md §9).

`load_previous_index` opens the state the last build saved (state.py), when this code made it.
`PreviousIndex.wanted` compares the documents' heads with it and names the documents to index
again, or refuses: more than INCREMENTAL_MAX of them, a new shard count or span of a part
(`index.part_span`), or an output that is not what the state describes.  Every document keeps
its number (`_numbering`): one whose date was corrected, or one added among older ones, is
listed in meta.js with its rank, up to MOVED_MAX of them.  Where that cannot be (a document
gone, an id two documents share), documents are numbered by date again and every number whose
document changed is indexed again (`_renumbered`).
`PreviousIndex.patch` tokenizes each changed document's old and new input and rewrites only the
shards holding the keys they differ in (and the parts holding those documents of split keys),
their documents' files and meta.js.
`build_search_index`, the build's entry, patches when it can and else makes a whole index
(index.py).
"""

from __future__ import annotations

import bisect
import logging
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..config import Config
from ..model import Article
from ..text import words
from . import index as _index
from .index import (
    SCRIPT,
    DocHead,
    Documents,
    SearchIndex,
    _code_digest,
    _doc_file,
    _file_digest,
    _finish,
    _head_digest,
    _js,
    _load_districts,
    _meta,
    _teach_place_names,
    _unjs,
    _version_after,
    browser_script,
    default_url_of,
    full_search_index,
    load_name,
    part_file,
    part_span,
    shard_count,
    shard_file,
    shard_name,
    year_ranges,
)
from .pinyin import PinyinTable, _Words, pinyin_entry, plain_readings, table_path
from .postings import decode_postings, encode_numbers, head_entry, read_head, split_parts
from .state import INPUTS_FILE, SEARCH_STATE_FILE, InputStore, SavedState, StateChange
from .tokens import DocInput, DocTokens, doc_tokens

log = logging.getLogger(__name__)
_T = TypeVar("_T")
INCREMENTAL_MAX = 0.05  # patch the index when at most this share of documents changed
# Documents a patched index keeps at their numbers out of date order, at most (meta.js lists
# each: some 14 bytes, every query loads it); past it, the index is numbered anew.
MOVED_MAX = 512


def build_search_index(
    articles: Sequence[Article],
    config: Config,
    *,
    url_of: Callable[[Article], str] | None = None,
    districts: dict[str, str] | None = None,
    out_dir: Path | None = None,
    published: dict[str, str] | None = None,
    digest_of: Callable[[Article], str] | None = None,
    staging: Path | None = None,
) -> SearchIndex:
    """Build the search files; patch the previous index in *out_dir* when few documents changed.
    A whole new index is written into *staging*, when given, as its files are made.

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
        return full_search_index(docs, config, districts, previous, staging)
    finally:
        if previous is not None:
            previous.close()


def warm_up() -> None:
    """Load what indexing needs, jieba's dictionary taught the gazetteer's names, before the
    documents arrive (a build's search process, while the build reads the articles)."""
    _teach_place_names()
    words("株洲")


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
    table = table_path(cache_dir)
    if not table.is_file():  # the user's cache was emptied, or this is a new machine (a CI runner)
        PinyinTable.write(table)
    return PreviousIndex(
        saved,
        state_path,
        InputStore(Path(cache_dir) / INPUTS_FILE),
        Path(out_dir),
        districts,
        PinyinTable(table),
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
        self.removed: list[int] = []  # the numbers past the last document now
        self.digests: list[bytes] = []  # of the documents, in date order
        self.rank: dict[int, int] = {}  # number -> rank (place in date order) of the changed and added
        self.moved: list[list[int]] = []  # [number, rank] of the documents out of date order

    def wanted(self, heads: list[DocHead], published: dict[str, str]) -> list[int] | None:
        """Return the numbers of the documents whose inputs a patch needs (changed or added;
        the removed ones need none), or None when the index must be built whole.

        *heads* are `Documents.heads()`; *published* is the writer's manifest of the output."""
        return self._unless_damaged(self._wanted, heads, published)

    def _wanted(self, heads: list[DocHead], published: dict[str, str]) -> list[int] | None:
        saved = self.saved
        if any(published.get(path) != d for path, d in saved.files.items()):
            return None
        if shard_count(len(heads)) != saved.shards or part_span(len(heads)) != saved.part:
            return None  # the archive doubled: a whole index spreads its keys over more shards or parts
        self.digests = [_head_digest(h) for h in heads]
        kept = self._numbers_kept(heads)
        return kept if kept is not None else self._renumbered(heads)

    def _numbers_kept(self, heads: list[DocHead]) -> list[int] | None:
        """Every document keeps its number, a new one takes the next: the ranks of the changed
        and added documents, or None when a document is gone (its number would be a hole), ids
        are shared, or more than INCREMENTAL_MAX changed or MOVED_MAX would be out of order."""
        saved = self.saved
        numbering = _numbering(
            [h.id for h in heads], self.digests, saved.ids, saved.digests, {n for n, _ in saved.moved}
        )
        if numbering is None:
            return None
        ranks, moved, changed, added = numbering
        if len(changed) + len(added) > max(1, INCREMENTAL_MAX * len(heads)) or len(moved) > MOVED_MAX:
            return None
        self.changed, self.added, self.removed = changed, added, []
        self.rank = {n: ranks[n] for n in changed + added}
        self.moved = moved
        return [ranks[n] for n in changed + added]

    def _renumbered(self, heads: list[DocHead]) -> list[int] | None:
        """Number the documents in date order, as a whole index does: a number whose document
        changed or is another one is indexed again (a document gone moves every one after it a
        number down).  The numbers (= ranks) to index again, or None when more than
        INCREMENTAL_MAX of them change."""
        before = self.saved.digests
        changed = [n for n, (a, b) in enumerate(zip(before, self.digests)) if a != b]
        added = list(range(len(before), len(heads)))
        removed = list(range(len(heads), len(before)))
        if len(changed) + len(added) + len(removed) > max(1, INCREMENTAL_MAX * max(len(heads), len(before))):
            return None
        self.changed, self.added, self.removed = changed, added, removed
        self.rank = {n: n for n in changed + added}
        self.moved = []
        return changed + added

    def patch(self, heads: list[DocHead], inputs: dict[int, DocInput]) -> SearchIndex | None:
        """Return the index with the documents `wanted` named indexed again from their
        *inputs*, or None when the previous one is unusable (build it whole)."""
        return self._unless_damaged(self._patch, heads, inputs)

    def _patch(self, heads: list[DocHead], inputs: dict[int, DocInput]) -> SearchIndex | None:
        saved = self.saved
        numbers = self.changed + self.added
        rank = self.rank
        by_number = {n: inputs[rank[n]] for n in numbers}
        old_digests = [saved.digests[n] for n in self.changed]
        gone = {n: saved.digests[n] for n in self.removed}
        patched = self._reindexed(by_number, numbers, old_digests, gone, [self.digests[rank[n]] for n in numbers])
        if patched is None:
            return None
        files, change = patched
        self.store.put_many({self.digests[rank[n]]: by_number[n] for n in numbers})
        change.docs = {n: (heads[rank[n]].id, self.digests[rank[n]], heads[rank[n]].date) for n in numbers}
        change.docs.update((n, None) for n in self.removed)
        change.moved = self.moved
        files["search/meta.js"] = _js("meta", _meta(heads, saved.shards, saved.blocks, self.districts, self.moved))

        def with_files(_: dict[str, str], changed_files: dict[str, str | None]) -> StateChange:
            change.files = changed_files
            return change

        return _finish(files, saved.files, True, self.state_path, with_files)

    def patch_bodies(self, docs: list[tuple[DocHead, DocInput]]) -> SearchIndex | None:
        """Return the index with *docs* indexed again: documents the last index holds, whose
        district and topics are unchanged (a body edit's, sitegen/body_edit.py).  Only the rows
        and files the documents touch are read: the index that comes back names the files it
        writes and removes, and the others stay (`SearchIndex.keeps_rest`).  A document dated
        anew keeps its number, and meta.js lists its rank (`_redated`).  None when the index
        must be built whole (a document it lacks, or a state without its version)."""
        saved = self.saved
        if saved.version is None:
            return None
        return self._unless_damaged(self._patch_bodies, docs)

    def _patch_bodies(self, docs: list[tuple[DocHead, DocInput]]) -> SearchIndex | None:
        saved = self.saved
        found = saved.numbers(head.id for head, _ in docs)
        if found is None:
            return None
        inputs: dict[int, DocInput] = {}
        docs_of: dict[int, tuple[str, bytes, str]] = {}
        before: dict[int, bytes] = {}
        redated = False
        for head, doc_input in docs:
            if head.id not in found:
                return None
            n, old_digest, old_date = found[head.id]
            digest = _head_digest(head)
            if digest != old_digest:
                inputs[n], docs_of[n], before[n] = doc_input, (head.id, digest, head.date), old_digest
                redated |= head.date != old_date
        meta = self._redated(docs_of) if redated else None
        if redated and meta is None:
            return None
        numbers = sorted(inputs)
        self.changed, self.added = numbers, []
        patched = self._reindexed(inputs, numbers, [before[n] for n in numbers])
        if patched is None:
            return None
        files, change = patched
        if meta is not None:
            files["search/meta.js"], change.moved = meta
        self.store.put_many({docs_of[n][1]: inputs[n] for n in numbers})
        change.docs = {n: docs_of[n] for n in numbers}
        return _finish_in_place(files, saved, self.state_path, change)

    def _redated(self, docs: dict[int, tuple[str, bytes, str]]) -> tuple[bytes, list[list[int]]] | None:
        """meta.js and its moved documents once the documents *docs* (number -> id, head digest,
        date) take their new dates and places in date order, all keeping their numbers
        (`_numbering`); its other fields stay, as the last build wrote them.  None when more
        than MOVED_MAX documents would be out of date order (then the index is made whole)."""
        saved = self.saved
        ids, dates, digests = saved.ids, list(saved.dates), list(saved.digests)
        for n, (_, digest, date) in docs.items():
            dates[n], digests[n] = date, digest
        order = sorted(range(len(ids)), key=lambda n: (dates[n], ids[n]))  # as `Documents` sorts
        numbering = _numbering(
            [ids[n] for n in order], [digests[n] for n in order], ids, saved.digests, {n for n, _ in saved.moved}
        )
        if numbering is None or len(numbering[1]) > MOVED_MAX:
            return None
        groups = _Groups(saved, self.out_dir)
        try:
            meta = dict(groups.entries("search/meta.js"))
        except _Unusable:
            return None
        meta["years"] = year_ranges(dates[n][:4] for n in order)
        meta.pop("moved", None)
        moved = numbering[1]
        if moved:
            meta["moved"] = moved
        return _js("meta", meta), moved

    def _reindexed(
        self,
        inputs: dict[int, DocInput],
        numbers: list[int],
        old_digests: list[bytes],
        gone: dict[int, bytes] | None = None,
        new_digests: list[bytes] | None = None,
    ) -> tuple[dict[str, bytes], StateChange] | None:
        """Tokenize the first len(*old_digests*) of *numbers* (the changed documents) from their
        old inputs and every one of them from *inputs*, and the *gone* numbers (the old input's
        digest of each) from their old inputs alone; return the files and state rows that
        change, or None when an old input or file is missing.  A document that moved is an old
        input of one number and the new one of another: given *new_digests* (of the inputs of
        *numbers*), it is tokenized once."""
        gone = gone or {}
        new = [doc_tokens(inputs[n]) for n in numbers]
        tokens = dict(zip(new_digests, new)) if new_digests is not None else {}
        stored = [d for d in (*old_digests, *gone.values()) if d not in tokens]
        old_inputs = self.store.get_many(stored)
        if any(d not in old_inputs for d in stored):
            return None
        for d in stored:
            if d not in tokens:
                tokens[d] = doc_tokens(old_inputs[d])
        nothing = DocTokens(frozenset(), frozenset(), frozenset())
        old = [tokens[d] for d in old_digests] + [nothing] * (len(numbers) - len(old_digests))
        old += [tokens[d] for d in gone.values()]
        new += [nothing] * len(gone)
        patched = _incremental(self.saved, inputs, [*numbers, *gone], old, new, self.out_dir, self.table)
        if patched is not None:
            patched[0][SCRIPT] = browser_script()  # kept as it is: a new script comes in a new package, indexed whole
        return patched

    def _unless_damaged(self, work: Callable[..., _T], *args: object) -> _T | None:
        """Return *work*(*args*), or None when the state turns out damaged: a damaged state is
        no state, and the index is built whole."""
        try:
            return work(*args)
        except sqlite3.Error as exc:
            log.warning("%s: the search state is unreadable (%s); the index is built whole", self.state_path, exc)
            return None

    def close(self) -> None:
        self.store.close()
        self.saved.close()
        if self.table is not None:
            self.table.close()


def _numbering(
    ids: list[str], digests: list[bytes], old_ids: list[str], old_digests: list[bytes], unsure: set[int]
) -> tuple[dict[int, int], list[list[int]], list[int], list[int]] | None:
    """Keep each of the documents *ids* (in date order, with their head *digests*) at the number
    the last index gave it (*old_ids*, *old_digests*: by number); a new one takes the next.
    Return (number -> rank of every document, the moved ones as [number, rank] by number, the
    changed numbers, the added ones), or None when an id names two documents or a document is
    gone.  *unsure*: the numbers out of date order before.

    The documents that did not change keep their order, so their numbers rise in date order but
    for those *unsure* ones.  Each changed, added or unsure document whose number fits between
    its neighbours' in date order takes its place among them; the others are the moved ones.
    A corrected date thus changes no number, and so no postings."""
    number_of = {doc_id: n for n, doc_id in enumerate(old_ids)}
    if len(number_of) != len(old_ids) or len(set(ids)) != len(ids):
        return None
    rank_of: dict[int, int] = {}
    changed: list[int] = []
    added: list[int] = []
    unsure = set(unsure)
    for rank, doc_id in enumerate(ids):
        n = number_of.get(doc_id)
        if n is None:
            n = len(old_ids) + len(added)
            added.append(n)
            unsure.add(n)
        elif old_digests[n] != digests[rank]:
            changed.append(n)
            unsure.add(n)
        rank_of[n] = rank
    if len(rank_of) != len(old_ids) + len(added):
        return None  # a document gone: its number would be a hole
    kept_ranks: list[int] = []
    kept_numbers: list[int] = []
    for rank, doc_id in enumerate(ids):
        n = number_of.get(doc_id)
        if n is not None and n not in unsure:
            if kept_numbers and n < kept_numbers[-1]:
                return None  # not the order the last index saved: number anew
            kept_ranks.append(rank)
            kept_numbers.append(n)
    moved: list[list[int]] = []
    for n in sorted(unsure, key=rank_of.__getitem__):
        rank = rank_of[n]
        i = bisect.bisect(kept_ranks, rank)
        if (i == 0 or kept_numbers[i - 1] < n) and (i == len(kept_numbers) or n < kept_numbers[i]):
            kept_ranks.insert(i, rank)
            kept_numbers.insert(i, n)
        else:
            moved.append([n, rank])
    changed.sort()
    return rank_of, sorted(moved), changed, added


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
    word_delta: dict[str, int] = defaultdict(int)  # word -> documents that hold it now, less before
    for n, old, new in zip(changed, old_tokens, new_tokens):
        for key in new.body_keys - old.body_keys:
            body_delta[key][0].add(n)
        for key in old.body_keys - new.body_keys:
            body_delta[key][1].add(n)
        for key in new.title_keys - old.title_keys:
            body_delta[key][2].add(n)
        for key in old.title_keys - new.title_keys:
            body_delta[key][3].add(n)
        for word in new.words - old.words:
            word_delta[word] += 1
        for word in old.words - new.words:
            word_delta[word] -= 1

    rows = saved.words(word_delta)
    counts = {w: r[0] for w, r in rows.items()}
    vocab = _Words(counts, {w: r[3] for w, r in rows.items()}, plain_readings(table), table)
    by_key = saved.members({key for w in word_delta for key in vocab.keys_of(w)})
    pinyin_touched: set[str] = set()
    for w, delta in word_delta.items():
        count = counts.get(w, 0) + delta
        if count:
            counts[w] = count
        else:
            counts.pop(w, None)
        for key in vocab.keys_of(w):
            members = by_key.setdefault(key, [])
            if count and w not in members:
                members.append(w)
                members.sort()
            elif not count and w in members:
                members.remove(w)
            pinyin_touched.add(key)

    entries = _pinyin_entries(pinyin_touched, by_key, vocab, saved)
    groups = _Groups(saved, out_dir)
    try:
        groups.read({shard_file(shard_name(key, shards)) for key in list(body_delta) + sorted(pinyin_touched)})
        for key in pinyin_touched:
            groups.set(shard_file(shard_name(key, shards)), key, entries[key])
        for key, (add_body, drop_body, add_title, drop_title) in body_delta.items():
            _apply(groups, key, shard_name(key, shards), saved.part, add_body, drop_body, add_title, drop_title)
    except _Unusable:
        return None
    files = groups.files()
    for n in changed:  # b"": the file of a number past the last document goes (`_finish`)
        files[f"search/d/{n}.js"] = _js(f"d{n}", _doc_file(inputs[n])) if n in inputs else b""
    change = StateChange(words={w: (counts[w], *vocab.reading(w)) if w in counts else None for w in word_delta})
    return files, change


def _pinyin_entries(
    keys: set[str], by_key: dict[str, list[str]], vocab: _Words, saved: SavedState
) -> dict[str, str | None]:
    """The entry of each pinyin key (`pinyin_entry`), the changed words' counts from *vocab*,
    the others' read from *saved*: a key such as the initials of a common syllable pair holds
    thousands of words."""
    counts = saved.counts({w for key in keys for w in by_key.get(key, ()) if w not in vocab.counts})
    counts.update(vocab.counts)
    return {key: pinyin_entry(by_key.get(key, ()), counts) for key in keys}


def _finish_in_place(files: dict[str, bytes], saved: SavedState, state_path: Path, change: StateChange) -> SearchIndex:
    """A body edit's patched index: the files whose digest changed, the ones emptied (removed),
    and the version worked out from those alone."""
    old = saved.file_digests(files)
    written: dict[str, bytes] = {}
    changes: dict[str, tuple[str | None, str | None]] = {}
    for path, data in files.items():
        digest = _file_digest(data) if data else None  # b"": a shard that lost its last key
        if old.get(path) != digest:
            changes[path] = (old.get(path), digest)
            if data:
                written[path] = data
    change.files = {path: new for path, (_, new) in changes.items()}
    change.version = _version_after(str(saved.version), changes)
    removed = sorted(path for path, (_, new) in changes.items() if new is None)
    return SearchIndex(written, [], change.version, True, change, state_path, keeps_rest=True, removed=removed)


class _Unusable(Exception):
    """The previous output is not what the saved state describes: index whole."""


class _Groups:
    """The entries of the index files a patch touches ({path: {key: entry}}), each read once
    from the last build's output and checked against the digest the state saved."""

    def __init__(self, saved: SavedState, out_dir: Path) -> None:
        self.saved, self.out_dir = saved, out_dir
        self.groups: dict[str, dict[str, str]] = {}
        self.touched: set[str] = set()

    def read(self, paths: set[str]) -> None:
        """Read every one of *paths* not read yet (a file the last index lacks is empty)."""
        wanted = sorted(p for p in paths if p not in self.groups)
        known = self.saved.file_digests(wanted)
        for path in wanted:
            group: dict[str, str] = {}
            if path in known:
                try:
                    data = (self.out_dir / path).read_bytes()
                except OSError:
                    raise _Unusable(path) from None
                if _file_digest(data) != known[path]:
                    raise _Unusable(path)  # public/ is not what the last build wrote
                group = _unjs(data)
            self.groups[path] = group

    def get(self, path: str, key: str) -> str | None:
        self.read({path})
        return self.groups[path].get(key)

    def entries(self, path: str) -> dict[str, Any]:
        """Every entry of the file at *path* (the last build's, checked)."""
        self.read({path})
        return self.groups[path]

    def set(self, path: str, key: str, value: str | None) -> None:
        self.read({path})
        group = self.groups[path]
        if value is None:
            if group.pop(key, None) is not None:
                self.touched.add(path)
        elif group.get(key) != value:
            group[key] = value
            self.touched.add(path)

    def files(self) -> dict[str, bytes]:
        """The files whose entries changed (b"": a file that lost its last entry)."""
        out: dict[str, bytes] = {}
        for path in sorted(self.touched):
            group = self.groups[path]
            out[path] = _js(load_name(path), group) if group else b""
        return out


def _apply(
    groups: _Groups,
    key: str,
    shard: str,
    span: int,
    add_body: set[int],
    drop_body: set[int],
    add_title: set[int],
    drop_title: set[int],
) -> None:
    """Add documents to *key*'s entry and remove others, whole or in parts as a whole index
    would write it (`index.PART_MIN`): only the parts holding those documents are read, unless
    the key goes from parts to whole.  *span*: the index's span of a part."""
    head_path = shard_file(shard)
    body_text, _, title_text = (groups.get(head_path, key) or "").partition("|")

    def part_path(part: int) -> str:
        return part_file(part, shard)

    def documents_of(part: int) -> set[int]:
        return {part * span + n for n in decode_postings(groups.get(part_path(part), key) or "")}

    if body_text.startswith("@"):
        count, numbers = read_head(body_text)
        touched = {n // span for n in add_body | drop_body}
        old = {part: documents_of(part) for part in touched}
        new = {part: (ids | {n for n in add_body if n // span == part}) - drop_body for part, ids in old.items()}
        count += sum(len(new[part]) - len(old[part]) for part in touched)
        if count >= _index.PART_MIN:  # parts to parts: only the touched ones change
            for part, ids in new.items():
                groups.set(part_path(part), key, encode_numbers([n - part * span for n in ids]) or None)
            parts = (set(numbers) | {p for p in touched if new[p]}) - {p for p in touched if not new[p]}
            title = (set(decode_postings(title_text)) | add_title) - drop_title
            groups.set(
                head_path, key, head_entry(count, sorted(parts)) + ("|" + encode_numbers(title) if title else "")
            )
            return
        body = set().union(*new.values(), *(documents_of(p) for p in numbers if p not in touched))
        for part in set(numbers) | touched:  # parts to whole
            groups.set(part_path(part), key, None)
    else:
        body = set(decode_postings(body_text))
    body = (body | add_body) - drop_body
    title = (set(decode_postings(title_text)) | add_title) - drop_title
    if not body:
        groups.set(head_path, key, None)
        return
    titled = "|" + encode_numbers(title) if title else ""
    if len(body) < _index.PART_MIN:
        groups.set(head_path, key, encode_numbers(body) + titled)
        return
    import numpy as np

    pieces = split_parts(np.array(sorted(body), np.int64), span)  # whole to parts
    for part, text in pieces.items():
        groups.set(part_path(part), key, text)
    groups.set(head_path, key, head_entry(len(body), sorted(pieces)) + titled)
