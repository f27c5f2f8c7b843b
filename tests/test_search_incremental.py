"""The search index through the build: a one-article edit patches a few files, and the
result is byte-identical to a clean build of the edited content."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from _buildkit import assert_like_clean, build, damage_page, edit_article, make_config, tree

from sitegen.search import table_path


def _search(folder: Path) -> dict:
    return {p: data for p, data in tree(folder).items() if str(p).startswith("search/")}


# "forked": parallel_from=0 forks the search process; with one worker the parse, render and
# tokenize stages stay in the build's process and the search process (their fan-out is
# test_parallel.py's): a forked variant cost 0.8 s of CPU, half of it in forked pools.
@pytest.mark.parametrize("parallel_from", [0, 10**6], ids=["forked", "in-process"])
@pytest.mark.parametrize(
    "old, new, body_edit",
    [
        ("芦淞区网格员走街串巷", "芦淞区网格员走街串巷听取垃圾分类意见", True),
        ("tags: [网格员]", "tags: [网格员, 养老]", True),
        ("topics: [基层治理]", "topics: [基层治理, 民生服务]", True),
        ("district: 芦淞区", "district: 天元区", True),
        ("网格员每天", "网格员每周", True),
    ],
    ids=["title", "tags", "topics", "district", "body"],
)
def test_one_edit_patches_the_index_like_a_clean_build(tmp_path, monkeypatch, old, new, body_edit, parallel_from):
    """The search job patches the last index, whether it runs in a process of its own (a big
    site) or in the build's (a small one), for an edit of a title, tags, topics, a district or a
    body (a body edit's patch)."""
    import sitegen.search
    import sitegen.search.index

    config = make_config(tmp_path / "a", parallel_from=parallel_from, workers=1)
    build(config)
    before = _search(config.out_dir)

    def refuse(*args, **kwargs):
        raise AssertionError("a one-article edit rebuilt the whole index")

    monkeypatch.setattr(sitegen.search.index, "_full_index", refuse)
    # ... and the job that loaded the last index while the build read the articles patched
    # it: build_search_index is the path of a job started after the load.
    monkeypatch.setattr(sitegen.search, "build_search_index", refuse)
    edit_article(config.content_dir / "lusong-2.md", old, new)
    report = build(config)
    # (a body edit of as many files as parallel_from, 0 here when forked, is the full build's)
    assert not report.errors and bool(report.body_edit) is (body_edit and parallel_from > 1)
    after = _search(config.out_dir)
    changed = {p for p in after if before.get(p) != after[p]} | (set(before) - set(after))
    assert changed and len(changed) < len(after) // 2, changed
    assert all(str(p).startswith(("search/s/", "search/d/", "search/meta", "search/index.html")) for p in changed)

    monkeypatch.undo()
    clean = make_config(tmp_path / "b", parallel_from=parallel_from, workers=1)
    shutil.rmtree(clean.content_dir)
    shutil.copytree(config.content_dir, clean.content_dir)
    build(clean)
    assert _search(clean.out_dir) == after


@pytest.mark.parametrize(
    "edit, parallel_from",
    [
        ("date corrected", 0),  # the search process forked (test_one_edit_patches_... has both for the rest)
        ("date corrected", 10**6),
        ("added among the others", 10**6),
        ("removed", 10**6),
        ("the oldest removed", 10**6),
    ],
)
def test_documents_that_move_are_patched_while_few_numbers_change(tmp_path, monkeypatch, edit, parallel_from):
    """A whole index numbers documents by date.  A patch keeps a redated document (tianyuan-2
    moves before lusong-2) or one added before the newest at its number, which meta.js lists
    with its rank: the redated one's file and meta.js change, not one shard.  An article removed
    changes the numbers between its place and the end, and those are patched; removing the
    oldest moves every number, and the index is made whole.  Either way the index, renumbered
    in date order (`_buildkit.tree`), is a clean build's."""
    import sitegen.search.index
    import sitegen.search.patch

    # 9 documents: a move of one changes two numbers, more than the 5 % a patch takes
    monkeypatch.setattr(sitegen.search.patch, "INCREMENTAL_MAX", 0.5)
    config = make_config(tmp_path / "a", parallel_from=parallel_from, workers=1)
    (config.content_dir / "city-1.md").unlink()  # 8 documents: 9 keep the shard count (10 double it)
    build(config)
    whole_marks = tmp_path / "whole"
    full_index = sitegen.search.index._full_index

    def marked(*args, **kwargs):  # a forked search process leaves its mark in a file
        with open(whole_marks, "a") as f:
            f.write("whole\n")
        return full_index(*args, **kwargs)

    monkeypatch.setattr(sitegen.search.index, "_full_index", marked)
    content = config.content_dir
    search = config.out_dir / "search"
    before = {p: p.read_bytes() for p in search.rglob("*.js")}
    if edit == "date corrected":
        edit_article(content / "tianyuan-2.md", "date: 2024-11-12", "date: 2024-10-30")
    elif edit == "added among the others":  # before tianyuan-3, the newest (2025-04-22)
        text = (content / "lusong-1.md").read_text(encoding="utf-8")
        text = (
            text.replace("id: ", "id: x").replace("slug: ", "slug: x").replace("date: 2024-02-18", "date: 2025-04-01")
        )
        (content / "lusong-9.md").write_text(text, encoding="utf-8")
    elif edit == "removed":  # the last but one
        (content / "city-2.md").unlink()
    else:
        (content / "lusong-1.md").unlink()
    report = build(config)
    assert not report.errors
    assert whole_marks.exists() is (edit == "the oldest removed")
    meta = (search / "meta.js").read_bytes()
    assert (b'"moved":' in meta) is (edit in ("date corrected", "added among the others"))
    if edit == "date corrected":
        changed = sorted(p.relative_to(search).as_posix() for p in search.rglob("*.js") if p.read_bytes() != before[p])
        assert len(changed) == 2 and changed[0].startswith("d/") and changed[1] == "meta.js"

    monkeypatch.undo()
    clean = make_config(tmp_path / "b", parallel_from=parallel_from, workers=1)
    shutil.rmtree(clean.content_dir)
    shutil.copytree(content, clean.content_dir)
    build(clean)
    assert _search(clean.out_dir) == _search(config.out_dir)


def test_unreadable_shards_fall_back_to_a_whole_index(tmp_path):
    # The manifest still lists the shards, so the patch starts, finds them gone, and the
    # build makes a whole new index instead.
    config = make_config(tmp_path)
    build(config)
    shutil.rmtree(config.out_dir / "search" / "s")
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街串巷听民声")
    report = build(config)
    assert not report.errors
    assert_like_clean(tmp_path, config)


def test_a_deleted_output_falls_back_to_a_full_index(tmp_path):
    config = make_config(tmp_path)
    build(config)
    shutil.rmtree(config.out_dir)
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街串巷听民声")
    report = build(config)
    assert not report.errors
    assert (config.out_dir / "search" / "meta.js").is_file()
    assert len(_search(config.out_dir)) > 20


def _index_version(config) -> str:
    import re

    html = (config.out_dir / "search" / "index.html").read_text(encoding="utf-8")
    return re.search(r'id="search-form"[^>]*data-index="([0-9a-f]+)"', html).group(1)


def test_the_search_page_names_the_index_version(tmp_path):
    config = make_config(tmp_path)
    build(config)
    first = _index_version(config)
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街串巷听民声")
    report = build(config)
    assert _index_version(config) != first
    assert "search/index.html" in report.changed
    assert report.rendered["search"] == 1


@pytest.mark.parametrize("shared", [True, False], ids=["user cache", "unwritable user cache"])
def test_new_words_are_read_from_the_pinyin_table_not_pypinyin(tmp_path, monkeypatch, shared):
    # A paragraph of words the index has never seen, with characters read more than one way:
    # the patch reads them from the table the whole index wrote (pypinyin takes 0.15-0.5 s to
    # load), and the index is still what a clean build makes with pypinyin.
    import pypinyin

    if not shared:  # a file where the folder should be: the table goes into the site's cache
        (tmp_path / "not-a-folder").write_text("")
        monkeypatch.setenv("SITEGEN_CACHE_HOME", str(tmp_path / "not-a-folder" / "sitegen"))
    config = make_config(tmp_path)
    build(config)
    assert table_path(config.cache_dir).is_file()
    assert (table_path(config.cache_dir).parent == config.cache_dir) is not shared

    def refuse(*args, **kwargs):
        raise AssertionError("the patch asked pypinyin")

    monkeypatch.setattr(pypinyin, "lazy_pinyin", refuse)
    edit_article(
        config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "乐团重奏乐谱，调音师调换长笛。芦淞区网格员走街串巷"
    )
    report = build(config)
    assert not report.errors
    assert any(p.startswith("search/s/") for p in report.changed)
    monkeypatch.undo()
    assert_like_clean(tmp_path, config)


def test_sites_share_one_pinyin_table_in_the_user_cache(tmp_path, monkeypatch):
    # The table hangs on the installed pypinyin alone: the first site's build writes it into the
    # user's cache folder, and another site's first build reads that file and writes none.
    monkeypatch.setenv("SITEGEN_CACHE_HOME", str(tmp_path / "user-cache"))
    first = make_config(tmp_path / "first")
    build(first)
    (table,) = (tmp_path / "user-cache").glob("pinyin-*.sqlite")
    assert table_path(first.cache_dir) == table
    made = table.stat()
    second = make_config(tmp_path / "second")
    build(second)
    assert table_path(second.cache_dir) == table
    assert (table.stat().st_ino, table.stat().st_mtime_ns) == (made.st_ino, made.st_mtime_ns)
    assert not list(first.cache_dir.glob("pinyin*")) and not list(second.cache_dir.glob("pinyin*"))


def test_a_damaged_shared_pinyin_table_is_made_again(tmp_path, monkeypatch):
    # Every site of the user reads the one table: a damaged page under a stamp that still reads
    # failed every whole index of every site ("database disk image is malformed"), and deleting
    # the site's own cache no longer helped.
    import sitegen.search.pinyin as pinyin

    monkeypatch.setenv("SITEGEN_CACHE_HOME", str(tmp_path / "user-cache"))
    first, second = make_config(tmp_path / "first"), make_config(tmp_path / "second")
    build(first)
    whole = tree(first.out_dir)  # built with the table whole
    (table,) = (tmp_path / "user-cache").glob("pinyin-*.sqlite")
    damage_page(table, "plain")
    shutil.rmtree(first.out_dir)
    shutil.rmtree(first.cache_dir)
    for config in (first, second):  # two sites, one after the other, each read as a new process reads
        pinyin._plain_readings.cache_clear()
        monkeypatch.setattr(pinyin, "_PLAIN_FROM_TABLE", None)
        report = build(config)
        assert not report.errors, report.errors
        assert tree(config.out_dir) == whole


def test_a_patch_on_a_machine_without_the_table_writes_it(tmp_path, monkeypatch):
    # A new machine (the publishing workflow's runner restores the site's cache alone) or an
    # emptied ~/.cache: the patch writes the table once, and reads the new words from it.
    import pypinyin

    monkeypatch.setenv("SITEGEN_CACHE_HOME", str(tmp_path / "runner-1"))
    config = make_config(tmp_path)
    build(config)
    monkeypatch.setenv("SITEGEN_CACHE_HOME", str(tmp_path / "runner-2"))  # the next run
    asked = []
    real = pypinyin.lazy_pinyin
    monkeypatch.setattr(pypinyin, "lazy_pinyin", lambda *a, **k: asked.append(a) or real(*a, **k))
    edit_article(
        config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "乐团重奏乐谱，调音师调换长笛。芦淞区网格员走街串巷"
    )
    report = build(config)
    assert not report.errors and report.body_edit
    assert not asked, f"the patch asked pypinyin {len(asked)} times"
    assert list((tmp_path / "runner-2").glob("pinyin-*.sqlite"))


def test_a_patch_reads_only_the_rows_of_the_words_it_touches(tmp_path, monkeypatch):
    # The saved state is read row by row: a one-article edit asks for a few hundred words at
    # most, never the whole vocabulary (the pickle it replaced was loaded whole: 2.3 s at 10,000).
    from sitegen.search import state

    config = make_config(tmp_path)
    build(config)
    log = tmp_path / "asked.txt"  # the patch runs in a forked process: it reports through a file
    real = state.SavedState.words

    def words(self, names):
        names = list(names)
        with open(log, "a") as f:
            f.write(f"{len(names)}\n")
        return real(self, names)

    monkeypatch.setattr(state.SavedState, "words", words)
    monkeypatch.setattr(state.SavedState, "readings", _refuse_whole(state.SavedState.readings))
    vocabulary = _rows(config, "words")
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街串巷听民声")
    assert not build(config).errors
    asked = [int(n) for n in log.read_text().split()]
    assert asked and sum(asked) < vocabulary // 2, (asked, vocabulary)
    assert_like_clean(tmp_path, config)


def _refuse_whole(readings):
    def guarded(self, words=None):
        assert words is not None, "a patch read every reading"
        return readings(self, words)

    return guarded


def _rows(config, table: str) -> int:

    from sitegen.search import SEARCH_STATE_FILE

    db = sqlite3.connect(Path(config.cache_dir) / SEARCH_STATE_FILE)
    try:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def test_a_damaged_state_builds_the_index_whole(tmp_path):
    from sitegen.search import SEARCH_STATE_FILE

    config = make_config(tmp_path)
    build(config)
    (Path(config.cache_dir) / SEARCH_STATE_FILE).write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街串巷听民声")
    assert not build(config).errors
    assert_like_clean(tmp_path, config)


def test_a_failed_build_leaves_the_saved_state_as_it_was(tmp_path):
    # The state changes only once public/ holds the index it describes: a build refused after
    # its search stage (here: broken front matter in preview-less mode) keeps the old state, and
    # the next good build is still byte-identical to a clean one.
    from sitegen.search import SEARCH_STATE_FILE

    config = make_config(tmp_path)
    build(config)
    state = Path(config.cache_dir) / SEARCH_STATE_FILE
    before = state.read_bytes()
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街串巷听民声")
    broken = config.content_dir / "zz-broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\n正文。\n", encoding="utf-8")
    assert build(config).errors
    assert state.read_bytes() == before
    broken.unlink()
    assert not build(config).errors
    assert_like_clean(tmp_path, config)
