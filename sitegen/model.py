"""The typed, frozen records that flow between stages."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal, get_args

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
    body: str = field(default="", hash=False)  # (a StoredArticle hashes without reading it)
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


class _BodyInCache:
    """A StoredArticle's body: read from the parse cache each time it is asked for (a few
    kept, `content.cached_body`), never kept on the article."""

    def __get__(self, art: StoredArticle | None, owner: type) -> Any:
        if art is None:
            return self
        from .content import cached_body

        stored = art.__dict__["_stored"]
        return cached_body(stored[0], art.path, stored[1])


class StoredArticle(Article):
    """An Article of the parse cache whose body stays there until a page or the search index
    reads it: a build holds every article's fields, and the summary its cards show, but not the
    archive's text (at 100,000 articles of the realistic corpus, 530 MB of rows in the cache).
    Equal to the Article it was read from; `dataclasses.replace` gives one with its body."""

    body = _BodyInCache()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Article):
            return NotImplemented
        if any(getattr(self, name) != getattr(other, name) for name in _COMPARED_BUT_BODY):
            return False
        mine, theirs = self.__dict__.get("_stored"), other.__dict__.get("_stored")
        if mine is not None and theirs is not None and theirs[1] == mine[1]:
            return True  # one text: one body, unread
        return self.body == other.body

    __hash__ = Article.__hash__

    def __repr__(self) -> str:
        # The text's digest stands for the body, which a repr (plan.page_digest's of an article
        # nested deeper in a page's context) would otherwise read.
        stored = self.__dict__.get("_stored")
        body = f"text={stored[1]!r}" if stored is not None else f"body={self.body!r}"  # (replace()'s has its body)
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _COMPARED_BUT_BODY)
        return f"StoredArticle({shown}, {body}, path={self.path!r})"


_COMPARED_BUT_BODY = tuple(f.name for f in fields(Article) if f.compare and f.name != "body")
# What a page shows by role or stores by path: an article as parsed, or as a build reads it
# (plan.page_deps, page_store): `type(x) in ARTICLE_TYPES`, faster than isinstance where every
# value of every page's context passes.
ARTICLE_TYPES = (StoredArticle, Article)


def replaced(art: Article, **changes: Any) -> Article:
    """`dataclasses.replace` of *art* but for its body: a StoredArticle's stays in the parse
    cache, unread (a related-articles key of an edited article's old tags read it)."""
    if type(art) is not StoredArticle or "_stored" not in art.__dict__ or changes.keys() & {"body", "path"}:
        return replace(art, **changes)  # (its body is read by path: another path reads it now)
    unknown = changes.keys() - _FIELD_NAMES
    if unknown:
        raise TypeError(f"Article has no field {', '.join(sorted(unknown))}")
    out = object.__new__(StoredArticle)
    out.__dict__.update(art.__dict__, **changes)
    return out


_FIELD_NAMES = frozenset(f.name for f in fields(Article))
