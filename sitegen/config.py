"""The project's one typed configuration object."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path


# A build that would take more than this share of the published site's articles away fails
# (a mistyped --content, a folder moved away): the next publish with `rsync --delete`
# would delete them from the live site.
ARTICLE_LOSS_LIMIT = 0.10


@dataclass(frozen=True)
class Config:
    """Where things live and how the site is addressed."""

    root: Path
    raw_dir: Path
    content_dir: Path
    out_dir: Path
    templates_dir: Path
    static_dir: Path
    cache_dir: Path
    base_url: str = "/"
    site_title: str = "株洲区县新闻摘要"
    site_description: str = "株洲日报各区县、街道新闻的每日摘要"
    per_page: int = 20
    compress: bool | None = None        # None: as the last build of out_dir did
    preview: bool = False
    allow_article_loss: bool = False    # publish even when many of the last site's articles go

    @property
    def review_file(self) -> Path:
        """Return the path of the import review report, next to content/."""
        return self.root / "REVIEW.md"

    def with_overrides(self, **changes: object) -> "Config":
        """Return a copy with the given fields replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def default_config(root: Path | str = ".") -> Config:
    """Build the configuration for a project rooted at *root*."""
    root = Path(root).resolve()
    return Config(
        root=root,
        raw_dir=root / "raw",
        content_dir=root / "content",
        out_dir=root / "public",
        templates_dir=root / "templates",
        static_dir=root / "static",
        cache_dir=root / ".sitegen-cache",
    )


def normalise_base_url(url: str) -> str:
    """Return *url* with exactly one trailing slash ('/' for the empty string)."""
    url = (url or "/").strip()
    return url if url.endswith("/") else url + "/"
