"""The search index: postings codec, keys, determinism, budgets per file."""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_fixture import fixture_articles  # noqa: E402
from sitegen.config import default_config  # noqa: E402
from sitegen.search import (build_search_files, decode_postings, encode_number,  # noqa: E402
                            encode_postings, key_hash, shard_name)

ROOT = Path(__file__).resolve().parent.parent


def _load(data: bytes):
    m = re.fullmatch(r'window\.__sitegenSearch\.load\("([^"]+)",(.*)\);\n', data.decode("utf-8"), re.S)
    assert m
    return m.group(1), json.loads(m.group(2))


def _files(cache_dir=None):
    config = default_config(ROOT).with_overrides(cache_dir=Path(cache_dir or tempfile.mkdtemp()))
    return build_search_files(fixture_articles(), config, lambda a: f"x/{a.slug}/")


def test_postings_round_trip():
    for ids in ([], [0], [31], [32], [5, 9, 100, 100000], list(range(0, 3000, 2)), list(range(7, 9000, 13))):
        assert decode_postings(encode_postings(ids)) == ids
    assert encode_number(0) == "0" and encode_number(31) == "v" and encode_number(32) == "B0"
    assert encode_postings(range(600)).startswith("~")  # dense lists are bitmaps


def test_hash_is_stable():
    assert key_hash("社区") == key_hash("社区")
    assert shard_name("p:shequ", 16) == format(key_hash("p:shequ") % 16, "x")


def test_deterministic(tmp_path):
    first = _files()
    assert _files(tmp_path) == first
    assert (tmp_path / "search-tokens.pickle").exists()
    assert _files(tmp_path) == first  # from the token cache


def test_keys():
    files = _files()
    meta = _load(files["search/meta.js"])[1]
    entries = {}
    for path, data in files.items():
        if path.startswith("search/s/"):
            entries.update(_load(data)[1])
    n = meta["n"]
    assert n == len(fixture_articles())
    for key in ("托养", "养机", "电网", "syb", "5g", "p:shequ", "i:sq", "d:渌口区", "t:基层治理"):
        assert key in entries, key
    assert "社区" in entries["i:sq"].split("|")[2].split()
    assert meta["aliases"]["株洲县"] == "渌口区"
    assert [y[0] for y in meta["years"]] == sorted({a.year for a in fixture_articles()}, reverse=True)
    # newest first: document 0 is the newest article
    doc0 = _load(files["search/d/0.js"])[1]
    assert doc0["d"] == max(a.date for a in fixture_articles())


def test_url_and_text_are_data():
    files = _files()
    for path, data in files.items():
        if path.startswith("search/d/"):
            doc = _load(data)[1]
            assert doc["u"].startswith("x/") and doc["u"].endswith("/")
    assert any("onerror" in _load(d)[1]["x"] for p, d in files.items() if p.startswith("search/d/"))
