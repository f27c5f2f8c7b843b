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


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_python_and_js_decode_the_same_documents(tmp_path):
    """Every form of postings (varint gaps, bitmap, complement) decodes in search.js to the
    documents Python encoded."""
    import random

    from sitegen.search.postings import encode_postings

    rng = random.Random(7)
    lists = [[], [0], [5, 9, 100, 100000], list(range(600)), [n for n in range(3000) if n % 11]]
    lists += [sorted(rng.sample(range(n), k)) for n in (50, 700, 5000) for k in (1, n // 10, n // 2, n * 9 // 10, n)]
    texts = [encode_postings(ids) for ids in lists]
    assert {t[:1] for t in texts if t} >= {"~", "!", "0"}  # every form is among them
    assert _in_node(tmp_path, "--postings", texts) == lists


def _in_node(tmp_path: Path, mode: str, data: object) -> object:
    """What the shipped search.js makes of *data* in tests/search_parity.js's *mode*."""
    script = tmp_path / "search.js"
    script.write_bytes(browser_script())
    (tmp_path / "data.json").write_text(json.dumps(data))
    proc = subprocess.run(
        ["node", str(ROOT / "tests" / "search_parity.js"), str(script), mode, str(tmp_path / "data.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(proc.stdout)


def test_the_syllables_the_script_loads_are_pypinyins():
    """search.js cuts pinyin typed for two words between syllables: the list the index writes for
    it (search/syllables.js, from sitegen/search/syllables.txt) is every toneless syllable
    pypinyin reads a character with, but the interjections m, n, ng, hm and hng."""
    from pypinyin.constants import PINYIN_DICT

    from sitegen.search.index import syllables
    from sitegen.search.pinyin import _toneless

    toneless = _toneless()
    readings = {toneless(r) for rs in PINYIN_DICT.values() for r in rs.split(",")}
    want = {r for r in readings if r.isascii() and r.isalpha()} - {"m", "n", "ng", "hm", "hng"}
    assert set(syllables().split(" ")) == want


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_script_ships_without_its_comments(tmp_path):
    """Every page loads search/search.js: it is written without the source's comments, and is
    still a script node can parse (the tests above and the browser tests run it)."""
    source = (ROOT / "sitegen" / "search" / "search.js").read_text(encoding="utf-8")
    shipped = browser_script().decode("utf-8")
    assert "/*" in source and "/*" not in shipped and len(shipped) < 0.9 * len(source)
    (tmp_path / "search.js").write_text(shipped, encoding="utf-8")
    subprocess.run(["node", "--check", str(tmp_path / "search.js")], check=True, timeout=60)


def test_tokens_examples():
    assert tokens_for_test("托养機構")["tokens"] == ["托养", "养机", "机构"]
    assert tokens_for_test("ＳＹＢ，5G網")["tokens"] == ["syb", "5g", "网"]
