"""Shared by test_serve.py and test_hooks.py: a small throw-away sitegen project."""

from __future__ import annotations

import shutil
from pathlib import Path

from sitegen.config import Config, default_config
from sitegen.frontmatter import render_article
from sitegen.model import Article

REPO = Path(__file__).resolve().parent.parent
TODAY = "2025-06-01"  # exported as SITEGEN_TODAY so "future" is stable


def article(n: int, title: str, body: str, date: str = "2025-05-10", draft: bool = False) -> Article:
    return Article(
        id=f"{n:012x}",
        title=title,
        date=date,
        date_precision="day",
        date_source="text",
        slug=f"wf-test-{n}",
        source="raw/000_test.txt",
        source_lines=(1, 5),
        district="天元区",
        places=("天元区",),
        topics=("基层治理",),
        tags=("测试",),
        reporters=("记者甲",),
        body=body,
        draft=draft,
    )


def write_article(config: Config, name: str, art: Article) -> Path:
    path = config.content_dir / name
    path.write_text(render_article(art), encoding="utf-8")
    return path


def make_project(root: Path, extra: int = 3) -> Config:
    """Create content/ (one marked article, one draft, one future, a few more), templates/, static/."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("templates", "static"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, dirs_exist_ok=True)
        else:
            (root / name).mkdir(exist_ok=True)
    (root / "raw").mkdir(exist_ok=True)
    (root / "content").mkdir(exist_ok=True)
    config = default_config(root)
    write_article(config, "main.md", article(1, "醴陵瓷器展开幕", "第一版正文 ALPHA-ORIGINAL 段落。"))
    write_article(config, "draft.md", article(2, "草稿文章标题", "草稿正文 DRAFT-MARKER 内容。", draft=True))
    write_article(config, "future.md", article(3, "未来文章标题", "未来正文 FUTURE-MARKER 内容。", date="2025-07-15"))
    for i in range(extra):
        write_article(
            config,
            f"other{i}.md",
            article(10 + i, f"其他新闻{i}", f"其他正文 OTHER-{i} 内容。", date=f"2025-05-{i + 1:02d}"),
        )
    return config


def find_page(out_dir: Path, marker: str) -> Path | None:
    """Return the first HTML page under *out_dir* whose text contains *marker*."""
    for page in sorted(out_dir.rglob("*.html")):
        if marker in page.read_text(encoding="utf-8", errors="replace"):
            return page
    return None


def all_html(out_dir: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(out_dir.rglob("*.html")))
