"""Postings in parts (index format 3): a key in many documents is a head and parts, and the
browser's script ranks and counts a query's results as it does over whole postings, loading
only the parts of the spans it shows results from (docs/SEARCH.md §5)."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from search_fixture import fixture_articles

import sitegen.search.index as search_index
from sitegen.config import default_config
from sitegen.search import build_search_files
from sitegen.search.index import Documents
from sitegen.search.postings import decode_postings, encode_postings, head_entry, read_head, split_parts
from sitegen.search.tokens import doc_tokens
from sitegen.text import fold, search_runs

ROOT = Path(__file__).resolve().parent.parent
node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def _articles(count: int = 48):
    """*count* articles made of the fixture's: headlines and paragraphs recombined, a date every
    eleven days, districts and topics in turn, so common words are in many documents."""
    base = fixture_articles()
    out = []
    for i in range(count):
        a, b = base[i % len(base)], base[(3 * i + 1) % len(base)]
        out.append(
            replace(
                a,
                id=f"{i:012x}",
                slug=f"wenzhang-{i}",
                path=f"wenzhang-{i}.md",
                title=(a.title if i % 3 else b.title),
                body=a.body + "\n\n" + b.body[: (37 * i) % len(b.body)],
                date=(datetime.date(2024, 1, 1) + datetime.timedelta(days=11 * i)).isoformat(),
                district=base[i % 5].district,
                topics=base[(i // 2) % len(base)].topics,
            )
        )
    return out


def _url(a) -> str:
    return f"x/{a.slug}/"


def _site(folder: Path, articles, monkeypatch, parts: tuple[int, int] | None) -> Path:
    """Write the search index of *articles* into *folder* (the constants of index format 3
    set to *parts*: (PART_MIN, PART_SPAN), for a small index to be split)."""
    with monkeypatch.context() as m:
        if parts is not None:
            m.setattr(search_index, "PART_MIN", parts[0])
            m.setattr(search_index, "PART_SPAN", parts[1])
        config = default_config(ROOT).with_overrides(cache_dir=folder / "cache")
        for path, data in build_search_files(articles, config, _url).items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)
    return folder


def _queries(site: Path, cases: list) -> list:
    (site / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        ["node", str(ROOT / "tests" / "search_parity.js"), str(site / "search/search.js"), "--query"]
        + [str(site), str(site / "cases.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _expected(articles, query: str, district: str = "") -> list[int]:
    """The ranking docs/SEARCH.md §4 describes, worked out from each document's own tokens: a
    Han query's documents, by the terms their headline holds, then newest first."""
    docs = Documents(articles, _url)
    tokens = [doc_tokens(docs[n]) for n in range(len(docs))]
    terms = []
    for run in search_runs(query):
        terms.append({run} if len(run) == 1 else {run[i : i + 2] for i in range(len(run) - 1)})
    found = []
    for n, t in enumerate(tokens):
        if all(keys <= t.body_keys for keys in terms) and (not district or "d:" + fold(district) in t.body_keys):
            found.append((-sum(keys <= t.title_keys for keys in terms), -n))
    return [-n for _, n in sorted(found)]


CASES = [
    ["社区", {}],
    ["安全 培训", {}],
    ["服务 社区", {}],
    ["株洲", {"district": "石峰区"}],
    ["的", {"year": "2024"}],
    ["工作", {"topic": "民生服务"}],
    ["", {"district": "攸县"}],
    ["", {"year": "2025"}],
    ["shequ", {}],
    ["残疾人托养", {}],
    ["电网 巡检 安全", {}],
    ["秋瑾故居", {}],
]


@node
@pytest.mark.parametrize("parts", [(4, 8), (3, 5), (1, 1)], ids=["span 8", "span 5", "every key, span 1"])
def test_parts_rank_and_count_as_whole_postings(tmp_path, monkeypatch, parts):
    articles = _articles()
    whole = _site(tmp_path / "whole", articles, monkeypatch, None)
    split = _site(tmp_path / "parts", articles, monkeypatch, parts)
    assert not (whole / "search/p").exists()
    assert len(list((split / "search/p").rglob("*.js"))) > 20
    cases = [[q, f, 3] for q, f in CASES]
    got_whole, got_parts = _queries(whole, cases), _queries(split, cases)
    lazy = 0
    for (query, filters, _), a, b in zip(cases, got_whole, got_parts):
        assert a["all"]["docs"], query  # every case finds something
        assert b["all"] == a["all"], query  # the same documents, order and count
        assert a["all"]["exact"] and a["all"]["count"] == len(a["all"]["docs"])
        if not filters.get("topic") and not filters.get("year") and query.isascii() is False:
            assert a["all"]["docs"] == _expected(articles, query, filters.get("district", "")), query
        for got in (a, b):  # page by page: the same documents; the count at least those shown
            assert [n for p in got["pages"] for n in p["docs"]] == got["all"]["docs"], query
            shown = 0
            for page in got["pages"]:
                shown += len(page["docs"])
                assert shown <= page["count"] <= got["all"]["count"], query
                assert page["exact"] == (page["count"] == got["all"]["count"]) or not page["exact"], query
            assert got["pages"][-1]["exact"] and got["pages"][-1]["count"] == got["all"]["count"]
        assert all(p["exact"] for p in a["pages"])  # whole postings: the count is known at once
        first = b["pages"][0]
        # (one process runs the cases: a file an earlier case loaded is not loaded again)
        lazy += not first["exact"] and first["files"] < b["pages"][-1]["files"]
    assert lazy >= 3  # queries whose first page loaded only some of the parts they need


def test_a_split_key_is_a_head_and_parts_that_hold_its_documents(tmp_path, monkeypatch):
    articles = _articles()
    split = _site(tmp_path / "parts", articles, monkeypatch, (4, 8))
    whole = _site(tmp_path / "whole", articles, monkeypatch, None)
    from sitegen.search.index import _unjs, part_file, shard_name

    meta = _unjs((split / "search/meta.js").read_bytes())
    assert meta["v"] == 4 and meta["part"] == 8
    key = "社区"
    shard = shard_name(key, meta["shards"])
    body, _, title = _unjs((split / f"search/s/{shard}.js").read_bytes())[key].partition("|")
    whole_body, _, whole_title = _unjs((whole / f"search/s/{shard}.js").read_bytes())[key].partition("|")
    count, parts = read_head(body)
    documents = []
    for part in parts:
        text = _unjs((split / part_file(part, shard)).read_bytes())[key]
        documents += [part * 8 + n for n in decode_postings(text)]
    assert documents == decode_postings(whole_body) and count == len(documents) >= 4
    assert title == whole_title


def test_postings_in_parts_are_encoded_as_whole_postings_are():
    """The whole index splits with numpy; a patch splits with encode_postings: one text."""
    import random

    import numpy as np

    rng = random.Random(5)
    for _ in range(120):
        size = rng.choice([1, 7, 100, 2000])
        ids = sorted(rng.sample(range(size * rng.choice([1, 2, 30])), size))
        parts = split_parts(np.array(ids, np.int64), 64)
        by_part: dict[int, list[int]] = {}
        for n in ids:
            by_part.setdefault(n // 64, []).append(n % 64)
        assert parts == {part: encode_postings(numbers) for part, numbers in by_part.items()}
        assert read_head(head_entry(len(ids), sorted(parts))) == (len(ids), sorted(parts))


@pytest.mark.parametrize("parts", [(2, 2), (1, 1)], ids=["parts of 2", "every key, parts of 1"])
def test_body_edits_patch_the_parts_like_a_clean_build(tmp_path, monkeypatch, parts):
    """A body edit's build patches the index in place (`PreviousIndex.patch_bodies`): the
    parts it rewrites and the ones it empties are those a clean build of the edited site has."""
    from _buildkit import assert_like_clean, build, edit_article, make_config

    monkeypatch.setattr(search_index, "PART_MIN", parts[0])
    monkeypatch.setattr(search_index, "PART_SPAN", parts[1])
    config = make_config(tmp_path)
    build(config)
    assert list((config.out_dir / "search" / "p").rglob("*.js"))
    lusong, tianyuan = config.content_dir / "lusong-2.md", config.content_dir / "tianyuan-1.md"
    edit_article(lusong, "收集意见。", "收集意见。\n\n第二段：意见当天转交社区。")
    assert build(config).body_edit == 1
    edit_article(lusong, "网格员每天", "网格员每周")
    edit_article(tianyuan, "首家", "第一家")
    assert build(config).body_edit == 2
    edit_article(lusong, "收集意见。", "")
    report = build(config)
    assert report.body_edit == 1 and not report.errors
    assert_like_clean(tmp_path, config)


def test_the_span_of_a_part_doubles_with_the_archive_past_sixteen_spans():
    from sitegen.search.index import part_span

    assert [part_span(n) for n in (0, 10, 10_000, 100_000, 131_072)] == [8192] * 5
    assert [part_span(n) for n in (131_073, 262_144, 262_145, 1_000_000)] == [16_384, 16_384, 32_768, 65_536]


def test_an_archive_that_doubles_past_the_span_is_indexed_whole(tmp_path, monkeypatch):
    """An article added where the archive's span of a part doubles: the patch refuses (its
    parts would be cut at the old span), and the whole index is the one a fresh build makes."""
    from test_search import _manifest, _newest, _publish

    from sitegen.search import build_search_index
    from sitegen.search.index import _unjs

    monkeypatch.setattr(search_index, "PART_MIN", 2)
    monkeypatch.setattr(search_index, "PART_SPAN", 1)
    monkeypatch.setattr(search_index, "PARTS_AIM", 7)  # spans of 1 up to 7 documents, of 2 up to 14
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "cache")
    out = tmp_path / "public"
    before = _newest(fixture_articles())
    after = before + [replace(before[-1], id="y9y9y9y9y9y9", slug="zai-xinzeng", path="new2.md", date="2026-02-02")]
    assert len(before) == 7
    first = build_search_index(before, config, url_of=_url, out_dir=out, published=_manifest(out))
    _publish(first, out)
    assert _unjs((out / "search/meta.js").read_bytes())["part"] == 1
    second = build_search_index(after, config, url_of=_url, out_dir=out, published=_manifest(out))
    assert not second.incremental
    on_disk = _publish(second, out)
    assert _unjs(on_disk["search/meta.js"])["part"] == 2
    fresh = build_search_index(
        after, default_config(ROOT).with_overrides(cache_dir=tmp_path / "other"), url_of=_url, out_dir=tmp_path / "p2"
    )
    assert on_disk == _publish(fresh, tmp_path / "p2")


def _urls(site: Path, numbers: list[int]) -> list[str]:
    from sitegen.search.index import _unjs

    return [_unjs((site / f"search/d/{n}.js").read_bytes())["u"] for n in numbers]


@node
@pytest.mark.parametrize("parts", [(4, 8), (1, 1)], ids=["span 8", "every key, span 1"])
def test_documents_kept_out_of_date_order_are_found_as_a_whole_index_finds_them(tmp_path, monkeypatch, parts):
    """A patch keeps a redated document, and one added among older ones, at its number, and
    meta.js lists it with its rank: the patch writes its document's file and meta.js alone, the
    index renumbered by those ranks is the whole index of the same articles, and every query
    finds what the whole index finds, in the same order, page by page."""
    from _searchkit import in_date_order
    from test_search import _manifest, _publish

    import sitegen.search.patch as search_patch
    from sitegen.search import build_search_index
    from sitegen.search.index import _unjs

    monkeypatch.setattr(search_index, "PART_MIN", parts[0])
    monkeypatch.setattr(search_index, "PART_SPAN", parts[1])
    monkeypatch.setattr(search_patch, "INCREMENTAL_MAX", 0.2)  # 48 documents: five of them at once
    config = default_config(ROOT).with_overrides(cache_dir=tmp_path / "cache")
    site = tmp_path / "patched"
    articles = _articles()

    def patched(edited) -> dict[str, bytes]:
        index = build_search_index(edited, config, url_of=_url, out_dir=site, published=_manifest(site))
        assert index.incremental
        return _publish(index, site)

    _publish(build_search_index(articles, config, url_of=_url, out_dir=site, published=_manifest(site)), site)
    before = {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "search").rglob("*.js")}
    redated = list(articles)
    redated[0] = replace(articles[0], date="2025-07-01")  # the oldest now the newest
    redated[47] = replace(articles[47], date="2023-12-01")  # the newest now the oldest
    redated[20] = replace(articles[20], date=articles[36].date)  # from 2024 into 2025
    files = patched(redated)
    assert sorted(p for p in files if files[p] != before.get(p)) == [
        "search/d/0.js",
        "search/d/20.js",
        "search/d/47.js",
        "search/meta.js",
    ]
    assert _unjs(files["search/meta.js"])["moved"] == [[0, 47], [20, 35], [47, 0]]
    older = [
        replace(articles[k], id=f"new{k:09d}", slug=f"xin-{k}", path=f"xin-{k}.md", date=date, title=title)
        for k, date, title in [(3, "2024-02-10", "社区食堂开张"), (9, "2024-09-09", "电网巡检培训")]
    ]
    edited = [*redated, *older]
    files = patched(edited)
    assert len(_unjs(files["search/meta.js"])["moved"]) == 5  # the three redated, the two added

    whole = tmp_path / "whole"
    other = default_config(ROOT).with_overrides(cache_dir=tmp_path / "other")
    fresh = _publish(build_search_index(edited, other, url_of=_url, out_dir=whole, published={}), whole)
    assert in_date_order(files) == fresh
    cases = [
        [q, f, 3] for q, f in [*CASES, ["", {"year": "2024"}], ["社区", {"year": "2025"}], ["", {"topic": "民生服务"}]]
    ]
    for (query, filters, _), a, b in zip(cases, _queries(whole, cases), _queries(site, cases)):
        assert a["all"]["docs"], (query, filters)
        assert _urls(site, b["all"]["docs"]) == _urls(whole, a["all"]["docs"]), (query, filters)
        assert b["all"]["count"] == a["all"]["count"] and b["all"]["exact"]
        pages = [_urls(site, page["docs"]) for page in b["pages"]]
        assert pages == [_urls(whole, page["docs"]) for page in a["pages"]], (query, filters)
        assert b["pages"][-1]["exact"] and b["pages"][-1]["count"] == a["all"]["count"]
