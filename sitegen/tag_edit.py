"""Lay out again what an edit of some articles' tags, places, topics or people changes, beside a body edit.

Such an edit (`body_edit.RETAG_FIELDS`, or a new headline that shows other tags) moves no
article: its date, district and URL stay, and so do every list but the tag, topic and people
lists, and every page's place.  It changes:

  - the tags the article's page shows (`site.tags_and_counts`), and so the lists of the tags it
    enters or leaves, their counts on the topics page, and the number of pages of those lists
    (and so the sitemap);
  - the people's lists it enters or leaves (`site.people_of`), and their counts on the people page;
  - the topics' lists and feeds it enters or leaves, and their counts on the topics and home pages;
  - the related articles of the articles near it in the lists of the tags and places it has or
    had (`site.related_articles` given *before*), and so their pages.

`relay` makes those pages again from the page store's (a list's members, the topics page's
counts, the sitemap's URLs) and the related articles the last build saved, reading the
articles they show by path: never the archive, never its layout.  A tag whose count crosses
`tag_min_articles` (its page comes or goes, and other articles show it or stop), a credited
name or a topic new to the site or gone from it, related articles saved for other inputs, or a
store that lacks a page it should hold: None, and the full build lays the site out.
tests/test_touched_plan.py and tests/test_build_stateful.py hold such builds equal to clean ones.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .body_edit import ArticleRows
from .cache import read_marshalled, write_marshalled
from .config import Config
from .model import Article
from .page_store import PageStore
from .site import (
    RELATED_FILE,
    ListingKind,
    Page,
    PageKind,
    RelatedRow,
    SiteModel,
    _Pages,
    feed_source,
    kept_tags,
    list_source,
    people_of,
    related_again,
    related_row,
    shown_of,
)
from .stamp import package_stamp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Relaid:
    """The pages an edit of tags, places, topics or people makes again, and what the page store keeps."""

    pages: list[Page]  # article pages, lists, feeds, the pages that count them, the sitemap: made again
    removed: dict[str, PageKind]  # the outputs of list pages that are no more, and their kinds
    added: dict[str, PageKind]  # the outputs of new list pages, and their kinds
    shown_tags: dict[str, tuple[str, ...]]  # the changed articles' shown tags
    tag_counts: dict[str, int]
    # what `site.RELATED_FILE` holds after the edit, which `save` writes (None: what it holds, for
    # an edit of neither tags, places nor topics), and its name
    related: dict[str, Any] | None
    related_key: str
    cache_dir: Path

    def save(self) -> None:
        """Save the related articles, once the site is written (OSError: they could not be)."""
        if self.related is not None:
            write_marshalled(self.cache_dir / RELATED_FILE, self.related)


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
    new_shown, new_counts = _tags_shown_anew(before, changed, shown, counts, model, config)
    if new_shown is None:
        return None
    saved: dict[str, Any] | None = None
    others: dict[str, tuple[str, ...]] = {}
    again: set[str] = set()
    if any(related_row(old) != related_row(changed[path]) for path, old in before.items()):
        related = _related_again(before, changed, Path(config.cache_dir), layout[1], config)
        if related is None:
            return None
        saved, again = related
        others = saved["related"]
    lists = _Lists(changed, articles, store, config)
    if not (
        _tag_lists(lists, before, shown, new_shown, model)
        and _people_lists(lists, before, model)
        and _topic_lists(lists, before, model)
    ):
        return None
    pages, removed, added = lists.pages, lists.removed, lists.added
    made = [*pages]
    for path in sorted(set(changed) | again):
        page = _article_page(path, changed, new_shown, others, articles, store, model)
        if page is None:
            return None
        made.append(page)
    if removed or added:
        sitemap = _sitemap(store, articles, removed, added)
        if sitemap is None:
            return None
        made.append(sitemap)
    log.info(
        "tags, places, topics or people of %d article(s) changed: %d list page(s) and %d other page(s) made again",
        len(changed),
        len(pages),
        len(made) - len(pages),
    )
    key = layout[1] if saved is None else str(saved["meta"])
    return Relaid(made, removed, added, new_shown, new_counts, saved, key, Path(config.cache_dir))


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


def _related_again(
    before: dict[str, Article], changed: dict[str, Article], cache_dir: Path, key: str, config: Config
) -> tuple[dict[str, Any], set[str]] | None:
    """(What `site.RELATED_FILE` holds after the edit, the paths of the articles whose related
    articles changed): worked out again from the related articles saved under *key* by the last
    build, for the articles near the changed ones; None when they cannot be."""
    path = cache_dir / RELATED_FILE
    saved = read_marshalled(path, {})
    if not isinstance(saved, dict) or saved.get("meta") != key or saved.get("stamp") != package_stamp():
        return None
    inputs, related = saved.get("keys"), saved.get("related")
    if not isinstance(inputs, list) or not isinstance(related, dict):
        return None
    try:
        rows = [RelatedRow(*row) for row in inputs]
    except TypeError:  # damaged: the full build works them out anew
        return None
    at = {row.path: index for index, row in enumerate(rows)}
    # (Each related-articles entry a page made again shows is worked out anew: a damaged one
    # elsewhere is the full build's to find, `site.related_whole`.)
    if len(at) != len(rows) or related.keys() != at.keys():
        return None
    rows_before: dict[int, RelatedRow] = {}
    for name, art in changed.items():
        index = at.get(name)
        if index is None:
            return None
        old = rows[index]
        if old != related_row(before[name]):
            return None  # saved for other inputs
        new = related_row(art)
        if new != old:
            rows_before[index], rows[index] = old, new
    again = related_again(rows, rows_before, range(0), config.parallel_from)
    if again is None:
        return None
    changed_related = {p for p, others in again.items() if related[p] != others}
    # A new name for new inputs, as build._Related gives them: the page store's layout names it
    made = {"meta": os.urandom(16).hex(), "stamp": saved["stamp"], "keys": [tuple(r) for r in rows]}
    return {**made, "related": {**related, **again}}, changed_related


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
        lists.refeed(base, topic, feed_source(topic))
    counted = lists.recount("topics/index.html", "topics", "topic", by_count=False)
    return counted and lists.recount("index.html", "topics", "topic", by_count=False)


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
        self.pages: list[Page] = []
        self.removed: dict[str, PageKind] = {}
        self.added: dict[str, PageKind] = {}
        self.sizes: dict[tuple[str, str], int] = {}  # (kind, name) -> its list's articles
        self.items: dict[tuple[str, str], list[Article]] = {}  # (kind, name) -> them, newest first

    def relist(
        self, kind: ListingKind, name: str, base: str, leaving: set[str], entering: set[str], **context: object
    ) -> bool:
        """Lay out the list of *name* at *base* (`site._Pages.listing`, as `build_site_model`
        lays it out, with its *context*) from its members in the store, less *leaving*, with
        *entering*; False when the store does not hold the list the last build made."""
        members = _members(base, self.store, self.articles)
        if members is None:
            return False
        paths = {a.path for a in members}
        if not leaving <= paths or entering & paths:
            return False
        items = sorted(
            [a for a in members if a.path not in leaving] + [self.changed[p] for p in entering],
            key=lambda a: (a.date, a.path),
            reverse=True,
        )
        per_page = max(1, int(self.config.per_page))
        listing = _Pages()
        listing.listing(base, f"{kind}.html", kind, list_source(kind, name), items, per_page, **{kind: name}, **context)
        old_outputs = _list_outputs(base, -(-len(members) // per_page))
        new_outputs = {page.output for page in listing.pages} if items else set()
        self.removed.update((out, kind) for out in old_outputs if out not in new_outputs)
        self.added.update((out, kind) for out in sorted(new_outputs - set(old_outputs)))
        self.pages += listing.pages if items else []
        self.sizes[kind, name], self.items[kind, name] = len(items), items
        return True

    def refeed(self, folder: str, name: str, source: str) -> None:
        """Make the feed of the list of *name* at *folder* again (`site._Pages.feed`)."""
        feed = _Pages()
        feed.feed(folder, name, source, self.items["topic", name][: max(1, int(self.config.feed_items))])
        self.pages += feed.pages

    def recount(self, output: str, key: str, kind: str, *, by_count: bool) -> bool:
        """Make the page at *output* again with its list *key* of (name, slug, count) counting
        the lists of *kind* laid out again (sorted by count, then name, when *by_count*); False
        when the store lacks it."""
        made = [i for i, page in enumerate(self.pages) if page.output == output]  # (the topics page: tags too)
        found = [self.pages.pop(made[0])] if made else self.store.pages([output], self.articles)
        if not found:
            return False
        page = found[0]
        rows = [(n, slug, self.sizes.get((kind, n), count)) for n, slug, count in page.context.get(key, [])]
        if by_count:
            rows.sort(key=lambda row: (-row[2], row[0]))
        self.pages.append(replace(page, context={**page.context, key: rows}))
        return True


def _list_outputs(base: str, count: int) -> list[str]:
    return [f"{base}index.html", *(f"{base}page/{n}/index.html" for n in range(2, count + 1))]


def _members(base: str, store: PageStore, articles: ArticleRows) -> list[Article] | None:
    """The articles of the list at *base*, newest first, read from its pages in the store."""
    first = store.pages([f"{base}index.html"], articles)
    if not first:
        return None
    outputs = _list_outputs(base, first[0].context["pager"]["count"])
    articles.prefetch(store.shown_on(outputs))
    found = {page.output: page for page in store.pages(outputs, articles)}
    try:
        return [a for out in outputs for a in found[out].context["items"]]
    except KeyError:
        return None


def _article_page(
    path: str,
    changed: dict[str, Article],
    new_shown: dict[str, tuple[str, ...]],
    related: dict[str, tuple[str, ...]],
    articles: ArticleRows,
    store: PageStore,
    model: SiteModel,
) -> Page | None:
    """The page of the article at *path*, showing its new tags (if it changed) and its related
    articles."""
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
    deps = tuple(
        a for a in (context["article"], context["prev"], context["next"], *context["related"]) if a is not None
    )
    return replace(page, context=context, deps=deps)


def _sitemap(
    store: PageStore, articles: ArticleRows, removed: dict[str, PageKind], added: dict[str, PageKind]
) -> Page | None:
    found = store.pages(["sitemap.xml"], articles)
    if not found:
        return None
    page = found[0]
    gone = {out.removesuffix("index.html") for out in removed}
    urls = sorted(
        {u for u in page.context["urls"] if u not in gone} | {out.removesuffix("index.html") for out in added}
    )
    return replace(page, context={**page.context, "urls": urls})
