"""The preview server: serving, live rebuild, live-reload events, traversal, previews, and
issue 12 (no edit lost at start-up, a broken article keeps its last good page, the error
overlay on a 360 px phone).

The previews are built without the search index (`search=False`, as a site whose settings say
so), except where a test looks into the index (drafts and future articles stay out of it).
Tests that only read from a preview share one (`served`); a test that edits, breaks or adds
files has its own (`preview`)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from _workflow_project import TODAY, all_html, article, find_page, make_project, write_article

from sitegen.config import default_config
from sitegen.serve import EVENTS_PATH, PreviewServer, Refused, SiteState, inject, preview_config, resolve_request_path

pytest.importorskip(
    "sitegen.build",
    reason="sitegen.build (the build helper's module) is not there yet: the serve tests need the real build",
)


def _start_preview(root: Path) -> PreviewServer:
    with pytest.MonkeyPatch.context() as env:  # the first build's "today" ("future" stays future)
        env.setenv("SITEGEN_TODAY", TODAY)
        config = make_project(root).with_overrides(preview=True, search=False)
        return PreviewServer(config, "127.0.0.1", 0, quiet=True).start()


@pytest.fixture()
def preview(tmp_path, monkeypatch):
    """A preview of its own, for a test that edits, breaks or adds files (and rebuilds)."""
    monkeypatch.setenv("SITEGEN_TODAY", TODAY)
    server = _start_preview(tmp_path / "site")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A preview that the tests only send requests to (and put secret.txt beside)."""
    server = _start_preview(tmp_path_factory.mktemp("served") / "site")
    try:
        yield server
    finally:
        server.stop()


def fetch(server: PreviewServer, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(server.url.rstrip("/") + path, timeout=5) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Send a request line exactly as written (urllib would normalise the path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


def url_of(server: PreviewServer, page: Path) -> str:
    rel = page.relative_to(server.config.out_dir.resolve()).as_posix()
    return "/" + rel


def page_for(server: PreviewServer, marker: str) -> str:
    page = find_page(server.config.out_dir.resolve(), marker)
    assert page is not None, f"no page in public/ contains {marker!r}"
    return url_of(server, page)


def test_binds_loopback_and_serves_a_page_with_live_reload(served):
    assert served.server.server_address[0] == "127.0.0.1"
    status, body = fetch(served, "/")
    assert status == 200
    assert "__sitegen-reload" in body and EVENTS_PATH in body
    status, body = fetch(served, page_for(served, "ALPHA-ORIGINAL"))
    assert status == 200 and "ALPHA-ORIGINAL" in body
    assert fetch(served, "/no/such/page.html")[0] == 404


def test_serves_concurrent_requests_while_an_event_stream_is_open(served):
    conns = []
    for _ in range(3):  # three open live-reload streams must not block page loads
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
        conn.request("GET", EVENTS_PATH)
        assert conn.getresponse().status == 200
        conns.append(conn)
    started = time.monotonic()
    assert fetch(served, "/")[0] == 200
    assert time.monotonic() - started < 2
    for conn in conns:
        conn.close()


def test_edited_article_is_served_within_two_seconds(preview):
    url = page_for(preview, "ALPHA-ORIGINAL")
    config = preview.config
    time.sleep(0.1)  # let the watcher settle
    started = time.monotonic()
    write_article(config, "main.md", article(1, "醴陵瓷器展开幕", "第二版正文 BETA-EDITED 段落。"))
    body = ""
    while time.monotonic() - started < 2.0:
        status, body = fetch(preview, url)
        if "BETA-EDITED" in body:
            break
        time.sleep(0.05)
    took = time.monotonic() - started
    assert "BETA-EDITED" in body, f"new text not served after {took:.2f} s"
    assert "ALPHA-ORIGINAL" not in body
    print(f"edit -> served in {took:.2f} s")


def test_live_reload_client_gets_the_event(preview):
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=5)
    conn.request("GET", EVENTS_PATH)
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("Content-Type").startswith("text/event-stream")

    def next_event() -> tuple[str, dict]:
        event, data = "", ""
        while True:
            line = resp.fp.readline().decode()
            if not line:
                raise AssertionError("event stream closed")
            line = line.rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = line[5:].strip()
            elif line == "" and event:
                return event, json.loads(data)

    event, data = next_event()
    assert event == "hello"
    before = data["generation"]
    write_article(preview.config, "other0.md", article(10, "其他新闻0", "其他正文 RELOAD-ME 内容。", date="2025-05-01"))
    event, data = next_event()
    assert event == "reload" and data["generation"] > before and data["error"] is None
    conn.close()


@pytest.mark.parametrize(
    "target",
    [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2f%2E%2E%2fetc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/static/..\\..\\etc\\passwd",
        "//etc/passwd",
        "/%00index.html",
        "http://127.0.0.1/../../etc/passwd",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
    ],
)
def test_traversal_requests_are_refused(served, target):
    (served.config.root / "secret.txt").write_text("TOP-SECRET", encoding="utf-8")
    status, data = raw_get(served.port, target)
    assert status in (400, 403, 404), (target, status)
    assert b"root:" not in data and b"TOP-SECRET" not in data


def test_symlinks_out_of_public_are_refused(preview):
    root = preview.config.root
    (root / "secret.txt").write_text("TOP-SECRET", encoding="utf-8")
    out = preview.config.out_dir.resolve()
    (out / "leak.txt").symlink_to(root / "secret.txt")
    (out / "leakdir").symlink_to(root)
    for target in ("/leak.txt", "/leakdir/secret.txt", "/leakdir/"):
        status, data = raw_get(preview.port, target)
        assert status in (403, 404), (target, status)
        assert b"TOP-SECRET" not in data


def test_resolve_request_path_unit(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.html").write_text("x")
    assert resolve_request_path(tmp_path, "/a/b.html?x=1") == (tmp_path / "a" / "b.html").resolve()
    assert resolve_request_path(tmp_path, "/a/%62.html") == (tmp_path / "a" / "b.html").resolve()
    for bad in ("/../x", "/a/../../x", "/%2e%2e/x", "/a%2f%2e%2e%2f%2e%2e/x", "x", "//x"):
        with pytest.raises(Refused):
            resolve_request_path(tmp_path, bad)


def test_failed_rebuild_shows_overlay_and_server_keeps_running(preview):
    url = page_for(preview, "ALPHA-ORIGINAL")
    gen = preview.state.generation
    (preview.config.content_dir / "broken.md").write_text("no front matter here\n", encoding="utf-8")
    deadline = time.monotonic() + 3
    while preview.state.generation == gen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert preview.state.error, "a broken article should make the rebuild report an error"
    status, body = fetch(preview, url)
    assert status == 200 and "__sitegen-error" in body and "broken.md" in body
    gen = preview.state.generation
    (preview.config.content_dir / "broken.md").unlink()
    deadline = time.monotonic() + 3
    while preview.state.generation == gen and time.monotonic() < deadline:
        time.sleep(0.05)
    status, body = fetch(preview, url)
    assert status == 200 and "__sitegen-error" not in body


BROKEN_TITLE = "title: 醴陵: 瓷器展开幕"  # a colon in a plain value: a YAML syntax error on line 3


def break_main(config) -> Path:
    """Give main.md a front-matter YAML syntax error on line 3 (its title)."""
    path = config.content_dir / "main.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: 醴陵瓷器展开幕", BROKEN_TITLE), encoding="utf-8")
    return path


def article_page(server: PreviewServer, slug: str) -> str:
    """The URL of the article page of *slug* (other pages list the article too)."""
    pages = sorted(server.config.out_dir.resolve().rglob(f"{slug}/index.html"))
    assert pages, f"no article page for {slug}"
    return url_of(server, pages[0])


def wait_for_rebuild(server: PreviewServer, generation: int, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while server.state.generation == generation and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.state.generation != generation, f"no rebuild within {seconds} s"


def test_edit_saved_at_the_first_answer_is_served(tmp_path, monkeypatch):
    """Issue 12: the watcher is armed before the server answers, so no edit falls between."""
    import watchfiles

    real_watch = watchfiles.watch

    def slow_to_arm(*args, **kwargs):  # like a watcher adding many folders on a slow disk
        time.sleep(0.5)
        yield from real_watch(*args, **kwargs)

    monkeypatch.setattr(watchfiles, "watch", slow_to_arm)
    monkeypatch.setenv("SITEGEN_TODAY", TODAY)
    config = make_project(tmp_path / "site").with_overrides(preview=True, search=False)
    server = PreviewServer(config, "127.0.0.1", 0, quiet=True)  # listening: requests queue
    starter = threading.Thread(target=server.start, daemon=True)
    starter.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert sock.recv(12) == b"HTTP/1.1 200"  # the first answer: save the edit at once
        write_article(config, "main.md", article(1, "醴陵瓷器展开幕", "第二版正文 BETA-EDITED 段落。"))
        starter.join(30)
        url, body = article_page(server, "wf-test-1"), ""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and "BETA-EDITED" not in body:
            time.sleep(0.05)
            body = fetch(server, url)[1]
        assert "BETA-EDITED" in body, "an edit saved at the first answer never reached the preview"
    finally:
        server.stop()


def test_broken_article_keeps_its_last_good_version_and_the_rest(preview):
    """Issue 12: a YAML error in one article leaves the rest of the preview, and that article's
    last good page (with a banner), in place; the overlay names file:line."""
    markers = ("ALPHA-ORIGINAL", "OTHER-0", "OTHER-1", "OTHER-2", "DRAFT-MARKER", "FUTURE-MARKER")
    urls = {marker: page_for(preview, marker) for marker in markers}
    main = article_page(preview, "wf-test-1")
    gen = preview.state.generation
    path = break_main(preview.config)
    wait_for_rebuild(preview, gen)
    assert "content/main.md:3: front-matter is not valid YAML" in (preview.state.error or "")
    for marker, url in urls.items():
        status, body = fetch(preview, url)
        assert status == 200 and marker in body, f"{marker} page gone from the preview"
        assert "__sitegen-error" in body and "main.md:3" in body
    status, body = fetch(preview, main)
    assert status == 200 and "ALPHA-ORIGINAL" in body, "the broken article's page is gone"
    assert 'class="banner' in body, "the last good version should carry a preview banner"
    assert "上次成功" in body  # the overlay says that the page is the last good version
    gen = preview.state.generation
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace(BROKEN_TITLE, "title: 醴陵瓷器展开幕")
        .replace("ALPHA-ORIGINAL", "GAMMA-FIXED"),
        encoding="utf-8",
    )
    wait_for_rebuild(preview, gen)
    assert preview.state.error is None
    status, body = fetch(preview, main)
    assert status == 200 and "GAMMA-FIXED" in body
    assert "__sitegen-error" not in body and 'class="banner' not in body


def test_load_content_falls_back_to_the_last_good_parse_in_preview_only(tmp_path, monkeypatch):
    from sitegen.content import load_content

    monkeypatch.setenv("SITEGEN_TODAY", TODAY)
    config = make_project(tmp_path / "site", extra=1)
    cache = tmp_path / "cache"
    assert not load_content(config.content_dir, cache, preview=True).errors
    break_main(config)
    for preview in (True, False):  # the second load reads the rows the first one kept
        library = load_content(config.content_dir, cache, preview=preview)
        assert [e.describe() for e in library.errors][0].startswith(
            f"{config.content_dir / 'main.md'}:3: front-matter is not valid YAML"
        )
        paths = {a.path for a in library.articles}
        if preview:
            main = next(a for a in library.articles if a.path == "main.md")
            assert "ALPHA-ORIGINAL" in main.body and "main.md" in library.flagged
        else:
            assert "main.md" not in paths and "other0.md" in paths


def test_inject_places_script_before_body_end():
    state = SiteState()
    page = inject(b"<html><body><p>x</p></body></html>", state)
    assert page.endswith(b"</body></html>") and b"__sitegen-reload" in page
    state.error = "<boom>"
    page = inject(b"<p>x</p>", state)
    assert b"&lt;boom&gt;" in page and b"<boom>" not in page


def test_drafts_and_future_articles_preview_only(tmp_path, monkeypatch):
    from sitegen.build import build_site

    monkeypatch.setenv("SITEGEN_TODAY", TODAY)
    config = make_project(tmp_path / "site")
    published = config.with_overrides(out_dir=tmp_path / "pub", cache_dir=tmp_path / "c1")
    preview = config.with_overrides(out_dir=tmp_path / "prev", cache_dir=tmp_path / "c2", preview=True)
    assert not build_site(published).errors
    assert not build_site(preview).errors
    pub, prev = all_html(tmp_path / "pub"), all_html(tmp_path / "prev")
    assert "ALPHA-ORIGINAL" in pub and "ALPHA-ORIGINAL" in prev
    for marker in ("DRAFT-MARKER", "FUTURE-MARKER", "草稿文章标题", "未来文章标题"):
        assert marker not in pub, f"{marker} leaked into the published build"
    for marker in ("DRAFT-MARKER", "FUTURE-MARKER"):
        assert marker in prev, f"{marker} missing from the preview build"
    # nothing under the published tree mentions them (search index, feeds, sitemaps)
    for path in (tmp_path / "pub").rglob("*"):
        if path.is_file() and path.suffix in (".json", ".xml", ".txt", ".js"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "草稿文章标题" not in text and "未来文章标题" not in text, path


def test_preview_builds_apart_from_the_published_site(tmp_path):
    config = default_config(tmp_path)
    prev = preview_config(config)
    assert prev.preview is True
    assert prev.out_dir != config.out_dir and prev.cache_dir != config.cache_dir
    assert config.out_dir not in prev.out_dir.parents
    chosen = config.with_overrides(out_dir=tmp_path / "elsewhere")
    assert preview_config(chosen).out_dir == tmp_path / "elsewhere"


@pytest.mark.browser
def test_error_overlay_is_chinese_and_fits_a_360px_phone(preview, browser, tmp_path):
    """Issue 12: the overlay (file:line, message, hint) fits 360 px, reads in Chinese, closes."""
    url = preview.url.rstrip("/") + article_page(preview, "wf-test-1")
    long_name = "shifengqu-zhongxiaoqiye-gonggongfuwu-pingtai-shangxian-youhua-yingshang-huanjing.md"
    (preview.config.content_dir / long_name).write_text("---\ntitle: [未闭合\n---\n正文\n", encoding="utf-8")
    break_main(preview.config)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (preview.state.error or "").count("\n") < 1:
        time.sleep(0.05)
    assert "main.md:3" in (preview.state.error or "") and long_name in preview.state.error
    page = browser.new_page(viewport={"width": 360, "height": 740})
    try:
        page.goto(url)
        overlay = page.locator("#__sitegen-error")
        overlay.wait_for(state="visible", timeout=5000)
        page.screenshot(path=tmp_path / "overlay360.png")
        box = overlay.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
        assert box["height"] < 740 * 0.75, "the overlay should leave part of the page visible"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        text = overlay.inner_text()
        assert "预览构建出错" in text and "content/main.md:3" in text
        assert "mapping values are not allowed" in text and "quote values" in text  # message, hint
        assert f"content/{long_name}:2" in text
        size = float(overlay.evaluate("e => getComputedStyle(e).fontSize").rstrip("px"))
        assert size >= 15, f"overlay text is {size}px"
        page.get_by_role("button", name="关闭").click()
        assert not overlay.is_visible(), "the overlay should close"
        assert page.locator("#__sitegen-error-badge").is_visible()  # to open it again
        assert page.get_by_text("ALPHA-ORIGINAL").first.is_visible()
    finally:
        page.close()


class _CountingRebuilder:
    """What the watcher calls, counting the rebuilds it asks for."""

    def __init__(self) -> None:
        self.rebuilds = 0

    def rebuild(self, changed=()) -> None:
        self.rebuilds += 1

    def filter_own_writes(self, changed):
        return list(changed)

    def log(self, *args, **kwargs) -> None:
        pass


def test_a_config_edit_with_no_folder_to_watch_rebuilds_once(tmp_path):
    """A project of sitegen.toml alone (no content/, templates/ or static/ yet): the watcher
    polls the config files; one edit is one rebuild, not one at every poll (it was: 8 rebuilds in
    2 s at a poll of 0.25 s, 40 at 0.05 s)."""
    from sitegen.serve import Watcher

    config = default_config(tmp_path)
    rebuilder = _CountingRebuilder()
    watcher = Watcher(config, rebuilder)
    assert watcher.watched_dirs() == []
    watcher.start()
    try:
        (tmp_path / "sitegen.toml").write_text('title = "株洲"\n', encoding="utf-8")
        deadline = time.monotonic() + 5
        while rebuilder.rebuilds == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(10 * watcher.poll_s)
    finally:
        watcher.stop()
    assert rebuilder.rebuilds == 1
