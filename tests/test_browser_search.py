"""The search page in a real browser (Debian chromium driven by Playwright).

The site is built from content/ when it holds imported articles (plus the hostile
fixture article), else from tests/search_fixture.py.  One chromium serves every test (the
session's `browser` fixture, tests/conftest.py); each test opens and closes its own page."""

from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from search_fixture import build_search_site, fixture_articles

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent


def _articles():
    from sitegen.frontmatter import read_article

    content = ROOT / "content"
    arts = [read_article(p) for p in sorted(content.rglob("*.md"))] if content.is_dir() else []
    # the fixture articles always take part: they carry the known queries and the hostile one
    return arts + fixture_articles()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D401
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):  # browser: skips the module's builds where there is no chromium
    top = tmp_path_factory.mktemp("srv")
    public = build_search_site(top / "sub" / "site", _articles())
    handler = functools.partial(_Quiet, directory=str(top))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"public": public, "base": f"http://127.0.0.1:{server.server_port}/sub/site/"}
    server.shutdown()


def _search(browser, url, record=None):
    page = browser.new_page()
    if record is not None:

        def on_response(resp):
            try:
                body = resp.body()
            except Exception:
                return
            record.append((resp.url, len(body), len(gzip.compress(body, 6))))

        page.on("response", on_response)
    page.goto(url)
    page.wait_for_selector("body[data-search-state=done]", timeout=10_000)
    titles = page.locator("#search-results li h3 a").all_text_contents()
    return page, titles


QUERIES = [
    ("托养", "托养机构"),  # Chinese substring
    ("养机", "托养机构"),  # substring across jieba words
    ("電網", "电网巡检"),  # traditional
    ("shequ", "机关干部进小区"),  # full pinyin
    ("sq", "机关干部进小区"),  # pinyin initials
    ("jiguanganbu", "机关干部进小区"),  # pinyin of a jieba word (机关干部)
    ("jggb", "机关干部进小区"),
    ("zhibochuangye", "直播创业"),  # pinyin of two jieba words typed as one (直播|创业): no key holds it
    ("jiguan ganbu", "机关干部进小区"),  # ... or as two terms
    ("jiguan", "机关干部进小区"),  # a pinyin key's words found as Han text: 机关 in 机关干部
    ("ＳＹＢ", "直播创业"),  # full-width Latin
    ("syb", "直播创业"),
    ("5G", "直播创业"),
    ("株洲县", "集中走访"),  # district alias → 渌口区
    ("社区 创业", "直播创业"),  # several terms, AND
    ("过冬", "电网巡检"),
]


@pytest.mark.parametrize("query,expect", QUERIES)
def test_query_finds_article(site, browser, query, expect):
    page, titles = _search(browser, site["base"] + "search/?q=" + quote(query))
    try:
        assert any(expect in t for t in titles), (query, titles)
        assert page.locator("#search-results mark").count() >= 1 or query == "株洲县"  # an alias: nothing to mark
    finally:
        page.close()


def test_single_character(site, browser):
    page, titles = _search(browser, site["base"] + "search/?q=" + quote("网"))
    assert titles, "a single character finds something"
    page.close()


def test_punctuation_only_finds_nothing(site, browser):
    page, titles = _search(browser, site["base"] + "search/?q=" + quote("，。！"))
    assert titles == []
    page.close()


def test_filter_without_query_lists_articles(site, browser):
    page, titles = _search(browser, site["base"] + "search/?district=" + quote("渌口区"))
    assert any("集中走访" in t for t in titles)
    page.close()


def test_and_excludes(site, browser):
    page, titles = _search(browser, site["base"] + "search/?q=" + quote("托养 电网"))
    assert titles == []
    page.close()


def test_title_matches_rank_first(site, browser):
    page, titles = _search(browser, site["base"] + "search/?q=" + quote("创业"))
    flags = ["创业" in t for t in titles]
    assert flags[0] and flags == sorted(flags, reverse=True), titles
    # within title matches, newer first
    dates = [m[:10] for m, f in zip(page.locator("#search-results .result-meta").all_text_contents(), flags) if f]
    assert dates == sorted(dates, reverse=True)
    page.close()


def test_filters(site, browser):
    page, titles = _search(browser, site["base"] + "search/?q=" + quote("社区") + "&district=" + quote("石峰区"))
    assert titles
    metas = page.locator("#search-results .result-meta").all_text_contents()
    assert all("石峰区" in m for m in metas), metas
    # changing a filter re-runs the search
    page.select_option("#f-district", "")
    page.wait_for_selector("body[data-search-state=done]")
    page.select_option("#f-year", "2024")
    page.wait_for_selector("body[data-search-state=done]")
    metas = page.locator("#search-results .result-meta").all_text_contents()
    assert metas and all(m.startswith("2024") for m in metas), metas
    page.select_option("#f-year", "")
    page.wait_for_selector("body[data-search-state=done]")
    page.select_option("#f-topic", "基层治理")
    page.wait_for_selector("body[data-search-state=done]")
    titles = page.locator("#search-results li h3 a").all_text_contents()
    assert titles and any("机关干部" in t for t in titles) and not any("直播" in t for t in titles)
    page.close()


def test_markup_in_articles_is_text(site, browser):
    page, titles = _search(browser, site["base"] + "search/?q=" + quote("原样显示"))
    assert "<script>" in titles[0]
    snippet = page.locator("#search-results .result-snippet").first.text_content()
    assert "onerror" in snippet
    assert page.locator("#search-results img").count() == 0
    assert page.locator("#search-results script").count() == 0
    assert page.evaluate("window.__xss") is None
    page.close()


def test_keyboard_and_labels(site, browser):
    page = browser.new_page()
    page.goto(site["base"])
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q-header"
    page.keyboard.type("托养")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-search-state=done]")
    assert "q=" in page.url
    page.keyboard.press("Tab")
    for sel in ("#q", "#f-district", "#f-year", "#f-topic"):
        label = page.evaluate(f"document.querySelector('label[for=\"{sel[1:]}\"]') !== null")
        assert label, sel
    # results are links reachable by keyboard, their text the article title
    link = page.locator("#search-results li h3 a").first
    link.focus()
    assert "托养机构" in page.evaluate("document.activeElement.textContent")
    link.press("Enter")
    page.wait_for_load_state()
    assert "/sub/site/" in page.url and "search" not in page.url
    page.close()


def test_noscript_message(site):
    html = (site["public"] / "search" / "index.html").read_text(encoding="utf-8")
    assert "<noscript>" in html and "districts/" in html


def test_from_file_url(site, browser):
    url = (site["public"] / "search" / "index.html").as_uri() + "?q=" + quote("托养")
    page, titles = _search(browser, url)
    assert any("托养机构" in t for t in titles)
    href = page.locator("#search-results li h3 a").first.get_attribute("href")
    assert href.endswith("index.html")
    page.close()


@pytest.fixture(scope="module")
def split_site(tmp_path_factory, browser):
    """The site's articles indexed with every key in 3 documents or more in parts of 4."""
    import sitegen.search.index as search_index

    with pytest.MonkeyPatch.context() as m:
        m.setattr(search_index, "PART_MIN", 3)
        m.setattr(search_index, "PART_SPAN", 4)
        return build_search_site(tmp_path_factory.mktemp("parts") / "site", _articles())


def _every_result(browser, public: Path, query: str, twice: bool = False) -> tuple[list[str], list[str]]:
    """The titles a query lists, "more" pressed until it hides (*twice*: two clicks a
    millisecond apart, the second while the page loads), and the status after each page."""
    page, titles = _search(browser, (public / "search" / "index.html").as_uri() + "?q=" + quote(query))
    statuses = [page.locator("#search-status").text_content()]
    while page.locator("#search-more").is_visible():
        if twice:
            page.evaluate(
                "() => new Promise(r => { const m = document.getElementById('search-more');"
                " m.click(); setTimeout(() => { m.click(); r(); }, 1); })"
            )
        else:
            page.click("#search-more")
        page.wait_for_function(
            "n => document.querySelectorAll('#search-results li').length > n || document.getElementById('search-more').hidden",
            arg=len(titles),
        )
        page.wait_for_selector("body[data-search-state=done]")
        titles = page.locator("#search-results li h3 a").all_text_contents()
        statuses.append(page.locator("#search-status").text_content())
    page.close()
    return titles, statuses


@pytest.mark.parametrize("query", ["社区", "株洲 服务", "工作", "株洲日报"])
def test_postings_in_parts_list_what_whole_postings_list(site, split_site, browser, query):
    """A query over keys in parts (index format 3) lists the same articles in the same order,
    page by page, as over whole postings; its count reads "at least" (or "about") until the last
    page."""
    whole, whole_status = _every_result(browser, site["public"], query)
    parts, parts_status = _every_result(browser, split_site, query)
    assert len(whole) > 10 and parts == whole
    assert all("至少" not in s for s in whole_status)
    # (a term of four characters or more drops the documents shown that lack it: "about")
    bound = "约" if any(len(term) >= 4 for term in query.split()) else "至少"
    assert bound in parts_status[0] and parts_status[-1] == f"找到 {len(whole)} 篇文章"


def test_more_pressed_while_a_page_loads_loses_no_result(split_site, browser):
    """A second press of "more" while the parts of the next page load: every result once, in
    order (two pages at once each kept the other's next result: one article went missing)."""
    once, once_status = _every_result(browser, split_site, "工作")
    twice, twice_status = _every_result(browser, split_site, "工作", twice=True)
    assert len(once) > 20 and twice == once and twice_status[-1] == once_status[-1] == f"找到 {len(once)} 篇文章"


def test_transferred_bytes(site, browser):
    record: list = []
    page, titles = _search(browser, site["base"] + "search/?q=" + quote("托养"), record)
    search_bytes = [
        r
        for r in record
        if "/search/" in r[0] and not r[0].split("?")[0].endswith("/search/") or r[0].endswith("search.js")
    ]
    first = sum(r[2] for r in search_bytes)
    n = len(record)
    page.fill("#q", "电网")
    page.press("#q", "Enter")
    page.wait_for_selector("body[data-search-state=done]")
    later = sum(r[2] for r in record[n:])
    print(
        f"\nfixture site: first query {first / 1024:.1f} KB gzipped ({len(search_bytes)} files), "
        f"later query {later / 1024:.1f} KB gzipped ({len(record) - n} files)"
    )
    assert first < 60 * 1024
    assert later < 30 * 1024
    timing = page.evaluate("window.__sitegenSearch.lastTiming")
    assert timing["compute"] < 100
    page.close()


@pytest.fixture(scope="module")
def real_site(tmp_path_factory, browser):
    """The site as `sitegen build` makes it: content/ plus the fixture articles, under a sub-path
    (only where there is a chromium to drive: the `browser` fixture skips otherwise)."""
    from search_fixture import write_content

    from sitegen.build import build_site
    from sitegen.config import default_config

    top = tmp_path_factory.mktemp("real")
    content = top / "content"
    if (ROOT / "content").is_dir():
        shutil.copytree(ROOT / "content", content)
    write_content(content)
    config = default_config(ROOT).with_overrides(
        content_dir=content, out_dir=top / "sub" / "public", cache_dir=top / "cache", base_url="/sub/public/"
    )
    report = build_site(config, today="2099-01-01")
    assert not [e for e in report.errors if "search" in str(e)], report.errors
    assert (top / "sub" / "public" / "search" / "meta.js").exists()
    handler = functools.partial(_Quiet, directory=str(top))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"public": top / "sub" / "public", "base": f"http://127.0.0.1:{server.server_port}/sub/public/"}
    server.shutdown()


@pytest.mark.parametrize(
    "query,expect",
    [("托养", "托养机构"), ("電網", "电网巡检"), ("shequ", "社区"), ("株洲县", "集中走访"), ("原样显示", "<script>")],
)
def test_real_build(real_site, browser, query, expect):
    page, titles = _search(browser, real_site["base"] + "search/?q=" + quote(query))
    try:
        assert titles, query
        if query == "shequ":  # pinyin reaches the word, and the word is what is marked
            marks = page.locator("#search-results mark").all_text_contents()
            assert "社区" in marks, marks
            first = page.locator("#search-results li").first.inner_text()
            assert "社区" in first, first
        else:
            assert any(expect in t for t in titles), (query, titles)
        assert page.evaluate("window.__xss") is None
        link = page.locator("#search-results li h3 a").first
        assert link.get_attribute("href").startswith("../")  # relative to the search page
        href = link.evaluate("a => a.href")
        assert href.startswith(real_site["base"])
        resp = page.request.get(href)
        assert resp.ok, href
    finally:
        page.close()


def _file_target(url: str) -> Path:
    """Return the local file a file:// URL names."""
    from urllib.parse import unquote, urlsplit

    assert url.startswith("file://"), url
    return Path(unquote(urlsplit(url).path))


def test_real_build_search_from_file_url(real_site, browser):
    """The built site's search page opened from disk finds articles, and a result opens the article."""
    url = (real_site["public"] / "search" / "index.html").as_uri() + "?q=" + quote("书店")
    page, titles = _search(browser, url)
    try:
        assert any("乐之书店" in t for t in titles), titles
        link = page.locator("#search-results li h3 a").filter(has_text="乐之书店").first
        title = link.text_content()
        with page.expect_navigation():
            link.click()
        assert page.url.startswith("file://") and page.url.endswith("/index.html"), page.url
        assert _file_target(page.url).is_file()
        assert page.locator("h1").text_content() == title
    finally:
        page.close()


def test_real_build_navigation_from_file_url(real_site, browser):
    """From file:// the home page's links point at files that exist; the header search works."""
    page = browser.new_page()
    try:
        page.goto((real_site["public"] / "index.html").as_uri())
        hrefs = page.locator("nav.nav a, .card-title a").evaluate_all("els => els.map(a => a.href)")
        assert len(hrefs) > 6
        for href in hrefs:
            assert href.endswith("/index.html") and _file_target(href).is_file(), href
        with page.expect_navigation():
            page.locator("nav.nav a", has_text="区县").click()
        assert _file_target(page.url) == real_site["public"] / "districts" / "index.html"
        assert page.locator("h1").text_content() == "区县"
        page.fill("#q-header", "书店")
        with page.expect_navigation():
            page.press("#q-header", "Enter")
        assert _file_target(page.url) == real_site["public"] / "search" / "index.html"
        page.wait_for_selector("body[data-search-state=done]", timeout=10_000)
        assert any("乐之书店" in t for t in page.locator("#search-results li h3 a").all_text_contents())
    finally:
        page.close()


def test_index_files_carry_the_index_version(real_site, browser):
    """Every index file is requested with the build's index version, so caches never mix builds."""
    record: list = []
    page, titles = _search(browser, real_site["base"] + "search/?q=" + quote("托养"), record)
    try:
        assert titles
        version = page.locator("#search-form").get_attribute("data-index")
        assert version and len(version) >= 8
        # the data the script loads; the script itself is every page's, loaded without the version
        paths = [(url, url.split("?")[0]) for url, _, _ in record if "/search/" in url]
        data = [url for url, path in paths if path.endswith(".js") and not path.endswith("/search/search.js")]
        assert any("/search/meta.js" in u for u in data) and any("/search/s/" in u for u in data)
        assert all(u.endswith("?v=" + version) for u in data), data
    finally:
        page.close()
