"""Import safety (issues 12 and 13): a corrected dump updates its articles instead of adding
copies, REVIEW.md covers every dump, --force names what it overwrote, a damaged import state
is a clear error, every file is written atomically, and REVIEW.md names files as editors do."""

from __future__ import annotations

import builtins
import io
import os
import shutil
from pathlib import Path

import pytest
from _buildkit import run_sitegen

from sitegen.config import default_config
from sitegen.errors import SitegenError
from sitegen.frontmatter import read_article
from sitegen.importer import IMPORT_STATE_FILE, run_import

ROOT = Path(__file__).resolve().parent.parent
DUMPS = sorted((ROOT / "raw").glob("*.txt"))
# A small page printing one brief twice: the second copy is always a review item.
BRIEF = "攸县:电网巡检安全过冬\n\n株洲日报讯(全媒体记者/王军) 日前,国网攸县供电公司组织巡检,排查隐患。\n"
TWICE = BRIEF + "\n" + BRIEF


def _project(tmp_path: Path, dumps=(DUMPS[0],), twice: bool = False):
    """A throw-away project holding copies of *dumps* (and the page printing a brief twice)."""
    root = tmp_path / "project"
    (root / "raw").mkdir(parents=True)
    for dump in dumps:
        shutil.copy(dump, root / "raw" / dump.name)
    if twice:
        (root / "raw" / "twice.txt").write_text(TWICE, encoding="utf-8")
    return default_config(root)


def _articles(content_dir: Path) -> dict[str, object]:
    return {path.name: read_article(path) for path in sorted(content_dir.glob("*.md"))}


def _tree(root: Path) -> dict[str, bytes]:
    """Every file of the project but the build's cache (.sitegen-cache: the import reads the
    articles already there through the build's parse cache, which keeps what it parses)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".sitegen-cache" not in p.relative_to(root).parts
    }


def _bare(line: str) -> str:
    return "".join(line.strip().lstrip("#").split())


def _headline(dump: Path, articles: dict) -> tuple[str, int]:
    """Return an article file with a body and the dump line (1-based) printing its headline."""
    lines = dump.read_text(encoding="utf-8").split("\n")
    for name, article in articles.items():
        first, last = article.source_lines
        if article.kind != "article" or len(article.body) < 200:
            continue
        for number in range(first, last + 1):
            if _bare(lines[number - 1]) == _bare(article.title):
                return name, number
    raise AssertionError("no headline printed on a line of its own")


def _opening(dump: Path, articles: dict) -> tuple[str, int]:
    """Return an article file and the dump line that starts its first paragraph (a part of its id)."""
    lines = dump.read_text(encoding="utf-8").split("\n")
    for name, article in articles.items():
        chunks = [
            c
            for c in article.body.split("\n\n")
            if not c.startswith(("##", ">")) and "记者" not in c and "通讯员" not in c
        ]
        if article.kind != "article" or not chunks:
            continue
        first = "".join(chunks[0].split())
        for number in range(article.source_lines[0], article.source_lines[1] + 1):
            text = _bare(lines[number - 1])
            if len(text) >= 20 and first.startswith(text[:20]):
                return name, number
    raise AssertionError("no opening printed at the start of a line")


def _correct(dump: Path, number: int) -> str:
    """Correct one character of line *number* of *dump* (as a corrected dump would); return the line."""
    lines = dump.read_text(encoding="utf-8").split("\n")
    line = lines[number - 1]
    at = max(i for i, c in enumerate(line[:20]) if "\u4e00" <= c <= "\u9fff" and c not in "正误")
    lines[number - 1] = line[:at] + ("正" if line[at] != "正" else "误") + line[at + 1 :]
    dump.write_text("\n".join(lines), encoding="utf-8")
    return lines[number - 1]


# 1. A re-imported correction updates, it doesn't duplicate.


def test_corrected_headline_updates_the_article_and_a_hand_edit_is_reported(tmp_path):
    config = _project(tmp_path)
    dump = config.raw_dir / DUMPS[0].name
    run_import(config, [config.raw_dir])
    before = _articles(config.content_dir)
    name, number = _headline(dump, before)
    new_line = _correct(dump, number)
    report = run_import(config, [config.raw_dir])
    after = _articles(config.content_dir)
    assert sorted(after) == sorted(before), "the correction made a second article"
    assert after[name].id == before[name].id
    assert _bare(after[name].title) == _bare(new_line)
    assert name in report.written and report.kept_edits == []

    target = config.content_dir / name
    edited = target.read_text(encoding="utf-8") + "\n编者按：此文已由编辑核对。\n"
    target.write_text(edited, encoding="utf-8")
    newer_line = _correct(dump, number)
    report = run_import(config, [config.raw_dir])
    assert target.read_text(encoding="utf-8") == edited, "a hand edit was overwritten"
    assert sorted(_articles(config.content_dir)) == sorted(before), "the correction made a second article"
    assert report.kept_edits == [name]
    review = config.review_file.read_text(encoding="utf-8")
    about = [line for line in review.splitlines() if f"`content/{name}`" in line]
    assert any("not applied" in line and _bare(newer_line) in _bare(line) for line in about), review


def test_corrected_opening_keeps_the_id(tmp_path):
    config = _project(tmp_path)
    dump = config.raw_dir / DUMPS[0].name
    run_import(config, [config.raw_dir])
    before = _articles(config.content_dir)
    name, number = _opening(dump, before)
    _correct(dump, number)
    run_import(config, [config.raw_dir])
    after = _articles(config.content_dir)
    assert sorted(after) == sorted(before)
    assert after[name].id == before[name].id and after[name].body != before[name].body


def test_an_article_gone_from_its_dump_is_named_for_review(tmp_path):
    config = _project(tmp_path, dumps=(), twice=True)
    run_import(config, [config.raw_dir])
    assert len(_articles(config.content_dir)) == 2
    (config.raw_dir / "twice.txt").write_text(BRIEF, encoding="utf-8")
    run_import(config, [config.raw_dir])
    files = _articles(config.content_dir)
    assert len(files) == 2, "the importer must not delete a file"
    review = config.review_file.read_text(encoding="utf-8")
    assert sum("no longer has this article" in line for line in review.splitlines()) == 1, review


# 2. REVIEW.md is cumulative.


def test_partial_import_keeps_the_other_dumps_items(tmp_path):
    config = _project(tmp_path, dumps=DUMPS[:2], twice=True)
    run_import(config, [config.raw_dir])
    full = config.review_file.read_text(encoding="utf-8")
    assert "likely duplicate" in full
    run_import(config, [config.raw_dir / DUMPS[0].name])  # `sitegen import one.txt`
    assert config.review_file.read_text(encoding="utf-8") == full
    run_import(config, [config.raw_dir / "twice.txt"])
    assert config.review_file.read_text(encoding="utf-8") == full
    run_import(config, [config.raw_dir])
    assert config.review_file.read_text(encoding="utf-8") == full
    items = [line for line in full.splitlines() if line.startswith("- ")]
    assert len(items) == len(set(items)), "an item is listed twice"


def test_partial_import_updates_the_items_of_the_dump_it_read(tmp_path):
    config = _project(tmp_path, dumps=DUMPS[:1], twice=True)
    run_import(config, [config.raw_dir])
    assert "likely duplicate" in config.review_file.read_text(encoding="utf-8")
    twice = config.raw_dir / "twice.txt"
    twice.write_text(TWICE.replace("电网巡检", "电网检修", 1), encoding="utf-8")
    run_import(config, [twice])
    review = config.review_file.read_text(encoding="utf-8")
    assert "likely duplicate" not in review


# 3. --force lists every file it overwrote.


def test_force_lists_every_file_it_overwrote(tmp_path):
    config = _project(tmp_path)
    run_import(config, [config.raw_dir])
    targets = sorted(config.content_dir.glob("*.md"))[:2]
    for target in targets:
        target.write_text(target.read_text(encoding="utf-8") + "\n编者按：手工修改。\n", encoding="utf-8")
    report = run_import(config, [config.raw_dir], force=True)
    summary = report.summary()
    review = config.review_file.read_text(encoding="utf-8")
    for target in targets:
        assert "编者按" not in target.read_text(encoding="utf-8")
        assert f"content/{target.name}" in summary, summary
        assert f"`content/{target.name}`" in review.split("## Articles to check")[0], review
    assert sorted(report.overwritten) == [t.name for t in targets]


# 4. A damaged content/.import-state.json is a clear error, and nothing is written.

DAMAGED = [
    ('{\n "a.md": "00",\n "b.md": \n}\n', 4),  # invalid JSON
    ("", 1),  # empty
    ("[1, 2]\n", 1),  # not an object
    ('{\n "a.md": "00",\n "b.md": 5\n}\n', 3),  # a digest that is a number
    ('{\n "format": 2,\n "files": {},\n "dumps": {\n  "raw/x.txt": {"review": ["oops"]}\n }\n}\n', 5),
    ('{\n "format": 2,\n "files": [],\n "dumps": {}\n}\n', 3),
]


@pytest.mark.parametrize("text,line", DAMAGED, ids=["json", "empty", "list", "digest", "review", "files"])
def test_damaged_state_is_a_clear_error_and_nothing_is_written(tmp_path, text, line):
    config = _project(tmp_path)
    config.content_dir.mkdir()
    (config.content_dir / IMPORT_STATE_FILE).write_text(text, encoding="utf-8")
    before = _tree(config.root)
    with pytest.raises(SitegenError) as caught:
        run_import(config, [config.raw_dir])
    message = caught.value.describe()
    assert message.startswith(f"content/{IMPORT_STATE_FILE}:{line}: "), message
    assert "(hint: " in message
    assert _tree(config.root) == before


def test_damaged_state_on_the_command_line(tmp_path):
    config = _project(tmp_path)
    config.content_dir.mkdir()
    (config.content_dir / IMPORT_STATE_FILE).write_text('{\n "a.md": "00",\n', encoding="utf-8")
    result = run_sitegen("--root", str(config.root), "import")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: content/{IMPORT_STATE_FILE}:3: "), result.stderr
    assert "Traceback" not in result.stderr


# 5. Editors' files are written aside and moved into place.


def test_every_file_is_written_atomically(tmp_path, monkeypatch):
    config = _project(tmp_path, twice=True)
    opened, replaced = [], []
    real_open, real_io_open, real_replace = builtins.open, io.open, os.replace

    def watch(real):
        def opener(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and any(m in mode for m in "wax+"):
                opened.append(Path(file).resolve())
            return real(file, mode, *args, **kwargs)

        return opener

    def replace(src, dst, *args, **kwargs):
        replaced.append(Path(dst).resolve())
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", watch(real_open))
    monkeypatch.setattr(io, "open", watch(real_io_open))
    monkeypatch.setattr(os, "replace", replace)
    run_import(config, [config.raw_dir])
    edited = sorted(config.content_dir.glob("*.md"))[0]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n编者按。\n", encoding="utf-8")
    run_import(config, [config.raw_dir], force=True)
    monkeypatch.undo()
    targets = {p.resolve() for p in config.content_dir.rglob("*") if p.is_file()}
    targets.add(config.review_file.resolve())
    assert {config.content_dir / IMPORT_STATE_FILE, config.review_file} <= targets
    assert any(p.suffix == ".yaml" for p in targets)
    assert targets <= set(replaced), sorted(map(str, targets - set(replaced)))
    assert not (targets - {edited.resolve()}) & set(opened), "a file was written in place"
    assert not list(config.root.rglob("*.tmp"))


# 6. REVIEW.md names files relative to the project root, and the content folder given.


def test_review_names_the_content_folder_given(tmp_path):
    config = _project(tmp_path, twice=True)
    config = config.with_overrides(content_dir=config.root / "articles")
    run_import(config, [config.raw_dir])
    target = sorted(config.content_dir.glob("*.md"))[0]
    target.write_text(target.read_text(encoding="utf-8") + "\n编者按。\n", encoding="utf-8")
    report = run_import(config, [config.raw_dir])
    review = config.review_file.read_text(encoding="utf-8")
    named = [line for line in review.splitlines() if line.startswith("- `")]
    assert named and all(line.startswith("- `articles/") for line in named), review
    assert "content/" not in review
    assert f"articles/{target.name}" in report.summary()


def test_review_names_a_dump_outside_the_root_as_given(tmp_path, monkeypatch):
    config = _project(tmp_path, dumps=())
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "page.txt").write_text(TWICE, encoding="utf-8")
    (inbox / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    monkeypatch.chdir(tmp_path)
    report = run_import(config, [inbox / "page.txt", inbox / "scan.txt"])
    review = config.review_file.read_text(encoding="utf-8")
    assert "inbox/page.txt" in review and "inbox/scan.txt" in review, review
    assert str(tmp_path) not in review, review
    assert str(tmp_path) not in report.summary()


# 7. What held before still holds: a re-import changes no byte.


def test_reimport_changes_no_byte_of_articles_review_state_or_furniture(tmp_path):
    config = _project(tmp_path, dumps=DUMPS, twice=True)
    run_import(config, [config.raw_dir])
    before = _tree(config.root)
    second = run_import(config, [config.raw_dir])
    assert second.written == [] and _tree(config.root) == before
    run_import(config, [config.raw_dir / DUMPS[2].name])
    assert _tree(config.root) == before


def test_an_importer_failure_on_one_dump_is_reported_and_loses_nothing(tmp_path, monkeypatch):
    """A bug that raises on one dump (as month 20 did on a blind dump) names the dump, imports the
    others and keeps that dump's articles from the last import untouched."""
    import sitegen.importer as importer

    config = _project(tmp_path, dumps=DUMPS[:2])
    run_import(config, [config.raw_dir])
    before = _tree(config.content_dir)
    broken = DUMPS[1].name
    real = importer.segment

    def segment(lines, *args, **kwargs):
        if lines == tuple(read_lines(config.raw_dir / broken)):
            raise ValueError("month must be in 1..12")
        return real(lines, *args, **kwargs)

    monkeypatch.setattr(importer, "segment", segment)
    report = run_import(config, [config.raw_dir])
    assert any(broken in e and "ValueError: month must be in 1..12" in e for e in report.errors)
    after = _tree(config.content_dir)
    kept = {k: v for k, v in before.items() if k.endswith(".md")}
    assert {k: after.get(k) for k in kept} == kept, "an article of the failed dump or of the other one changed"


def read_lines(path: Path) -> list[str]:
    from sitegen.dumps import read_dump

    return list(read_dump(path, path.parent).lines)
