"""Python and JavaScript normalise text into the same search tokens."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from sitegen.search import browser_script, fold_blocks, tokens_for_test

ROOT = Path(__file__).resolve().parent.parent
STRINGS = ROOT / "tests" / "search_tokens.json"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_python_and_js_tokens_agree(tmp_path):
    fold_file = tmp_path / "fold.json"
    fold_file.write_text(json.dumps(fold_blocks(), ensure_ascii=False), encoding="utf-8")
    script = tmp_path / "search.js"  # the script as every index carries it
    script.write_bytes(browser_script())
    proc = subprocess.run(
        [
            "node",
            str(ROOT / "tests" / "search_parity.js"),
            str(script),
            str(fold_file),
            str(STRINGS),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    js = json.loads(proc.stdout)
    strings = json.loads(STRINGS.read_text(encoding="utf-8"))
    assert len(js) == len(strings)
    for s, got in zip(strings, js):
        assert got == tokens_for_test(s), s


def test_tokens_examples():
    assert tokens_for_test("托养機構")["tokens"] == ["托养", "养机", "机构"]
    assert tokens_for_test("ＳＹＢ，5G網")["tokens"] == ["syb", "5g", "网"]
