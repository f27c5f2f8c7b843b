"""The typed, frozen records that flow between stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

# Field order of docs/CONTRACT.md; the writer emits them in this order.
CONTRACT_FIELDS = (
    "id",
    "title",
    "kicker",
    "subtitle",
    "date",
    "date_precision",
    "date_source",
    "district",
    "places",
    "topics",
    "tags",
    "reporters",
    "correspondents",
    "photographers",
    "kind",
    "slug",
    "source",
    "source_lines",
)
OPTIONAL_FIELDS = frozenset({"kicker", "subtitle", "district"})
LIST_FIELDS = frozenset({"places", "topics", "tags", "reporters", "correspondents", "photographers"})
# The values of the contract's enumerated fields, written to front-matter as these strings.
DatePrecision = Literal["day", "month", "year"]
# Where the date came from: raw/manifest.yaml, the dump's file name, its page header, its web
# address, its text, or an editor.
DateSource = Literal["manifest", "filename", "header", "address", "text", "edited"]
# A story with its text, a photo item (picture, caption and credit), a short item.
ArticleKind = Literal["article", "photo", "brief"]
# An undated draft has no precision and no source (docs/CONTRACT.md): "" until an editor dates it.
Undated = Literal[""]
DATE_PRECISIONS: tuple[DatePrecision, ...] = get_args(DatePrecision)
DATE_SOURCES: tuple[DateSource, ...] = get_args(DateSource)
KINDS: tuple[ArticleKind, ...] = get_args(ArticleKind)
CITY_WIDE = "株洲市"


@dataclass(frozen=True)
class Article:
    """One article as stored in content/*.md (the contract's fields plus body)."""

    id: str
    title: str
    date: str  # YYYY-MM-DD; "" on an undated draft
    date_precision: DatePrecision | Undated
    date_source: DateSource | Undated
    slug: str
    source: str
    source_lines: tuple[int, int]
    kind: ArticleKind = "article"
    kicker: str | None = None
    subtitle: str | None = None
    district: str | None = None
    places: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    reporters: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()
    photographers: tuple[str, ...] = ()
    body: str = ""
    draft: bool = False
    # Fields an editor or a later tool added that this version does not know: kept, never dropped.
    extra: tuple[tuple[str, object], ...] = ()
    # Where the article was read from (relative path under content/); not written to front-matter.
    path: str = field(default="", compare=False)

    @property
    def year(self) -> str:
        """Return the four-digit year of the issue date."""
        return self.date[:4]

    @property
    def month(self) -> str:
        """Return the issue month as YYYY-MM."""
        return self.date[:7]
