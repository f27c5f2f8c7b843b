"""Shared helpers for the build tests: build the fixture site into a temporary folder.

(A first build into a fresh cache gets the pinyin table the session made once: conftest.py's
`_one_pinyin_table_per_session`.  Compiled templates need no such help: the renderer keeps them
for the process.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import os
import shutil
import subprocess
from pathlib import Path

from _searchkit import has_moved, in_date_order

from sitegen.build import build_site
from sitegen.config import default_config

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "site" / "content"
GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
TODAY = "2025-06-01"


def make_config(tmp: Path, content: Path | None = None, **changes):
    """Return a Config that reads *content* (a copy of the fixture by default) and writes under *tmp*."""
    if content is None:
        content = tmp / "content"
        if not content.exists():
            shutil.copytree(FIXTURE, content)
    config = default_config(tmp)  # the built-in theme, default settings: not the repository's own
    return config.with_overrides(content_dir=content, out_dir=tmp / "public", cache_dir=tmp / "cache", **changes)


def make_config_with_templates(tmp: Path, **changes):
    """Return make_config(tmp, **changes) reading a copy of the templates in *tmp*/templates, to edit."""
    templates = tmp / "templates"
    shutil.copytree(ROOT / "templates", templates)
    return make_config(tmp, templates_dir=templates, **changes)


def damage_page(db_file: Path, table: str) -> None:
    """Overwrite the root page of *table* in the SQLite file *db_file* with junk: the file still
    opens and its other tables still read, as after a bad sector or a copy cut short."""
    import sqlite3

    db = sqlite3.connect(db_file)
    root = dict(db.execute("SELECT name, rootpage FROM sqlite_master"))[table]
    size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    data = bytearray(db_file.read_bytes())
    data[(root - 1) * size : root * size] = b"\x5a" * size
    db_file.write_bytes(bytes(data))


def build(config, today: str = TODAY):
    return build_site(config, today=today)


def run_sitegen(*args: str, cwd: Path = ROOT, today: str = TODAY) -> subprocess.CompletedProcess:
    """Run `sitegen ARGS` in *cwd* as the command line does (`sitegen.cli.main`: its parsing,
    its error handling, its exit status, what it prints and logs), in this process.

    A new interpreter for each command costs 1-2 s of CPU (the imports, jieba's dictionary,
    a pinyin table of its own) against 0.1 s here; the tests of the entry point itself, of a pipe
    and of an installed package still start `sitegen` as a process."""
    from sitegen.cli import main

    out, err = io.StringIO(), io.StringIO()
    # Inside pytest the root logger has handlers, so the command's basicConfig adds none.
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    here, before = os.getcwd(), os.environ.get("SITEGEN_TODAY")
    os.environ["SITEGEN_TODAY"] = today
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as exc:  # argparse: a usage error, or --version
                status = exc.code if isinstance(exc.code, int) else 2 if exc.code else 0
    finally:
        os.chdir(here)
        if before is None:
            del os.environ["SITEGEN_TODAY"]
        else:
            os.environ["SITEGEN_TODAY"] = before
        logging.getLogger().removeHandler(handler)
    return subprocess.CompletedProcess(["sitegen", *args], status, out.getvalue(), err.getvalue())


def files_under(folder: Path) -> list[tuple[str, str]]:
    """Return [(path relative to *folder*, joined by '/'; full path)] of every file under
    *folder*, sorted by the first.  os.walk and strings: the suite compares hundreds of built
    sites file by file, and pathlib's rglob, relative_to and sorting took 2 s of its CPU."""
    top = os.fspath(folder)
    cut = len(top.rstrip("/")) + 1
    found = []
    for dirpath, _dirnames, filenames in os.walk(top):
        for name in filenames:
            full = os.path.join(dirpath, name)
            if os.path.isfile(full):
                found.append((full[cut:], full))
    found.sort()
    return found


def tree(folder: Path) -> dict:
    """Return {relative path: sha1} of every file under *folder*; a search index that lists
    documents out of date order (a patch's, `_searchkit`) renumbered in date order, as a
    clean build numbers them."""
    found: dict[str, bytes] = {}
    for rel, full in files_under(folder):
        with open(full, "rb") as f:
            found[rel] = f.read()
    if has_moved(found.get("search/meta.js", b"")):
        found = in_date_order(found)
    return {rel: hashlib.sha1(data).hexdigest() for rel, data in found.items()}


def edit_article(path: Path, old: str, new: str) -> None:
    """Replace *old* by *new* in *path* and move its mtime a second on, as a real edit would."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def clean_tree(tmp_path: Path, config, today: str | None = None, name: str = "clean") -> dict:
    """Build config's content and settings from nothing into a fresh folder; return its tree."""
    folder = tmp_path / name
    if folder.exists():
        shutil.rmtree(folder)
    clean = dataclasses.replace(config, out_dir=folder / "public", cache_dir=folder / "cache")
    report = build(clean, today) if today else build(clean)
    assert not report.from_layout
    return tree(clean.out_dir)


def assert_like_clean(tmp_path: Path, config, today: str | None = None) -> None:
    """Assert that config.out_dir holds what a clean build of the same input makes."""
    incremental = tree(config.out_dir)
    clean = clean_tree(tmp_path, config, today)
    differing = sorted(p for p in set(clean) | set(incremental) if clean.get(p) != incremental.get(p))
    assert not differing, differing[:10]
