"""The same articles as a Hugo site, for the benchmark's comparison (scripts/benchmark.py).

Hugo reads the articles' front-matter as it is (YAML; unknown fields become params), so no
article is converted.  What Hugo cannot take from the files is arranged around them:

- the content tree is made of hard links to the corpus's files (the same inodes: an edit written
  in place is seen by both builds), arranged by date as content/YYYY/MM/DD/<file>, and each
  year, month and day folder gets an `_index.md` holding only its title, so Hugo makes the date
  archive's pages (sitegen's /YYYY/, /YYYY/MM/, /YYYY/MM/DD/) from its sections;
- `district`, `topics`, `tags`, `reporters`, `correspondents` and `photographers` are taxonomies
  (sitegen's district, topic, tag and people pages); districts and topics also get feeds
  (`_index.md` of the two taxonomies cascade RSS to their terms), as sitegen's do;
- the theme is scripts/hugo_theme/: article pages (with the district's previous and next
  article; five related articles by tags, places and topics, as sitegen scores them, only with
  *related*: Hugo's `.Related` over such broad keys is quadratic in the articles, so without
  it Hugo does less work than sitegen and the comparison favours Hugo),
  paginated lists of 20 (home = sitegen's home and archive/, date sections, every term),
  the term lists, 404, robots.txt, the sitemap and the home feed.

Hugo has no search index: sitegen's search files have no counterpart here.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

THEME_DIR = Path(__file__).resolve().parent  # themesDir; the theme is hugo_theme/

CONFIG = """\
baseURL = "https://zhuzhou-digest.example.cn/"
languageCode = "zh-CN"
title = "株洲区县新闻摘要"
theme = "hugo_theme"
themesDir = {themes}
hasCJKLanguage = true
paginate = 20
enableRobotsTXT = true
disableKinds = []
timeZone = "Asia/Shanghai"

[params]
description = "株洲日报各区县、街道新闻的每日摘要"
related = {related}

[taxonomies]
district = "district"
topic = "topics"
tag = "tags"
reporter = "reporters"
correspondent = "correspondents"
photographer = "photographers"

[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
taxonomy = ["HTML"]
term = ["HTML"]
page = ["HTML"]

[services.rss]
limit = 20

[related]
includeNewer = true
includeOlder = true
threshold = 1
toLower = false
[[related.indices]]
name = "tags"
weight = 2
[[related.indices]]
name = "places"
weight = 2
[[related.indices]]
name = "topics"
weight = 1

[[menu.main]]
name = "区县"
url = "/district/"
weight = 1
[[menu.main]]
name = "专题"
url = "/topics/"
weight = 2
"""

DATE = re.compile(r"^date:\s*['\"]?(\d{4})-(\d{2})-(\d{2})", re.M)


def make_project(corpus: Path, files: list[Path], project: Path, related: bool = False) -> int:
    """Write a Hugo project over *files* (the corpus's articles) into *project*; return the
    number of articles linked.  An undated article (a draft) goes under content/undated/."""
    content = project / "content"
    if content.exists():
        shutil.rmtree(content)
    project.mkdir(parents=True, exist_ok=True)
    (project / "hugo.toml").write_text(
        CONFIG.format(themes=f'"{THEME_DIR}"', related="true" if related else "false"), encoding="utf-8"
    )
    sections: dict[tuple, str] = {}
    used: set = set()
    for path in files:
        with open(path, encoding="utf-8") as f:
            head = f.read(4096)
        m = DATE.search(head.split("\n---", 1)[0])
        parts = m.groups() if m else ("undated",)
        folder = content.joinpath(*parts)
        for k in range(1, len(parts) + 1):
            if parts[:k] not in sections:
                sections[parts[:k]] = "".join(p + u for p, u in zip(parts[:k], "年月日")) if m else "未定日期"
        name = path.name
        if (parts, name) in used:  # the same file name in two folders of the corpus
            name = "_".join(path.relative_to(corpus).parts)
        used.add((parts, name))
        folder.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, folder / name)
        except OSError:  # another file system: a copy (edits are then copied too)
            shutil.copy2(path, folder / name)
    for parts, title in sections.items():
        (content.joinpath(*parts) / "_index.md").write_text(f'---\ntitle: "{title}"\n---\n', encoding="utf-8")
    for taxonomy, title in (("district", "区县"), ("topics", "专题")):
        (content / taxonomy).mkdir(parents=True, exist_ok=True)
        (content / taxonomy / "_index.md").write_text(
            f"---\ntitle: {title}\ncascade:\n  outputs: [HTML, RSS]\n---\n", encoding="utf-8"
        )
    return len(used)


def relink(corpus: Path, path: Path, project: Path) -> None:
    """After *path* was replaced rather than written in place, link the new file again."""
    for link in (project / "content").rglob(path.name):
        if link.stat().st_ino != path.stat().st_ino:
            link.unlink()
            os.link(path, link)
