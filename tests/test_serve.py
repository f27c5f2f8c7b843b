"""The preview server: serving, live rebuild, live-reload events, traversal, previews."""

from __future__ import annotations

import http.client
import json
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from sitegen.config import default_config
from sitegen.serve import (EVENTS_PATH, PreviewServer, Refused, inject, preview_config,
                           resolve_request_path, SiteState)

from _workflow_project import TODAY, all_html, article, find_page, make_project, write_article

pytest.importorskip("sitegen.build", reason="sitegen.build (the build helper's module) is "
                    "not there yet: the serve tests need the real build")


@pytest.fixture()
def preview(tmp_path, monkeypatch):
    monkeypatch.setenv("SITEGEN_TODAY", TODAY)
    config = make_project(tmp_path / "site").with_overrides(preview=True)
    server = PreviewServer(config, "127.0.0.1", 0, quiet=True).start()
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
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                     .encode("latin-1"))
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


def test_binds_loopback_and_serves_a_page_with_live_reload(preview):
    assert preview.server.server_address[0] == "127.0.0.1"
    status, body = fetch(preview, "/")
    assert status == 200
    assert "__sitegen-reload" in body and EVENTS_PATH in body
    status, body = fetch(preview, page_for(preview, "ALPHA-ORIGINAL"))
    assert status == 200 and "ALPHA-ORIGINAL" in body
    assert fetch(preview, "/no/such/page.html")[0] == 404


def test_serves_concurrent_requests_while_an_event_stream_is_open(preview):
    conns = []
    for _ in range(3):  # three open live-reload streams must not block page loads
        conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=5)
        conn.request("GET", EVENTS_PATH)
        assert conn.getresponse().status == 200
        conns.append(conn)
    started = time.monotonic()
    assert fetch(preview, "/")[0] == 200
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
    write_article(preview.config, "other0.md",
                  article(10, "其他新闻0", "其他正文 RELOAD-ME 内容。", date="2025-05-01"))
    event, data = next_event()
    assert event == "reload" and data["generation"] > before and data["error"] is None
    conn.close()


@pytest.mark.parametrize("target", [
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
])
def test_traversal_requests_are_refused(preview, target):
    (preview.config.root / "secret.txt").write_text("TOP-SECRET", encoding="utf-8")
    status, data = raw_get(preview.port, target)
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
    (preview.config.content_dir / "broken.md").write_text("no front matter here\n",
                                                          encoding="utf-8")
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
    preview = config.with_overrides(out_dir=tmp_path / "prev", cache_dir=tmp_path / "c2",
                                    preview=True)
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
