"""Incremental and atomic builds; bad front-matter; duplicate output paths.

Tests about what a build writes or keeps as a whole (nothing written, the edit's pages and the
index, failures and kills mid-build) build the search index too; the ones about planning and
laying out pages build without it (`search=False`), as a site whose settings say so.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _buildkit import (
    FIXTURE,
    ROOT,
    assert_like_clean,
    build,
    edit_article,
    make_config,
    make_config_with_templates,
    tree,
)

import sitegen.content
import sitegen.page_store
import sitegen.render
import sitegen.search.state
import sitegen.site
import sitegen.writer
from sitegen.errors import SitegenError
from sitegen.frontmatter import parse_article
from sitegen.writer import write_site


def test_no_change_writes_nothing(tmp_path):
    config = make_config(tmp_path)
    build(config)
    before = {p: p.stat().st_mtime_ns for p in config.out_dir.rglob("*")}
    inode = config.out_dir.stat().st_ino
    report = build(config)
    assert report.skipped_unchanged and report.changed == []
    assert {p: p.stat().st_mtime_ns for p in config.out_dir.rglob("*")} == before
    assert config.out_dir.stat().st_ino == inode
    # touching a file without changing it re-plans but writes nothing
    art = config.content_dir / "lusong-1.md"
    os.utime(art, ns=(art.stat().st_atime_ns, art.stat().st_mtime_ns + 5_000_000_000))
    report = build(config)
    assert not report.skipped_unchanged
    assert sum(report.rendered.values()) == 0
    assert report.changed == []
    assert config.out_dir.stat().st_ino == inode


def test_one_article_change_rerenders_only_its_dependents(tmp_path):
    config = make_config(tmp_path)
    build(config)
    old = tree(config.out_dir)
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街串巷听民声")
    report = build(config)
    assert not report.errors
    rendered = report.rendered
    assert rendered["article"] <= 4  # itself, its neighbours, articles that list it as related
    assert rendered["article"] >= 2
    new = tree(config.out_dir)
    changed = {p for p in new if old.get(p) != new[p]}
    assert "lusong/lusong-wanggeyuan/index.html" in changed
    assert "lusong/index.html" in changed  # its district
    assert "2024/11/index.html" in changed  # its month
    assert "lusong/lusong-anquan-yanlian/index.html" in changed  # next in the district
    assert "tianyuan/tianyuan-shequ-shitang/index.html" not in changed
    assert "zhuzhou/zhuzhou-jingji-huiyi/index.html" not in changed
    assert "people/wangfang/index.html" not in changed
    # the writer's manifest for CDN purges lists exactly what changed
    listed = set((config.cache_dir / "changed.txt").read_text(encoding="utf-8").split())
    assert {p for p in changed if not p.startswith("search/")} <= listed
    assert "tianyuan/tianyuan-shequ-shitang/index.html" not in listed
    assert report.rendered["tag"] == 1  # 网格员, the only tag it carries
    assert "tag/yanlian/index.html" not in changed
    # unchanged files are hard links to the previous build's files (nothing copied)
    same = "tianyuan/tianyuan-shequ-shitang/index.html"
    assert (config.out_dir / same).stat().st_nlink == 1


def test_an_edit_re_renders_only_the_pages_that_show_what_changed(tmp_path):
    """Past the summary, a body edit shows on the article's own page alone; in the summary, it
    shows on every listing and feed too.  Either way the site equals a clean build."""
    config = make_config(tmp_path)
    build(config)
    edit_article(config.content_dir / "lusong-2.md", "收集意见。", "收集意见。\n\n第二段：意见当天转交社区。")
    report = build(config)
    assert report.from_layout  # no metadata changed: the saved layout is reused
    assert dict(report.rendered) == {"article": 1, "search": 1}
    assert "第二段" in (config.out_dir / "lusong/lusong-wanggeyuan/index.html").read_text(encoding="utf-8")
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    report = build(config)
    assert report.from_layout
    assert report.rendered["article"] >= 2  # itself and an article that lists it as related
    assert {"district", "month", "tag", "topic", "person", "feed"} <= set(report.rendered)
    assert "每周" in (config.out_dir / "lusong/index.html").read_text(encoding="utf-8")
    assert_like_clean(tmp_path, config)


def test_a_body_edit_reads_only_the_changed_files_and_the_pages_that_show_them(tmp_path, monkeypatch):
    """A body edit (sitegen/body_edit.py) is built without loading the archive: the full load,
    the whole parse cache, the output manifest, the page store's pages and the search state's
    documents and files are never read whole, and the site equals a clean build, search index
    included, for an edit past the summary, one in it, two files at once and a save without a
    change."""
    config = make_config(tmp_path)
    build(config)

    def whole_archive(*args, **kwargs):
        raise AssertionError("a body edit read the whole archive")

    monkeypatch.setattr(sitegen.content, "load_content", whole_archive)
    monkeypatch.setattr(sitegen.content.ParseCache, "all", whole_archive)
    monkeypatch.setattr(sitegen.writer.OutputManifest, "all", whole_archive)
    monkeypatch.setattr(sitegen.page_store.PageStore, "kinds", whole_archive)
    monkeypatch.setattr(sitegen.search.state.SavedState, "files", property(whole_archive))
    monkeypatch.setattr(sitegen.search.state.SavedState, "digests", property(whole_archive))
    monkeypatch.setattr(sitegen.search.state.SavedState, "_docs", property(whole_archive))  # ids and dates too
    lusong, tianyuan = config.content_dir / "lusong-2.md", config.content_dir / "tianyuan-1.md"
    edit_article(lusong, "收集意见。", "收集意见。\n\n第二段：意见当天转交社区。")
    report = build(config)
    assert report.body_edit == 1 and not report.errors
    assert dict(report.rendered) == {"article": 1, "search": 1}
    edit_article(lusong, "网格员每天", "网格员每周")  # in the summary: listings and feeds show it
    edit_article(tianyuan, "首家", "第一家")
    report = build(config)
    assert report.body_edit == 2 and {"district", "month", "feed"} <= set(report.rendered)
    os.utime(lusong, ns=(lusong.stat().st_atime_ns, lusong.stat().st_mtime_ns + 10**9))
    report = build(config)
    assert report.body_edit == 1 and report.changed == []
    monkeypatch.undo()
    assert "第一家" in (config.out_dir / "tianyuan/tianyuan-shequ-shitang/index.html").read_text(encoding="utf-8")
    assert_like_clean(tmp_path, config)


def test_an_edit_of_tags_places_people_or_topics_lays_out_their_lists_and_related_articles_alone(tmp_path):
    """Tags, places, topics and the people credited move no article: a build of such an edit
    makes the tag, people and topic lists it enters or leaves (their pages one more or one
    fewer, a topic's feed), the topics, people and home pages that count them, the sitemap, and
    the pages whose related articles change, without the archive (sitegen/relay.py); a name
    or topic new to the site lays it out whole.  The site equals a clean build's after each."""
    config = make_config(tmp_path, per_page=1)  # 养老 on two articles: two pages
    build(config)
    lusong = config.content_dir / "lusong-2.md"
    tag_pages = config.out_dir / "tag"

    def pages_of(tag_folder: str) -> list[str]:
        return sorted(p.relative_to(tag_pages).as_posix() for p in (tag_pages / tag_folder).rglob("index.html"))

    edit_article(lusong, "tags: [网格员]", "tags: [网格员, 养老]")  # 养老's list: a third page
    report = build(config)
    assert report.body_edit == 1 and not report.errors
    assert pages_of("yanglao") == ["yanglao/index.html", "yanglao/page/2/index.html", "yanglao/page/3/index.html"]
    assert {"tag", "topics", "sitemap", "article"} <= set(report.rendered)
    assert "tag/yanglao/page/3/" in (config.out_dir / "sitemap.xml").read_text(encoding="utf-8")
    assert_like_clean(tmp_path, config)

    edit_article(lusong, "places: [建设街道]", "places: [泰山路街道]")  # related articles move
    report = build(config)
    assert report.body_edit == 1 and not report.errors
    assert_like_clean(tmp_path, config)

    edit_article(lusong, "tags: [网格员, 养老]", "tags: [网格员]")  # back to two pages
    report = build(config)
    assert report.body_edit == 1 and not report.errors
    assert pages_of("yanglao") == ["yanglao/index.html", "yanglao/page/2/index.html"]
    assert_like_clean(tmp_path, config)

    edit_article(lusong, "reporters: [张伟]", "reporters: [张伟, 李明]")  # 李明's list: one more
    report = build(config)
    assert report.body_edit == 1 and not report.errors and {"person", "people"} <= set(report.rendered)
    assert_like_clean(tmp_path, config)

    edit_article(lusong, "reporters: [张伟, 李明]", "reporters: [赵新]")  # a name new to the site
    report = build(config)
    assert not report.body_edit and not report.errors
    assert_like_clean(tmp_path, config)

    edit_article(lusong, "topics: [基层治理]", "topics: [基层治理, 民生服务]")  # a topic's list and feed
    report = build(config)
    assert report.body_edit == 1 and not report.errors and {"topic", "topics", "home", "feed"} <= set(report.rendered)
    assert_like_clean(tmp_path, config)

    edit_article(lusong, "topics: [基层治理, 民生服务]", "topics: [教育]")  # a topic new to the site
    report = build(config)
    assert not report.body_edit and not report.errors
    assert_like_clean(tmp_path, config)


def _copy_article(content: Path, name: str, copy: str, date: str) -> None:
    """Write *copy* (an article of the same district, tags and topics) from the fixture's *name*, dated *date*."""
    text = (content / f"{name}.md").read_text(encoding="utf-8")
    start = text.index("date: ")
    text = text[:start] + f"date: {date}" + text[text.index("\n", start) :]
    text = text.replace("id: ", f"id: {copy}x", 1).replace("slug: ", f"slug: {copy}-", 1)
    (content / f"{copy}.md").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("per_page", [1, 2])
def test_a_date_corrected_lays_out_the_places_it_leaves_and_takes_alone(tmp_path, monkeypatch, per_page):
    """A date corrected to another day that has a page, from one that keeps one, changes no
    page's existence: a build of it makes only the pages of the lists between the article's old
    and new places (archive, district, month, tags, topics, people), its old and new days, the
    feeds and home page where it is or was among the newest, the pages whose previous or next
    article changed and those whose related articles changed, and patches the search index,
    without the archive (`relay._date_lists`); into another month, also the lists of both
    months and the pages that count by month (`_Lists.remonth`).  A date into a month or onto a
    day without a page, or off the last article of its month, lays the site out whole.  The site
    equals a clean build's after each."""
    config = make_config(tmp_path, per_page=per_page)
    content = config.content_dir
    _copy_article(content, "lusong-2", "lusong-4", "2024-11-01")  # two on 2024-11-01 and 2024-11-12
    _copy_article(content, "tianyuan-2", "tianyuan-4", "2024-11-12")
    _copy_article(content, "tianyuan-3", "tianyuan-5", "2025-04-10")  # two on 2025-04-22: the newest
    _copy_article(content, "tianyuan-3", "tianyuan-6", "2025-04-22")
    build(config)

    def whole_archive(*args, **kwargs):
        raise AssertionError("a date corrected read the whole archive")

    fast = [
        ("lusong-2", "date: 2024-11-01", "date: 2024-11-12", set()),  # past lusong-4 (dated to the month)
        ("tianyuan-6", "date: 2025-04-22", "date: 2025-04-10", {"day", "home"}),  # the newest no more
        ("tianyuan-5", "date: 2025-04-10", "date: 2025-04-22", {"day", "home"}),  # the newest now
        ("lusong-2", "date: 2024-11-12", "date: 2024-11-01", set()),  # back
    ]
    for name, old, new, kinds in fast:
        monkeypatch.setattr(sitegen.content, "load_content", whole_archive)
        monkeypatch.setattr(sitegen.page_store.PageStore, "kinds", whole_archive)
        edit_article(content / f"{name}.md", old, new)
        report = build(config)
        assert report.body_edit == 1 and not report.errors, (name, new)
        assert {"archive", "district", "month", "feed", *kinds} <= set(report.rendered), report.rendered
        monkeypatch.undo()
        assert_like_clean(tmp_path, config)

    for name, old, new, kinds in [
        ("tianyuan-4", "date: 2024-11-12", "date: 2025-04-10", {"year", "districts"}),  # another month, year
        ("tianyuan-4", "date: 2025-04-10", "date: 2024-11-12", {"year", "districts"}),  # back
        ("lusong-4", "date: 2024-11-01", "date: 2025-01-09", {"year", "districts"}),  # dated to the month
    ]:
        edit_article(content / f"{name}.md", old, new)
        report = build(config)
        assert report.body_edit == 1 and not report.errors, (name, new)
        assert {"archive", "district", "month", *kinds} <= set(report.rendered), report.rendered
        assert_like_clean(tmp_path, config)

    for name, old, new in [
        ("lusong-2", "date: 2024-11-01", "date: 2024-12-05"),  # a month without a page
        ("tianyuan-2", "date: 2024-11-12", "date: 2024-11-20"),  # a day without a page
        ("lusong-1", "date: 2024-02-18", "date: 2024-03-18"),  # the last of its month
    ]:
        edit_article(content / f"{name}.md", old, new)
        report = build(config)
        assert not report.body_edit and not report.errors, (name, new)
        assert_like_clean(tmp_path, config)


@pytest.mark.parametrize("per_page", [1, 20])
def test_an_article_moved_to_another_district_moves_its_page_and_both_lists_alone(tmp_path, per_page):
    """A district corrected to another the site has moves the article's URL: a build of it makes
    its page at the new place (the old one goes), both districts' lists and feeds, the districts
    and home pages that count them, the sitemap, the pages beside it in both districts and every
    page that links it, and patches the search index, without the archive (`relay._moved_urls`,
    `_district_lists`).  A district emptied or new to the site, or a date corrected in the same
    build, lays the site out whole.  The site equals a clean build's after each."""
    config = make_config(tmp_path, per_page=per_page)
    content = config.content_dir
    build(config)

    def whole_archive(*args, **kwargs):
        raise AssertionError("a district corrected read the whole archive")

    for old, new, moved in [("芦淞区", "天元区", "tianyuan"), ("天元区", "芦淞区", "lusong")]:
        with pytest.MonkeyPatch.context() as m:
            m.setattr(sitegen.content, "load_content", whole_archive)
            edit_article(content / "lusong-2.md", f"district: {old}", f"district: {new}")
            report = build(config)
        assert report.body_edit == 1 and not report.errors, (old, new)
        assert {"article", "district", "districts", "home", "sitemap", "feed"} <= set(report.rendered)
        assert sorted(p.parent.parent.name for p in config.out_dir.glob("*/lusong-wanggeyuan/index.html")) == [moved]
        assert_like_clean(tmp_path, config)

    edit_article(content / "city-1.md", "district: 株洲市", "district: 天元区")  # 株洲市 keeps city-2
    assert build(config).body_edit == 1
    assert_like_clean(tmp_path, config)
    for name, old, new in [
        ("city-2", "district: 株洲市", "district: 天元区"),  # 株洲市 emptied: its page goes
        ("lusong-2", "district: 芦淞区", "district: 荷塘区"),  # a district new to the site
    ]:
        edit_article(content / f"{name}.md", old, new)
        report = build(config)
        assert not report.body_edit and not report.errors, (name, new)
        assert_like_clean(tmp_path, config)
    # a district and, in another article, a date corrected at once: both lay out the district's
    # list and the pages beside it there (built beside a body edit, the pages beside the dated
    # article were worked out on the list the moved article had left)
    _copy_article(content, "lusong-3", "lusong-5", "2025-01-09")  # lusong-3's day keeps a page
    build(config)
    edit_article(content / "lusong-1.md", "district: 芦淞区", "district: 天元区")
    edit_article(content / "lusong-3.md", "date: 2025-01-09", "date: 2024-02-18")  # beside lusong-1 before
    report = build(config)
    assert not report.body_edit and not report.errors
    assert_like_clean(tmp_path, config)


def _sitemap_urls(out: Path) -> tuple[list[str], list[list[str]]]:
    """The sitemap files *out* holds: sitemap.xml's locations, then each part's (none without an index)."""
    import xml.etree.ElementTree as ET

    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.parse(out / "sitemap.xml").getroot()
    if root.tag.endswith("urlset"):
        return [loc.text for loc in root.iterfind("s:url/s:loc", ns)], []
    assert root.tag == f"{{{ns['s']}}}sitemapindex"
    parts = [loc.text for loc in root.iterfind("s:sitemap/s:loc", ns)]
    urls = [
        [loc.text for loc in ET.parse(out / part.rsplit("/", 1)[1]).getroot().iterfind("s:url/s:loc", ns)]
        for part in parts
    ]
    return parts, urls


def test_a_site_of_more_urls_than_one_sitemap_holds_gets_an_index_of_sitemaps(tmp_path, monkeypatch):
    """Past sitemaps.org's limit of URLs a sitemap (`site.SITEMAP_URLS`, 50,000; 7 here) sitemap.xml
    is an index of sitemap-1.xml, sitemap-2.xml, ... that list each page once, in order; an edit
    whose pages come or go (a tag dropped below its minimum, a district corrected) adds or removes
    parts, and makes sitemap.xml a plain sitemap again when one is enough; each site equals a
    clean build's."""
    config = make_config(tmp_path, search=False, per_page=1)
    build(config)
    every, none = _sitemap_urls(config.out_dir)
    assert not none and len(every) == len(set(every)) > 14
    monkeypatch.setattr(sitegen.site, "SITEMAP_URLS", 7)
    build(dataclasses.replace(config, site_title="另一个标题"))  # (a setting changed: laid out whole)
    build(config)
    parts, urls = _sitemap_urls(config.out_dir)
    assert [p.rsplit("/", 1)[1] for p in parts] == [f"sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    assert max(map(len, urls)) == 7 and [u for part in urls for u in part] == every
    assert_like_clean(tmp_path, config)

    # as many URLs as one sitemap holds, then a tag page more (one list page an article: a
    # tag's list one longer), then one fewer again: an index and two parts, then one sitemap
    monkeypatch.setattr(sitegen.site, "SITEMAP_URLS", len(every))
    build(dataclasses.replace(config, site_title="另一个标题"))
    build(config)
    assert _sitemap_urls(config.out_dir)[0] == every
    for old, new, parts_after in [
        ("tags: [网格员]", "tags: [网格员, 养老]", 2),
        ("tags: [网格员, 养老]", "tags: [网格员]", 0),
    ]:
        edit_article(config.content_dir / "lusong-2.md", old, new)
        report = build(config)
        assert report.body_edit == 1 and "sitemap" in report.rendered, old
        assert len(_sitemap_urls(config.out_dir)[1]) == parts_after, old
        assert (config.out_dir / "sitemap-2.xml").exists() == bool(parts_after)
        assert_like_clean(tmp_path, config)
    edit_article(config.content_dir / "lusong-2.md", "district: 芦淞区", "district: 天元区")
    assert build(config).body_edit == 1
    assert_like_clean(tmp_path, config)


def test_a_list_an_article_enters_keeps_the_pages_before_its_place(tmp_path):
    """Only a list's first page shows its total: an article moved into a district's list makes
    the first page again and the pages from its place on (which shift), and leaves the pages in
    between as they were, unwritten and unrendered (each page showed the total before, so every
    page of both lists was made again: 860 pages at 100,000 articles).  The site equals a clean
    build's."""
    config = make_config(tmp_path, search=False, per_page=2)
    content = config.content_dir
    for n, date in enumerate(["2024-05-01", "2024-06-01", "2024-07-01", "2024-08-01"], start=4):
        _copy_article(content, "tianyuan-1", f"tianyuan-{n}", date)  # 天元区: 7 articles, 4 pages
    build(config)
    pages = ["tianyuan/index.html", *(f"tianyuan/page/{n}/index.html" for n in (2, 3, 4))]
    before = {page: (config.out_dir / page).read_bytes() for page in pages}
    edit_article(content / "lusong-1.md", "district: 芦淞区", "district: 天元区")  # the oldest: the end
    report = build(config)
    assert report.body_edit == 1 and not report.errors
    assert report.rendered["district"] == 3  # 天元区's first and last pages, 芦淞区's first
    after = {page: (config.out_dir / page).read_bytes() for page in pages}
    changed = sorted(page for page in pages if after[page] != before[page])
    assert changed == ["tianyuan/index.html", "tianyuan/page/4/index.html"]
    listed = (config.cache_dir / "changed.txt").read_text(encoding="utf-8").split()
    assert not {"tianyuan/page/2/index.html", "tianyuan/page/3/index.html"} & set(listed)
    assert "8 篇文章" in after["tianyuan/index.html"].decode() and "篇文章 ·" not in after[pages[1]].decode()
    assert_like_clean(tmp_path, config)


def test_a_compressed_site_with_a_date_corrected_is_a_clean_builds(tmp_path):
    # The search patch keeps the redated document's number (meta.js lists it): its compressed
    # copies are those of the files it writes, and the site renumbered in date order
    # (`_searchkit.in_date_order`, copies made again) is a clean build's.
    config = make_config(tmp_path, compress=True)
    _copy_article(config.content_dir, "tianyuan-3", "tianyuan-5", "2025-04-10")  # both days keep a page
    _copy_article(config.content_dir, "tianyuan-3", "tianyuan-6", "2025-04-22")
    build(config)
    edit_article(config.content_dir / "tianyuan-3.md", "date: 2025-04-22", "date: 2025-04-10")
    assert build(config).body_edit == 1
    assert b'"moved":' in (config.out_dir / "search/meta.js").read_bytes()
    assert (config.out_dir / "search/meta.js.gz").is_file()
    assert_like_clean(tmp_path, config)


def test_a_date_and_a_topic_corrected_in_one_build_make_the_home_page_once(tmp_path):
    # The home page counts topics and lists the newest articles: a topic added and a date that
    # takes an article off it, in one build, made it twice (its topics' counts, then its
    # articles from the stored page), and the build failed on two pages of one output.
    config = make_config(tmp_path)
    content = config.content_dir
    _copy_article(content, "tianyuan-3", "tianyuan-5", "2025-04-22")  # two on the newest day
    build(config)
    edit_article(content / "tianyuan-5.md", "date: 2025-04-22", "date: 2025-01-09")  # off the home page
    edit_article(content / "lusong-2.md", "topics: [基层治理]", "topics: [基层治理, 民生服务]")
    report = build(config)
    assert report.body_edit == 2 and not report.errors, report.errors
    assert_like_clean(tmp_path, config)


def test_an_article_redated_after_the_newest_day_is_due_again_on_an_earlier_day(tmp_path):
    # A build keeps the window of days in which no article falls due; a date corrected beside a
    # body edit past the latest day in it must move it, or a build on a day between the two
    # (SITEGEN_TODAY, a clock set back) takes the site as unchanged and keeps an article not due.
    config = make_config(tmp_path)
    content = config.content_dir
    _copy_article(content, "lusong-2", "lusong-4", "2025-04-01")  # dated to the month, before the 22nd's
    build(config, "2025-04-30")
    edit_article(content / "lusong-4.md", "date: 2025-04-01", "date: 2025-04-28")
    assert build(config, "2025-04-30").body_edit == 1
    assert_like_clean(tmp_path, config, "2025-04-30")
    report = build(config, "2025-04-25")  # lusong-4 falls due on the 28th
    assert not report.skipped_unchanged
    assert_like_clean(tmp_path, config, "2025-04-25")


@pytest.mark.parametrize(
    "field, old, new", [("tags", "[网格员]", "[网格员, 养老]"), ("reporters", "[张伟]", "[张伟, 王芳]")]
)
def test_a_full_build_after_an_edit_of_tags_and_its_revert_lays_the_lists_out_again(tmp_path, field, old, new):
    # The page store's layout key names the articles' metadata it was laid out for: an edit of
    # tags or people built beside a body edit changes the lists, so the key must not stay, or
    # the full build after a revert (with a template touched) took the store's pages for the
    # site's and left the lists, counts and sitemap of the edit.
    config = make_config_with_templates(tmp_path, per_page=1)
    build(config)
    lusong = config.content_dir / "lusong-2.md"
    edit_article(lusong, f"{field}: {old}", f"{field}: {new}")
    assert build(config).body_edit == 1
    edit_article(lusong, f"{field}: {new}", f"{field}: {old}")
    template = config.templates_dir / "base.html"  # touched, not changed: the full build
    os.utime(template, ns=(template.stat().st_atime_ns, template.stat().st_mtime_ns + 1_000_000_000))
    report = build(config)
    assert not report.body_edit and not report.errors
    assert_like_clean(tmp_path, config)


def test_the_report_counts_the_list_pages_an_edit_of_people_adds_by_their_kind(tmp_path):
    config = make_config(tmp_path, per_page=1)
    build(config)
    edit_article(config.content_dir / "lusong-2.md", "reporters: [张伟]", "reporters: [张伟, 王芳]")
    report = build(config)
    clean = build(
        dataclasses.replace(config, out_dir=tmp_path / "clean" / "public", cache_dir=tmp_path / "clean" / "cache")
    )
    assert report.body_edit == 1 and report.pages == clean.pages


def test_an_edit_of_metadata_over_a_damaged_pages_table_builds_whole_and_the_next_one_too(tmp_path):
    from _buildkit import damage_page

    config = make_config(tmp_path, search=False)
    build(config)
    damage_page(config.cache_dir / "pages.sqlite", "pages")
    for old, new in (("topics: [基层治理]", "topics: [民生服务]"), ("tags: [网格员]", "tags: [网格员, 养老]")):
        edit_article(config.content_dir / "lusong-2.md", old, new)
        report = build(config)
        assert not report.errors and not report.failed
        assert_like_clean(tmp_path, config)


@pytest.mark.parametrize(
    "edit",
    [
        "district new to the site",
        "future date",
        "draft",
        "new file",
        "removed file",
        "broken file",
        "search state lost",
        "template",
        "saved scan damaged",
        "saved paths damaged",
        "page store keys lost",
    ],
)
def test_an_edit_that_is_not_a_body_edit_is_built_whole(tmp_path, edit):
    """Anything but bodies and labels changed, or a search index that cannot be patched: the full build,
    and the site equals a clean one (a broken file is an error naming it, and nothing is written)."""
    config = make_config_with_templates(tmp_path)
    build(config)
    before = tree(config.out_dir)
    article = config.content_dir / "lusong-2.md"
    edit_article(article, "收集意见。", "收集意见并转交。")  # a body edit besides, in every case
    if edit == "district new to the site":
        edit_article(article, "district: 芦淞区", "district: 荷塘区")
    elif edit == "future date":  # of an article left out: the days on which none falls due move
        edit_article(config.content_dir / "future-1.md", "date: 2030-01-01", "date: 2029-01-01")
    elif edit == "draft":
        edit_article(article, "title:", "draft: true\ntitle:")
    elif edit == "new file":
        (config.content_dir / "lusong-9.md").write_text(article.read_text(encoding="utf-8").replace("id: ", "id: x"))
        edit_article(config.content_dir / "lusong-9.md", "slug: ", "slug: x")
    elif edit == "removed file":
        (config.content_dir / "city-1.md").unlink()
    elif edit == "broken file":
        edit_article(article, "title: ", "title: [")
    elif edit == "search state lost":
        (config.cache_dir / "search-state.sqlite").unlink()
    elif edit == "saved scan damaged":
        with sqlite3.connect(config.cache_dir / "pages.sqlite") as db:
            assert db.execute("UPDATE saved SET value = x'00ff' WHERE name = 'scan_stats'").rowcount
    elif edit == "saved paths damaged":
        with sqlite3.connect(config.cache_dir / "pages.sqlite") as db:
            assert db.execute("UPDATE saved SET value = x'00ff' WHERE name = 'scan_paths'").rowcount
    elif edit == "page store keys lost":
        with sqlite3.connect(config.cache_dir / "pages.sqlite") as db:
            db.execute("DROP TABLE keys")
    else:
        edit_article(config.templates_dir / "_macros.html", 'class="summary"', 'class="summary lead"')
    report = build(config)
    assert not report.body_edit
    if edit == "broken file":
        assert report.failed and any("lusong-2.md:" in e for e in report.errors), report.errors
        assert tree(config.out_dir) == before
        return
    assert not report.errors, report.errors
    assert_like_clean(tmp_path, config)


def test_metadata_edits_lay_the_site_out_again_and_a_broken_layout_store_is_ignored(tmp_path):
    config = make_config(tmp_path, search=False)
    build(config)
    edit_article(config.content_dir / "lusong-2.md", "district: 芦淞区", "district: 荷塘区")  # new to the site
    report = build(config)
    assert not report.from_layout and "lusong/index.html" in report.changed
    (config.cache_dir / "pages.sqlite").write_bytes(b"not a database" * 100)
    edit_article(config.content_dir / "lusong-2.md", "收集意见。", "收集意见并转交。")
    report = build(config)
    assert not report.from_layout and not report.errors
    edit_article(config.content_dir / "tianyuan-1.md", "首家", "第一家")
    report = build(config)
    assert report.from_layout
    with sqlite3.connect(config.cache_dir / "pages.sqlite") as db:
        db.execute("UPDATE pages SET page = x'00ff'")
    edit_article(config.content_dir / "tianyuan-1.md", "第一家", "第一个")
    report = build(config)
    assert not report.from_layout and not report.errors
    (config.content_dir / "lusong-1.md").unlink()  # pages go, the rest is planned again
    assert not build(config).from_layout
    for old, new in (("网格员每天", "网格员每日"), ("网格员每日", "网格员天天")):
        edit_article(config.content_dir / "lusong-2.md", old, new)
        assert build(config).from_layout
    assert_like_clean(tmp_path, config)


def test_template_change_rerenders(tmp_path):
    config = dataclasses.replace(make_config_with_templates(tmp_path), search=False)
    build(config)
    edit_article(config.templates_dir / "404.html", "找不到这个页面", "页面不存在")
    report = build(config)
    assert "页面不存在" in (config.out_dir / "404.html").read_text(encoding="utf-8")
    assert "404.html" in report.changed


def test_failed_render_leaves_public_whole(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    build(config)
    before = tree(config.out_dir)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    edit_article(config.content_dir / "tianyuan-1.md", "首家", "第一家")
    calls = {"n": 0}
    real = sitegen.render.Renderer.render

    def flaky(self, page):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("boom mid-render")
        return real(self, page)

    monkeypatch.setattr(sitegen.render.Renderer, "render", flaky)
    report = build(config)
    assert report.failed and any("boom mid-render" in e for e in report.errors), report.errors
    assert tree(config.out_dir) == before
    monkeypatch.undo()
    report = build(config)
    assert "第一家" in (config.out_dir / "tianyuan/tianyuan-shequ-shitang/index.html").read_text(encoding="utf-8")
    assert not report.errors


def test_killed_before_journal_is_applied_rolls_forward(tmp_path, monkeypatch):
    """Few changes commit by journal: killed right after the commit point, public/ is still the
    old site, and the next build finishes the commit first."""
    config = make_config(tmp_path)
    build(config)
    before = tree(config.out_dir)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")

    def crash(stage, out):
        raise KeyboardInterrupt("killed just after the commit point")

    monkeypatch.setattr(sitegen.writer, "_apply_journal", crash)
    with pytest.raises(KeyboardInterrupt):
        build(config)
    assert tree(config.out_dir) == before
    assert (sitegen.writer.staging_dir(config.out_dir) / sitegen.writer.JOURNAL).exists()
    monkeypatch.undo()
    sitegen.writer.recover(config.out_dir)  # what the next build does first
    assert not sitegen.writer.staging_dir(config.out_dir).exists()
    assert "网格员每周" in (config.out_dir / "lusong/lusong-wanggeyuan/index.html").read_text(encoding="utf-8")
    report = build(config)
    assert not report.errors


def test_failure_before_swap_leaves_public_whole(tmp_path, monkeypatch):
    """Many changes (here a template edit: every page of a site without search files, more than
    writer.SMALL_CHANGE of its files) build a whole new tree aside and swap it in."""
    config = make_config_with_templates(tmp_path, search=False)
    build(config)
    before = tree(config.out_dir)
    edit_article(config.templates_dir / "base.html", "跳到正文", "跳到主要内容")

    def crash(a, b):
        raise KeyboardInterrupt("killed just before the swap")

    monkeypatch.setattr(sitegen.writer, "_exchange", crash)
    with pytest.raises(KeyboardInterrupt):
        build(config)
    assert tree(config.out_dir) == before
    assert sitegen.writer.staging_dir(config.out_dir).exists()  # the half-built site was aside
    monkeypatch.undo()
    report = build(config)
    assert len(report.changed) > 40
    assert not sitegen.writer.staging_dir(config.out_dir).exists()
    assert "跳到主要内容" in (config.out_dir / "index.html").read_text(encoding="utf-8")


def test_a_second_build_of_the_same_folders_waits_for_the_first(tmp_path):
    """Two builds of one site at once (the commit hook's, an editor's `python build.py`): the
    second waits for the first to end, instead of writing the staging folder, the caches and
    public/ at the same time; then it builds, and the site is what a clean build makes."""
    import fcntl

    config = make_config(tmp_path)
    build(config)
    before = tree(config.out_dir)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    script = f"""
from pathlib import Path
from sitegen.config import default_config
from sitegen.build import build_site
c = default_config({str(tmp_path)!r}).with_overrides(content_dir=Path({str(config.content_dir)!r}),
    out_dir=Path({str(config.out_dir)!r}), cache_dir=Path({str(config.cache_dir)!r}))  # as make_config does
report = build_site(c, today="2025-06-01")
print("built", len(report.changed), report.errors, flush=True)
"""
    fd = os.open(config.cache_dir / "build.lock", os.O_RDWR | os.O_CREAT)
    fcntl.lockf(fd, fcntl.LOCK_EX)  # the first build, still running
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, text=True
        )
        said = proc.stderr.readline()
        assert "another build of these folders is running" in said, (said, proc.communicate())
        assert proc.poll() is None and tree(config.out_dir) == before
    finally:
        os.close(fd)  # the first build ends
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.startswith("built ") and out.split()[1] != "0" and out.rstrip().endswith("[]"), out
    assert_like_clean(tmp_path, config)


def test_killed_build_process_leaves_public_whole(tmp_path):
    """SIGKILL a real build process while it renders; the old public/ stays whole."""
    config = make_config(tmp_path)
    build(config)
    before = tree(config.out_dir)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    script = f"""
import time, sitegen.render
from pathlib import Path
from sitegen.config import default_config
from sitegen.build import build_site
real = sitegen.render.Renderer.render
def slow(self, page):
    print("rendering", flush=True); time.sleep(0.5); return real(self, page)
sitegen.render.Renderer.render = slow
c = default_config({str(ROOT)!r}).with_overrides(content_dir=Path({str(config.content_dir)!r}),
    out_dir=Path({str(config.out_dir)!r}), cache_dir=Path({str(config.cache_dir)!r}))
build_site(c, today="2025-06-01")
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout.readline().strip() == b"rendering"
    proc.kill()
    proc.wait()
    assert tree(config.out_dir) == before
    # its forked helpers (search, render) notice and end: none is left waiting for a reader
    deadline = time.monotonic() + 20
    while _processes_naming(str(config.content_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_naming(str(config.content_dir))
    report = build(config)
    assert not report.errors and report.changed


def _processes_naming(text: str) -> list[int]:
    """Return the live processes whose command line holds *text*."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes().decode("utf-8", "replace")
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmdline and state != "Z":
            found.append(int(proc.name))
    return found


def test_bad_front_matter_names_file_and_line_and_keeps_the_last_good_site(tmp_path):
    config = make_config(tmp_path, search=False)
    build(config)
    before = tree(config.out_dir)
    bad = config.content_dir / "bad.md"
    bad.write_text("---\nid: bad1\ntitle: 坏的\ndate: 2025-13-45\ndate_precision: day\n---\n\n正文\n", encoding="utf-8")
    worse = config.content_dir / "worse.md"
    worse.write_text("---\nid: w\ntitle: [未闭合\n---\n\n正文\n", encoding="utf-8")
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    report = build(config)
    assert report.failed
    assert any("bad.md:4:" in e and "date" in e for e in report.errors), report.errors
    assert any("worse.md:3:" in e for e in report.errors), report.errors
    assert "error: " in report.summary() and "nothing written" in report.summary()
    assert tree(config.out_dir) == before, "a failed build changed the published site"
    assert not list(tmp_path.glob(".public.*")), "a failed build left its staging folder behind"
    # a rebuild with nothing changed fails again with the same errors (and so exits non-zero)
    again = build(config)
    assert again.failed and again.errors == report.errors
    bad.unlink()
    worse.unlink()
    assert not build(config).errors
    assert_like_clean(tmp_path, config)


def _files_outside(folder: Path, inside: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if inside not in p.parents and p != inside}


BAD_SLUGS = ["../../escape", "..", ".", "index.html", "feed.xml", "a/b", "Lusong-Fushi", "芦淞 服饰", "x" * 121, "-x"]


@pytest.mark.parametrize("slug", BAD_SLUGS)
def test_a_slug_that_is_no_folder_name_is_an_error_naming_its_line(slug):
    """A slug names the folder of an article's page inside its district's: one that climbs out
    of it wrote the page outside public/ ('../../escape'), onto the home or district page ('..',
    '.'), over a file of the site ('index.html', 'feed.xml': a traceback), or past 255 bytes.
    Such a slug is an error at the slug's line, with a slug made from the title to use instead."""
    text = (FIXTURE / "lusong-1.md").read_text(encoding="utf-8")
    with pytest.raises(SitegenError) as caught:
        parse_article(text.replace("slug: lusong-fushi-dinghuo", f"slug: {slug}"), "lusong-1.md")
    assert caught.value.line == 15 and caught.value.message.startswith("slug '")
    assert caught.value.hint.startswith("use lowercase ASCII") and "e.g. 'lusongqu-fushi-shichang" in caught.value.hint


@pytest.mark.parametrize("slug", ["../../escape", ".."])
def test_a_build_with_a_slug_that_is_no_folder_name_fails_and_writes_nothing(tmp_path, slug):
    """The build fails naming the file and line; the last good site stays and nothing is written
    anywhere else (the page went outside public/, or over the home page, before)."""
    config = make_config(tmp_path / "site", search=False)
    build(config)
    before, around = tree(config.out_dir), _files_outside(tmp_path, config.out_dir)
    edit_article(config.content_dir / "lusong-1.md", "slug: lusong-fushi-dinghuo", f"slug: {slug}")
    report = build(config)
    assert report.failed and len(report.errors) == 1 and "lusong-1.md:15: slug '" in report.errors[0]
    assert tree(config.out_dir) == before
    assert _files_outside(tmp_path, config.out_dir) == around


def test_two_articles_with_one_id_are_an_error_naming_the_second_and_writing_nothing(tmp_path):
    """A file copied to start another article keeps the id it copied, and an id edited by hand
    may take another's: the importer finds an article again by its id, so a re-import would
    take the later file for the article (and `--force` write over it).  Either is an error at the later file's id line (in path order),
    naming the other; the last good site stays."""
    config = make_config(tmp_path, search=False)
    content = config.content_dir
    build(config)
    before = tree(config.out_dir)
    lusong_1 = (content / "lusong-1.md").read_text(encoding="utf-8")
    (content / "lusong-9.md").write_text(lusong_1.replace("slug: lusong-fushi-dinghuo", "slug: lusong-xin"))
    report = build(config)
    assert report.failed and report.errors == [
        f"{content / 'lusong-9.md'}:2: id 'fx0000000003' is the id of lusong-1.md too (hint: give this article an "
        "id of its own (12 hex digits no other article has): the importer finds an article again by its id)"
    ]
    assert tree(config.out_dir) == before
    (content / "lusong-9.md").unlink()
    edit_article(content / "tianyuan-1.md", "id: ", "id: fx0000000003\nold_id: ")  # an id edited in place
    report = build(config)
    assert report.failed and len(report.errors) == 1 and "tianyuan-1.md:2: id 'fx0000000003'" in report.errors[0]
    assert tree(config.out_dir) == before


def _key_twice(content: Path) -> None:
    edit_article(content / "lusong-1.md", "kind: article", "kind: article\ntags: [新标签]")


def _link_to_nothing(content: Path) -> None:
    (content / "gone.md").symlink_to(content / "moved-away.md")


def _misnamed(content: Path) -> None:
    (content / "lusong-1.md").rename(content / "lusong-1.MD")


def _misnamed_copy(content: Path) -> None:  # the scan of *.md unchanged: a build with no change
    (content / "xin.markdown").write_text("---\ntitle: 新文章\n---\n", encoding="utf-8")


@pytest.mark.parametrize(
    "damage, error",
    [
        (_key_twice, "lusong-1.md:15: 'tags' is given twice, on lines 10 and 15 (hint: keep one of them)"),
        (_link_to_nothing, "gone.md: cannot read the file: No such file or directory"),
        (_misnamed, "lusong-1.MD: an article file's name must end in '.md': this one is not read"),
        (_misnamed_copy, "xin.markdown: an article file's name must end in '.md': this one is not read"),
    ],
    ids=["a field twice", "a link to nothing", "x.MD", "x.markdown beside no change"],
)
def test_what_an_editor_may_leave_in_the_content_folder_is_an_error_not_a_loss(tmp_path, damage, error):
    """A field written twice (YAML keeps the last, dropping the first without a word), a link to
    a file that is gone (a traceback), an article saved as 'x.MD' or 'x.markdown' (not read: the
    article left the site silently, or with no change at all when it was a new one): each is an
    error naming the file, and the last good site stays."""
    config = make_config(tmp_path, search=False)
    build(config)
    before = tree(config.out_dir)
    damage(config.content_dir)
    for _ in range(2):  # the next build, with nothing changed, fails the same way
        report = build(config)
        assert report.failed and len(report.errors) == 1 and error in report.errors[0], report.errors
        assert str(config.content_dir) in report.errors[0]
        assert tree(config.out_dir) == before


def test_cli_build_exits_non_zero_on_bad_front_matter(tmp_path):
    config = make_config(tmp_path)
    (config.content_dir / "bad.md").write_text("---\nid: x\n---\n\n正文\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sitegen.cli",
            "--root",
            str(tmp_path),  # a project of its own: its cache is not the repository's
            "build",
            "--content",
            str(config.content_dir),
            "--out",
            str(config.out_dir),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SITEGEN_TODAY": "2025-06-01"},
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad.md:1: missing required field" in proc.stdout
    assert not config.out_dir.exists(), "a failed build wrote a site"


def test_duplicate_output_path_fails_naming_both(tmp_path):
    config = make_config(tmp_path, search=False)
    src = (config.content_dir / "lusong-1.md").read_text(encoding="utf-8")
    (config.content_dir / "lusong-copy.md").write_text(src.replace("id: fx0000000003", "id: dup"), encoding="utf-8")
    report = build(config)
    dup = [e for e in report.errors if "lusong/lusong-fushi-dinghuo/index.html" in e]
    assert dup and "content/lusong-1.md" in dup[0] and "content/lusong-copy.md" in dup[0]


def test_a_preview_with_two_articles_of_one_url_counts_the_one_shown_after_a_body_edit(tmp_path):
    # A body edit planned from the saved pages gave the model every article, the one that lost
    # its page to the other too: the site record counted 9 articles where a clean build counts 8
    # (a review helper's find, 2026-12-05).
    config = make_config(tmp_path, search=False, preview=True)
    build(config)
    edit_article(config.content_dir / "lusong-1.md", "slug: lusong-fushi-dinghuo", "slug: lusong-wanggeyuan")
    assert any("two pages would write" in error for error in build(config).errors)
    edit_article(config.content_dir / "tianyuan-2.md", "\n---\n", "\n---\n\n新的第一段。\n")
    report = build(config)
    assert report.from_layout and any("two pages would write" in error for error in report.errors)
    assert_like_clean(tmp_path, config)


def test_writer_refuses_one_path_twice(tmp_path):
    with pytest.raises(SitegenError):
        write_site(tmp_path / "out", [("a.html", b"1"), ("a.html", b"2")], cache_dir=tmp_path / "c")
    assert not (tmp_path / "out").exists()


def test_related_articles_follow_tag_edits(tmp_path):
    config = make_config(tmp_path, search=False)
    build(config)
    page = config.out_dir / "a/yize-jianxun/index.html"
    assert "天元区养老服务再升级" not in page.read_text(encoding="utf-8")
    edit_article(config.content_dir / "nodistrict.md", "tags: [简讯]", "tags: [简讯, 养老]")
    build(config)
    related = page.read_text(encoding="utf-8").split('id="related"')[1]
    assert "天元区养老服务再升级" in related
    # and the other way round: the 养老 article now lists the brief
    other = (config.out_dir / "tianyuan/tianyuan-yanglao-shengji/index.html").read_text(encoding="utf-8")
    assert "一则无法确定区县的简讯" in other.split('id="related"')[1]


def test_write_changed_writes_removes_and_keeps_the_rest_by_journal(tmp_path, monkeypatch):
    """A body edit's write touches only the files it names and their manifest rows; a kill
    after its commit point is rolled forward by the next build."""
    from sitegen.writer import OutputManifest, write_changed

    def contents(folder):
        return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    out, cache = tmp_path / "out", tmp_path / "cache"
    write_site(out, [("a.html", b"A"), ("b.html", b"B"), ("s/c.js", b"C")], cache_dir=cache)
    b_inode = (out / "b.html").stat().st_ino
    with pytest.raises(SitegenError):
        write_changed(out, [("a.html", b"1"), ("a.html", b"2")], cache_dir=cache)
    result = write_changed(out, [("a.html", b"A2"), ("b.html", b"B")], ["s/c.js"], cache_dir=cache)
    assert result.written == ["a.html"] and result.removed == ["s/c.js"] and result.kept is None  # not counted
    assert contents(out) == {"a.html": b"A2", "b.html": b"B"}
    assert (out / "b.html").stat().st_ino == b_inode
    manifest = OutputManifest(cache)
    assert manifest.all() == {"a.html": sitegen.writer.digest(b"A2"), "b.html": sitegen.writer.digest(b"B")}
    manifest.close()
    assert (cache / "changed.txt").read_text(encoding="utf-8").split() == ["a.html", "s/c.js"]

    real = sitegen.writer._apply_journal
    monkeypatch.setattr(
        sitegen.writer, "_apply_journal", lambda stage, out_dir: (_ for _ in ()).throw(KeyboardInterrupt)
    )
    with pytest.raises(KeyboardInterrupt):
        write_changed(out, [("b.html", b"B3")], cache_dir=cache)
    assert (out / "b.html").read_bytes() == b"B"  # killed after the commit point
    monkeypatch.setattr(sitegen.writer, "_apply_journal", real)
    sitegen.writer.recover(out)
    assert contents(out) == {"a.html": b"A2", "b.html": b"B3"}


def test_turning_the_search_on_builds_the_index_though_no_input_changed(tmp_path):
    """`search = true` again after builds without it: the fingerprint names the setting, so the
    build does not stop at "no input changed" and leave the site without its index."""
    config = make_config(tmp_path, search=False)
    build(config)
    assert not (config.out_dir / "search" / "meta.js").exists()
    report = build(dataclasses.replace(config, search=True))
    assert not report.skipped_unchanged and not report.errors
    assert (config.out_dir / "search" / "meta.js").is_file()
    assert_like_clean(tmp_path, dataclasses.replace(config, search=True))


def _processes_started(monkeypatch) -> list[list[str]]:
    """Record the command of every process started through subprocess from now on."""
    started: list[list[str]] = []
    real = subprocess.Popen

    def recorded(args, *rest, **kwargs):
        started.append([str(a) for a in args])
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", recorded)
    return started


def test_a_small_sites_old_files_are_deleted_by_the_build_itself(tmp_path, monkeypatch):
    """The folders a write sets aside (the last site, a staging folder) go in a background
    Python when they are large; a small site's go at once, in the build: starting a Python
    to delete a few hundred files cost the test suite 74 interpreters.  (Nor does the build
    start anything else: finding the C library by name for renameat2 ran ldconfig.)"""
    config = make_config(tmp_path, search=False)
    build(config)
    started = _processes_started(monkeypatch)
    edit_article(config.content_dir / "lusong-2.md", "district: 芦淞区", "district: 荷塘区")  # new to the site
    report = build(config)
    assert not report.from_layout and not report.errors  # laid out again: written through a staging folder
    assert started == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "content", "public"]
    assert_like_clean(tmp_path, config)


def test_a_large_trash_is_deleted_by_a_process_of_its_own(tmp_path, monkeypatch):
    config = make_config(tmp_path, search=False)
    build(config)
    monkeypatch.setattr(sitegen.writer, "DELETE_HERE_BELOW", 10)  # the fixture's site counts as large
    started = _processes_started(monkeypatch)
    edit_article(config.content_dir / "lusong-2.md", "district: 芦淞区", "district: 荷塘区")  # new to the site
    assert not build(config).errors
    assert [args[0] for args in started].count(sys.executable) == 1
    deadline = time.monotonic() + 20
    while any(p.name.startswith(".public.trash.") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "content", "public"]
    assert_like_clean(tmp_path, config)
