"""Plan an incremental build: one digest per page, and the pages whose digest changed.

A page's digest covers everything its bytes can depend on: the environment (templates,
settings, render code), its URL, output and template, its context, and of each article it
shows only the part its template reads there (its *role*):

  full  the whole file: the article's own page (context key `article`)
  link  every field but the body: previous/next links (`prev`, `next`), which show a title
  card  every field but the body, and the summary: listings, feeds, related articles (the rest)

So fixing a typo deep in a body re-renders the article's page alone; a change to its opening
sentence also re-renders the listings and feeds that show its summary.  A template that starts
to show more of an article under one of these names must change ROLES (tests/test_build_incremental.py
compares incremental builds with clean ones).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, cast

from .model import ARTICLE_TYPES, Article

if TYPE_CHECKING:
    from .site import Page

FULL, LINK, CARD = 0, 1, 2
# An article's role digests: (full, link, card), indexed by role.
RoleDigests = tuple[str, str, str]
ROLES: dict[str, int] = {"article": FULL, "prev": LINK, "next": LINK}  # any other context key: CARD


def article_keys(
    articles: Iterable[Article], digests: dict[str, str], meta: dict[str, str], flagged: frozenset[str]
) -> dict[str, RoleDigests]:
    """Return path -> (full, link, card) digests.

    *digests* and *meta* are the Library's: of each file's text, and of all its fields but the
    body.  The card's digest is of the summary (`content.summary_of`: a StoredArticle's was made
    when its file was parsed)."""
    from .content import summary_of

    keys: dict[str, RoleDigests] = {}
    for art in articles:
        path = art.path
        text = digests[path]
        mark = "*" if path in flagged else ""
        link = _digest(f"{path}\0{meta[path]}{mark}")
        keys[path] = (_digest(f"{path}\0{text}{mark}"), link, _digest(f"{link}\0{_digest(summary_of(art))}"))
    return keys


def page_digest(page: Page, env: str, keys: dict[str, RoleDigests], reprs: dict[int, str] | None = None) -> str:
    """Return a digest that changes whenever the page's rendered bytes could change.

    *reprs* remembers the repr of context values by id, for values many pages share (a
    district's chart data): pass one dict for pages whose contexts all stay alive meanwhile.
    """
    parts = [env, page.url, page.output, page.template]
    for name, value in page.context.items():
        parts.append(name)
        shown = _shown(value)
        if shown is not None:
            role = ROLES.get(name, CARD)
            parts += [keys[a.path][role] for a in shown]
        elif reprs is None:
            parts.append(repr(value))  # an article nested deeper enters whole: safe, slower
        else:
            text = reprs.get(id(value))
            if text is None:
                text = reprs[id(value)] = repr(value)
            parts.append(text)
    return _digest("\x1f".join(parts))


ANY = "*"  # the dependency of a page that shows an article nested deeper in its context


def page_deps(page: Page) -> list[tuple[str, int]]:
    """Return (article path, role) of every article *page* shows, as `page_digest` reads them.

    A page that holds an article deeper than a context value or a list of them depends on
    every article (ANY): `page_digest` takes such a value whole.
    """
    out: list[tuple[str, int]] = []
    for name, value in page.context.items():
        shown = _shown(value)
        if shown is not None:
            role = ROLES.get(name, CARD)
            out += [(a.path, role) for a in shown]
        elif _holds_article(value):
            out.append((ANY, FULL))
    return out


def _shown(value: object) -> Sequence[Article] | None:
    """Return the articles a context value shows by role (an article, or a list of them), else None."""
    # (`type(value) in` does not narrow: the casts say what the tests found.)
    kind = type(value)
    if kind in ARTICLE_TYPES:
        return (cast(Article, value),)
    if (
        (kind is list or kind is tuple)
        and value
        and all(type(a) in ARTICLE_TYPES for a in cast("Sequence[object]", value))
    ):
        return cast("Sequence[Article]", value)
    return None


def _holds_article(value: object) -> bool:
    kind = type(value)
    if kind in ARTICLE_TYPES:
        return True
    if kind is dict:
        return any(_holds_article(v) for v in cast("dict[object, object]", value).values())
    if kind is list or kind is tuple or kind is set or kind is frozenset:
        return any(_holds_article(v) for v in cast("Iterable[object]", value))
    return False


def page_digests(pages: Iterable[Page], env: str, keys: dict[str, RoleDigests]) -> dict[str, str]:
    """Return output -> digest of every page."""
    reprs: dict[int, str] = {}
    return {page.output: page_digest(page, env, keys, reprs) for page in pages}


def plan_pages(
    pages: Iterable[Page], env: str, keys: dict[str, RoleDigests], old: dict[str, str], written: dict[str, str]
) -> tuple[dict[str, str], set[str]]:
    """Return (output -> digest of every page, outputs to render).

    *old* holds the digests of the last build, *written* the outputs it left on disk.
    """
    digests = page_digests(pages, env, keys)
    todo = {out for out, d in digests.items() if old.get(out) != d or out not in written}
    return digests, todo


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]
