"""The build stage on a small fixture site: pages, safety, determinism, golden output.

The whole-site tests (the module's `site`, golden output, no machine paths, byte-identical and
parallel builds) keep the search index; the others are about pages and build without it
(`search=False`), as a site whose settings say so.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from _buildkit import GOLDEN, assert_like_clean, build, edit_article, make_config, tree

from sitegen.check import check_site

ARTICLE = "lusong/lusong-anquan-yanlian/index.html"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("site")
    config = make_config(tmp)
    report = build(config)
    return config, report


def _main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>") + len("</main>")] + "\n"


GOLDEN_PAGES = {
    "index.main.html": ("index.html", _main),
    "article.main.html": (ARTICLE, _main),
    "districts.main.html": ("districts/index.html", _main),
    "feed.xml": ("feed.xml", None),
    "sitemap.xml": ("sitemap.xml", None),
    "robots.txt": ("robots.txt", None),
}


@pytest.mark.parametrize("golden", sorted(GOLDEN_PAGES))
def test_golden_output(site, golden):
    """Compare pages with tests/fixtures/golden/ (regenerate: SITEGEN_UPDATE_GOLDEN=1 pytest tests/test_build.py)."""
    config, _ = site
    rel, cut = GOLDEN_PAGES[golden]
    text = (config.out_dir / rel).read_text(encoding="utf-8")
    if cut:
        text = cut(text)
    path = GOLDEN / golden
    if os.environ.get("SITEGEN_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_every_page_kind_is_built(site):
    config, report = site
    out = config.out_dir
    assert not report.errors
    for rel in [
        "index.html",
        "404.html",
        "search/index.html",
        "districts/index.html",
        "tianyuan/index.html",
        "lusong/index.html",
        "zhuzhou/index.html",
        "tianyuan/tianyuan-shequ-shitang/index.html",
        "a/yize-jianxun/index.html",
        "archive/index.html",
        "2024/index.html",
        "2024/11/index.html",
        "2024/03/05/index.html",
        "topics/index.html",
        "topic/jiceng-zhili/index.html",
        "topic/jiceng-zhili/feed.xml",
        "tag/wangge-yuan/index.html",
        "people/index.html",
        "people/zhangwei/index.html",
        "feed.xml",
        "tianyuan/feed.xml",
        "sitemap.xml",
        "robots.txt",
        "static/style.css",
    ]:
        assert (out / rel).is_file(), rel
    # month-precision article: in the month archive, not on a day page
    assert not (out / "2024/11/01").exists()
    assert "芦淞区网格员走街串巷" in (out / "2024/11/index.html").read_text(encoding="utf-8")
    # drafts and future articles are left out
    assert not list(out.rglob("caogao")) and not list(out.rglob("weilai"))
    assert any("draft" in w for w in report.warnings) and any("base_url has no host" in w for w in report.warnings)


def test_article_page_content(site):
    config, _ = site
    html = (config.out_dir / "tianyuan/tianyuan-shequ-shitang/index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN" data-root="../../">' in html
    assert "家门口的幸福" in html  # kicker
    assert '<figure class="caption"><figcaption>图：老人们在社区食堂就餐' in html
    assert '<h2 id="s1">价格实惠</h2>' in html
    assert 'rel="canonical" href="/tianyuan/tianyuan-shequ-shitang/"' in html
    assert 'property="og:title"' in html
    assert "raw/000_fixture.txt" not in html and "第 1–9 行" not in html  # the dump: preview only
    assert 'rel="next" href="../../tianyuan/tianyuan-jiceng-peixun/"' in html
    # related by shared tags (社区食堂, 养老)
    related = html[html.index('id="related"') :]
    assert "天元区养老服务再升级" in related
    # summary cut at a sentence end
    home = (config.out_dir / "index.html").read_text(encoding="utf-8")
    assert "天元区嵩山路街道首家社区食堂5日开张。老人们排队打饭，一荤两素只要十元！" in home


def test_every_page_has_an_og_image(site):
    """Every HTML page names static/og.png, a 1200×630 PNG under 30 KB, for link previews."""
    import struct

    config, _ = site
    png = (config.out_dir / "static/og.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (1200, 630) and len(png) < 30 * 1024
    for page in config.out_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert '<meta property="og:image" content="/static/og.png">' in html, page
        assert '<meta property="og:image:width" content="1200">' in html
        assert '<meta property="og:image:height" content="630">' in html
        assert '<meta name="twitter:card" content="summary_large_image">' in html


def test_districts_overview_has_svg_charts(site):
    config, _ = site
    html = (config.out_dir / "districts/index.html").read_text(encoding="utf-8")
    assert html.count('<svg class="chart"') == 3
    assert "<script" not in _main(html)
    assert "天元区" in html and "3 篇文章" in html


def test_hostile_text_stays_text(site):
    config, _ = site
    html = (config.out_dir / ARTICLE).read_text(encoding="utf-8")
    main = _main(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main
    assert "<script>alert(1)" not in html
    assert "{{ 7*7 }}" in main and "49" not in main
    assert "&lt;img src=x onerror=alert(1)&gt;" in main
    assert "<img" not in html
    assert "{% raw %}" in main
    assert "<b>标签</b>" not in html  # a tag that is no word is no tag (and would be text)
    feed = (config.out_dir / "feed.xml").read_text(encoding="utf-8")
    assert "<script>" not in feed


def test_check_passes_on_built_site(site):
    config, _ = site
    assert check_site(config.out_dir) == []


def test_no_build_machine_paths(site, tmp_path):
    config, _ = site
    needles = [str(config.out_dir.parent), str(Path(__file__).resolve().parent.parent), "/tmp/", "/root/"]
    for path in config.out_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes().decode("utf-8", "replace")
            for needle in needles:
                assert needle not in data, (path, needle)


def test_byte_identical_rebuilds(tmp_path):
    first = make_config(tmp_path / "one")
    second = make_config(tmp_path / "two")
    build(first)
    build(second)
    assert tree(first.out_dir) == tree(second.out_dir)


_LINK = re.compile(r'<(?:a|link|script|img|form)\b[^>]*?\s(?:href|src|action)="([^"]*)"')
_CANONICAL = re.compile(r'<link rel="canonical" href="([^"]*)">')


def _links(html: str) -> list[str]:
    """Return every href/src/action of the page except its canonical link."""
    canonical = set(_CANONICAL.findall(html))
    return [link for link in _LINK.findall(html) if link not in canonical]


def test_html_links_are_relative(site):
    config, _ = site
    home = (config.out_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="districts/"' in home and 'href="static/style.css"' in home and 'href="./">首页' in home
    assert '<html lang="zh-CN" data-root="./">' in home  # for search/search.js
    article = (config.out_dir / "tianyuan/tianyuan-shequ-shitang/index.html").read_text(encoding="utf-8")
    assert 'href="../../tianyuan/">天元区</a>' in article and 'href="../../">首页' in article
    assert 'src="../../search/search.js"' in article and 'action="../../search/"' in article
    assert 'type="application/atom+xml" title="株洲区县新闻摘要" href="../../feed.xml"' in article
    district = (config.out_dir / "tianyuan/index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml" title="天元区" href="../tianyuan/feed.xml"' in district
    # the 404 page is served at any depth: its links start at the base path
    missing = (config.out_dir / "404.html").read_text(encoding="utf-8")
    assert 'href="/districts/"' in missing and 'src="/search/search.js"' in missing and 'data-root="/"' in missing


def test_sub_path_build(tmp_path):
    base = "https://example.org/digest/"
    config = make_config(tmp_path, base_url=base, search=False)
    report = build(config)
    assert not report.errors
    assert check_site(config.out_dir) == []
    for page in config.out_dir.rglob("*.html"):
        rel = page.relative_to(config.out_dir).as_posix()
        links = _links(page.read_text(encoding="utf-8"))
        assert links, rel
        if rel == "404.html":
            assert all(link.startswith(("/digest/", "#")) for link in links), links
        else:
            assert not [link for link in links if link.startswith(("/", base))], rel
    html = (config.out_dir / "tianyuan/tianyuan-shequ-shitang/index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{base}tianyuan/tianyuan-shequ-shitang/">' in html
    assert f'<meta property="og:url" content="{base}tianyuan/tianyuan-shequ-shitang/">' in html
    assert f'<meta property="og:image" content="{base}static/og.png">' in html
    feed = (config.out_dir / "feed.xml").read_text(encoding="utf-8")
    assert f'<link rel="self" href="{base}feed.xml"/>' in feed
    assert f'href="{base}tianyuan/tianyuan-shequ-shitang/"' in feed
    assert f"<loc>{base}tianyuan/</loc>" in (config.out_dir / "sitemap.xml").read_text(encoding="utf-8")
    assert f"Sitemap: {base}sitemap.xml" in (config.out_dir / "robots.txt").read_text()
    # a relative sub-path works too
    config2 = make_config(tmp_path / "rel", base_url="/digest/", search=False)
    build(config2)
    assert 'href="districts/"' in (config2.out_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="/digest/districts/"' in (config2.out_dir / "404.html").read_text(encoding="utf-8")
    assert check_site(config2.out_dir) == []


def test_preview_includes_drafts_with_banner(tmp_path):
    config = make_config(tmp_path, preview=True, search=False)
    build(config)
    html = (config.out_dir / "tianyuan/caogao/index.html").read_text(encoding="utf-8")
    assert 'class="banner' in html
    assert (config.out_dir / "tianyuan/weilai/index.html").is_file()
    normal = (config.out_dir / "tianyuan/tianyuan-shequ-shitang/index.html").read_text(encoding="utf-8")
    assert 'class="banner' not in normal


@pytest.mark.parametrize("parallel_from", [10**9, 1], ids=["serial", "forked"])
def test_compress_writes_gz_and_br(tmp_path, parallel_from):
    import gzip

    config = make_config(tmp_path, compress=True, search=False, parallel_from=parallel_from, workers=2)
    build(config)
    import brotli

    copies = sorted(p for p in config.out_dir.rglob("*") if p.suffix in (".gz", ".br"))
    assert {"index.html.gz", "index.html.br", "static/style.css.gz"} <= {
        str(p.relative_to(config.out_dir)) for p in copies
    }
    for copy in copies:
        unpack = gzip.decompress if copy.suffix == ".gz" else brotli.decompress
        assert unpack(copy.read_bytes()) == copy.with_suffix("").read_bytes(), copy


def test_parallel_render_is_byte_identical(tmp_path, monkeypatch):
    import sitegen.build

    serial = make_config(tmp_path / "serial", parallel_from=10**9)
    build(serial)
    parallel = make_config(tmp_path / "parallel", parallel_from=1, workers=2)
    build(parallel)
    assert tree(serial.out_dir) == tree(parallel.out_dir)
    # workers write pages straight into the staging folder: an edit that changes a few pages
    # commits them by journal, a failed render leaves public/ whole
    edit_article(parallel.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    before = tree(parallel.out_dir)
    real = sitegen.render.Renderer.render
    monkeypatch.setattr(
        sitegen.render.Renderer, "render", lambda self, page: real(self, page) if page.kind != "month" else 1 / 0
    )
    report = build(parallel)
    assert report.failed and any("render: ZeroDivisionError" in e for e in report.errors), report.errors
    assert tree(parallel.out_dir) == before
    monkeypatch.setattr(sitegen.render.Renderer, "render", real)
    build(parallel)
    edit_article(serial.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    build(serial)
    assert tree(serial.out_dir) == tree(parallel.out_dir)


@pytest.mark.parametrize("parallel_from", [10**9, 1], ids=["in-process", "forked"])
def test_compressed_copies_follow_incremental_builds(tmp_path, parallel_from):
    """With parallel_from 1 the edit is not a body edit's write: its copies are made by forked
    workers."""
    import gzip

    config = make_config(tmp_path, compress=True, search=False, parallel_from=parallel_from, workers=2)
    build(config)
    art = config.content_dir / "lusong-2.md"
    art.write_text(art.read_text(encoding="utf-8").replace("网格员每天", "网格员每周"), encoding="utf-8")
    os.utime(art, ns=(art.stat().st_atime_ns, art.stat().st_mtime_ns + 10**9))
    report = build(config)
    page = "lusong/lusong-wanggeyuan/index.html"
    assert page + ".gz" in report.changed and page + ".br" in report.changed
    assert "tianyuan/tianyuan-shequ-shitang/index.html.gz" not in report.changed
    assert gzip.decompress((config.out_dir / (page + ".gz")).read_bytes()) == (config.out_dir / page).read_bytes()
    assert (config.out_dir / "tianyuan/tianyuan-shequ-shitang/index.html.br").is_file()
    assert_like_clean(tmp_path, config)


def test_compressed_copies_of_a_staged_edit_are_committed_by_journal(tmp_path, monkeypatch):
    """A new title lays the site out again: its pages, search files and their copies are written
    into the staging folder by forked workers, and the few that changed committed by journal."""
    import gzip

    import brotli

    import sitegen.writer

    config = make_config(tmp_path, compress=True, parallel_from=1, workers=2)
    build(config)
    edit_article(config.content_dir / "lusong-2.md", "芦淞区网格员走街串巷", "芦淞区网格员走街入户")
    commits = []
    journal = sitegen.writer._commit_by_journal

    def spy(stage, out_dir, result, new, flat):
        commits.append((flat, [n for n in result.written if n.endswith(".br")], [n for n in new if n.endswith(".br")]))
        return journal(stage, out_dir, result, new, flat)

    monkeypatch.setattr(sitegen.writer, "_commit_by_journal", spy)
    report = build(config)
    assert not report.errors, report.errors
    assert [c[0] for c in commits] == [False]  # by journal, from the staging folder
    written_copies, copies_in_memory = commits[0][1:]
    assert written_copies and not copies_in_memory  # the copies were staged, not held
    for copy in sorted(config.out_dir.rglob("*.gz")) + sorted(config.out_dir.rglob("*.br")):
        unpack = gzip.decompress if copy.suffix == ".gz" else brotli.decompress
        assert unpack(copy.read_bytes()) == copy.with_suffix("").read_bytes(), copy
    assert_like_clean(tmp_path, config)


def test_a_static_file_named_as_a_compressed_copy_fails_the_build(tmp_path):
    """A project's own `app.js.gz` beside `app.js` would be overwritten by the copy of app.js
    (or keep the copy's digest in the manifest): the compressed build fails naming it, and
    public/ stays as it was."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.js").write_text("console.log(1);\n", encoding="utf-8")
    (static / "app.js.gz").write_bytes(b"the project's own bytes")
    config = make_config(tmp_path, static_dir=static, search=False)
    assert not build(config).errors  # without compression, the two are two files
    before = tree(config.out_dir)
    report = build(config.with_overrides(compress=True))
    assert report.failed and any("static/app.js.gz" in e and "compressed copy" in e for e in report.errors), (
        report.errors
    )
    assert tree(config.out_dir) == before


@pytest.mark.parametrize("parallel_from", [1, 10**9], ids=["forked", "in-process"])
def test_a_parse_cache_that_cannot_be_written_still_indexes_every_article(tmp_path, monkeypatch, parallel_from):
    """The search process reads the articles back from the parse cache; when the load could
    not write it, the index is made from the build's own articles instead, the same index."""
    import sitegen.content

    clean = make_config(tmp_path / "clean", parallel_from=parallel_from, workers=2)
    build(clean)
    monkeypatch.setattr(sitegen.content.ParseCache, "put_pickled", lambda self, rows, removed=(), restamped=(): False)
    broken = make_config(tmp_path / "broken", parallel_from=parallel_from, workers=2)
    report = build(broken)
    assert not report.failed, report.errors
    assert tree(broken.out_dir) == tree(clean.out_dir)


def test_stored_articles_read_back_what_the_load_read_or_say_which_changed(tmp_path, monkeypatch):
    from sitegen.content import StoredArticles, load_content
    from sitegen.errors import SitegenError

    config = make_config(tmp_path)
    library = load_content(config.content_dir, config.cache_dir)
    assert library.cached
    paths = [a.path for a in library.articles]
    digests = [library.digests[p] for p in paths]
    monkeypatch.setattr(StoredArticles, "BLOCK", 3)  # several blocks
    stored = StoredArticles(config.cache_dir, paths, digests)
    assert list(stored) == list(library.articles)
    assert stored[2:4] == list(library.articles[2:4])
    with pytest.raises(IndexError):
        stored[len(paths)]
    wrong = StoredArticles(config.cache_dir, paths, [*digests[:-1], "0" * 16])
    with pytest.raises(SitegenError, match=re.escape(paths[-1])):
        wrong[len(paths) - 1]
