"""The site model: every page, its URL, template and data, as pure functions of the articles.

URLs (relative to the base URL; stable, ASCII, from pinyin):
  ''                         home                     404.html, search/, feed.xml, sitemap.xml, robots.txt
  districts/                 all districts with a chart of articles per month
  <district>/ [page/N/]      one district (e.g. tianyuan/), feed at <district>/feed.xml
  <district>/<slug>/         one article (articles without a district: a/<slug>/)
  archive/ [page/N/]         every year and month, then every article;  <YYYY>/ a year;  <YYYY>/<MM>/ [page/N/] a month;  <YYYY>/<MM>/<DD>/ a day
  topics/                    topics and tags;  topic/<slug>/ [page/N/] (+ feed.xml);  tag/<slug>/ [page/N/]
  people/                    every credited person;  people/<slug>/ [page/N/]
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from .errors import SitegenError
from .model import Article
from .related import related_articles

if TYPE_CHECKING:
    from .config import Config
    from .gazetteer import Gazetteer

# What a page is: the report counts pages by kind, the renderer draws some kinds apart
# (404, search) and the page store keeps each page's kind.
PageKind = Literal[
    "article",
    "home",
    "districts",
    "district",
    "feed",
    "archive",
    "year",
    "month",
    "day",
    "topics",
    "topic",
    "tag",
    "people",
    "person",
    "search",
    "404",
    "sitemap",
    "robots",
]
# A listing: a page kind whose pages are paginated (`_Pages.listing`).
ListingKind = Literal["district", "archive", "month", "topic", "tag", "person"]

# Feeds hold config.feed_items entries, listings (the home page too) config.per_page articles.


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, how it is drawn, and from what."""

    url: str  # path under the base URL, '' for home, 'x/' for folders
    output: str  # file path under out_dir
    template: str  # Jinja template (or a built-in renderer name for xml/txt)
    kind: PageKind
    source: str  # what produced it (named in collision errors; the sources below)
    context: dict[str, Any] = field(default_factory=dict, compare=False)
    deps: tuple[Article, ...] = ()  # every article shown on the page (for incremental builds)


# A page's source, as build_site_model names it and an edit of metadata looks it up
# (`member_sources`, build._pages_an_edit_touches): one place for both.
def article_source(path: str) -> str:
    return f"content/{path}"


def list_source(kind: str, name: str) -> str:
    """The source of a district's, month's, day's, topic's, tag's or person's pages."""
    return f"{kind} {name}"


def feed_source(name: str) -> str:
    return f"feed of {name}"


SITE_FEED_SOURCE = "site feed"
ARCHIVE_SOURCE = "archive"


@dataclass(frozen=True)
class SiteModel:
    """Every page plus the indexes templates need."""

    pages: tuple[Page, ...]
    articles: tuple[Article, ...]
    article_url: dict[str, str]  # article path -> url
    district_slugs: dict[str, str]  # district name -> slug
    topic_slugs: dict[str, str]
    tag_slugs: dict[str, str]
    person_slugs: dict[str, str]
    months: tuple[str, ...]  # every YYYY-MM from the first to the last article
    errors: tuple[SitegenError, ...] = ()
    flagged: frozenset[str] = frozenset()
    shown_tags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # article path -> its tags shown
    # output -> kind of every page of the site, *pages* holding those made (`build_site_model`'s
    # *wanted*); empty in a model saved or sent without its pages
    kinds: dict[str, PageKind] = field(default_factory=dict)
    tag_counts: dict[str, int] = field(default_factory=dict)  # tag -> articles that may show it (`tags_and_counts`)
    people: frozenset[str] = frozenset()  # every credited name (a tag that names one is a word)


@functools.cache
def _gazetteer() -> tuple[ModuleType, Gazetteer]:
    from . import gazetteer

    return gazetteer, gazetteer.load_gazetteer()


def _taxonomy_slugs() -> dict[str, str]:
    """Return topic name -> slug from sitegen/data/taxonomy.yaml (a broken file is an error:
    falling back to pinyin slugs would move every topic page)."""
    from .names import load_taxonomy_entries

    return {entry["name"]: entry["slug"] for entry in load_taxonomy_entries()}


def default_slug(name: str) -> str:
    """Return the ASCII pinyin slug of a tag, topic or person name."""
    from .text import slugify

    return slugify(name)


def district_slug(name: str, slugger: Callable[[str], str] = default_slug) -> str:
    """Return the district's slug: the gazetteer's, else pinyin of the name without 区/市/县."""
    module, gaz = _gazetteer()
    try:
        return module.slug_of_district(gaz, name)
    except KeyError:  # only for callers outside a build: articles name gazetteer districts
        pass
    base = name[:-1] if len(name) > 2 and name[-1] in "区市县" else name
    if name.endswith("县") and len(name) == 2:
        base = name[0]
    return slugger(base)


def _unique_slugs(names: Iterable[str], slugger: Callable[[str], str]) -> dict[str, str]:
    """Slug every name; names whose pinyin clashes get -2, -3 in sorted order."""
    out: dict[str, str] = {}
    taken: dict[str, int] = {}
    for name in sorted(set(names)):
        slug = slugger(name) or "x"
        n = taken.get(slug, 0) + 1
        taken[slug] = n
        out[name] = slug if n == 1 else f"{slug}-{n}"
    return out


def _newest_first(items: Iterable[Article]) -> list[Article]:
    return sorted(items, key=lambda a: (a.date, a.path), reverse=True)


def month_range(first: str, last: str) -> tuple[str, ...]:
    """Return every YYYY-MM from *first* to *last* inclusive."""
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return tuple(out)


def people_of(article: Article) -> tuple[str, ...]:
    """Return every credited name, once each, in credit order."""
    seen: dict[str, None] = {}
    for name in (*article.reporters, *article.photographers, *article.correspondents):
        seen.setdefault(name, None)
    return tuple(seen)


# ---------------------------------------------------------------- tags that help

_QUOTED = re.compile(r"[“\"「『‘']([^”\"」』’']{1,20})[”\"」』’']")
TAG_WORDS = "tagwords.pickle"  # tag -> whether it is a word, between builds


def is_word(name: str, people: frozenset[str] = frozenset(), places: frozenset[str] | None = None) -> bool:
    """Tell whether *name* is a word a reader could look for, not a fragment keyword extraction
    cut from one (化微 from 海绵化微公园): a credited person, a gazetteer place, a word of jieba's
    dictionary, or a compound of them (网格员 = 网格 + 员, 社区食堂 = 社区 + 食堂: at least one
    dictionary word of two characters or more, at most one single character beside it)."""
    if name in people:
        return True
    if places is None:
        places = _place_names()
    if name in places:
        return True
    import rjieba  # the dictionary jieba-rs embeds: the one the importer's keywords came from

    if rjieba.has_word(name):
        return True
    pieces = [p for p in rjieba.cut(name) if p.strip()]
    if len(pieces) < 2:
        return False
    singles = sum(1 for p in pieces if len(p) == 1)
    return singles <= 1 and all(len(p) == 1 or rjieba.has_word(p) for p in pieces)


@functools.lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    _, gaz = _gazetteer()
    return frozenset(gaz.all_names())


def fragment_of_title(tag: str, title: str) -> bool:
    """Tell whether the headline shows *tag* only inside a longer quoted name (巨人 in
    省级“小巨人”企业): then it is a piece of that name, not the article's subject."""
    if tag not in title:
        return False
    outside = title
    longer = False
    for match in _QUOTED.finditer(title):
        inner = match.group(1)
        if tag in inner and inner != tag:
            longer = True
            outside = outside.replace(match.group(0), " ")
    return longer and tag not in outside


def word_verdicts(names: Iterable[str], people: frozenset[str], cache_dir: Path | str | None = None) -> dict[str, bool]:
    """Return name -> is_word(name) for *names*, remembered in *cache_dir* between builds (the
    dictionary costs a cold process a quarter of a second) while the package is unchanged."""
    from .cache import read_pickle, write_pickle
    from .stamp import package_stamp

    stamp = package_stamp()
    path = None
    known: dict[str, bool] = {}
    if cache_dir is not None:
        path = Path(cache_dir) / TAG_WORDS
        saved = read_pickle(path, {})
        if isinstance(saved, dict) and saved.get("stamp") == stamp:
            known = saved.get("words", {})
    out: dict[str, bool] = {}
    fresh = False
    for name in names:
        if name in people:
            out[name] = True
            continue
        verdict = known.get(name)
        if verdict is None:
            verdict = known[name] = is_word(name, people)
            fresh = True
        out[name] = verdict
    if fresh and path is not None:
        try:
            write_pickle(path, {"stamp": stamp, "words": known})
        except OSError:
            pass
    return out


def tags_and_counts(
    articles: Sequence[Article], config: Config, people: frozenset[str]
) -> tuple[dict[str, tuple[str, ...]], dict[str, int]]:
    """Return article path -> the tags its pages show and link: of its `kept_tags`, those with at
    least config.tag_min_articles articles (none when the tags taxonomy is off); and tag -> the
    number of *articles* that may show it, shown or not: an edit of some articles' tags works the
    shown ones out again from these (`shown_of`)."""
    if not config.taxonomy_on("tags"):
        return {a.path: () for a in articles}, {}
    kept = kept_tags(articles, config, people)
    counts = Counter(t for tags in kept.values() for t in tags)
    return shown_of(kept, counts, config), dict(counts)


def kept_tags(articles: Sequence[Article], config: Config, people: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """Return article path -> the tags its pages may show: words (see is_word), not a quoted
    name's fragment in its headline, not its own district or topic (they have their pages)."""
    verdicts = word_verdicts(sorted({t for a in articles for t in a.tags}), people, config.cache_dir)
    return {
        a.path: tuple(
            t
            for t in dict.fromkeys(a.tags)
            if verdicts[t] and t != a.district and t not in a.topics and not fragment_of_title(t, a.title)
        )
        for a in articles
    }


def shown_of(kept: dict[str, tuple[str, ...]], counts: Mapping[str, int], config: Config) -> dict[str, tuple[str, ...]]:
    """Of each article's *kept* tags, those with at least config.tag_min_articles articles."""
    least = max(1, config.tag_min_articles)
    return {path: tuple(t for t in tags if counts.get(t, 0) >= least) for path, tags in kept.items()}


# Which pages to make, by source and output (None: every one).  An edit of metadata makes
# only the pages it can change; the others are claimed (their outputs and kinds, for the
# collisions and the sitemap) but not made: making all 17,888 pages of 10,000 articles took
# 0.17 s of a tags edit's 1.26, all 160,189 of 100,000 about 3 s.
Wanted = Callable[[str, str], bool] | None


class _Pages:
    def __init__(self, wanted: Wanted = None) -> None:
        self.wanted = wanted
        self.pages: list[Page] = []
        self.owner: dict[str, str] = {}  # output -> source
        self.kinds: dict[str, PageKind] = {}
        self.urls: list[str] = []  # of the HTML pages a sitemap lists
        self.errors: list[SitegenError] = []

    def wants(self, source: str, output: str) -> bool:
        return self.wanted is None or self.wanted(source, output)

    def claim(self, url: str, output: str, template: str, kind: PageKind, source: str) -> bool:
        """Take *output* for a page of *source*; False (and an error) when another page has it."""
        other = self.owner.get(output)
        if other is not None:
            self.errors.append(
                SitegenError(
                    source,
                    None,
                    f"two pages would write '{output}': {other} and {source}",
                    "give one of the articles another slug",
                )
            )
            return False
        self.owner[output] = source
        self.kinds[output] = kind
        if template.endswith(".html") and kind not in ("404", "search"):
            self.urls.append(url)
        return True

    def add(self, page: Page) -> bool:
        if not self.claim(page.url, page.output, page.template, page.kind, page.source):
            return False
        self.pages.append(page)
        return True

    def place(
        self,
        url: str,
        output: str,
        template: str,
        kind: PageKind,
        source: str,
        made: Callable[[], tuple[dict[str, Any], tuple[Article, ...]]],
    ) -> bool:
        """Add the page, its context and articles *made* when it is wanted, else claim its
        output; False (and an error) when another page has the output."""
        if not self.wants(source, output):
            return self.claim(url, output, template, kind, source)
        return self.add(Page(url, output, template, kind, source, *made()))

    def feed(self, folder: str, title: str | None, source: str, items: list[Article]) -> None:
        """Add the Atom feed of the listing at *folder* ('' for the site): its newest *items*."""
        output = f"{folder}feed.xml"
        self.place(
            output,
            output,
            "atom",
            "feed",
            source,
            lambda: ({"title": title, "url": folder, "items": items}, tuple(items)),
        )

    def listing(
        self,
        base_url: str,
        template: str,
        kind: ListingKind,
        source: str,
        items: list[Article],
        per_page: int,
        first: Mapping[str, object] | None = None,
        **context: object,
    ) -> None:
        """Add a paginated list at base_url, base_url/page/2/, ...; *first*: what only its first
        page shows (the counts by month and the days of the date lists: a date corrected into
        another month changes them, and with them every page that held them)."""
        count = max(1, -(-len(items) // per_page))
        for number in range(1, count + 1):
            url = base_url if number == 1 else f"{base_url}page/{number}/"

            def made(number: int = number) -> tuple[dict[str, Any], tuple[Article, ...]]:
                chunk = items[(number - 1) * per_page : number * per_page]
                pager = {
                    "number": number,
                    "count": count,
                    "base": base_url,
                    "prev": (base_url if number == 2 else f"{base_url}page/{number - 1}/") if number > 1 else None,
                    "next": f"{base_url}page/{number + 1}/" if number < count else None,
                }
                if number == 1:  # shown on the first page alone, so an article entering or leaving the
                    pager["total"] = len(items)  # list changes the pages it shifts, not all of them
                return dict(context, **(first or {}) if number == 1 else {}, items=chunk, pager=pager), tuple(chunk)

            self.place(url, url + "index.html", template, kind, source, made)


def district_slug_map(articles: Iterable[Article], district_slugger: Callable[[str], str]) -> dict[str, str]:
    """Return district name -> its URL folder; a slug taken twice gets -2, -3 in name order."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted({a.district for a in articles if a.district}):
        slug = district_slugger(name)
        if slug in taken:
            slug = f"{slug}-{sum(1 for v in out.values() if v.startswith(slug)) + 1}"
        taken.add(slug)
        out[name] = slug
    return out


def article_urls(articles: Iterable[Article], district_slugs: dict[str, str]) -> dict[str, str]:
    """Return article path -> URL: its district's folder (a/ without one), then its slug."""
    return {a.path: f"{district_slugs[a.district] if a.district else 'a'}/{a.slug}/" for a in articles}


def published_articles(articles: Iterable[Article], article_url: dict[str, str]) -> tuple[Article, ...]:
    """Return the articles that get their page: of two with one URL, the first (the other is an error)."""
    seen: set[str] = set()
    out = []
    for art in articles:
        url = article_url[art.path]
        if url not in seen:
            seen.add(url)
            out.append(art)
    return tuple(out)


def site_outline(
    articles: tuple[Article, ...],
    config: Config,
    *,
    flagged: frozenset[str] = frozenset(),
    slugger: Callable[[str], str] = default_slug,
    district_slugger: Callable[[str], str] | None = None,
) -> SiteModel:
    """The site model of *articles* (sorted by date, then path) without its pages: the URLs,
    slugs, shown tags and months, which tell an edit of metadata the pages it can change."""
    district_slugger = district_slugger or (lambda name: district_slug(name, slugger))
    district_slugs = district_slug_map(articles, district_slugger)
    taxonomy = _taxonomy_slugs()
    topic_slugs = _unique_slugs(
        (t for a in articles for t in a.topics), lambda name: taxonomy.get(name) or slugger(name)
    )
    article_url = article_urls(articles, district_slugs)
    # Of two articles with one URL the first gets the page (build_site_model reports the other).
    first = published_articles(articles, article_url)
    people_names = frozenset(p for a in first for p in people_of(a))
    tags_shown, tag_counts = tags_and_counts(first, config, people_names)
    tag_slugs = _unique_slugs({t for tags in tags_shown.values() for t in tags}, slugger)
    person_slugs = _unique_slugs(people_names, slugger) if config.taxonomy_on("people") else {}
    months = month_range(first[0].month, first[-1].month) if first else ()
    return SiteModel(
        (),
        first,
        article_url,
        district_slugs,
        topic_slugs,
        tag_slugs,
        person_slugs,
        months,
        (),
        flagged,
        tags_shown,
        tag_counts=tag_counts,
        people=people_names,
    )


def district_neighbours(
    articles: Iterable[Article], of: Container[str] | None = None
) -> dict[str, tuple[Article | None, Article | None]]:
    """Return article path -> (the previous, the next) article of its district, as its page
    links them: *articles* in date order, those without a district as one more; of those whose
    path is in *of*, when given."""
    return {
        art.path: _around(group, i)
        for group in _by_district(articles).values()
        for i, art in enumerate(group)
        if of is None or art.path in of
    }


def _by_district(articles: Iterable[Article]) -> dict[str | None, list[Article]]:
    out: dict[str | None, list[Article]] = defaultdict(list)
    for art in articles:
        out[art.district].append(art)
    return out


def _day_page(day: str, items: list[Article]) -> tuple[dict[str, Any], tuple[Article, ...]]:
    return {"day": day, "items": items}, tuple(items)


def _around(group: list[Article], i: int) -> tuple[Article | None, Article | None]:
    """The articles before and after *group*[i]: an article page's previous and next."""
    return group[i - 1] if i > 0 else None, group[i + 1] if i + 1 < len(group) else None


def build_site_model(
    articles: tuple[Article, ...],
    config: Config,
    *,
    flagged: frozenset[str] = frozenset(),
    slugger: Callable[[str], str] = default_slug,
    district_slugger: Callable[[str], str] | None = None,
    related: Mapping[str, tuple[Article, ...]] | None = None,
    outline: SiteModel | None = None,
    wanted: Wanted = None,
) -> SiteModel:
    """Lay out every page of the site for *articles* (sorted by date, then path), from their
    *outline* (`site_outline`) if the caller has it.  Only the pages *wanted* (by source and
    output) are made, and those of SUMMARY_KINDS and the search page; the model's `kinds` names
    every page."""
    if outline is None:
        outline = site_outline(articles, config, flagged=flagged, slugger=slugger, district_slugger=district_slugger)
    per_page = max(1, int(config.per_page))
    feed_size = max(1, int(config.feed_items))
    people_on = config.taxonomy_on("people")
    pages = _Pages(wanted)
    district_slugs, topic_slugs = outline.district_slugs, outline.topic_slugs
    tag_slugs, person_slugs = outline.tag_slugs, outline.person_slugs
    article_url, tags_shown = outline.article_url, outline.shown_tags
    districts = sorted(district_slugs, key=lambda n: (district_slugs[n], n))
    by_district = _by_district(articles)
    related_to = related_articles(articles) if related is None else related

    def article_page(group: list[Article], i: int) -> tuple[dict[str, Any], tuple[Article, ...]]:
        art = group[i]
        prev, nxt = _around(group, i)
        others = related_to[art.path]
        context = {"article": art, "prev": prev, "next": nxt, "related": others, "tags": tags_shown.get(art.path, ())}
        return context, tuple(a for a in (art, prev, nxt, *others) if a is not None)

    # Articles first, so a later listing that collides with an article is the one reported.
    published: list[Article] = []
    for group in by_district.values():
        for i, art in enumerate(group):
            url = article_url[art.path]
            source = article_source(art.path)
            if pages.place(
                url, url + "index.html", "article.html", "article", source, functools.partial(article_page, group, i)
            ):
                published.append(art)
    published_set = {a.path for a in published}
    # (As the outline's, but for two articles with one URL in different groups: 'a/' and a
    # district whose slug is 'a'.  Such a model has errors, and an edit plans every page.)
    articles = tuple(a for a in articles if a.path in published_set)
    newest = _newest_first(articles)
    months = month_range(articles[0].month, articles[-1].month) if articles else ()

    # Districts
    counts = {name: len([a for a in by_district[name] if a.path in published_set]) for name in districts}
    per_month = {name: _count_by_month(by_district[name], published_set) for name in districts}
    pages.add(
        Page(
            "districts/",
            "districts/index.html",
            "districts.html",
            "districts",
            "districts",
            {"districts": [(n, district_slugs[n], counts[n], per_month[n]) for n in districts], "months": months},
            (),
        )
    )
    topics_of: dict[str, list[Article]] = defaultdict(list)
    tags_of: dict[str, list[Article]] = defaultdict(list)
    people: dict[str, list[Article]] = defaultdict(list)
    for art in newest:
        for t in art.topics:
            topics_of[t].append(art)
        for t in tags_shown.get(art.path, ()):
            tags_of[t].append(art)
        if people_on:
            for p in people_of(art):
                people[p].append(art)
    for name in districts:
        items = _newest_first(a for a in by_district[name] if a.path in published_set)
        slug = district_slugs[name]
        pages.listing(
            f"{slug}/",
            "district.html",
            "district",
            list_source("district", name),
            items,
            per_page,
            {"month_counts": per_month[name], "months": months},
            district=name,
            feed=f"{slug}/feed.xml",
        )
        pages.feed(f"{slug}/", name, feed_source(name), items[:feed_size])

    # Home: the newest articles, then the way to every other (archive/, by page)
    home_items = newest[:per_page]
    pages.add(
        Page(
            "",
            "index.html",
            "home.html",
            "home",
            "home",
            {
                "items": home_items,
                "total": len(newest),
                "districts": [(n, district_slugs[n], counts[n]) for n in districts],
                "topics": [(t, topic_slugs[t], len(topics_of[t])) for t in sorted(topics_of)],
            },
            tuple(home_items),
        )
    )
    pages.feed("", None, SITE_FEED_SOURCE, newest[:feed_size])

    # Dates
    by_year: dict[str, list[Article]] = defaultdict(list)
    by_month: dict[str, list[Article]] = defaultdict(list)
    by_day: dict[str, list[Article]] = defaultdict(list)
    for art in newest:
        by_year[art.year].append(art)
        by_month[art.month].append(art)
        if art.date_precision == "day":
            by_day[art.date].append(art)
    years = sorted(by_year, reverse=True)
    # archive/: every year and month, then every article, newest first, page by page
    pages.listing(
        "archive/",
        "archive.html",
        "archive",
        ARCHIVE_SOURCE,
        newest,
        per_page,
        {
            "years": [(y, len(by_year[y]), sorted({a.month for a in by_year[y]}, reverse=True)) for y in years],
            "month_counts": {m: len(v) for m, v in by_month.items()},
        },
    )
    for year in years:
        month_list = sorted({a.month for a in by_year[year]}, reverse=True)
        pages.add(
            Page(
                f"{year}/",
                f"{year}/index.html",
                "year.html",
                "year",
                f"year {year}",
                {
                    "year": year,
                    "months": [(m, len(by_month[m])) for m in month_list],
                    "days": sorted({a.date for a in by_year[year] if a.date_precision == "day"}, reverse=True),
                },
                (),
            )
        )
    for month, items in sorted(by_month.items()):
        days = sorted({a.date for a in items if a.date_precision == "day"})
        pages.listing(
            f"{month[:4]}/{month[5:7]}/",
            "month.html",
            "month",
            list_source("month", month),
            items,
            per_page,
            {"days": days},
            month=month,
        )
    for day, items in sorted(by_day.items()):
        url = f"{day[:4]}/{day[5:7]}/{day[8:10]}/"
        pages.place(
            url,
            url + "index.html",
            "day.html",
            "day",
            list_source("day", day),
            functools.partial(_day_page, day, items),
        )

    # Topics, tags, people
    pages.add(
        Page(
            "topics/",
            "topics/index.html",
            "topics.html",
            "topics",
            "topics",
            {
                "topics": [(t, topic_slugs[t], len(topics_of[t])) for t in sorted(topics_of)],
                "tags": [
                    (t, tag_slugs[t], len(tags_of[t])) for t in sorted(tags_of, key=lambda t: (-len(tags_of[t]), t))
                ],
            },
            (),
        )
    )
    for topic in sorted(topics_of):
        slug = topic_slugs[topic]
        items = topics_of[topic]
        pages.listing(
            f"topic/{slug}/",
            "topic.html",
            "topic",
            list_source("topic", topic),
            items,
            per_page,
            topic=topic,
            feed=f"topic/{slug}/feed.xml",
        )
        pages.feed(f"topic/{slug}/", topic, feed_source(topic), items[:feed_size])
    for tag in sorted(tags_of):
        pages.listing(
            f"tag/{tag_slugs[tag]}/", "tag.html", "tag", list_source("tag", tag), tags_of[tag], per_page, tag=tag
        )
    if people_on:
        pages.add(
            Page(
                "people/",
                "people/index.html",
                "people.html",
                "people",
                "people",
                {"people": [(p, person_slugs[p], len(people[p])) for p in sorted(people)]},
                (),
            )
        )
        for person in sorted(people):
            pages.listing(
                f"people/{person_slugs[person]}/",
                "person.html",
                "person",
                list_source("person", person),
                people[person],
                per_page,
                person=person,
            )

    # Shells and machine files
    pages.add(Page("search/", "search/index.html", "search.html", "search", "search", {"search_version": ""}, ()))
    pages.add(Page("404.html", "404.html", "404.html", "404", "404", {}, ()))
    for page in sitemap_pages(sorted(pages.urls)):
        pages.add(page)
    pages.add(Page("robots.txt", "robots.txt", "robots", "robots", "robots", {}, ()))
    return replace(
        outline,
        pages=tuple(pages.pages),
        articles=articles,
        months=months,
        errors=tuple(pages.errors),
        kinds=pages.kinds,
    )


# sitemaps.org: one sitemap lists at most 50,000 URLs, and search engines refuse a longer one
# whole; a site with more (about 31,000 articles of this site's kind) gets sitemap.xml as an index
# of sitemap-1.xml, sitemap-2.xml, ... of that many URLs each.
SITEMAP_URLS = 50_000


def sitemap_pages(urls: list[str]) -> list[Page]:
    """The sitemap of the site's sorted *urls*: sitemap.xml alone, or an index and its parts."""
    limit = SITEMAP_URLS
    if len(urls) <= limit:
        return [Page("sitemap.xml", "sitemap.xml", "sitemap", "sitemap", "sitemap", {"urls": urls}, ())]
    parts = [urls[at : at + limit] for at in range(0, len(urls), limit)]
    names = [f"sitemap-{n}.xml" for n in range(1, len(parts) + 1)]
    index = Page("sitemap.xml", "sitemap.xml", "sitemapindex", "sitemap", "sitemap", {"parts": names}, ())
    return [index, *(Page(n, n, "sitemap", "sitemap", "sitemap", {"urls": u}, ()) for n, u in zip(names, parts))]


# The kinds of page that sum up the whole site (counts, dates, every URL, the newest articles):
# an edit of any article's metadata may change them.
SUMMARY_KINDS: frozenset[PageKind] = frozenset(
    {"home", "districts", "year", "topics", "people", "sitemap", "robots", "404"}
)


def member_sources(art: Article, tags: tuple[str, ...], people_on: bool) -> set[str]:
    """Return the sources, as build_site_model names them, of the pages whose list *art* (with
    *tags* shown) belongs to: its own page, its district's, date's, topics', tags' and people's
    listings and feeds, the archive and the site feed.  Beside the pages of SUMMARY_KINDS, an
    edit of its metadata changes only these and the pages that showed it before."""
    out = {article_source(art.path), list_source("month", art.month), ARCHIVE_SOURCE, SITE_FEED_SOURCE}
    if art.district:
        out |= {list_source("district", art.district), feed_source(art.district)}
    if art.date_precision == "day":
        out.add(list_source("day", art.date))
    for topic in art.topics:
        out |= {list_source("topic", topic), feed_source(topic)}
    out.update(list_source("tag", tag) for tag in tags)
    if people_on:
        out.update(list_source("person", person) for person in people_of(art))
    return out


def _count_by_month(items: list[Article], keep: set[str]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for art in items:
        if art.path in keep:
            out[art.month] += 1
    return dict(out)
