"""The build's caches never serve stale output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _buildkit import TODAY, assert_like_clean, build, edit_article, make_config

import sitegen.content
from sitegen.content import load_content


def test_parse_cache_follows_edits_removals_and_damage(tmp_path):
    config = make_config(tmp_path)
    cache = tmp_path / "cache"
    first = load_content(config.content_dir, cache, today=TODAY)
    assert load_content(config.content_dir, cache, today=TODAY).articles == first.articles
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    (config.content_dir / "city-1.md").unlink()
    (cache / sitegen.content.CACHE_NAME).write_bytes(b"not a database" * 100)
    cached = load_content(config.content_dir, cache, today=TODAY)
    uncached = load_content(config.content_dir, None, today=TODAY)
    assert cached.articles == uncached.articles
    assert [a.path for a in cached.articles] == [a.path for a in uncached.articles]
    assert cached.digests == uncached.digests and cached.meta == uncached.meta
    assert "网格员每周" in next(a.body for a in cached.articles if a.path == "lusong-2.md")
    assert cached.digests["lusong-2.md"] != first.digests["lusong-2.md"]
    assert cached.meta["lusong-2.md"] == first.meta["lusong-2.md"]  # only the body changed


def test_parallel_parse_matches_serial(tmp_path, monkeypatch):
    config = make_config(tmp_path)
    (config.content_dir / "bad.md").write_text("---\nid: x\n---\n\n正文\n", encoding="utf-8")
    serial = load_content(config.content_dir, None, today=TODAY, preview=True, parallel_from=10**9)
    parallel = load_content(
        config.content_dir, tmp_path / "cache", today=TODAY, preview=True, parallel_from=1, workers=2
    )
    assert parallel.articles == serial.articles and parallel.flagged == serial.flagged
    assert [a.path for a in parallel.articles] == [a.path for a in serial.articles]
    assert [e.describe() for e in parallel.errors] == [e.describe() for e in serial.errors]
    assert parallel.digests == serial.digests and parallel.meta == serial.meta


def test_one_output_path_twice_is_refused_with_staged_files(tmp_path):
    import pytest

    from sitegen.errors import SitegenError
    from sitegen.writer import begin_stage, stage_files, write_site

    out = tmp_path / "out"
    staged = stage_files(begin_stage(out), [("a.html", b"1")])
    with pytest.raises(SitegenError):
        write_site(out, [("a.html", b"2")], staged=staged, cache_dir=tmp_path / "c")
    with pytest.raises(SitegenError):
        write_site(out, [], keep=["a.html"], staged=staged, cache_dir=tmp_path / "c")
    assert not out.exists()


def _walked(folder):
    """What `scan` must find, by os.walk: every *.md outside hidden files and folders."""
    import os

    found = []
    for here, dirs, files in os.walk(folder, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith(".md") and not name.startswith("."):
                st = os.stat(os.path.join(here, name))
                rel = os.path.relpath(os.path.join(here, name), folder).replace(os.sep, "/")
                found.append((rel, st.st_mtime_ns, st.st_size))
    return sorted(found)


def test_scan_lists_every_article_as_a_walk_does_with_or_without_folder_descriptors(tmp_path, monkeypatch):
    content = tmp_path / "content"
    for rel in ("a.md", "2021/b.md", "2021/05/c.md", "z/y/x/d.md", "2021/notes.txt", ".hidden.md", ".git/e.md"):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(f"# {rel}\n" * len(rel), encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "f.md").write_text("linked in", encoding="utf-8")
    (content / "linked").symlink_to(tmp_path / "elsewhere")
    expected = _walked(content)
    assert [rel for rel, _, _ in expected] == [
        "2021/05/c.md", "2021/b.md", "a.md", "linked/f.md", "z/y/x/d.md",
    ]  # fmt: skip
    assert sitegen.content.scan(content) == expected
    monkeypatch.setattr(sitegen.content.os, "supports_fd", set())  # a system without them
    assert sitegen.content.scan(content) == expected
    assert sitegen.content.scan(tmp_path / "missing") == []


@pytest.mark.parametrize("seed", range(40))
def test_a_packed_scan_finds_the_files_whose_stat_changed_as_a_comparison_of_every_file_does(seed):
    """`PackedScan.changed_since` compares the stats a chunk at a time: on scans of up to 3,000
    files (chunks of 1,024), with a few stats changed (at chunk edges too), a file renamed, added
    or removed, it finds what comparing every (path, mtime, size) finds."""
    import random

    from sitegen.content import Scan

    rnd = random.Random(seed)
    n = rnd.choice([0, 1, 2, 1023, 1024, 1025, 2048, rnd.randrange(3000)])
    before = Scan(sorted((f"{i:05d}-{rnd.randrange(10**6)}.md", rnd.randrange(-(2**62), 2**62), i) for i in range(n)))
    now = Scan(before)
    for _ in range(rnd.randrange(6) if n else 0):
        at = rnd.choice([0, n - 1, 1023, 1024, rnd.randrange(n)]) % n
        path, mtime, size = now[at]
        now[at] = (path, mtime + rnd.choice([0, 1, 10**9]), size + rnd.choice([0, 1]))
    moved = rnd.random() < 0.2 and n
    if moved:
        at = rnd.randrange(n)
        now[at] = (now[at][0] + rnd.choice(["x", ""]), *now[at][1:]) if rnd.random() < 0.5 else now[at]
        if rnd.random() < 0.5:
            del now[at]
    changed = now.packed().changed_since(before.packed())
    if [p for p, _, _ in now] != [p for p, _, _ in before]:
        assert changed is None
    else:
        assert changed == [i for i in range(n) if now[i] != before[i]]
        assert all(before.packed().stat(i) == before[i][1:] for i in changed)


def test_files_checked_out_again_keep_their_parse(tmp_path, monkeypatch):
    # A fresh checkout (the publishing workflow's, every run) or a `touch` changes every file's
    # stat and no text: the load reads and digests those files, and parses only the one whose
    # text changed.  (parallel_from 5: eleven files changed is the full build's, not a body edit.)
    config = make_config(tmp_path, parallel_from=5)
    build(config)
    for path in config.content_dir.glob("*.md"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    marks = tmp_path / "parsed"  # written by forked parse workers too
    parse = sitegen.content._parse

    def marked(folder, rel):
        with open(marks, "a", encoding="utf-8") as f:
            f.write(rel + "\n")
        return parse(folder, rel)

    monkeypatch.setattr(sitegen.content, "_parse", marked)
    report = build(config)
    assert not report.errors and not report.body_edit
    assert marks.read_text(encoding="utf-8").split() == ["lusong-2.md"]
    monkeypatch.undo()
    assert_like_clean(tmp_path, config)
    assert build(config).skipped_unchanged  # the new stats were cached: nothing to read again


def test_a_build_holds_the_articles_without_their_bodies_and_reads_each_as_the_load_read_it(tmp_path):
    # The articles a build loads keep their bodies in the parse cache (`StoredArticle`): equal
    # to the files' Articles, their summaries made when they were parsed, each body read back
    # only when asked for, and only as the build read it.
    import sqlite3
    from dataclasses import replace

    from sitegen.content import summary_of
    from sitegen.frontmatter import parse_article
    from sitegen.model import StoredArticle, replaced
    from sitegen.render import summarize

    config = make_config(tmp_path)
    cache = tmp_path / "cache"
    load_content(config.content_dir, cache, today=TODAY)  # parsed now
    library = load_content(config.content_dir, cache, today=TODAY)  # read back
    read = []
    real = sitegen.content.cached_body

    def counted(cache_path, rel, digest):
        read.append(rel)
        return real(cache_path, rel, digest)

    for art in library.articles:
        assert type(art) is StoredArticle and "body" not in vars(art)
        path = config.content_dir / art.path
        parsed = parse_article(path.read_text(encoding="utf-8"), path, art.path)
        sitegen.content.cached_body = counted
        try:  # none of these reads the body
            assert hash(art) == hash(parsed) and art in {art} and art == replaced(art)
            assert replaced(art, tags=("春耕",)).tags == ("春耕",) and repr(art)
            assert not read
            assert art == parsed and parsed == art and art.body == parsed.body  # these read it
            assert replace(art) == art and "body" in vars(replace(art))
            assert replaced(art, path="moved.md").body == parsed.body  # (read by its old path)
        finally:
            sitegen.content.cached_body = real
        assert summary_of(art) == summarize(parsed.body) and "body" not in vars(art)
        read.clear()
    with sqlite3.connect(cache / sitegen.content.CACHE_NAME) as db:
        (body,) = db.execute("SELECT body FROM parsed WHERE path = 'lusong-2.md'").fetchone()
    art = next(a for a in library.articles if a.path == "lusong-2.md")
    assert "网格员每天" in body and vars(art)["_stored"][0] == str(cache / sitegen.content.CACHE_NAME)
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    load_content(config.content_dir, cache, today=TODAY)  # the cache now holds another text
    sitegen.content.cached_body.cache_clear()
    with pytest.raises(sitegen.content.SitegenError, match=r"lusong-2\.md as this build read it"):
        print(art.body)  # a body of another text, read as the build's
    with pytest.raises(sitegen.content.SitegenError, match=r"lusong-2\.md as this build read it"):
        with sitegen.content.bodies_read_ahead(library.articles):  # as a render worker reads a chunk's
            pass
    others = [a for a in library.articles if a.path != "lusong-2.md"]
    with sitegen.content.bodies_read_ahead(others):
        assert len(sitegen.content._read_ahead) == len(others)
        assert [a.body for a in others] == [
            a.body for a in load_content(config.content_dir, None, today=TODAY).articles if a.path != "lusong-2.md"
        ]
    assert not sitegen.content._read_ahead


@pytest.mark.parametrize("search", [False, True])
def test_a_project_in_a_folder_named_like_a_uri_builds_and_makes_no_file_beside_it(tmp_path, search):
    # The caches are opened read-only through file: URIs; a name with '#', '?' or '%41' in it
    # opened another file, read-write, made anew beside the project (`cache.read_only`).
    from _buildkit import clean_tree, tree

    folder = tmp_path / "a#b?c%41"
    config = make_config(folder, search=search)
    assert not build(config).errors
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    assert not build(config).errors
    edit_article(config.content_dir / "lusong-2.md", "tags: [", "tags: [春耕, ")
    report = build(config)
    assert not report.errors and report.touched
    assert tree(config.out_dir) == clean_tree(tmp_path / "clean", config)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a#b?c%41", "clean"]


def test_threads_reading_bodies_from_more_caches_than_are_kept_open_do_not_crash(tmp_path):
    # Connections closed to keep 4 open, under another thread's query: the process died of a
    # segmentation fault (a second review's find), so the reads run in a process of their own.
    import subprocess
    import sys

    script = """
import pickle, sqlite3, sys, threading
from pathlib import Path
import sitegen.content as content
row = (None,) * len(content.FIELDS)  # a cache row keeps its body apart
entry = pickle.dumps((0, 0, "D", "m", row, None, "摘要"))
paths = []
for i in range(8):
    path = Path(sys.argv[1]) / f"c{i}.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE parsed (path TEXT PRIMARY KEY, entry BLOB, body TEXT)")
    db.execute("INSERT INTO parsed VALUES (?, ?, ?)", ("a.md", entry, "正文"))
    db.commit()
    db.close()
    paths.append(str(path))
errors = []
def read(k):
    try:
        for n in range(1500):
            assert content._read_bodies(paths[(k + n) % 8], {"a.md": "D"}) == {"a.md": "正文"}
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=read, args=(k,)) for k in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(errors[:3])
sys.exit(1 if errors else 0)
"""
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, (run.returncode, run.stdout, run.stderr[-2000:])


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"SITEGEN_CACHE_HOME": "{tmp}/named"}, "{tmp}/named"),
        ({"SITEGEN_CACHE_HOME": "relative", "XDG_CACHE_HOME": "{tmp}/xdg"}, "{tmp}/xdg/sitegen"),
        ({"XDG_CACHE_HOME": "relative", "HOME": "{tmp}/home"}, "{tmp}/home/.cache/sitegen"),
        ({"HOME": ""}, None),
        ({"SITEGEN_CACHE_HOME": "{tmp}/a-file/sitegen"}, None),
    ],
    ids=["named", "relative name", "relative XDG", "empty HOME", "not a folder"],
)
def test_the_user_cache_folder_is_an_absolute_folder_that_can_be_written(tmp_path, monkeypatch, env, expected):
    from sitegen.cache import user_cache_dir

    for name in ("SITEGEN_CACHE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "a-file").write_text("")
    monkeypatch.chdir(tmp_path)
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=tmp_path))
    assert user_cache_dir() == (Path(expected.format(tmp=tmp_path)) if expected else None)
    assert not (tmp_path / "relative").exists()
