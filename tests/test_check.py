"""`sitegen check`: passes on a built site, fails on broken links, anchors and assets.

The sites are built without the search index (`search=False`, as a site whose settings say
so): `sitegen check` reads HTML pages, and the search page is built either way."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urljoin

import pytest
from _buildkit import ROOT, build, make_config
from _examples import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.check import _join, check_site


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("check")
    config = make_config(tmp, base_url="https://example.org/digest/", search=False)
    build(config)
    return config.out_dir


def _copy(out: Path, tmp: Path) -> Path:
    dest = tmp / "public"
    shutil.copytree(out, dest)
    return dest


def test_passes_on_built_site(built):
    assert check_site(built) == []


def test_fails_on_broken_link(built, tmp_path):
    out = _copy(built, tmp_path)
    page = out / "index.html"
    page.write_text(
        page.read_text(encoding="utf-8").replace('href="districts/"', 'href="no-such-page/"', 1), encoding="utf-8"
    )
    problems = check_site(out)
    assert len(problems) == 1 and "no-such-page" in problems[0] and problems[0].startswith("index.html")


def test_fails_on_missing_asset_and_anchor(built, tmp_path):
    out = _copy(built, tmp_path)
    (out / "static" / "style.css").unlink()
    page = out / "404.html"
    page.write_text(page.read_text(encoding="utf-8").replace('href="#main"', 'href="#nowhere"'), encoding="utf-8")
    problems = check_site(out)
    assert any("style.css" in p for p in problems)
    assert any("#nowhere" in p and p.startswith("404.html") for p in problems)


def test_relative_links_and_base_path(tmp_path):
    out = tmp_path / "public"
    (out / "a").mkdir(parents=True)
    (out / ".sitegen.json").write_text('{"base_url": "/digest/"}')
    (out / "index.html").write_text('<a href="a/">a</a><a href="/digest/a/#x">x</a><a href="https://else.org/">e</a>')
    (out / "a" / "index.html").write_text(
        '<h1 id="x">x</h1><a href="../">up</a><a href="../b/">b</a><a href="/other/">o</a><a href="/other/">again</a>'
    )
    problems = check_site(out)
    assert len(problems) == 3
    assert any("'../b/'" in p for p in problems)
    assert [p for p in problems if "'/other/'" in p and "outside" in p] == problems[1:]


def test_fails_on_wrong_relative_link(built, tmp_path):
    """A relative link with one '../' too few points into the wrong folder."""
    out = _copy(built, tmp_path)
    rel = "tianyuan/tianyuan-shequ-shitang/index.html"
    page = out / rel
    html = page.read_text(encoding="utf-8")
    assert html.count('href="../../districts/"') >= 1 and html.count('action="../../search/"') == 1
    html = html.replace('href="../../districts/"', 'href="../districts/"', 1)  # the menu's, not the breadcrumb's
    page.write_text(html.replace('action="../../search/"', 'action="../search/"'), encoding="utf-8")
    problems = check_site(out)
    assert problems == [f"{rel}: broken link '../search/' (missing)", f"{rel}: broken link '../districts/' (missing)"]


def test_relative_link_above_the_root(tmp_path):
    """A link climbing above the top folder fails from file:// even where http clamps it at '/'."""
    out = tmp_path / "public"
    (out / "a").mkdir(parents=True)
    (out / ".sitegen.json").write_text('{"base_url": "/"}')
    (out / "a" / "index.html").write_text('<a href="../">ok</a><a href="../../a/">up</a><a href="/a/">root</a>')
    (out / "index.html").write_text('<a href="a/">a</a><a href="../a/">up</a><a href="../a/">again</a>')
    problems = check_site(out)
    assert problems == [
        "index.html: broken link '../a/' (climbs above the root folder)",
        "index.html: broken link '../a/' (climbs above the root folder)",
        "a/index.html: broken link '../../a/' (climbs above the root folder)",
    ]


def test_cli_check_exit_status(built, tmp_path):
    from sitegen.cli import main

    assert main(["check", "--out", str(built)]) == 0
    out = _copy(built, tmp_path)
    (out / "static" / "style.css").unlink()
    assert main(["check", "--out", str(out)]) == 1


def test_site_from_the_sample_dumps_passes_check(tmp_path):
    """The importer's content/ (committed in the repository) builds without errors and passes check."""
    content = ROOT / "content"
    if not any(content.glob("*.md")):
        pytest.skip("content/ has not been imported yet")
    copy = shutil.copytree(content, tmp_path / "content")  # nothing may write into the repository
    config = make_config(tmp_path, content=copy, search=False)
    report = build(config)
    assert not report.errors, report.errors
    assert report.pages["article"] > 10
    assert check_site(config.out_dir) == []


_SEGMENT = st.sampled_from(["", ".", "..", "a", "b", "2021", "tag", "%E5%8C%BA", "x.html", "a;b", "q?", "c:d", " s"])


@settings(max_examples=examples(2000), deadline=None)
@given(
    page=st.lists(st.sampled_from(["a", "b", "2021", "digest", "tag"]), max_size=4).map(
        lambda p: "/" + "".join(s + "/" for s in p)
    ),
    link=st.lists(_SEGMENT, min_size=1, max_size=6).map("/".join),
)
@example(page="/digest/2021/a/", link="../../../../tag/")
@example(page="/a/", link="//b/../c")
def test_a_link_resolves_as_urljoin_resolves_it(page, link):
    if link:
        assert _join(page, link) == _join(page, link, join=urljoin)


def test_check_changed_reads_the_pages_the_last_build_changed_alone(tmp_path):
    """`sitegen check --changed` (the publish workflow's, on a push) checks the pages listed in
    .sitegen-cache/changed.txt: at 10,000 articles 0.1 s against 6 s for every page.  A broken
    link on a page the last build did not change is left to the full check (the daily run's)."""
    from sitegen.cli import main
    from sitegen.config import default_config

    shutil.copytree(ROOT / "tests" / "fixtures" / "site" / "content", tmp_path / "content")
    config = default_config(tmp_path).with_overrides(search=False)
    build(config)
    article = tmp_path / "content" / "lusong-1.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("确实如此。", "确实如此，也是实情。"), encoding="utf-8"
    )
    build(config)
    changed = (tmp_path / ".sitegen-cache" / "changed.txt").read_text(encoding="utf-8").split()
    page = next(n for n in changed if n.endswith("/lusong-fushi-dinghuo/index.html"))
    assert "404.html" not in changed
    for rel, old, new in [(page, 'href="#main"', 'href="#gone"'), ("404.html", 'href="#main"', 'href="#lost"')]:
        path = config.out_dir / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    only = check_site(config.out_dir, only=changed)
    assert len(only) == 1 and only[0].startswith(page) and "#gone" in only[0]
    assert sorted(p.split(":")[0] for p in check_site(config.out_dir)) == sorted(["404.html", page])
    assert main(["--root", str(tmp_path), "check", "--changed"]) == 1
    (tmp_path / ".sitegen-cache" / "changed.txt").unlink()  # no list: every page
    assert len(check_site(config.out_dir, only=None)) == 2
