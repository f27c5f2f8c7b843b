"""Golden output of the importer: importing the bundled dumps (raw/) gives exactly the committed
content/ (every article file and furniture record), so a change of the importer's output on the
real sample pages shows up here, not in a user's `git status` after `python build.py`."""

from __future__ import annotations

import shutil
from pathlib import Path

from sitegen.config import default_config
from sitegen.importer import run_import

ROOT = Path(__file__).resolve().parent.parent


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (p.suffix == ".md" or p.parent.name == "_furniture")
    }


def test_importing_the_bundled_dumps_gives_the_committed_content(tmp_path):
    # As `python build.py` does: import raw/ again over the committed content/ and its import
    # state (which keeps each article's id and file name); no byte may change.
    root = tmp_path / "project"
    shutil.copytree(ROOT / "raw", root / "raw")
    shutil.copytree(ROOT / "content", root / "content")
    config = default_config(root)
    report = run_import(config, [config.raw_dir])
    assert not report.errors, report.errors
    got, want = _files(config.content_dir), _files(ROOT / "content")
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []
