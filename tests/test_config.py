"""sitegen.toml: read by every command, checked key by key, overridden by flags; `sitegen new`;
the built-in theme from an installed (not editable) package; absolute URLs from base_url."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _buildkit import FIXTURE, ROOT
from _buildkit import run_sitegen as sitegen

from sitegen.config import default_config, documented_keys
from sitegen.errors import SitegenError

SITE_TOML = """title = "测试站"
description = "测试用的站点"
base_url = "https://news.example.cn/digest/"
per_page = 3
feed_items = 2
tag_min_articles = 1

[taxonomies]
people = false

[[menu]]
name = "区县"
url = "districts/"
"""


def project(tmp_path: Path, toml: str = SITE_TOML) -> Path:
    """A folder that holds only content/ and sitegen.toml: no templates/, no static/."""
    shutil.copytree(FIXTURE, tmp_path / "content")
    (tmp_path / "sitegen.toml").write_text(toml, encoding="utf-8")
    return tmp_path


def test_every_key_is_read(tmp_path):
    config = default_config(project(tmp_path))
    assert (config.site_title, config.base_url, config.per_page, config.feed_items) == (
        "测试站",
        "https://news.example.cn/digest/",
        3,
        2,
    )
    assert not config.taxonomy_on("people") and config.taxonomy_on("tags")
    assert config.menu[0].name == "区县" and config.has_host


@pytest.mark.parametrize(
    "toml, message",
    [
        ('titel = "x"\n', r"sitegen.toml:1: unknown setting 'titel' \(hint: did you mean 'title'\?\)"),
        (
            'title = "x"\nbaseurl = "https://a.cn/"\n',
            r"sitegen.toml:2: unknown setting 'baseurl' \(hint: did you mean 'base_url'\?\)",
        ),
        ('per_page = "20"\n', r"sitegen.toml:1: 'per_page' must be a whole number, not a string"),
        ("compress = 1\n", r"sitegen.toml:1: 'compress' must be true or false"),
        ("per_page = 0\n", r"sitegen.toml:1: 'per_page' must be at least 1"),
        (
            "[taxonomies]\ntag = true\n",
            r"sitegen.toml:2: unknown setting 'tag' in \[taxonomies\] \(hint: did you mean 'tags'\?\)",
        ),
        ('title = "x\n', r"sitegen.toml:1: not valid TOML"),
        # into every canonical link, feed and sitemap entry: only an http(s) address or a path
        (
            'title = "x"\nbase_url = "javascript:alert(1)//"\n',
            r"sitegen.toml:2: base_url 'javascript:alert\(1\)//' is neither an http\(s\) address nor a path",
        ),
        ('language = "zh-CN\\" onload=\\"x"\n', r"sitegen.toml:1: language 'zh-CN\" onload=\"x' is not a language tag"),
        ('language = "中文"\n', r"sitegen.toml:1: language '中文' is not a language tag \(hint: write it as zh-CN"),
    ],
)
def test_a_bad_setting_names_the_key_line_and_closest_key(tmp_path, toml, message):
    (tmp_path / "sitegen.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(SitegenError) as caught:
        default_config(tmp_path)
    assert re.search(message, caught.value.describe()), caught.value.describe()


def test_every_command_reads_the_file_and_flags_override_it(tmp_path):
    root = project(tmp_path, 'out_dir = "site"\n' + SITE_TOML)
    proc = sitegen("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = root / "site"
    sitemap = (out / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://news.example.cn/digest/</loc>" in sitemap
    assert "Sitemap: https://news.example.cn/digest/sitemap.xml" in (out / "robots.txt").read_text(encoding="utf-8")
    home = (out / "index.html").read_text(encoding="utf-8")
    assert '<link rel="canonical" href="https://news.example.cn/digest/">' in home
    assert "测试站" in home
    assert sitegen("check", cwd=root).returncode == 0  # check reads out_dir from the file
    proc = sitegen("build", "--base-url", "https://other.example.cn/", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "https://other.example.cn/" in (out / "sitemap.xml").read_text(encoding="utf-8")
    (root / "sitegen.toml").write_text('titel = "x"\n', encoding="utf-8")
    for command in (["build"], ["check"], ["import"], ["serve", "--port", "0"], ["hooks", "install"]):
        proc = sitegen(*command, cwd=root)
        assert proc.returncode == 2 and "unknown setting 'titel'" in proc.stderr, (command, proc.stderr)


def test_a_site_without_a_host_is_told_once(tmp_path):
    root = project(tmp_path, 'title = "测试站"\n')
    proc = sitegen("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("base_url has no host") == 1


def test_new_scaffolds_a_site_that_builds(tmp_path):
    target = tmp_path / "newsite"
    proc = sitegen("new", str(target), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in target.iterdir()} == {"sitegen.toml", "content", "raw"}
    config = default_config(target)
    assert config.has_host and config.menu
    shutil.copytree(FIXTURE, target / "content", dirs_exist_ok=True)
    proc = sitegen("build", cwd=target)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (target / "public" / "static" / "style.css").is_file()
    proc = sitegen("new", str(target), cwd=tmp_path)
    assert proc.returncode == 2 and "not empty" in proc.stderr
    proc = sitegen("new", str(tmp_path / "themed"), "--templates", cwd=tmp_path)
    assert (tmp_path / "themed" / "templates" / "article.html").is_file()


def test_a_project_template_overrides_the_theme_file_by_file(tmp_path):
    root = project(tmp_path)
    (root / "templates").mkdir()
    source = (ROOT / "templates" / "404.html").read_text(encoding="utf-8")
    (root / "templates" / "404.html").write_text(source.replace("</h1>", "</h1><p>OWN-404</p>"), encoding="utf-8")
    (root / "static").mkdir()
    (root / "static" / "extra.css").write_text("body{}", encoding="utf-8")
    proc = sitegen("build", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OWN-404" in (root / "public" / "404.html").read_text(encoding="utf-8")
    assert "OWN-404" not in (root / "public" / "index.html").read_text(encoding="utf-8")
    assert (root / "public" / "static" / "extra.css").is_file()
    assert (root / "public" / "static" / "style.css").is_file()  # the theme's, still there


def test_the_documented_keys_are_the_read_keys():
    doc = (ROOT / "docs" / "CONFIG.md").read_text(encoding="utf-8")
    missing = [
        key for key in documented_keys() if f"`{key}`" not in doc and f"[{key}]" not in doc and f"[[{key}]]" not in doc
    ]
    assert not missing, missing


PACKAGE_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "sitegen", "templates", "static")


@pytest.mark.slow
def test_an_installed_package_builds_a_folder_with_only_content(tmp_path):
    # A non-editable install: the theme must travel inside the package, not be read from
    # the repository this test runs in.
    venv = tmp_path / "venv"
    # without a pip of its own (ensurepip takes seconds): the system's pip installs into it
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    work = tmp_path / "src"
    # What the package is made of (pyproject.toml's [tool.setuptools]), not the working tree's
    # outputs, caches and benchmark folders (gigabytes, some of them).
    work.mkdir()
    for name in PACKAGE_SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.is_file():
            shutil.copy2(source, work / name)
    proc = subprocess.run(
        # --no-compile: pip's byte-compiling of the package is not what is tried here (0.3 s)
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", "--no-compile"]
        + [str(work)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shutil.rmtree(work)  # nothing may be read from the source tree
    site = tmp_path / "site"
    shutil.copytree(FIXTURE, site / "content")
    proc = subprocess.run(
        [str(venv / "bin" / "sitegen"), "build"],
        capture_output=True,
        text=True,
        cwd=site,
        env={**os.environ, "SITEGEN_TODAY": "2025-06-01", "PYTHONPATH": ""},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (site / "public" / "index.html").is_file()
    assert (site / "public" / "static" / "style.css").is_file()
    assert (site / "public" / "search" / "search.js").is_file()  # package data, written with the index
    assert not (site / "public" / "static" / "search.js").exists()  # no longer a theme file


def test_a_base_url_flag_that_is_no_address_is_refused(tmp_path):
    result = sitegen("--root", str(tmp_path), "build", "--base-url", "javascript:alert(1)")
    assert result.returncode == 2 and "base_url 'javascript:alert(1)/' is neither an http(s) address" in result.stderr
    assert not (tmp_path / "public").exists()
