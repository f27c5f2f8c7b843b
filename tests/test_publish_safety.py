"""Never publish a broken site: every way a build can fail leaves public/ byte for byte as the
last good build left it, and exits non-zero with the errors listed (file:line, hint).

Each test here failed on the code before this rule (the build then swapped in a site without
the broken article, built an empty site for a mistyped folder, or died with a traceback).

The sites are built without the search index (`search=False`, as a site whose settings say so)
where the failure comes before the search stage or has nothing to do with it; the index is kept
where a refused build would have made a new one (articles lost) and where a test asks for it.
The search stage's own failures are in test_layout_edges.py and test_search_incremental.py.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys

import pytest
from _buildkit import (
    assert_like_clean,
    build,
    edit_article,
    make_config,
    make_config_with_templates,
    tree,
)
from _buildkit import (
    run_sitegen as sitegen,
)


def _built(tmp_path, search: bool):
    config = make_config(tmp_path, search=search)
    assert not build(config).errors
    return config, tree(config.out_dir)


@pytest.fixture
def built(tmp_path):
    """A fixture site built once (without the search index), and the tree of its public/."""
    return _built(tmp_path, search=False)


@pytest.fixture
def built_with_search(tmp_path):
    """A fixture site built once with its search index, and the tree of its public/."""
    return _built(tmp_path, search=True)


def assert_refused(config, before: dict, report, *needles: str) -> None:
    assert report.failed, report.summary()
    for needle in needles:
        assert any(needle in e for e in report.errors), report.errors
    assert tree(config.out_dir) == before, "a failed build changed public/"
    leftovers = [p.name for p in config.out_dir.parent.glob(".public.*")]
    assert not leftovers, f"a failed build left {leftovers} behind"


def test_missing_content_folder_is_an_error_not_an_empty_site(built, tmp_path):
    config, before = built
    report = build(dataclasses.replace(config, content_dir=tmp_path / "nosuchdir"))
    assert_refused(config, before, report, "nosuchdir: the content folder does not exist")


def test_empty_content_folder_is_an_error(built, tmp_path):
    config, before = built
    (tmp_path / "empty").mkdir()
    report = build(dataclasses.replace(config, content_dir=tmp_path / "empty"))
    assert_refused(config, before, report, "holds no article")


def test_cli_mistyped_content_exits_non_zero_and_writes_nothing(tmp_path):
    proc = sitegen(
        "--root", str(tmp_path), "build", "--content", str(tmp_path / "nosuchdir"), "--out", str(tmp_path / "public")
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "content folder does not exist" in proc.stdout
    assert not (tmp_path / "public").exists()


def test_yaml_error_keeps_the_whole_last_site(built):
    config, before = built
    edit_article(config.content_dir / "lusong-2.md", "title: ", "title: [未闭合 ")
    edit_article(config.content_dir / "lusong-1.md", "春节过后", "年后")  # a good edit waits too
    report = build(config)
    assert_refused(config, before, report, "lusong-2.md:")


@pytest.mark.parametrize(
    "breakage, needle",
    [
        (
            lambda t: (t / "article.html").write_text('{% include "nosuch.html" %}\n', encoding="utf-8"),
            "nosuch.html: template not found",
        ),
        (
            lambda t: (t / "article.html").write_text("{% for x in %}\n", encoding="utf-8"),
            "article.html:1: template syntax error",
        ),
        (
            lambda t: (t / "article.html").write_text("{{ no_such_thing.title }}\n", encoding="utf-8"),
            "article.html:1: template failed",
        ),
    ],
)
def test_template_errors_are_reported_not_tracebacks(tmp_path, breakage, needle):
    config = dataclasses.replace(make_config_with_templates(tmp_path), search=False)
    assert not build(config).errors
    before = tree(config.out_dir)
    breakage(config.templates_dir)
    assert_refused(config, before, build(config), needle)


def test_losing_many_articles_needs_the_flag_that_names_the_risk(built_with_search):
    config, before = built_with_search
    gone = sorted(config.content_dir.glob("lusong-*.md"))
    saved = {p: p.read_bytes() for p in gone}
    for path in gone:
        path.unlink()
    assert_refused(config, before, build(config), "would take 3 of the 9 published articles")
    report = build(dataclasses.replace(config, allow_article_loss=True))
    assert not report.errors
    for path, data in saved.items():  # one article may always go: an editor deletes a duplicate
        path.write_bytes(data)
    assert not build(config).errors
    gone[0].unlink()
    assert not build(config).errors
    assert_like_clean(config.out_dir.parent, config)


def test_compression_is_kept_by_later_plain_builds(built):
    config, _ = built
    assert not build(dataclasses.replace(config, compress=True)).errors
    zipped = {p for p in tree(config.out_dir) if p.endswith((".gz", ".br"))}
    assert "index.html.gz" in zipped and "index.html.br" in zipped
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    report = build(config)  # the hook's plain build
    assert not report.errors
    after = tree(config.out_dir)
    assert zipped <= set(after), "a plain build deleted the compressed copies"
    changed = {p for p in report.changed if p.endswith(".gz")}
    assert changed and all(p[:-3] in report.changed for p in changed), "only changed files are compressed again"
    import gzip

    page = "lusong/lusong-fushi-dinghuo/index.html"
    assert gzip.decompress((config.out_dir / (page + ".gz")).read_bytes()) == (config.out_dir / page).read_bytes()
    assert not build(dataclasses.replace(config, compress=False)).errors
    assert not any(p.endswith((".gz", ".br")) for p in tree(config.out_dir))


def test_a_district_typo_is_an_error_with_the_closest_name(built):
    config, before = built
    edit_article(config.content_dir / "tianyuan-1.md", "district: 天元区", "district: 天元去")
    report = build(config)
    assert_refused(config, before, report, "tianyuan-1.md:", "unknown district '天元去'", "did you mean '天元区'?")


def test_a_short_district_name_resolves_and_keeps_the_gazetteer_slug(built, tmp_path):
    # 荷塘 is 荷塘区: it must neither make a new district page nor move 荷塘区's URLs (hetang/)
    config, _ = built
    edit_article(config.content_dir / "tianyuan-1.md", "district: 天元区", "district: 荷塘")
    edit_article(config.content_dir / "tianyuan-2.md", "district: 天元区", "district: 荷塘区")
    report = build(config)
    assert not report.errors, report.errors
    out = tree(config.out_dir)
    assert "hetang/index.html" in out and not any(p.startswith("hetang-2/") for p in out)
    assert "tianyuan/index.html" in out
    from sitegen.check import check_site

    assert not check_site(config.out_dir)
    edit_article(config.content_dir / "tianyuan-1.md", "district: 荷塘", "district: 天元区")
    assert not build(config).errors
    assert not check_site(config.out_dir)
    assert_like_clean(tmp_path, config)


def test_an_unknown_topic_is_an_error(built):
    config, before = built
    edit_article(config.content_dir / "lusong-2.md", "topics: [", "topics: [教肓, ")
    assert_refused(config, before, build(config), "unknown topic '教肓'", "did you mean '教育'?")


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """A copy of the installed package for the stamp and the data files, to edit as an
    upgrade or a developer would."""
    import sitegen.gazetteer
    import sitegen.names
    import sitegen.stamp

    package = tmp_path / "package"
    shutil.copytree(sitegen.stamp.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(sitegen.stamp, "PACKAGE_DIR", package)
    monkeypatch.setattr(sitegen.names, "TAXONOMY_FILE", package / "data" / "taxonomy.yaml")

    def forget():
        sitegen.stamp.package_stamp.cache_clear()
        sitegen.names.load_taxonomy_entries.cache_clear()

    forget()
    yield package, forget
    monkeypatch.undo()
    forget()


@pytest.mark.parametrize("module", ["search/postings.py", "page_store.py", "search/index.py", "search/search.js"])
def test_any_code_change_rebuilds(tmp_path, package_copy, module):
    package, forget = package_copy
    config = make_config(tmp_path)
    build(config)
    assert build(config).skipped_unchanged
    path = package / module
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    forget()
    report = build(config)
    assert not report.skipped_unchanged and not report.from_layout, report.summary()
    assert report.rendered["search"] == 1, "the search index was not made again"


def test_a_code_change_reads_every_article_again(tmp_path, package_copy):
    # The parse cache's rows depend on the code that parsed them: a row another version made,
    # though its file's mtime and size are those it holds, is not trusted.
    import pickle
    import sqlite3

    import sitegen.content

    package, forget = package_copy
    config = make_config(tmp_path)
    build(config)
    with sqlite3.connect(config.cache_dir / "articles.sqlite") as db:
        (blob, body) = db.execute("SELECT entry, body FROM parsed WHERE path = 'lusong-2.md'").fetchone()
        entry = list(pickle.loads(blob))
        row = list(entry[4])
        assert row[sitegen.content._BODY] is None  # the cache keeps the body apart
        assert "网格员每天" in body
        row[sitegen.content.FIELDS.index("title")] += "（改）"
        entry[4] = tuple(row)
        db.execute(
            "UPDATE parsed SET entry = ?, body = ? WHERE path = 'lusong-2.md'",
            (pickle.dumps(tuple(entry)), body.replace("网格员每天", "网格员每周")),
        )
    path = package / "frontmatter.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    forget()
    assert not build(config).errors
    assert_like_clean(tmp_path, config)  # failed: the pages showed the row's 网格员每周 and title


def test_a_broken_taxonomy_is_an_error_naming_its_line(built, package_copy):
    config, before = built
    package, forget = package_copy
    taxonomy = package / "data" / "taxonomy.yaml"
    lines = taxonomy.read_text(encoding="utf-8").splitlines()
    broken = next(i for i, line in enumerate(lines) if line.startswith("- name:")) + 1
    lines[broken] = "  slug: [unclosed"
    taxonomy.write_text("\n".join(lines) + "\n", encoding="utf-8")
    forget()
    report = build(config)
    assert_refused(config, before, report, "taxonomy.yaml:", "not valid YAML")
    assert len(report.errors) == 1, "one error, not one per article"


def test_a_damaged_cache_is_rebuilt_with_one_line_saying_so(built, caplog):
    config, _ = built
    (config.cache_dir / "articles.sqlite").write_bytes(b"not a database" * 100)
    (config.cache_dir / "related.sqlite").write_bytes(b"\x80garbage")
    edit_article(config.content_dir / "lusong-2.md", "网格员每天", "网格员每周")
    with caplog.at_level("WARNING"):
        report = build(config)
    assert not report.errors
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("damaged cache" in m and "articles" in m for m in warned), warned
    assert_like_clean(config.out_dir.parent, config)


def test_cli_root_that_does_not_exist_is_an_error_and_creates_nothing(tmp_path):
    missing = tmp_path / "nosuchproject"
    for args in (
        ["--root", str(missing), "build"],
        ["build", "--root", str(missing)],
        ["import", "--root", str(missing)],
    ):
        proc = sitegen(*args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "project folder does not exist" in proc.stderr and "Traceback" not in proc.stderr
        assert not missing.exists()


def test_cli_root_after_the_command(tmp_path):
    config = make_config(tmp_path)
    # tmp_path is the project (its cache, not the repository's); the command runs elsewhere
    proc = sitegen("build", "--root", str(tmp_path), "--content", str(config.content_dir), "--out", str(config.out_dir))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (config.out_dir / "index.html").is_file()
    proc = sitegen("check", "--out", str(config.out_dir), "--root", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cli_version():
    from sitegen import __version__

    # the entry point as a process: `python -m sitegen.cli`
    proc = subprocess.run([sys.executable, "-m", "sitegen.cli", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"sitegen {__version__}"


def test_cli_output_piped_into_head_ends_quietly(tmp_path):
    config = make_config(tmp_path, search=False)
    build(config)
    for folder in [p for p in config.out_dir.iterdir() if p.is_dir() and p.name != "static"]:
        shutil.rmtree(folder)  # many broken links: more lines than a pipe holds
    script = f"{sys.executable} -m sitegen.cli --root {tmp_path} check --out {config.out_dir} | head -1"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True)
    assert proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


def test_hooks_install_from_a_sub_folder_installs_for_the_project(tmp_path):
    if shutil.which("git") is None:  # pragma: no cover
        pytest.skip("git is not installed")
    project = tmp_path / "project"
    (project / "content").mkdir(parents=True)
    (project / "raw").mkdir()
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    proc = sitegen("hooks", "install", cwd=project / "content")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hook = (project / ".git" / "hooks" / "post-commit").read_text(encoding="utf-8")
    assert f"SITEGEN_ROOT={project}" in hook, hook
    elsewhere = tmp_path / "notaproject" / "sub"
    elsewhere.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(tmp_path / "notaproject")], check=True)
    proc = sitegen("hooks", "install", cwd=elsewhere)
    assert proc.returncode == 2 and "not a sitegen project" in proc.stderr, proc.stdout + proc.stderr
