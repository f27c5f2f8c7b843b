"""An edit of metadata plans only the pages it can change (`build._pages_an_edit_touches`).

The fixture is laid out two articles to a page and two to a feed, so that a date moved, a
district changed or a tag added shifts pages, feeds and previous/next links.  Each example edits
one to three fields of the published articles, one build after another; every build must make
the site a clean build of the same articles makes, whether it planned the touched pages alone
or (a months range or a slug that changed) every page.
"""

from __future__ import annotations

import marshal
import os
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from _buildkit import FIXTURE, build, clean_tree, damage_page, make_config, tree
from _examples import thorough
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PUBLISHED = [
    "city-1.md",
    "city-2.md",
    "lusong-1.md",
    "lusong-2.md",
    "lusong-3.md",
    "nodistrict.md",
    "tianyuan-1.md",
    "tianyuan-2.md",
    "tianyuan-3.md",
]
# Inside the fixture's months (2024-02 to 2025-04), but the first two: the range grows
DATES = ["2023-12-30", "2025-06-01", "2024-02-18", "2024-11-01", "2024-11-02", "2025-01-09", "2025-03-31"]
DISTRICTS = ["芦淞区", "天元区", "株洲市", "荷塘区"]  # the last: a district new to the site
TAGS = ["网格员", "养老", "社区食堂", "简讯", "春耕", "演练", "梧桐"]  # 梧桐: new to the site
TOPICS = ["民生服务", "基层治理", "产业经济"]
PEOPLE = ["张伟", "王芳", "谭昕吾", "李明"]
EDITS = st.tuples(
    st.sampled_from(PUBLISHED),
    st.one_of(
        st.tuples(st.just("date"), st.sampled_from(DATES)),
        st.tuples(st.just("district"), st.sampled_from(DISTRICTS)),
        st.tuples(st.just("tags"), st.lists(st.sampled_from(TAGS), unique=True, max_size=3)),
        st.tuples(st.just("topics"), st.lists(st.sampled_from(TOPICS), unique=True, min_size=1, max_size=2)),
        st.tuples(st.just("reporters"), st.lists(st.sampled_from(PEOPLE), unique=True, max_size=2)),
    ),
)


# 60 under CI, 12 in a developer's run (tests/_examples.py): each example builds four to eight times
EXAMPLES = int(os.environ.get("SITEGEN_TOUCHED_EXAMPLES") or (60 if thorough() else 12))


def _set(path: Path, field: str, value: str | list[str]) -> None:
    text = path.read_text(encoding="utf-8")
    shown = value if isinstance(value, str) else "[" + ", ".join(value) + "]"
    text, count = re.subn(rf"^{field}: .*$", f"{field}: {shown}", text, count=1, flags=re.M)
    if not count:  # nodistrict.md has no district line
        text = text.replace("\n---\n", f"\n{field}: {shown}\n---\n", 1)
    path.write_text(text, encoding="utf-8")


@pytest.mark.slow  # dozens of builds
def test_an_edit_of_metadata_builds_what_a_clean_build_makes(tmp_path):
    touched = []  # the builds that planned the touched pages alone

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(edits=st.lists(EDITS, min_size=1, max_size=3))
    def check(edits):
        folder = Path(tempfile.mkdtemp(dir=tmp_path))
        shutil.copytree(FIXTURE, folder / "content")
        config = make_config(folder, per_page=2, feed_items=2, search=False)
        build(config)
        for name, (field, value) in edits:
            _set(config.content_dir / name, field, value)
            report = build(config)
            assert not report.errors, report.errors
            touched.append(report.touched)
            assert tree(config.out_dir) == clean_tree(folder, config), (name, field, value)
        shutil.rmtree(folder)

    check()
    assert any(touched), "no edit planned the touched pages alone"
    assert not all(touched), "no edit planned every page"


def test_an_article_whose_tags_are_shown_anew_is_planned_though_nothing_else_of_it_changed(tmp_path):
    # Six articles share 养老 and 网格员 with "shown" (so they are its related articles, before and
    # after), which also has 春耕, as one other article does: one article short of a tag page.
    # Given 春耕 too, "given" (which "shown" neither links nor lists) brings 春耕 onto "shown"'s
    # page: only its shown tags change it.
    content = tmp_path / "content"
    content.mkdir()
    template = (FIXTURE / "lusong-1.md").read_text(encoding="utf-8")
    for name, tags, day in [
        *((f"share-{n}", ["养老", "网格员"], f"2024-03-0{n}") for n in range(1, 7)),
        ("shown", ["养老", "网格员", "春耕"], "2024-03-07"),
        ("other", ["春耕"], "2024-05-01"),
        ("given", [], "2024-06-01"),
    ]:
        path = content / f"{name}.md"
        path.write_text(template, encoding="utf-8")
        for field, value in (("slug", name), ("id", f"fx-{name}"), ("title", f"标题{name}"), ("tags", tags)):
            _set(path, field, value)
        _set(path, "date", day)
        _set(path, "places", [])
    config = make_config(tmp_path, content, tag_min_articles=3, search=False)
    build(config)
    page = config.out_dir / "lusong" / "shown" / "index.html"
    assert "tag/chungeng/" not in page.read_text(encoding="utf-8")
    _set(content / "given.md", "tags", ["春耕"])
    report = build(config)
    assert report.touched
    assert "tag/chungeng/" in page.read_text(encoding="utf-8")
    assert tree(config.out_dir) == clean_tree(tmp_path, config)


def test_related_articles_a_refused_build_worked_out_are_not_taken_for_the_saved_ones(tmp_path):
    # The refused build works out related articles for the new tags and keeps them; the pages
    # saved are still the last good build's, whose related articles differ.
    config = make_config(tmp_path, search=False)
    build(config)
    _set(config.content_dir / "city-2.md", "tags", ["养老", "社区食堂"])
    _set(config.content_dir / "city-1.md", "slug", "quanshi-chungeng")  # city-2.md's slug
    refused = build(config)
    assert refused.failed and any("two pages would write" in error for error in refused.errors)
    _set(config.content_dir / "city-1.md", "slug", "zhuzhou-jingji-huiyi")
    build(config)
    assert tree(config.out_dir) == clean_tree(tmp_path, config)


@pytest.mark.parametrize("row", ["model", "layout"])
def test_an_edit_of_metadata_over_a_damaged_page_store_plans_every_page(tmp_path, row):
    config = make_config(tmp_path, search=False)
    build(config)
    with sqlite3.connect(config.cache_dir / "pages.sqlite") as db:
        db.execute("UPDATE saved SET value = ? WHERE name = ?", (b"\x80\x05\x95 truncated", row))
    _set(config.content_dir / "city-2.md", "district", "荷塘区")  # a district new to the site: an edit of metadata
    report = build(config)
    assert not report.errors and not report.touched
    assert tree(config.out_dir) == clean_tree(tmp_path, config)


@pytest.mark.parametrize("damage", ["model", "layout", "tag_counts", "tags table"])
def test_an_edit_of_tags_over_a_damaged_page_store_lays_the_site_out(tmp_path, damage):
    # An edit of tags reads the store's model, the related articles' name in its layout, every
    # tag's count and its articles' shown tags (relay.relay): damaged, the full build
    # lays the site out, and every later build still works.
    config = make_config(tmp_path, search=False)
    build(config)
    if damage == "tags table":
        damage_page(config.cache_dir / "pages.sqlite", "tags")
    else:
        with sqlite3.connect(config.cache_dir / "pages.sqlite") as db:
            db.execute("UPDATE saved SET value = ? WHERE name = ?", (b"\x80\x05\x95 truncated", damage))
    _set(config.content_dir / "city-2.md", "tags", ["养老", "社区食堂"])
    report = build(config)
    assert not report.errors and not report.body_edit
    assert tree(config.out_dir) == clean_tree(tmp_path, config)
    for tags in (["养老"], ["春耕"]):  # (a store that could not be saved is made anew by the next build)
        _set(config.content_dir / "city-2.md", "tags", tags)
        report = build(config)
        assert not report.errors
        assert tree(config.out_dir) == clean_tree(tmp_path, config)
    assert report.body_edit  # the store whole again: an edit of tags is built as a body edit


@pytest.mark.parametrize(
    "damage, field, value",
    [
        # The inputs damaged, a tags edit: the related articles near the edit cannot be worked
        # out again from them.
        (("DELETE FROM articles WHERE path = 'city-1.md'",), "tags", ["养老", "社区食堂"]),
        (("UPDATE articles SET inputs = x'00'",), "tags", ["养老", "社区食堂"]),
        (("DELETE FROM lists",), "tags", ["养老", "社区食堂"]),
        (("INSERT OR IGNORE INTO lists SELECT key, date, 'nowhere.md' FROM lists",), "tags", ["养老", "社区食堂"]),
        (("DELETE FROM lists WHERE path = 'tianyuan-3.md' AND key = 't养老'",), "tags", ["养老", "社区食堂"]),
        (("DELETE FROM meta WHERE name = 'name'",), "tags", ["养老", "社区食堂"]),
        # The related articles damaged but saved for these very inputs, an edit that leaves them:
        # they were reused as they were, and every later edit of metadata failed with a KeyError.
        (("UPDATE articles SET related = x'00'",), "district", "荷塘区"),
        (("UPDATE articles SET related = ? WHERE path = 'city-1.md'", (marshal.dumps(3),)), "district", "荷塘区"),
        (
            ("UPDATE articles SET related = ? WHERE path = 'city-2.md'", (marshal.dumps(("nowhere.md",)),)),
            "district",
            "荷塘区",
        ),
        (None, "tags", ["养老", "社区食堂"]),
        (("PRAGMA user_version = 99",), "tags", ["养老", "社区食堂"]),
    ],
    ids=[
        "an article's row gone",
        "inputs unreadable",
        "lists gone",
        "a list of unknown articles",
        "an article not in its lists",
        "no name",
        "related unreadable",
        "related not tuples",
        "an unknown article",
        "not a database",
        "another version",
    ],
)
def test_an_edit_over_damaged_related_articles_works_them_out_anew(tmp_path, damage, field, value):
    config = make_config(tmp_path, search=False)
    build(config)
    path = config.cache_dir / "related.sqlite"
    if damage is None:
        path.write_bytes(b"not a database" * 100)
    else:
        with sqlite3.connect(path) as db:
            assert db.execute(*damage).rowcount
    _set(config.content_dir / "city-2.md", field, value)
    report = build(config)
    assert not report.errors
    assert tree(config.out_dir) == clean_tree(tmp_path, config)
    _set(config.content_dir / "city-2.md", "tags", ["春耕"])  # and the next edit works them out again
    report = build(config)
    assert not report.errors
    assert tree(config.out_dir) == clean_tree(tmp_path, config)


def test_an_edit_of_metadata_reads_the_bodies_of_the_article_pages_it_renders_alone(tmp_path, monkeypatch):
    import sitegen.content
    import sitegen.render

    config = make_config(tmp_path, search=False)
    build(config)
    read = []
    real = sitegen.content.cached_body.__wrapped__

    def counted(cache_path, rel, digest):
        read.append((rel, bool(rendered) and rendered[-1] is not None))
        return real(cache_path, rel, digest)

    rendered: list[str | None] = []  # the article pages rendered; None after each page
    real_render = sitegen.render.Renderer.render

    def render(self, page):
        rendered.append(page.context["article"].path if page.kind == "article" else "")
        try:
            return real_render(self, page)
        finally:
            rendered.append(None)

    monkeypatch.setattr(sitegen.content, "cached_body", counted)
    monkeypatch.setattr(sitegen.render.Renderer, "render", render)
    _set(config.content_dir / "city-2.md", "district", "荷塘区")  # a district new to the site: an edit of metadata
    assert build(config).touched and rendered
    pages = {path for path in rendered if path}
    assert read and all(in_render and rel in pages for rel, in_render in read), (read, pages)
    assert tree(config.out_dir) == clean_tree(tmp_path, config)


def test_an_edit_of_metadata_parses_its_file_once(tmp_path, monkeypatch):
    # The body edit's check parses the changed file; when the edit turns out to place the
    # article anew, the full build's load finds that parse in the cache.
    import sitegen.content

    config = make_config(tmp_path, search=False)
    build(config)
    parsed = []
    real = sitegen.content._parse

    def counted(content_dir, rel):
        parsed.append(rel)
        return real(content_dir, rel)

    monkeypatch.setattr(sitegen.content, "_parse", counted)
    _set(config.content_dir / "city-2.md", "district", "荷塘区")  # a district new to the site: an edit of metadata
    assert build(config).touched
    assert parsed == ["city-2.md"]
