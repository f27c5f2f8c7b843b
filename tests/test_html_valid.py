"""Every HTML page the build writes is valid HTML: the Nu HTML checker (vnu, the W3C validator)
reports 0 errors over the whole fixture site and over the site built from the bundled dumps.

vnu comes from npm (`npm ci` installs the pinned `vnu-jar` into node_modules/) and runs on
Debian's Java (`apt-get install default-jre-headless`); `.ci/run` installs both.  Without them the
test is skipped with the reason, except in CI (the CI variable set), where it fails: CI must not
pass by skipping.  `scripts/audit_site.sh` runs the same checker, plus Lighthouse.

Both sites are built once (without the search index: `search=False`, as a site whose settings
say so; the search page is built either way) and checked in one run of vnu, whose start-up is
most of its time; each test then reads the errors of its own site.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from _buildkit import ROOT, build, make_config

from sitegen.config import default_config
from sitegen.importer import run_import

# A browser check (as Lighthouse is: scripts/audit_site.sh runs both), out of the quick run: a
# JVM's start and a whole import of the dumps, 4 s of CPU; with the browser tests, on one worker.
pytestmark = [pytest.mark.slow, pytest.mark.browser]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
# A run of a few seconds: the JVM's quick compiler alone (2.0 s and 2.4 s of CPU over the two
# sites, against 3.6 s and 6.1 s with both compilers), with the deeper stack the checker's
# schema needs under it (it stops with a StackOverflowError at the default size).
JAVA_OPTIONS = ("-XX:TieredStopAtLevel=1", "-Xss4m")


def _require_vnu() -> None:
    missing = [
        what
        for what, ok in (
            ("java (apt-get install default-jre-headless)", shutil.which("java")),
            ("node_modules/vnu-jar (npm ci)", VNU_JAR.is_file()),
        )
        if not ok
    ]
    if missing:
        reason = "the Nu HTML checker needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + " — in CI this is an error, not a skip (see .ci/run)")
        pytest.skip(reason)


def _vnu_errors(*folders: Path) -> dict[Path, list[str]]:
    """Run vnu over every HTML file under *folders*; return each folder's errors as
    'file:line:col: message' (the file relative to the folder)."""
    result = subprocess.run(
        ["java", *JAVA_OPTIONS, "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--format", "json"]
        + list(map(str, folders)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu gave no JSON report (exit {result.returncode}):\n{result.stderr[-2000:]}")
    errors: dict[Path, list[str]] = {folder: [] for folder in folders}
    for m in messages:
        if m.get("type") == "info":
            continue
        url = m.get("url", "")
        path = Path(url[len("file:") :] if url.startswith("file:") else url)
        folder = next((f for f in folders if path.is_relative_to(f)), folders[0])  # else: the first one's
        try:
            path = path.relative_to(folder)
        except ValueError:
            pass
        line = m.get("lastLine", m.get("firstLine", 0))
        col = m.get("firstColumn", m.get("lastColumn", 0))
        kind = "" if m.get("type") == "error" else f"{m.get('type')}: "  # e.g. non-document-error
        errors[folder].append(f"{path}:{line}:{col}: {kind}{' '.join(m.get('message', '').split())}")
    if result.returncode != 0 and not any(errors.values()):
        pytest.fail(f"vnu failed (exit {result.returncode}) without naming an error:\n{result.stderr[-2000:]}")
    return errors


def _assert_valid(site: Path, checked: dict[Path, list[str]]) -> None:
    """Assert that vnu's run (*checked*) found no error in *site*."""
    pages = [p for p in site.rglob("*") if p.suffix in HTML_SUFFIXES and p.is_file()]
    assert len(pages) > 10, f"only {len(pages)} HTML file(s) built under {site}"
    errors = checked[site]
    if errors:
        for error in errors:
            print(error)
        counts = Counter(e.split(": ", 1)[1] for e in errors)
        summary = "\n".join(f"{n:4d} × {message}" for message, n in counts.most_common())
        shown = "\n".join(errors[:40]) + (f"\n… and {len(errors) - 40} more" if len(errors) > 40 else "")
        pytest.fail(f"vnu: {len(errors)} error(s) in {len(pages)} HTML file(s)\n{summary}\n\n{shown}", pytrace=False)


def _fixture_site(tmp: Path) -> Path:
    config = make_config(tmp, search=False)
    build(config)
    return config.out_dir


def _bundled_dumps_site(tmp: Path) -> Path:
    """The site `python build.py` makes, built in a throw-away copy of the project."""
    project = tmp / "project"
    project.mkdir()
    shutil.copytree(ROOT / "raw", project / "raw")
    if (ROOT / "sitegen.toml").is_file():  # the repository's settings: absolute URLs and all
        shutil.copy(ROOT / "sitegen.toml", project / "sitegen.toml")
    config = default_config(project)
    report = run_import(config, [config.raw_dir])
    assert not report.errors, report.summary()
    config = config.with_overrides(out_dir=tmp / "public", cache_dir=tmp / "cache", search=False)
    build(config)
    assert config.content_dir.resolve().is_relative_to(tmp.resolve())
    return config.out_dir


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Both sites, and what one vnu run over them found."""
    _require_vnu()
    fixture = _fixture_site(tmp_path_factory.mktemp("fixture"))
    bundled = _bundled_dumps_site(tmp_path_factory.mktemp("bundled"))
    return {"fixture": fixture, "bundled": bundled}, _vnu_errors(fixture, bundled)


def test_fixture_site_is_valid_html(sites):
    built, checked = sites
    _assert_valid(built["fixture"], checked)


def test_bundled_dumps_site_is_valid_html(sites):
    """The site `python build.py` makes, built in a throw-away copy of the project."""
    built, checked = sites
    _assert_valid(built["bundled"], checked)
