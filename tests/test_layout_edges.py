"""Edge cases of incremental builds that reuse the saved layout (sitegen/page_store.py, plan.py).

Every scenario compares the incremental public/ with a clean build of the same content and
settings.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
from pathlib import Path

import _buildkit
import pytest
from _buildkit import assert_like_clean, build, clean_tree, edit_article, tree

import sitegen.page_store


def make_config(tmp: Path, content: Path | None = None, **changes):
    """The fixture site without the search index: these tests are about laying out, planning
    and writing pages (the index's own incremental tests are test_search_incremental.py and
    the state machine of test_build_stateful.py); it is three quarters of their time."""
    return _buildkit.make_config(tmp, content, **{"search": False, **changes})


def make_config_with_templates(tmp: Path):
    return dataclasses.replace(_buildkit.make_config_with_templates(tmp), search=False)


def rebuild_like_clean(tmp_path: Path, config, *, from_layout: bool) -> None:
    """Build again, by the saved layout or not as *from_layout* says; compare with a clean build."""
    assert build(config).from_layout is from_layout
    assert_like_clean(tmp_path, config)


def copy_article(config, name: str, *changes: tuple[str, str]) -> Path:
    """Write content/*name*: lusong-1.md with each (old, new) of *changes* made."""
    text = (config.content_dir / "lusong-1.md").read_text(encoding="utf-8")
    for old, new in changes:
        text = text.replace(old, new)
    target = config.content_dir / name
    target.write_text(text, encoding="utf-8")
    return target


def touch_later(path: Path, seconds: int = 1) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def page(config, rel: str) -> str:
    return (config.out_dir / rel).read_text(encoding="utf-8")


LUSONG2 = "lusong/lusong-wanggeyuan/index.html"


# ------------------------------------------------------------------ scenarios that work


def test_body_edits_past_and_in_the_summary_take_the_fast_path(tmp_path):
    config = make_config(tmp_path)
    build(config)
    art = config.content_dir / "lusong-2.md"
    edit_article(art, "收集意见。", "收集意见。\n\n第二段：意见当天转交社区。")
    report = build(config)
    assert report.from_layout and report.rendered["article"] == 1
    assert_like_clean(tmp_path, config)
    edit_article(art, "网格员每天", "网格员每周")  # the summary: listings and feeds too
    report = build(config)
    assert report.from_layout and report.rendered["feed"] >= 1
    assert_like_clean(tmp_path, config)
    edit_article(art, "网格员每周", "网格员每天")  # back again
    rebuild_like_clean(tmp_path, config, from_layout=True)


def test_touch_without_change_and_edit_of_a_left_out_draft(tmp_path):
    config = make_config(tmp_path)
    build(config)
    before = tree(config.out_dir)
    touch_later(config.content_dir / "lusong-1.md")
    edit_article(config.content_dir / "draft-1.md", "草稿内容。", "草稿内容，改过。")
    report = build(config)
    assert report.from_layout and sum(report.rendered.values()) == 0
    assert tree(config.out_dir) == before
    assert_like_clean(tmp_path, config)


@pytest.mark.parametrize(
    "old,new,labels",
    [
        ("title: 芦淞区网格员走街串巷", "title: 芦淞区网格员走街串巷记", True),
        ("title: 芦淞区网格员走街串巷", "title: 芦淞区网格员走街串巷\nkicker: 基层一线\nsubtitle: 一天走访百户", True),
        # the tag 网格员 now only a piece of a quoted name in the headline: no longer shown
        ("title: 芦淞区网格员走街串巷", "title: 芦淞区“金牌网格员”走街串巷", False),
        # a date into another month that has a page: its lists and counts by month too (relay.py)
        ("date: 2024-11-01", "date: 2025-02-14", True),
        # tags and places: their lists and related articles are laid out again beside (relay.py)
        ("tags: [网格员]", "tags: [网格员, 养老]", True),
        ("places: [建设街道]", "places: [建设街道, 泰山路街道]", True),
        # the tag 网格员 on one article only: its page goes, and another article's stops showing it
        ("tags: [网格员]", "tags: []", False),
        ("district: 芦淞区", "district: 天元区", True),  # its URL moves, and both districts' lists
        ("district: 芦淞区", "district: 荷塘区", False),  # a district new to the site
        ("slug: lusong-wanggeyuan", "slug: lusong-wanggeyuan-2", False),
    ],
)
def test_metadata_edit_then_body_edit(tmp_path, old, new, labels):
    # An edit of the headline's fields (labels), tags, places or a date is built as a body edit
    # is: the pages that show the article, without the archive; any other field lays the site
    # out again.
    config = make_config(tmp_path)
    build(config)
    art = config.content_dir / "lusong-2.md"
    edit_article(art, old, new)
    assert bool(build(config).body_edit) is labels
    assert_like_clean(tmp_path, config)
    edit_article(art, "网格员每天", "网格员每周")
    rebuild_like_clean(tmp_path, config, from_layout=True)
    edit_article(art, new, old)
    assert bool(build(config).body_edit) is labels
    assert_like_clean(tmp_path, config)


def test_a_headline_and_a_body_edited_at_once_are_one_body_edit(tmp_path):
    config = make_config(tmp_path)
    build(config)
    art = config.content_dir / "lusong-2.md"
    edit_article(art, "title: 芦淞区网格员走街串巷", "title: 芦淞区网格员走街串巷记")
    edit_article(art, "网格员每天", "网格员每周")
    assert build(config).body_edit == 1
    assert "网格员每周" in page(config, "lusong/lusong-wanggeyuan/index.html")
    assert_like_clean(tmp_path, config)


def test_add_remove_and_rename_articles(tmp_path):
    config = make_config(tmp_path)
    build(config)
    new = copy_article(
        config,
        "lusong-9.md",
        ("id: fx0000000003", "id: nine"),
        ("lusong-fushi-dinghuo", "lusong-nine"),
        ("2024-02-18", "2024-02-19"),
    )
    rebuild_like_clean(tmp_path, config, from_layout=False)
    edit_article(new, "春节过后", "元宵过后")
    rebuild_like_clean(tmp_path, config, from_layout=True)
    new.rename(config.content_dir / "lusong-0.md")  # same article, another file
    rebuild_like_clean(tmp_path, config, from_layout=False)
    (config.content_dir / "lusong-0.md").unlink()
    assert not build(config).from_layout
    assert not (config.out_dir / "lusong/lusong-nine/index.html").exists()
    assert_like_clean(tmp_path, config)


def test_drafts_future_articles_and_preview(tmp_path):
    config = make_config(tmp_path)
    build(config)
    draft = config.content_dir / "draft-1.md"
    edit_article(draft, "draft: true", "draft: false")
    rebuild_like_clean(tmp_path, config, from_layout=False)
    edit_article(draft, "draft: false", "draft: true")
    build(config)
    assert_like_clean(tmp_path, config)
    # the future article appears once its day has come
    assert not build(config, "2030-01-02").from_layout
    assert (config.out_dir / "tianyuan/index.html").read_text(encoding="utf-8").count("未来的文章") == 1
    assert_like_clean(tmp_path, config, "2030-01-02")
    rebuild_like_clean(tmp_path, config, from_layout=False)
    # preview: drafts and future articles shown with a banner; their body edits take the fast path
    preview = dataclasses.replace(config, preview=True)
    rebuild_like_clean(tmp_path, preview, from_layout=False)
    edit_article(draft, "草稿内容。", "草稿内容，预览中改过。")
    assert build(preview).from_layout
    assert "预览中改过" in page(preview, "tianyuan/caogao/index.html")
    assert_like_clean(tmp_path, preview)
    rebuild_like_clean(tmp_path, config, from_layout=False)


def test_a_new_day_rebuilds_nothing_until_an_article_falls_due(tmp_path):
    # The editors' hook builds every day: a day on which no article falls due (the fixture's
    # future one is dated 2030-01-01) is a build with no input changed, where every page was
    # rendered again when today's date was a setting of every page.
    config = make_config(tmp_path)
    build(config)
    before = tree(config.out_dir)
    for day in ("2025-06-02", "2029-12-31"):
        assert build(config, day).skipped_unchanged, day
    assert tree(config.out_dir) == before
    report = build(config, "2030-01-01")  # its day: published, with the pages that list it
    assert not report.skipped_unchanged and not report.errors
    assert 0 < sum(report.rendered.values()) < sum(report.pages.values()) / 2, report.rendered
    assert "未来的文章" in page(config, "tianyuan/index.html")
    assert_like_clean(tmp_path, config, "2030-01-01")
    assert build(config, "2031-05-01").skipped_unchanged  # nothing left to fall due
    # Back before its day (a clock set wrong): withdrawn again, as a clean build would have it.
    assert not build(config, "2029-12-31").skipped_unchanged
    assert "未来的文章" not in page(config, "tianyuan/index.html")
    assert_like_clean(tmp_path, config, "2029-12-31")


def test_a_left_out_articles_new_date_or_draft_flag_takes_effect_on_its_day(tmp_path):
    # A future article's date and draft flag decide the days the build's fingerprint keeps (no
    # article falls due within them): an edit of them is the full build's, which works the days
    # out again.  Built as a body edit, such an article stayed unpublished on its new day.
    config = make_config(tmp_path)
    build(config)
    future = config.content_dir / "future-1.md"
    edit_article(future, "date: 2030-01-01", "date: 2025-06-05")
    assert not build(config).errors
    assert build(config, "2025-06-04").skipped_unchanged
    assert not build(config, "2025-06-05").skipped_unchanged
    assert "未来的文章" in page(config, "tianyuan/index.html")
    assert_like_clean(tmp_path, config, "2025-06-05")
    # a draft falls due on no day; released, it does on its date
    edit_article(future, "date: 2025-06-05", "date: 2030-01-01\ndraft: true")
    assert not build(config, "2025-06-05").errors
    edit_article(future, "draft: true", "draft: false")
    assert not build(config, "2025-06-05").errors
    assert not build(config, "2030-01-01").skipped_unchanged
    assert "未来的文章" in page(config, "tianyuan/index.html")
    assert_like_clean(tmp_path, config, "2030-01-01")


def test_two_articles_on_one_url(tmp_path):
    # Two articles on one URL fail the build (the site stays as it was); the preview shows the
    # first and goes on, and once one of them goes, the other takes the URL.
    config = make_config(tmp_path)
    build(config)
    before = tree(config.out_dir)
    copy = copy_article(config, "lusong-copy.md", ("id: fx0000000003", "id: dup"), ("春节过后", "复本：春节过后"))
    report = build(config)
    assert report.failed and any("two pages would write" in e for e in report.errors)
    assert tree(config.out_dir) == before
    preview = dataclasses.replace(config, preview=True, out_dir=tmp_path / "preview", cache_dir=tmp_path / "pcache")
    report = build(preview)
    assert any("two pages would write" in e for e in report.errors)
    assert (preview.out_dir / "lusong/lusong-fushi-dinghuo/index.html").is_file()
    edit_article(copy, "复本：春节过后", "复本改：春节过后")  # the loser's body
    assert build(config).failed
    (config.content_dir / "lusong-1.md").unlink()  # the other one takes the URL
    report = build(config)
    assert not report.errors
    assert "复本改" in page(config, "lusong/lusong-fushi-dinghuo/index.html")
    assert_like_clean(tmp_path, config)


def test_template_taxonomy_and_base_url_changes(tmp_path):
    config = make_config_with_templates(tmp_path)
    build(config)
    edit_article(config.templates_dir / "_macros.html", 'class="summary"', 'class="summary lead"')
    rebuild_like_clean(tmp_path, config, from_layout=False)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    rebuild_like_clean(tmp_path, config, from_layout=True)
    moved = dataclasses.replace(config, base_url="https://example.org/news/")
    rebuild_like_clean(tmp_path, moved, from_layout=False)
    edit_article(config.content_dir / "lusong-2.md", "网格员每周", "网格员每日")
    rebuild_like_clean(tmp_path, moved, from_layout=True)
    rebuild_like_clean(tmp_path, config, from_layout=False)


def test_broken_or_missing_cache_and_output(tmp_path):
    config = make_config(tmp_path)
    build(config)
    art = config.content_dir / "lusong-2.md"
    shutil.rmtree(config.cache_dir)
    edit_article(art, "网格员每天", "网格员每周")
    rebuild_like_clean(tmp_path, config, from_layout=False)
    (config.cache_dir / "pages.sqlite").unlink()
    edit_article(art, "网格员每周", "网格员每日")
    rebuild_like_clean(tmp_path, config, from_layout=False)
    with sqlite3.connect(config.cache_dir / "pages.sqlite") as db:  # an unreadable saved model
        db.execute("UPDATE saved SET value = x'00ff' WHERE name = 'model'")
    edit_article(art, "网格员每日", "网格员天天")
    report = build(config)
    assert not report.from_layout and not report.errors
    assert_like_clean(tmp_path, config)
    (config.cache_dir / "outputs.sqlite").unlink()  # the writer's manifest lost
    edit_article(art, "收集意见。", "收集意见并转交。")
    build(config)
    assert_like_clean(tmp_path, config)
    shutil.rmtree(config.out_dir)  # public/ lost, the cache kept
    edit_article(art, "收集意见并转交。", "收集意见。")
    report = build(config)
    assert not report.from_layout
    assert_like_clean(tmp_path, config)


def test_mixed_sequence_of_fast_and_slow_builds(tmp_path):
    config = make_config(tmp_path)
    build(config)
    c = config.content_dir
    steps = [
        (c / "tianyuan-1.md", "首家", "第一家"),  # body
        (c / "tianyuan-1.md", "tags: [社区食堂, 养老]", "tags: [社区食堂]"),  # tags: related change
        (c / "tianyuan-3.md", "title: 天元区养老服务再升级", "title: 天元区养老服务升级"),
        (c / "tianyuan-1.md", "第一家", "首家"),
        (c / "tianyuan-3.md", "title: 天元区养老服务升级", "title: 天元区养老服务再升级"),
        (c / "tianyuan-1.md", "tags: [社区食堂]", "tags: [社区食堂, 养老]"),
        (c / "tianyuan-2.md", "date: 2024-11-12", "date: 2024-11-13"),
    ]
    for path, old, new in steps:
        edit_article(path, old, new)
        build(config)
        assert_like_clean(tmp_path, config)


# ------------------------------------------------------------------ defects


def _killed_before_layout_save(monkeypatch, config):
    """Run a build that dies after write_site (public/ is new) but before PageStore.save."""

    def killed(self, *args, **kwargs):
        raise KeyboardInterrupt("killed between write_site and PageStore.save")

    monkeypatch.setattr(sitegen.page_store.PageStore, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        build(config)
    monkeypatch.undo()


def test_killed_before_layout_save_then_the_same_content_builds_fine(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    build(config)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    _killed_before_layout_save(monkeypatch, config)
    assert "每周" in page(config, LUSONG2)
    build(config)
    assert_like_clean(tmp_path, config)


@pytest.mark.parametrize("edit", ["body", "people"])
def test_killed_after_the_write_and_before_the_manifest_then_the_edit_undone(tmp_path, monkeypatch, edit):
    # The killed build's files are in public/, but the output manifest still holds the digests
    # of the build before: the next build must not take those for what public/ holds.
    import sitegen.writer

    config = make_config(tmp_path)
    build(config)
    before = tree(config.out_dir)
    path = config.content_dir / "lusong-2.md"
    original = path.read_text(encoding="utf-8")
    if edit == "body":  # one page, committed by journal (write_changed)
        edit_article(path, "网格员每天", "网格员每周")
    else:  # a new person's page, and every list that shows the article's card
        edit_article(path, "reporters: [张伟]", "reporters: [张伟, 梧桐]")

    update = sitegen.writer.OutputManifest.update

    def killed(self, written, removed, whole):
        if any(written.values()):  # the record of the write, not what comes before the commit
            raise KeyboardInterrupt("killed after the commit, before the manifest was saved")
        update(self, written, removed, whole)

    monkeypatch.setattr(sitegen.writer.OutputManifest, "update", killed)
    with pytest.raises(KeyboardInterrupt):
        build(config)
    monkeypatch.undo()
    assert tree(config.out_dir) != before  # the killed build's files are there
    path.write_text(original, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    build(config)
    assert_like_clean(tmp_path, config)


@pytest.mark.parametrize(
    "old, new, page_rel, gone",
    [
        ("网格员每天", "网格员每周", LUSONG2, "每周"),  # a body
        ("title: 芦淞区网格员走街串巷", "title: 芦淞区网格员走街串巷记", "lusong/index.html", "走街串巷记"),  # metadata
    ],
)
def test_killed_before_layout_save_then_the_edit_reverted(tmp_path, monkeypatch, old, new, page_rel, gone):
    # The store forgets the layout key and the written pages' digests before the write, so the
    # revert lays the site out again and renders those pages, instead of seeing "no change".
    config = make_config(tmp_path)
    build(config)
    art = config.content_dir / "lusong-2.md"
    edit_article(art, old, new)
    _killed_before_layout_save(monkeypatch, config)
    edit_article(art, new, old)
    report = build(config)
    assert not report.from_layout
    assert gone not in page(config, page_rel)
    assert_like_clean(tmp_path, config)


@pytest.mark.parametrize("deletable", [True, False], ids=["deleted", "undeletable"])
def test_every_page_rendered_anew_then_killed_before_the_store_is_saved(tmp_path, monkeypatch, deletable):
    # A template change renders every page: the store starts again empty before the write
    # (PageStore.expect(whole=True)), so a build killed before the save leaves a store that
    # plans and renders every page again, whatever the next build finds changed.  Where its
    # file cannot be deleted, its rows are (a killed body edit left them without a layout key).
    config = make_config_with_templates(tmp_path)
    build(config)
    if not deletable:
        edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
        _killed_before_layout_save(monkeypatch, config)

        def undeletable(path):
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(sitegen.page_store, "remove_db", undeletable)
    macros = config.templates_dir / "_macros.html"
    edit_article(macros, 'class="summary"', 'class="summary lead"')
    _killed_before_layout_save(monkeypatch, config)
    assert 'class="summary lead"' in page(config, "lusong/index.html")
    edit_article(macros, 'class="summary lead"', 'class="summary"')
    rebuild_like_clean(tmp_path, config, from_layout=False)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天" if deletable else "网格员每周", "网格员每日")
    rebuild_like_clean(tmp_path, config, from_layout=True)


def test_a_page_store_of_the_older_layout_is_made_again(tmp_path):
    # Its pages and shown tables were WITHOUT ROWID tables, which CREATE ... IF NOT EXISTS keeps.
    config = make_config(tmp_path)
    build(config)
    store = config.cache_dir / "pages.sqlite"
    with sqlite3.connect(store) as db:
        for table, columns in (
            ("pages", "output TEXT PRIMARY KEY, kind TEXT, digest TEXT, page BLOB, deps BLOB"),
            ("shown", "path TEXT PRIMARY KEY, pages BLOB"),
        ):
            db.execute(f"CREATE TABLE old_{table} ({columns}) WITHOUT ROWID")
            names = ", ".join(column.split()[0] for column in columns.split(", "))
            db.execute(f"INSERT INTO old_{table} SELECT {names} FROM {table}")
            db.execute(f"DROP TABLE {table}")
            db.execute(f"ALTER TABLE old_{table} RENAME TO {table}")
        db.execute("PRAGMA user_version = 0")
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    report = build(config)
    assert not report.body_edit and not report.from_layout  # the old store is not read
    assert_like_clean(tmp_path, config)
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == sitegen.page_store.SCHEMA_VERSION
        tables = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    assert "WITHOUT ROWID" not in tables["pages"] and "WITHOUT ROWID" not in tables["shown"]
    edit_article(config.content_dir / "lusong-2.md", "网格员每周", "网格员每日")
    assert build(config).body_edit
    assert_like_clean(tmp_path, config)


def test_a_second_output_folder_sharing_the_cache(tmp_path):
    # The cache describes one output folder: building into another one starts it cold, so
    # switching back (`--out`) never plans against the other folder's state.
    config = make_config(tmp_path)
    other = dataclasses.replace(config, out_dir=tmp_path / "elsewhere")
    build(config)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    build(other)
    assert "每周" in page(other, LUSONG2)
    build(config)
    assert "每周" in page(config, LUSONG2)
    assert_like_clean(tmp_path, config)


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of sitegen/data that the build reads (as if an editor edited the real one)."""
    import sitegen.gazetteer
    import sitegen.names
    import sitegen.stamp

    package = tmp_path / "package"
    shutil.copytree(sitegen.stamp.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    data = package / "data"
    monkeypatch.setattr(sitegen.stamp, "PACKAGE_DIR", package)
    monkeypatch.setattr(sitegen.gazetteer, "DATA_FILE", data / "gazetteer.json")
    monkeypatch.setattr(sitegen.names, "TAXONOMY_FILE", data / "taxonomy.yaml")
    _forget_gazetteer()
    yield data
    monkeypatch.undo()
    _forget_gazetteer()


def _forget_gazetteer():
    """Drop the per-process gazetteer caches: as if each build were a new `sitegen build`."""
    import sitegen.gazetteer
    import sitegen.names
    import sitegen.site
    import sitegen.stamp

    sitegen.gazetteer.load_gazetteer.cache_clear()
    sitegen.site._gazetteer.cache_clear()
    sitegen.names.load_taxonomy_entries.cache_clear()
    sitegen.names._districts.cache_clear()
    sitegen.stamp.package_stamp.cache_clear()


def test_gazetteer_slug_edit_lays_out_with_the_new_slug(tmp_path, data_copy):
    # slugs.pickle follows the code and data that make the slugs
    config = make_config(tmp_path)
    build(config)
    gaz = data_copy / "gazetteer.json"
    gaz.write_text(gaz.read_text(encoding="utf-8").replace('"slug": "lusong"', '"slug": "lusong-qu"'), encoding="utf-8")
    _forget_gazetteer()
    assert not build(config).from_layout
    assert "lusong-qu/index.html" in clean_tree(tmp_path, config)
    assert (config.out_dir / "lusong-qu/index.html").exists()
    assert_like_clean(tmp_path, config)


def test_failed_search_stage_keeps_the_previous_index(tmp_path, monkeypatch):
    # A failed search stage keeps the index that is there, and the next build tries again.
    import sitegen.search.index
    import sitegen.search.patch

    config = make_config(tmp_path, search=True)
    build(config)
    index = {p for p in tree(config.out_dir) if p.startswith("search/") and p != "search/index.html"}
    assert index

    def failing(*args, **kwargs):
        raise MemoryError("the search process ran out of memory")

    monkeypatch.setattr(sitegen.search.index, "_finish", failing)  # a whole index
    monkeypatch.setattr(sitegen.search.patch, "_finish", failing)  # a patch
    monkeypatch.setattr(sitegen.search.patch, "_finish_in_place", failing)  # a body edit's patch
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    report = build(config)
    assert any(e.startswith("search:") for e in report.errors)
    monkeypatch.undo()
    assert index <= set(tree(config.out_dir)), "the previous search index was deleted"
    report = build(config)  # the search stage works again
    assert not report.errors
    assert_like_clean(tmp_path, config)


def test_a_build_whose_index_cannot_be_patched_goes_on_while_it_is_made(tmp_path, monkeypatch):
    """When the last index cannot be patched (sitegen's search code changed since, say), the
    search process indexes everything: the build plans and renders meanwhile.  It used to wait,
    where it asks which documents a patch needs, until the whole index was made."""
    import time

    import sitegen.build
    import sitegen.search
    from sitegen.search import SEARCH_STATE_FILE

    # the search process forked; one worker: the other stages in this process
    config = make_config(tmp_path, search=True, parallel_from=0, workers=1)
    build(config)
    db = sqlite3.connect(config.cache_dir / SEARCH_STATE_FILE)
    with db:
        db.execute("""UPDATE meta SET value = '"an older sitegen"' WHERE name = 'code'""")
    db.close()
    went_on = tmp_path / "the-build-went-on"
    whole_index, go_on = sitegen.search.full_search_index, sitegen.build._SearchStage.go_on

    def index_once_the_build_goes_on(*args, **kwargs):  # in the search process
        give_up = time.monotonic() + 20
        while not went_on.exists():
            if time.monotonic() > give_up:
                raise RuntimeError("the build waited for the whole index")
            time.sleep(0.01)
        return whole_index(*args, **kwargs)

    def going_on(self, **kwargs):
        go_on(self, **kwargs)
        went_on.touch()

    monkeypatch.setattr(sitegen.search, "full_search_index", index_once_the_build_goes_on)
    monkeypatch.setattr(sitegen.build._SearchStage, "go_on", going_on)
    edit_article(config.content_dir / "lusong-2.md", "title: 芦淞区网格员走街串巷", "title: 芦淞区网格员走街串户")
    report = build(config)
    assert not report.errors
    monkeypatch.undo()
    assert_like_clean(tmp_path, config)
