"""Lay out again what an edit of some articles' tags, places, topics, people, dates or district changes, beside a body edit.

Such an edit (`body_edit.RELAY_FIELDS`, or a new headline that shows other tags) keeps every
page's existence but for the lists it enters or leaves, and every article's URL but a moved
one's.  It changes:

  - the tags the article's page shows (`site.tags_and_counts`), and so the lists of the tags it
    enters or leaves, their counts on the topics page, and the number of pages of those lists
    (and so the sitemap);
  - the people's lists it enters or leaves (`site.people_of`), and their counts on the people page;
  - the topics' lists and feeds it enters or leaves, and their counts on the topics and home pages;
  - the related articles of the articles near its old and new places in the lists of the tags
    and places it has or had (`related.RelatedStore.again`), and so their pages;
  - for a date corrected (`_may_redate`): the pages of every list that holds the article between
    its old and new places (`_Lists.reorder`, which reads only those pages), its old and new
    days' pages, the feeds and home page where it is or was among the newest, the pages whose
    previous or next article in their district changes, and, into another month, both months'
    lists and the counts by month of the archive's, its district's, the districts' and the
    years' pages (`_Lists.remonth`);
  - for an article moved to another district the site has (`_moved_urls`): its page at its new
    URL (the old one goes, and the sitemap changes), both districts' lists and feeds, the
    districts and home pages that count them, and the pages beside it in both districts; every
    page that links it is a body edit's (its link digest changed), rendered with the new URL.

`relay` makes those pages again from the page store's (a list's members, the topics page's
counts, the sitemap's URLs) and the related articles the last build saved, reading the
articles they show by path: never the archive, never its layout.  A tag whose count crosses
`tag_min_articles` (its page comes or goes, and other articles show it or stop), a credited
name or a topic new to the site or gone from it, a date into a month or onto a day without a
page or off the last article of its month or day, a district new to the site or emptied, two
articles moved to other districts or one moved while a date is corrected, related articles saved
for other inputs, or a store that lacks a page it should hold: None, and the full build lays the
site out.
tests/test_touched_plan.py, tests/test_build_incremental.py and tests/test_build_stateful.py
hold such builds equal to clean ones.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .body_edit import ArticleRows
from .config import Config
from .model import Article
from .page_store import PageStore
from .related import RelatedStore, open_again, related_row
from .site import (
    SITE_FEED_SOURCE,
    ListingKind,
    Page,
    PageKind,
    SiteModel,
    _Pages,
    feed_source,
    kept_tags,
    list_source,
    people_of,
    shown_of,
    sitemap_pages,
)
from .stamp import package_stamp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Relaid:
    """The pages an edit of tags, places, topics or people makes again, and what the page store keeps."""

    pages: list[Page]  # article pages, lists, feeds, the pages that count them, the sitemap: made again
    removed: dict[str, PageKind]  # the outputs of list pages that are no more (and a moved article's), and their kinds
    added: dict[str, PageKind]  # the outputs of new list pages, and their kinds
    shown_tags: dict[str, tuple[str, ...]]  # the changed articles' shown tags
    tag_counts: dict[str, int]
    # the related articles' store, holding the edit's changes until `save` keeps them under
    # *related_key* (None: an edit of neither tags, places, topics nor dates)
    related: RelatedStore | None
    related_key: str
    urls: dict[str, str] = field(default_factory=dict)  # the new URLs of articles moved to another district

    def save(self) -> None:
        """Keep the related articles worked out again, once the site is written (OSError: they
        could not be)."""
        if self.related is not None:
            self.related.commit(self.related_key)

    def close(self) -> None:
        """Let go of the related articles' store: what `save` did not keep is dropped."""
        if self.related is not None:
            self.related.close()


def relay(
    before: dict[str, Article],
    articles: ArticleRows,
    store: PageStore,
    model: SiteModel,
    config: Config,
    env: str,
) -> Relaid | None:
    """The pages an edit of the tags, places, topics or people of the articles *before* (path -> the version the
    last build showed; *articles* holds their new ones, and any other by path) makes again;
    None when the full build must lay the site out."""
    layout, shown, counts = store.layout(), store.shown_tags(before), store.tag_counts()
    if layout is None or layout[0] != env or shown is None or counts is None:
        return None
    changed = {path: articles[path] for path in before}
    redated = {path for path, old in before.items() if old.date != changed[path].date}
    if redated and not _may_redate(before, changed, redated, config):
        return None
    urls = _moved_urls(before, changed, redated, store, model, config)
    if urls is None:
        return None
    new_shown, new_counts = _tags_shown_anew(before, changed, shown, counts, model, config)
    if new_shown is None:
        return None
    lists = _Lists(changed, articles, store, config)
    if not (
        _tag_lists(lists, before, shown, new_shown, model)
        and _people_lists(lists, before, model)
        and _topic_lists(lists, before, model)
        and (not redated or _date_lists(lists, before, redated, shown, new_shown, model))
        and (not urls or _district_lists(lists, before, model))
    ):
        return None
    related: RelatedStore | None = None
    others: dict[str, tuple[str, ...]] = {}
    again: set[str] = set()
    if any(related_row(old) != related_row(changed[path]) for path, old in before.items()):
        changes = {path: (related_row(before[path]), related_row(art)) for path, art in changed.items()}
        worked = open_again(Path(config.cache_dir), changes, config.parallel_from, package_stamp(), layout[1])
        if worked is None:
            return None
        related, others, again = worked
    made = None
    try:
        made = _article_pages(
            lists, sorted(set(changed) | again | set(lists.neighbours)), new_shown, others, urls, model
        )
    finally:
        if made is None and related is not None:  # (its changes are dropped)
            related.close()
    if made is None:
        return None
    log.info(
        "tags, places, topics, people or dates of %d article(s) changed: %d list page(s) and %d other page(s) made again",
        len(changed),
        len(lists.pages),
        len(made) - len(lists.pages),
    )
    key = layout[1] if related is None else os.urandom(16).hex()  # a new name for new related articles
    return Relaid(made, lists.removed, lists.added, new_shown, new_counts, related, key, urls)


def _article_pages(
    lists: _Lists,
    paths: list[str],
    new_shown: dict[str, tuple[str, ...]],
    related: dict[str, tuple[str, ...]],
    urls: dict[str, str],
    model: SiteModel,
) -> list[Page] | None:
    """The pages *lists* made, then the article pages at *paths* (a moved article's at its new
    URL) and the sitemap where outputs come or go; None when the store lacks one."""
    removed, added = lists.removed, lists.added
    made = [*lists.pages]
    for path in paths:
        page = _article_page(
            path, lists.changed, new_shown, related, lists.neighbours, lists.articles, lists.store, model
        )
        if page is None:
            return None
        if path in urls:  # moved to another district: the page moves
            removed[page.output] = added[f"{urls[path]}index.html"] = "article"
            page = replace(page, url=urls[path], output=f"{urls[path]}index.html")
        made.append(page)
    if removed or added:
        sitemap = _sitemap(lists.store, lists.articles, removed, added)
        if sitemap is None:
            return None
        made += sitemap
    return made


def _tags_shown_anew(
    before: dict[str, Article],
    changed: dict[str, Article],
    shown: dict[str, tuple[str, ...]],
    counts: dict[str, int],
    model: SiteModel,
    config: Config,
) -> tuple[dict[str, tuple[str, ...]] | None, dict[str, int]]:
    """The changed articles' shown tags (*shown*: before) and every tag's count after the edit;
    (None, counts) when a tag's count crosses `tag_min_articles` (other articles show it, or stop)."""
    if not config.taxonomy_on("tags"):
        return {path: () for path in changed}, counts
    old_kept = kept_tags(list(before.values()), config, model.people)
    new_kept = kept_tags(list(changed.values()), config, model.people)
    new_counts = dict(counts)
    for kept, step in ((old_kept, -1), (new_kept, 1)):
        for tags in kept.values():
            for tag in tags:
                new_counts[tag] = new_counts.get(tag, 0) + step
                if not new_counts[tag]:
                    del new_counts[tag]
    least = max(1, config.tag_min_articles)
    for tag in {t for kept in (old_kept, new_kept) for tags in kept.values() for t in tags}:
        if (counts.get(tag, 0) >= least) != (new_counts.get(tag, 0) >= least):
            log.info("tag %s: now on %d article(s), its page comes or goes", tag, new_counts.get(tag, 0))
            return None, counts
    if shown_of(old_kept, counts, config) != {path: shown.get(path) for path in before}:
        return None, counts  # not the tags the last build showed
    return shown_of(new_kept, new_counts, config), new_counts


def _tag_lists(
    lists: _Lists,
    before: dict[str, Article],
    shown: dict[str, tuple[str, ...]],
    new_shown: dict[str, tuple[str, ...]],
    model: SiteModel,
) -> bool:
    """Lay out the tag lists the changed articles enter or leave, and the topics page that
    counts them; False when the store lacks one."""
    moves = _moves({p: shown.get(p, ()) for p in before}, new_shown)
    for tag, (leaving, entering) in sorted(moves.items()):
        slug = model.tag_slugs.get(tag)
        if slug is None:
            return False
        if not lists.relist("tag", tag, f"tag/{slug}/", leaving, entering):
            return False
    return not moves or lists.recount("topics/index.html", "tags", "tag", by_count=True)


def _people_lists(lists: _Lists, before: dict[str, Article], model: SiteModel) -> bool:
    """Lay out the people's lists the changed articles enter or leave (their credits), and the
    people page that counts them; False when the site's credited names change (a person's page
    comes or goes, and the tags that name one are shown otherwise) or the store lacks a page."""
    moves = _moves({p: people_of(a) for p, a in before.items()}, {p: people_of(a) for p, a in lists.changed.items()})
    if not moves:
        return True
    if not lists.config.taxonomy_on("people"):
        return False  # whether a name leaves the site is unknown without its list
    for person, (leaving, entering) in sorted(moves.items()):
        slug = model.person_slugs.get(person)
        if slug is None:
            return False  # a name new to the site
        base = f"people/{slug}/"
        if not lists.relist("person", person, base, leaving, entering):
            return False
        if not lists.sizes["person", person]:
            return False  # a name gone from the site
    return lists.recount("people/index.html", "people", "person", by_count=False)


def _topic_lists(lists: _Lists, before: dict[str, Article], model: SiteModel) -> bool:
    """Lay out the topic lists and feeds the changed articles enter or leave, and the topics and
    home pages that count them; False when a topic comes to the site or leaves it (its page, and
    the search's list of topics in `meta.js`), in a preview (a draft it shows is not searched),
    or when the store lacks a page."""
    moves = _moves({p: a.topics for p, a in before.items()}, {p: a.topics for p, a in lists.changed.items()})
    if not moves:
        return True
    if lists.config.preview:
        return False
    for topic, (leaving, entering) in sorted(moves.items()):
        slug = model.topic_slugs.get(topic)
        if slug is None:
            return False
        base = f"topic/{slug}/"
        feed = f"{base}feed.xml"
        if not lists.relist("topic", topic, base, leaving, entering, feed=feed):
            return False
        if not lists.sizes["topic", topic]:
            return False
        lists.refeed(base, topic, feed_source(topic), lists.items["topic", topic][: lists.feed_items])
    counted = lists.recount("topics/index.html", "topics", "topic", by_count=False)
    return counted and lists.recount("index.html", "topics", "topic", by_count=False)


def _may_redate(before: dict[str, Article], changed: dict[str, Article], redated: set[str], config: Config) -> bool:
    """Whether the dates corrected of the articles *redated* can be laid out beside a body edit
    (`_date_lists`): each dated to the day or the month both before and after, in a district,
    outside a preview; one at most into another month (whose counts it changes)."""
    if config.preview:
        return False
    if sum(before[path].month != changed[path].month for path in redated) > 1:
        return False
    for path in redated:
        old, new = before[path], changed[path]
        if old.date_precision not in ("day", "month") or new.date_precision != old.date_precision:
            return False
        if not old.district or old.district != new.district:
            return False
    return True


def _moved_urls(
    before: dict[str, Article],
    changed: dict[str, Article],
    redated: set[str],
    store: PageStore,
    model: SiteModel,
    config: Config,
) -> dict[str, str] | None:
    """The new URLs of the articles *changed* moves to another district (path -> URL); None
    when the full build must lay such a move out: more than one article moves, one without a
    district before or after, a district new to the site, a date corrected in the same build
    (both would lay out a district's list and the pages beside it), a preview, or a URL another
    page has."""
    moving = [path for path, old in before.items() if old.district != changed[path].district]
    if not moving:
        return {}
    if config.preview or len(moving) > 1 or redated:
        return None
    path = moving[0]
    old, new = before[path].district, changed[path].district
    if not old or not new or old not in model.district_slugs or new not in model.district_slugs:
        return None
    url = f"{model.district_slugs[new]}/{changed[path].slug}/"
    if store.digests([f"{url}index.html"]):
        return None  # two articles with one URL: the full build reports it
    return {path: url}


def _district_lists(lists: _Lists, before: dict[str, Article], model: SiteModel) -> bool:
    """Lay out the lists and feeds of the districts the moved articles (`_moved_urls`) leave
    and enter (their first pages with the counts by month), the districts and home pages that
    count them, and the pages whose previous or next article in a district changes; False
    when a district would be left empty, or the store lacks a page."""
    for path, old in before.items():
        new = lists.changed[path]
        if old.district == new.district:
            continue
        for name, step in ((old.district or "", -1), (new.district or "", 1)):
            base = f"{model.district_slugs[name]}/"
            first = lists.page(f"{base}index.html")
            if first is None:
                return False
            month = old.month if step < 0 else new.month
            month_counts = _counted(first.context["month_counts"], {month: step})
            leaving, entering = ({path}, set()) if step < 0 else (set(), {path})
            context = {"month_counts": month_counts, "months": first.context["months"]}
            if not lists.relist("district", name, base, leaving, entering, first=context, feed=f"{base}feed.xml"):
                return False
            items = lists.items["district", name]
            if not items:
                return False  # a district gone: its page, and the search's list of districts
            lists.refeed(base, name, feed_source(name), items[: lists.feed_items])
            if not lists.recount_district(name, step, month):
                return False
        own = lists.page(f"{model.article_url[path]}index.html")
        if own is None:
            return False
        was_beside = {a.path for a in (own.context["prev"], own.context["next"]) if a is not None}
        lists.neighbours_of(lists.items["district", old.district or ""], was_beside)
        now = lists.items["district", new.district or ""]
        at = next(i for i, a in enumerate(now) if a.path == path)
        lists.neighbours_of(now, {a.path for a in now[max(0, at - 1) : at + 2]})
    return True


def _date_lists(
    lists: _Lists,
    before: dict[str, Article],
    redated: set[str],
    shown: dict[str, tuple[str, ...]],
    new_shown: dict[str, tuple[str, ...]],
    model: SiteModel,
) -> bool:
    """Lay out again, for the articles *redated*, the pages of every list that holds them
    where their places change (`_Lists.reorder`), their old and new days, the feeds and home
    page that show them among the newest, and the pages of the articles whose previous or
    next article in their district changes; for one dated into another month, the lists of
    the months it leaves and enters and the counts by month (`_Lists.remonth`).  False when the
    store lacks one of them, or a day, month or year would come or go."""
    config = lists.config
    bases: dict[str, set[str]] = defaultdict(set)  # a list's folder -> its redated articles
    feeds: dict[str, tuple[str | None, str]] = {"archive/": (None, SITE_FEED_SOURCE)}
    districts: set[str] = set()
    for path in redated:
        old, new = before[path], lists.changed[path]
        slug = model.district_slugs[new.district or ""]
        districts.add(f"{slug}/")
        feeds[f"{slug}/"] = (new.district, feed_source(new.district or ""))
        bases["archive/"].add(path)
        bases[f"{slug}/"].add(path)
        if old.month == new.month:
            bases[f"{new.month[:4]}/{new.month[5:7]}/"].add(path)
        elif not lists.remonth(old, new, slug):
            return False
        for tag in set(shown.get(path, ())) & set(new_shown[path]):
            bases[f"tag/{model.tag_slugs[tag]}/"].add(path)
        for topic in set(old.topics) & set(new.topics):
            base = f"topic/{model.topic_slugs[topic]}/"
            bases[base].add(path)
            feeds[base] = (topic, feed_source(topic))
        if config.taxonomy_on("people"):
            for person in set(people_of(old)) & set(people_of(new)):
                bases[f"people/{model.person_slugs[person]}/"].add(path)
    for base, movers in sorted(bases.items()):
        if base in lists.relisted:
            continue  # laid out whole: the article entered or left it with another edit
        first = lists.reorder(base, movers, {p: before[p] for p in movers}, neighbours=base in districts)
        if first is None:
            return False
        if base in feeds and first < lists.feed_items:
            title, source = feeds[base]
            lists.refeed("" if base == "archive/" else base, title, source, lists.first_items(base, lists.feed_items))
        if base == "archive/" and first < lists.per_page:
            if not lists.rehome():
                return False
    return all(
        lists.reday(before[path], lists.changed[path])
        for path in sorted(redated)
        if before[path].date_precision == "day"  # (an article dated to the month is on no day's page)
    )


def _counted(counts: dict[str, int], steps: dict[str, int], *, newest_first: bool = False) -> dict[str, int]:
    """Counts by month with *steps* added, in the order `build_site_model` counts them (the
    archive's newest first, a district's oldest first), without the months counted to none."""
    out = dict(counts)
    for month, step in steps.items():
        out[month] = out.get(month, 0) + step
    return {m: out[m] for m in sorted(out, reverse=newest_first) if out[m]}


def _around(
    order: list[Article], above: list[Article] | None = None, below: list[Article] | None = None
) -> dict[str, tuple[Article | None, Article | None]]:
    """path -> (older, newer) article of each of *order* (a district's list or a window of it,
    newest first, between the pages *above* and *below* it): its page's previous and next."""
    whole = [*(above[-1:] if above else [None]), *order, *(below[:1] if below else [None])]
    return {a.path: (whole[i + 2], whole[i]) for i, a in enumerate(order)}


def _moves(old: dict[str, tuple[str, ...]], new: dict[str, tuple[str, ...]]) -> dict[str, tuple[set[str], set[str]]]:
    """name -> (the paths that leave its list, those that enter it), of the names whose list
    changes from *old* to *new* (path -> the names it is listed under)."""
    out: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for path, names in old.items():
        for name in set(names) - set(new[path]):
            out[name][0].add(path)
        for name in set(new[path]) - set(names):
            out[name][1].add(path)
    return dict(out)


class _Lists:
    """Lists laid out again for the *changed* articles (their other articles read by path from
    *articles*, their pages from *store*): their pages, the outputs removed and added, and their sizes."""

    def __init__(self, changed: dict[str, Article], articles: ArticleRows, store: PageStore, config: Config) -> None:
        self.changed, self.articles, self.store, self.config = changed, articles, store, config
        self.per_page, self.feed_items = max(1, int(config.per_page)), max(1, int(config.feed_items))
        self.made: dict[str, Page] = {}  # output -> the page made again (`put`)
        self.removed: dict[str, PageKind] = {}
        self.added: dict[str, PageKind] = {}
        self.sizes: dict[tuple[str, str], int] = {}  # (kind, name) -> its list's articles
        self.items: dict[tuple[str, str], list[Article]] = {}  # (kind, name) -> them, newest first
        self.relisted: set[str] = set()  # the folders of the lists laid out whole
        # path -> (previous, next) article in its district, of the articles whose neighbours changed
        self.neighbours: dict[str, tuple[Article | None, Article | None]] = {}
        self._read: dict[str, Page | None] = {}

    def relist(
        self,
        kind: ListingKind,
        name: str,
        base: str,
        leaving: set[str],
        entering: set[str],
        first: dict[str, object] | None = None,
        **context: object,
    ) -> bool:
        """Lay out the list of *name* at *base* (`site._Pages.listing`, as `build_site_model`
        lays it out, with its *context*) from its members in the store, less *leaving*, with
        *entering*; False when the store does not hold the list the last build made."""
        found = _members(base, self.store, self.articles)
        if found is None:
            return False
        members, was = found
        paths = {a.path for a in members}
        if not leaving <= paths or entering & paths:
            return False
        items = sorted(
            [a for a in members if a.path not in leaving] + [self.changed[p] for p in entering],
            key=lambda a: (a.date, a.path),
            reverse=True,
        )
        listing = _Pages()
        listing.listing(
            base, f"{kind}.html", kind, list_source(kind, name), items, self.per_page, first, **{kind: name}, **context
        )
        old_outputs = _list_outputs(base, -(-len(members) // self.per_page))
        new_outputs = {page.output for page in listing.pages} if items else set()
        self.removed.update((out, kind) for out in old_outputs if out not in new_outputs)
        self.added.update((out, kind) for out in sorted(new_outputs - set(old_outputs)))
        for page in listing.pages if items else []:
            old = was.get(page.output)
            if old is not None and _alike(old, page):  # before the place the list changes
                self._read[page.output] = old
            else:
                self.put(page)
        self.sizes[kind, name], self.items[kind, name] = len(items), items
        self.relisted.add(base)
        return True

    @property
    def pages(self) -> list[Page]:
        return list(self.made.values())

    def put(self, page: Page) -> None:
        """Take *page* as made again: the one page of its output this edit makes, and what later
        steps read of it (`page`)."""
        self.made[page.output] = self._read[page.output] = page

    def page(self, output: str) -> Page | None:
        """The page at *output*: as this edit made it, else as the store keeps it (read once)."""
        if output not in self._read:
            self.articles.prefetch(self.store.shown_on([output]))
            found = self.store.pages([output], self.articles)
            self._read[output] = found[0] if found else None
        return self._read[output]

    def reorder(self, base: str, movers: set[str], old: dict[str, Article], *, neighbours: bool = False) -> int | None:
        """Make again the pages of the list at *base* whose articles change when its *movers*
        (path -> the version the last build listed: *old*) take their new dates: only the pages
        from the first to the last place any of them leaves or takes (the list keeps its length,
        and its other pages their articles).  With *neighbours* (a district's list, whose
        articles' pages link their previous and next), note the articles whose neighbours
        change.  Return the first place that changed (the list's length when none did); None
        when the store lacks a page, or the list does not hold a mover where it should."""
        per_page = self.per_page
        first = self.page(f"{base}index.html")
        if first is None:
            return None
        count, total = first.context["pager"]["count"], first.context["pager"]["total"]
        outputs = _list_outputs(base, count)

        def items(number: int) -> list[Article] | None:
            page = self.page(outputs[number])
            return None if page is None else list(page.context["items"])

        def old_key(a: Article) -> tuple[str, str]:
            art = old.get(a.path, a)
            return art.date, art.path

        def before_count(key: tuple[str, str]) -> int | None:
            """How many articles of the list before the edit are newer than *key*."""
            lo, hi = 0, count
            while lo < hi:  # the first page whose last article is not newer
                mid = (lo + hi) // 2
                got = items(mid)
                if not got:
                    return None
                if old_key(got[-1]) > key:
                    lo = mid + 1
                else:
                    hi = mid
            if lo == count:
                return total
            got = items(lo)
            return None if got is None else lo * per_page + sum(old_key(a) > key for a in got)

        places: list[int] = []
        for path, art in old.items():
            at = before_count((art.date, path))
            new = before_count((self.changed[path].date, path))
            if at is None or new is None or at >= total:
                return None
            got = items(at // per_page)
            if got is None or at % per_page >= len(got) or got[at % per_page].path != path:
                return None  # not listed where its date puts it
            places += [at, new]
        reach = len(old) + (2 if neighbours else 0)  # (a neighbour's neighbours are one further)
        lo_page = max(0, min(places) - reach) // per_page
        hi_page = min(total - 1, max(places) + reach) // per_page
        window: list[Article] = []
        for number in range(lo_page, hi_page + 1):
            got = items(number)
            if got is None:
                return None
            window += got
        was = sorted(window, key=old_key, reverse=True)
        now = sorted(window, key=lambda a: (a.date, a.path), reverse=True)
        above = items(lo_page - 1) if lo_page else None
        below = items(hi_page + 1) if hi_page + 1 < count else None
        if (above and (above[-1].date, above[-1].path) < (now[0].date, now[0].path)) or (
            below and (below[0].date, below[0].path) > (now[-1].date, now[-1].path)
        ):
            return None  # a mover's new place lies outside the pages read: the full build lays it out
        start = lo_page * per_page
        for number in range(lo_page, hi_page + 1):
            chunk = now[(number - lo_page) * per_page : (number - lo_page + 1) * per_page]
            page = self.page(outputs[number])
            assert page is not None
            if [a.path for a in chunk] != [a.path for a in page.context["items"]]:
                self.put(replace(page, context={**page.context, "items": chunk}, deps=tuple(chunk)))
        if neighbours:
            self._neighbours(was, now, above, below)
        changed_at = [start + i for i, (a, b) in enumerate(zip(was, now)) if a.path != b.path]
        return changed_at[0] if changed_at else total

    def _neighbours(
        self, was: list[Article], now: list[Article], above: list[Article] | None, below: list[Article] | None
    ) -> None:
        """Note the articles of a district's *was* and *now* (a window of its list, newest first,
        between the pages *above* and *below* it) whose previous or next article changed."""
        old, new = _around(was, above, below), _around(now, above, below)
        for path, pair in new.items():
            if [a.path if a else None for a in pair] != [a.path if a else None for a in old[path]]:
                self.neighbours[path] = pair

    def first_items(self, base: str, count: int) -> list[Article]:
        """The first *count* articles of the list at *base* as this edit leaves it."""
        out: list[Article] = []
        for number in range(-(-count // self.per_page)):
            page = self.page(_list_outputs(base, number + 1)[number])
            if page is None:
                break
            out += page.context["items"]
        return out[:count]

    def recount_district(self, name: str, step: int, month: str) -> bool:
        """Count *step* more articles of *month* in district *name* on the districts and home
        pages; False when the store lacks one."""
        districts, home = self.page("districts/index.html"), self.page("index.html")
        if districts is None or home is None:
            return False
        rows = []
        for row_name, slug, count, per_month in districts.context["districts"]:
            if row_name == name:
                count, per_month = count + step, _counted(per_month, {month: step})
            rows.append((row_name, slug, count, per_month))
        listed = [(n, slug, count + step if n == name else count) for n, slug, count in home.context["districts"]]
        return self.amend("districts/index.html", districts=rows) and self.amend("index.html", districts=listed)

    def neighbours_of(self, items: list[Article], paths: set[str]) -> None:
        """Note the previous and next article (older, newer) of each of *paths* in a district's
        *items* (newest first)."""
        self.neighbours.update((path, pair) for path, pair in _around(items).items() if path in paths)

    def rehome(self) -> bool:
        """Make the home page again with the newest articles as the archive now lists them."""
        home = self.page("index.html")
        if home is None:
            return False
        items = self.first_items("archive/", len(home.context["items"]))
        self.put(replace(home, context={**home.context, "items": items}, deps=tuple(items)))
        return True

    def amend(self, output: str, **context: object) -> bool:
        """Make the page at *output* again with *context* changed; False when the store lacks it."""
        page = self.page(output)
        if page is None:
            return False
        self.put(replace(page, context={**page.context, **context}))
        return True

    def remonth(self, old: Article, new: Article, district: str) -> bool:
        """Lay out the lists of the months *old* leaves and *new* enters (with the days their
        first pages show), and the counts by month of the archive, the district whose folder
        is *district*, the districts page and the years; False when a month or a year would
        come or go, or the store lacks a page."""
        moves: list[tuple[str, set[str], set[str]]] = [(old.month, {old.path}, set()), (new.month, set(), {new.path})]
        for month, leaving, entering in moves:
            base = f"{month[:4]}/{month[5:7]}/"
            if not self.relist("month", month, base, leaving, entering):
                return False
            items = self.items["month", month]
            if not items:
                return False  # a month gone: the site's range of months may change
            days = sorted({a.date for a in items if a.date_precision == "day"})
            self.amend(f"{base}index.html", days=days)

        moved = {old.month: -1, new.month: 1}
        archive = self.page("archive/index.html")
        listed = self.page(f"{district}/index.html")
        districts = self.page("districts/index.html")
        if archive is None or listed is None or districts is None or new.month not in archive.context["month_counts"]:
            return False
        years = []
        for year, count, months in archive.context["years"]:
            count += (year == new.year) - (year == old.year)
            years.append((year, count, months))
        rows = [
            (name, slug, count, _counted(per_month, moved) if name == new.district else per_month)
            for name, slug, count, per_month in districts.context["districts"]
        ]
        for output, context in (
            (
                "archive/index.html",
                {"years": years, "month_counts": _counted(archive.context["month_counts"], moved, newest_first=True)},
            ),
            (f"{district}/index.html", {"month_counts": _counted(listed.context["month_counts"], moved)}),
            ("districts/index.html", {"districts": rows}),
        ):
            self.amend(output, **context)
        for year in {old.year, new.year}:
            page = self.page(f"{year}/index.html")
            if page is None:
                return False
            months = [(m, n + (m == new.month) - (m == old.month)) for m, n in page.context["months"]]
            self.amend(f"{year}/index.html", months=months)
        return True

    def reday(self, old: Article, new: Article) -> bool:
        """Make again the pages of the days *old* leaves and *new* enters (`site._day_page`);
        False when either day would have no page before or after."""
        for day, out, into in ((old.date, old.path, None), (new.date, None, new)):
            output = f"{day[:4]}/{day[5:7]}/{day[8:10]}/index.html"
            page = self.page(output)
            if page is None:
                return False
            items = [a for a in page.context["items"] if a.path != out and (into is None or a.path != into.path)]
            items = sorted([*items, *([into] if into else [])], key=lambda a: (a.date, a.path), reverse=True)
            if not items:
                return False
            self.put(replace(page, context={**page.context, "items": items}, deps=tuple(items)))
        return True

    def refeed(self, folder: str, title: str | None, source: str, items: list[Article]) -> None:
        """Make the feed of the list at *folder* ('' for the site's) again, of its newest *items*
        (`site._Pages.feed`)."""
        feed = _Pages()
        feed.feed(folder, title, source, items)
        for page in feed.pages:
            self.put(page)

    def recount(self, output: str, key: str, kind: str, *, by_count: bool) -> bool:
        """Make the page at *output* again with its list *key* of (name, slug, count) counting
        the lists of *kind* laid out again (sorted by count, then name, when *by_count*); False
        when the store lacks it."""
        page = self.page(output)  # (as made again already: the topics page counts tags and topics)
        if page is None:
            return False
        rows = [(n, slug, self.sizes.get((kind, n), count)) for n, slug, count in page.context.get(key, [])]
        if by_count:
            rows.sort(key=lambda row: (-row[2], row[0]))
        self.put(replace(page, context={**page.context, key: rows}))
        return True


def _list_outputs(base: str, count: int) -> list[str]:
    return [f"{base}index.html", *(f"{base}page/{n}/index.html" for n in range(2, count + 1))]


def _members(base: str, store: PageStore, articles: ArticleRows) -> tuple[list[Article], dict[str, Page]] | None:
    """The articles of the list at *base*, newest first, and its pages by output, as the store keeps them."""
    first = store.pages([f"{base}index.html"], articles)
    if not first:
        return None
    outputs = _list_outputs(base, first[0].context["pager"]["count"])
    articles.prefetch(store.shown_on(outputs))
    found = {page.output: page for page in store.pages(outputs, articles)}
    try:
        return [a for out in outputs for a in found[out].context["items"]], found
    except KeyError:
        return None


def _alike(old: Page, new: Page) -> bool:
    """Whether a list page laid out again shows what the store's *old* one does: the same
    articles in the same order, and the same pager and first-page counts.  (An article whose
    card changed is made again as a page that shows it: `PageStore.showing`.)"""
    if [a.path for a in old.context["items"]] != [a.path for a in new.context["items"]]:
        return False
    return {k: v for k, v in old.context.items() if k != "items"} == {
        k: v for k, v in new.context.items() if k != "items"
    }


def _article_page(
    path: str,
    changed: dict[str, Article],
    new_shown: dict[str, tuple[str, ...]],
    related: dict[str, tuple[str, ...]],
    neighbours: dict[str, tuple[Article | None, Article | None]],
    articles: ArticleRows,
    store: PageStore,
    model: SiteModel,
) -> Page | None:
    """The page of the article at *path*, showing its new tags (if it changed), its related
    articles and its previous and next articles in its district."""
    url = model.article_url.get(path)
    found = store.pages([f"{url}index.html"], articles) if url is not None else []
    if not found:
        return None
    page = found[0]
    context: dict[str, Any] = dict(page.context)
    if path in related:  # (worked out again: an edit of tags or places)
        context["related"] = tuple(articles[other] for other in related[path])
    if path in changed:
        context["tags"] = new_shown[path]
    if path in neighbours:  # (a corrected date moved it or an article beside it)
        context["prev"], context["next"] = neighbours[path]
    deps = tuple(
        a for a in (context["article"], context["prev"], context["next"], *context["related"]) if a is not None
    )
    return replace(page, context=context, deps=deps)


def _sitemap(
    store: PageStore, articles: ArticleRows, removed: dict[str, PageKind], added: dict[str, PageKind]
) -> list[Page] | None:
    """The sitemap's pages with the outputs *removed* and *added* (sitemap parts that go or
    come are added to them); None when the store lacks one."""
    found = store.pages(["sitemap.xml"], articles)
    if not found:
        return None
    parts = found[0].context.get("parts", [])
    pages = store.pages(parts, articles) if parts else found
    if len(pages) != max(1, len(parts)):
        return None
    gone = {out.removesuffix("index.html") for out in removed}
    urls = sorted(
        {u for page in pages for u in page.context["urls"] if u not in gone}
        | {out.removesuffix("index.html") for out in added if out.endswith("index.html")}
    )
    now = sitemap_pages(urls)
    before, after = {"sitemap.xml", *parts}, {page.output for page in now}
    removed.update((out, "sitemap") for out in sorted(before - after))
    added.update((out, "sitemap") for out in sorted(after - before))
    return now
