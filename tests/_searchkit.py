"""A patched search index renumbered as a whole index numbers its documents: in date order.

A patch keeps every document at its number and lists in meta.js those out of date order with
their ranks ("moved": a corrected date, an article added among older ones).  Such an index
holds what a whole index of the same documents holds, but for the numbers: `in_date_order`
decodes every entry, gives each document its rank and encodes the index again with the
package's own encoders, so a test can hold the result equal to a clean build's, byte for byte.
"""

from __future__ import annotations

from collections import defaultdict

import sitegen.search.index as search_index
from sitegen.search.index import _file_digest, _js, _unjs, _version, load_name, part_file
from sitegen.search.postings import decode_postings, encode_postings, head_entry, read_head, split_parts
from sitegen.writer import _compressed

META = "search/meta.js"
PAGE = "search/index.html"


def has_moved(meta: bytes) -> bool:
    return b'"moved":' in meta


def ranks(meta: dict) -> list[int]:
    """Rank of every document number (docs/SEARCH.md §5, "moved")."""
    moved = {n: r for n, r in meta.get("moved", [])}
    taken = set(moved.values())
    free = iter(r for r in range(meta["n"]) if r not in taken)
    return [moved[n] if n in moved else next(free) for n in range(meta["n"])]


def in_date_order(files: dict[str, bytes]) -> dict[str, bytes]:
    """*files* (path under public/ -> bytes: the search files at least) with the index
    renumbered in date order, and its version on the search page, if there, worked out anew."""
    meta = _unjs(files[META])
    if "moved" not in meta:
        return files
    rank = ranks(meta)
    del meta["moved"]
    span = meta["part"]
    # (A compressed site's copies, .gz and .br, are made again from the renumbered files.)
    copies = {p for p in files if p.startswith("search/") and p.endswith((".gz", ".br"))}
    index = [p for p in files if p.startswith("search/") and p != PAGE and p not in copies]
    out = {p: data for p, data in files.items() if p not in index and p not in copies}
    for path in index:
        if path.startswith("search/s/"):
            _shard(path, files, rank, span, out)
        elif path.startswith("search/d/"):
            number = rank[int(path.removeprefix("search/d/").removesuffix(".js"))]
            out[f"search/d/{number}.js"] = _js(f"d{number}", _unjs(files[path]))
        elif not path.startswith("search/p/"):
            out[path] = files[path]
    out[META] = _js("meta", meta)
    if PAGE in files:
        old = _version({p: _file_digest(files[p]) for p in index}).encode()
        new = _version({p: _file_digest(d) for p, d in out.items() if p.startswith("search/") and p != PAGE})
        assert files[PAGE].count(old) == 1, "the search page names another version than its index's"
        out[PAGE] = files[PAGE].replace(old, new.encode())
    if copies:
        for path in [p for p in out if p.startswith("search/")]:
            out.update(_compressed(path, out[path]))
    return out


def _shard(path: str, files: dict[str, bytes], rank: list[int], span: int, out: dict[str, bytes]) -> None:
    """Renumber the shard at *path* and its parts into *out*."""
    import numpy as np

    shard = path.removeprefix("search/s/").removesuffix(".js")
    group: dict[str, str] = {}
    parts: dict[int, dict[str, str]] = defaultdict(dict)
    read: dict[int, dict[str, str]] = {}

    def part_of(part: int) -> dict[str, str]:
        if part not in read:
            read[part] = _unjs(files[part_file(part, shard)])
        return read[part]

    for key, entry in _unjs(files[path]).items():
        if key.startswith(("p:", "i:")):  # words, not documents
            group[key] = entry
            continue
        body, bar, title = entry.partition("|")
        if body.startswith("@"):
            _, numbers = read_head(body)
            docs = [part * span + n for part in numbers for n in decode_postings(part_of(part)[key])]
        else:
            docs = decode_postings(body)
        docs = sorted(rank[n] for n in docs)
        if len(docs) >= search_index.PART_MIN:
            pieces = split_parts(np.array(docs, np.int64), span)
            for part, text in pieces.items():
                parts[part][key] = text
            body = head_entry(len(docs), sorted(pieces))
        else:
            body = encode_postings(docs)
        group[key] = body + bar + (encode_postings(sorted(rank[n] for n in decode_postings(title))) if bar else "")
    out[path] = _js(load_name(path), group)
    for part, keys in parts.items():
        name = part_file(part, shard)
        out[name] = _js(load_name(name), keys)
