"""scripts/compare_builds.py: two versions of sitegen build one corpus cold in turn, and the
script names the files they wrote differently (its exit status says whether there were any)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from _buildkit import FIXTURE, ROOT

pytestmark = pytest.mark.slow  # two builds in new processes


def test_a_changed_template_is_found_in_exactly_the_pages_it_makes(tmp_path):
    corpus = tmp_path / "content"
    corpus.mkdir()
    for name in ("lusong-1.md", "lusong-2.md", "tianyuan-1.md"):
        shutil.copy(FIXTURE / name, corpus / name)
    # The new version: this commit's code with one word of the article template changed.
    code = tmp_path / "code"
    code.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "HEAD", "sitegen", "templates", "static"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    template = code / "templates" / "article.html"
    template.write_text(template.read_text(encoding="utf-8").replace("分钟读完", "分钟读毕"), encoding="utf-8")

    script = ROOT / "scripts" / "compare_builds.py"
    run = subprocess.run(
        [sys.executable, str(script), "--corpus", str(corpus), "--old", "HEAD", "--new-code", str(code)]
        + ["--runs", "1", "--settle", "0", "--work", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["old", "new"]
    assert any(line.startswith("wall") and "new / old" in line for line in lines)
    differing = next(line for line in lines if line.startswith("public/:"))
    assert differing.startswith("public/: 3 files differ"), differing  # the three article pages, nothing else
    assert differing.count("index.html") == 3
