"""Lay out again what an edit of some articles' tags or places changes, beside a body edit.

Such an edit (`body_edit.RETAG_FIELDS`, or a new headline that shows other tags) moves no
article: its date, district, topics and URL stay, and so do every list but the tag lists, and
every page's place.  It changes:

  - the tags the article's page shows (`site.shown_tags`), and so the lists of the tags it
    enters or leaves, their counts on the topics page, and the number of pages of those lists
    (and so the sitemap);
  - the related articles of the articles near it in the lists of the tags and places it has or
    had (`site.related_articles` given *before*), and so their pages.

`relay` makes those pages again from the page store's (a list's members, the topics page's
counts, the sitemap's URLs) and the related articles the last build saved, reading the
articles they show by path: never the archive, never its layout.  A tag whose count crosses
`tag_min_articles` (its page comes or goes, and other articles show it or stop), related
articles saved for other inputs, or a store that lacks a page it should hold: None, and the
full build lays the site out.  tests/test_touched_plan.py and tests/test_build_stateful.py
hold such builds equal to clean ones.
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from .cache import read_marshalled, write_marshalled
from .config import Config
from .model import Article
from .page_store import PageStore
from .site import (
    RELATED_FILE,
    Page,
    PageKind,
    SiteModel,
    _Pages,
    kept_tags,
    list_source,
    related_articles,
    shown_of,
)
from .stamp import package_stamp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Relaid:
    """The pages an edit of tags or places makes again, and what the page store keeps of it."""

    pages: list[Page]  # article pages, tag lists, the topics page, the sitemap: made again
    removed: list[str]  # the outputs of tag list pages that are no more
    added: dict[str, PageKind]  # the outputs of new tag list pages
    shown_tags: dict[str, tuple[str, ...]]  # the changed articles' shown tags
    tag_counts: dict[str, int]
    related: dict[str, Any]  # what `site.RELATED_FILE` holds after the edit: `save` writes it
    cache_dir: Path

    @property
    def related_key(self) -> str:
        """The name of the related articles worked out for the new inputs."""
        return str(self.related["meta"])

    def save(self) -> None:
        """Save the related articles, once the site is written (OSError: they could not be)."""
        write_marshalled(self.cache_dir / RELATED_FILE, self.related)


class _Inputs(NamedTuple):
    """What an article's related articles are worked out from, as `site.RELATED_FILE` saves it."""

    path: str
    date: str
    tags: tuple[str, ...]
    places: tuple[str, ...]
    topics: tuple[str, ...]


def relay(
    before: dict[str, Article],
    articles: dict[str, Article],
    store: PageStore,
    model: SiteModel,
    config: Config,
    env: str,
) -> Relaid | None:
    """The pages an edit of the tags or places of the articles *before* (path -> the version the
    last build showed; *articles* holds their new ones, and any other by path) makes again;
    None when the full build must lay the site out."""
    layout, shown, counts = store.layout(), store.shown_tags(before), store.tag_counts()
    if layout is None or layout[0] != env or shown is None or counts is None:
        return None
    changed = {path: articles[path] for path in before}
    new_shown, new_counts = _tags_shown_anew(before, changed, shown, counts, model, config)
    if new_shown is None:
        return None
    related = _related_again(before, changed, Path(config.cache_dir), layout[1], config)
    if related is None:
        return None
    saved, again = related
    others = saved["related"]
    lists = _tag_lists(before, changed, shown, new_shown, articles, store, model, config)
    if lists is None:
        return None
    pages, removed, added = lists
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
        "tags or places of %d article(s) changed: %d tag list page(s) and %d article page(s) made again",
        len(changed),
        len(pages),
        len(made) - len(pages),
    )
    return Relaid(made, removed, added, new_shown, new_counts, saved, Path(config.cache_dir))


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
        rows = [_Inputs(*row) for row in inputs]
    except TypeError:  # damaged: the full build works them out anew
        return None
    at = {row.path: index for index, row in enumerate(rows)}
    # (Each related-articles entry a page made again shows is worked out anew: a damaged one
    # elsewhere is the full build's to find, `site.related_whole`.)
    if len(at) != len(rows) or related.keys() != at.keys():
        return None
    moved: dict[int, _Inputs] = {}
    for name, art in changed.items():
        index = at.get(name)
        if index is None:
            return None
        old, old_art = rows[index], before[name]
        if (old.date, old.tags, old.places, old.topics) != (old_art.date, old_art.tags, old_art.places, old_art.topics):
            return None  # saved for other inputs
        new = _Inputs(name, art.date, art.tags, art.places, art.topics)
        if new != old:
            moved[index], rows[index] = old, new
    if len(moved) >= max(1, config.parallel_from // 10):
        return None
    again = {p: tuple(a.path for a in others) for p, others in related_articles(rows, before=moved).items()}
    changed_related = {p for p, others in again.items() if related[p] != others}
    # A new name for new inputs, as build._Related gives them: the page store's layout names it
    made = {"meta": os.urandom(16).hex(), "stamp": saved["stamp"], "keys": [tuple(r) for r in rows]}
    return {**made, "related": {**related, **again}}, changed_related


def _tag_lists(
    before: dict[str, Article],
    changed: dict[str, Article],
    shown: dict[str, tuple[str, ...]],
    new_shown: dict[str, tuple[str, ...]],
    articles: dict[str, Article],
    store: PageStore,
    model: SiteModel,
    config: Config,
) -> tuple[list[Page], list[str], dict[str, PageKind]] | None:
    """The pages of the tag lists the changed articles enter or leave, and the topics page
    that counts them: (pages, outputs removed, outputs added); None when the store lacks one."""
    leaving: dict[str, set[str]] = defaultdict(set)
    entering: dict[str, set[str]] = defaultdict(set)
    for path in before:
        old, new = set(shown.get(path, ())), set(new_shown[path])
        for tag in old - new:
            leaving[tag].add(path)
        for tag in new - old:
            entering[tag].add(path)
    pages: list[Page] = []
    removed: list[str] = []
    added: dict[str, PageKind] = {}
    sizes: dict[str, int] = {}
    for tag in sorted(leaving.keys() | entering.keys()):
        slug = model.tag_slugs.get(tag)
        if slug is None:
            return None
        base = f"tag/{slug}/"
        members = _members(base, store, articles)
        if members is None:
            return None
        paths = {a.path for a in members}
        if not leaving[tag] <= paths or entering[tag] & paths:
            return None  # not the list the last build made
        items = sorted(
            [a for a in members if a.path not in leaving[tag]] + [changed[p] for p in entering[tag]],
            key=lambda a: (a.date, a.path),
            reverse=True,
        )
        listing = _Pages()
        listing.listing(base, "tag.html", "tag", list_source("tag", tag), items, max(1, int(config.per_page)), tag=tag)
        old_outputs = _list_outputs(base, -(-len(members) // max(1, int(config.per_page))))
        new_outputs = {page.output for page in listing.pages}
        removed += [out for out in old_outputs if out not in new_outputs]
        added.update((out, "tag") for out in sorted(new_outputs - set(old_outputs)))
        pages += listing.pages
        sizes[tag] = len(items)
    if sizes:
        found = store.pages(["topics/index.html"], articles)
        if not found:
            return None
        page = found[0]
        tags = [(t, s, sizes.get(t, n)) for t, s, n in page.context.get("tags", [])]
        tags.sort(key=lambda row: (-row[2], row[0]))
        pages.append(replace(page, context={**page.context, "tags": tags}))
    return pages, removed, added


def _list_outputs(base: str, count: int) -> list[str]:
    return [f"{base}index.html", *(f"{base}page/{n}/index.html" for n in range(2, count + 1))]


def _members(base: str, store: PageStore, articles: dict[str, Article]) -> list[Article] | None:
    """The articles of the list at *base*, newest first, read from its pages in the store."""
    first = store.pages([f"{base}index.html"], articles)
    if not first:
        return None
    count = first[0].context["pager"]["count"]
    found = {page.output: page for page in store.pages(_list_outputs(base, count), articles)}
    try:
        return [a for out in _list_outputs(base, count) for a in found[out].context["items"]]
    except KeyError:
        return None


def _article_page(
    path: str,
    changed: dict[str, Article],
    new_shown: dict[str, tuple[str, ...]],
    related: dict[str, tuple[str, ...]],
    articles: dict[str, Article],
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
    context: dict[str, Any] = {**page.context, "related": tuple(articles[other] for other in related[path])}
    if path in changed:
        context["tags"] = new_shown[path]
    deps = tuple(
        a for a in (context["article"], context["prev"], context["next"], *context["related"]) if a is not None
    )
    return replace(page, context=context, deps=deps)


def _sitemap(
    store: PageStore, articles: dict[str, Article], removed: list[str], added: dict[str, PageKind]
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
