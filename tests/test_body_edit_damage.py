"""A body edit on damaged caches and odd inputs: the site still equals a clean build, and no
build crashes or fails because a cache is damaged (every cache is disposable).  Found by a
review of the body edit (each of these failed at 1276768): duplicate article ids (now an error
of the build, which a copied file gets until it has an id of its own), a search
shard emptied with compression on, and damage to the search state, the output manifest and
the page store."""

from __future__ import annotations

from pathlib import Path

import pytest
from _buildkit import FIXTURE, assert_like_clean, build, damage_page, edit_article, make_config

EDIT = ("收集意见。", "收集意见，并且修缮凉亭。")


def _tiny_site(tmp_path: Path, **changes):
    """17 short articles: 32 search shards, most of them empty, so that one word can be the
    only key of a shard."""
    content = tmp_path / "content"
    content.mkdir()
    head = (FIXTURE / "lusong-2.md").read_text(encoding="utf-8").partition("\n---\n")[0]
    for i in range(17):
        text = (head + "\n---\n\n文。\n").replace("fx0000000004", f"fx00000001{i:02d}")
        (content / f"a{i}.md").write_text(text.replace("lusong-wanggeyuan", f"lusong-{i}"), encoding="utf-8")
    return make_config(tmp_path, content=content, **changes)


# 1 --------------------------------------------------------------------------------------
def test_a_copied_article_is_refused_until_it_has_an_id_of_its_own_and_then_keeps_its_own_search_document(tmp_path):
    config = make_config(tmp_path)
    c = config.content_dir
    text = (c / "lusong-2.md").read_text(encoding="utf-8")
    # a second published article with the same `id:` (a copied file): an error since the
    # importer finds articles by id (before, the build took it, and a body edit's search patch
    # could not tell the two documents apart: search/d/3.js held lusong-2's text)
    other = (
        text.replace("slug: lusong-wanggeyuan", "slug: lusong-other")
        .replace("title: 芦淞区网格员走街串巷", "title: 另一篇")
        .replace("芦淞区建设街道的网格员每天走访居民，收集意见。", "另一篇的正文讲的是公园。")
    )
    (c / "lusong-9.md").write_text(other, encoding="utf-8")
    report = build(config)
    assert report.failed and len(report.errors) == 1 and "lusong-9.md:2: id '" in report.errors[0]
    (c / "lusong-9.md").write_text(other.replace("id: ", "id: copy", 1), encoding="utf-8")
    assert not build(config).errors
    assert_like_clean(tmp_path, config)
    edit_article(c / "lusong-2.md", *EDIT)
    report = build(config)
    assert report.body_edit == 1 and not report.errors
    assert_like_clean(tmp_path, config)


# 2 --------------------------------------------------------------------------------------
def test_an_emptied_search_shard_goes_with_its_compressed_copies(tmp_path):
    config = _tiny_site(tmp_path, compress=True)
    a3 = config.content_dir / "a3.md"
    edit_article(a3, "文。", "文。梧桐树")
    build(config)
    shards = {p.name for p in (config.out_dir / "search/s").glob("*.js")}
    assert {p.name[:-3] for p in (config.out_dir / "search/s").glob("*.js.gz")} == shards
    edit_article(a3, "文。梧桐树", "文。")  # some shards lose their only keys (梧桐, 桐树, p:wutong…)
    report = build(config)
    emptied = sorted(shards - {p.name for p in (config.out_dir / "search/s").glob("*.js")})
    assert report.body_edit == 1 and emptied
    for name in emptied:
        assert f"search/s/{name}" in report.changed
        assert not (config.out_dir / "search/s" / (name + ".gz")).exists()  # failed: .gz and .br stay
        assert not (config.out_dir / "search/s" / (name + ".br")).exists()
    assert_like_clean(tmp_path, config)


# 3 --------------------------------------------------------------------------------------
def test_a_damaged_search_state_is_indexed_anew_not_fatal(tmp_path):
    config = make_config(tmp_path)
    build(config)
    damage_page(config.cache_dir / "search-state.sqlite", "docs")  # or "files"
    edit_article(config.content_dir / "lusong-2.md", *EDIT)
    first, second = build(config), build(config)
    # failed: both say "search: DatabaseError: database disk image is malformed", and so does
    # every later build until the cache is deleted by hand (61b5a6e indexed everything anew)
    assert not first.failed and not second.failed, (first.errors, second.errors)
    assert_like_clean(tmp_path, config)


# 4 --------------------------------------------------------------------------------------
def test_a_damaged_output_manifest_is_written_anew_not_fatal(tmp_path):
    config = make_config(tmp_path)
    build(config)
    damage_page(config.cache_dir / "outputs.sqlite", "outputs")
    edit_article(config.content_dir / "lusong-2.md", *EDIT)
    for _ in range(2):
        build(config)  # failed: sqlite3.DatabaseError out of OutputManifest.some (build.py:560)
    assert_like_clean(tmp_path, config)


def test_an_output_manifest_that_is_not_a_database_means_a_full_write(tmp_path):
    config = _tiny_site(tmp_path)
    a3 = config.content_dir / "a3.md"
    edit_article(a3, "文。", "文。梧桐树")
    build(config)
    (config.cache_dir / "outputs.sqlite").write_bytes(b"garbage" * 1000)
    edit_article(a3, "文。梧桐树", "文。")
    report = build(config)
    assert not report.body_edit and not report.errors  # no manifest to trust: the full build
    assert not (config.out_dir / "search/s/1a.js").exists()  # failed: the emptied shard stayed
    assert_like_clean(tmp_path, config)


# 5 --------------------------------------------------------------------------------------
def test_a_damaged_page_store_keys_table_means_a_full_build(tmp_path):
    config = make_config(tmp_path)
    build(config)
    damage_page(config.cache_dir / "pages.sqlite", "keys")
    edit_article(config.content_dir / "lusong-2.md", *EDIT)
    for _ in range(2):
        build(config)  # failed: sqlite3.DatabaseError out of find_body_edit -> PageStore.article_keys
    assert_like_clean(tmp_path, config)


@pytest.mark.parametrize("parallel_from", [10**9, 1], ids=["serial", "forked"])
def test_compression_turned_on_compresses_the_files_it_keeps(tmp_path, parallel_from):
    """The search files a build keeps get their .gz and .br when compression comes on (the pages
    are rendered again anyway: compression is a setting).  Found by the same review; older than
    the body edit."""
    import dataclasses

    config = make_config(tmp_path, parallel_from=parallel_from, workers=2)
    build(config)
    compressed = dataclasses.replace(config, compress=True)
    assert not build(compressed).errors
    assert (config.out_dir / "search/meta.js.gz").is_file()
    assert_like_clean(tmp_path, compressed)
