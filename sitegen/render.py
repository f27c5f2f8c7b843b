"""Turn the site model into bytes: Jinja pages, Markdown bodies, SVG charts, Atom, sitemap.

Everything here is pure: nothing is written, nothing depends on the clock or the build machine.
"""

from __future__ import annotations

import functools
import re
import traceback
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlsplit

from jinja2 import (Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound,
                    TemplateSyntaxError, pass_context, select_autoescape)
from markupsafe import Markup, escape

from .errors import SitegenError
from .model import Article
from .theme import template_dirs
from .site import Page, SiteModel, people_of

READ_CHARS_PER_MINUTE = 400
SUMMARY_MAX = 120
_SENTENCE_END = re.compile(r"[。！？!?]”?")
_HEADING = re.compile(r"^(#{2,4})\s+(.*)$")
_CAPTION = re.compile(r"^\s*(?:图|圖)\s*[：:]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_BULLET = re.compile(r"^\s*[-*]\s+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CJK_EDGE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


# ---------------------------------------------------------------- Markdown (a safe subset)

def _inline(text: str) -> str:
    """Escape *text* completely, then allow **bold**."""
    return _BOLD.sub(r"<strong>\1</strong>", str(escape(text)))


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if out and line and not (_CJK_EDGE.match(out[-1]) and _CJK_EDGE.match(line[0])):
            out += " "
        out += line
    return out


def markdown_to_html(body: str) -> str:
    """Render the contract's Markdown (paragraphs, ## subheads, > 图： captions, - lists).

    Raw HTML is never passed through: every character of the input is escaped, so text that
    looks like HTML or template syntax shows as text.
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            continue
        if _HEADING.match(line.strip()) or _CAPTION.match(line):
            if current:
                blocks.append(current)
            blocks.append([line])
            current = []
            continue
        current.append(line)
    if current:
        blocks.append(current)
    html: list[str] = []
    heads = 0
    for block in blocks:
        first = block[0].strip()
        heading = _HEADING.match(first)
        if heading and len(block) == 1:
            heads += 1
            level = len(heading.group(1))
            html.append(f'<h{level} id="s{heads}">{_inline(heading.group(2).strip())}</h{level}>')
        elif all(l.lstrip().startswith(">") for l in block):
            inner = [re.sub(r"^\s*>\s?", "", l) for l in block]
            text = _join(inner)
            if _CAPTION.match(text):
                html.append(f'<figure class="caption"><figcaption>{_inline(text)}</figcaption></figure>')
            else:
                html.append(f"<blockquote><p>{_inline(text)}</p></blockquote>")
        elif _CAPTION.match(first):
            html.append(f'<figure class="caption"><figcaption>{_inline(_join(block))}</figcaption></figure>')
        elif all(_BULLET.match(l) for l in block):
            items = "".join("<li>" + _inline(_BULLET.sub("", l)) + "</li>" for l in block)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<p>{_inline(_join(block))}</p>")
    return "\n".join(html)


def plain_paragraphs(body: str) -> list[str]:
    """Return the body's ordinary paragraphs as plain text (no subheads or captions)."""
    out = []
    for block in re.split(r"\n\s*\n", body):
        lines = [l for l in block.split("\n") if l.strip()]
        if not lines:
            continue
        first = lines[0].strip()
        if _HEADING.match(first) or first.startswith(">") or _CAPTION.match(first):
            continue
        out.append(_join([l for l in lines if not _CAPTION.match(l) and not _HEADING.match(l.strip())]))
    return [p for p in out if p]


def summarize(body: str, limit: int = SUMMARY_MAX) -> str:
    """Return the opening of the article cut at a sentence end (。！？) within *limit* characters."""
    paras = plain_paragraphs(body)
    text = paras[0] if paras else ""
    if len(text) <= limit:
        return text
    best = None
    for match in _SENTENCE_END.finditer(text):
        if match.end() > limit:
            break
        best = match.end()
    if best:
        return text[:best]
    match = _SENTENCE_END.search(text)
    if match and match.end() <= limit * 2:
        return text[:match.end()]
    return text[:limit] + "…"


# An article's summary shows on up to a dozen pages, and the planner digests it first: render
# workers forked after planning find it here.  Bounded, so a long `sitegen serve` keeps only
# the summaries of recent bodies.
cached_summary = functools.lru_cache(maxsize=20_000)(summarize)


def reading_minutes(body: str) -> int:
    """Return reading time in minutes at 400 Chinese characters a minute (at least 1)."""
    # the same ideograph ranges as sitegen.text.is_cjk, without importing the segmenter
    return max(1, round(sum(map(len, _CJK_RUN.findall(body))) / READ_CHARS_PER_MINUTE))


def date_cn(date: str, precision: str = "day") -> str:
    """Return 2025年4月22日 / 2025年4月 / 2025年, as much as is known."""
    y, m, d = int(date[:4]), int(date[5:7]), int(date[8:10])
    if precision == "year":
        return f"{y}年"
    if precision == "month":
        return f"{y}年{m}月"
    return f"{y}年{m}月{d}日"


def month_cn(month: str) -> str:
    """Return 2025年4月 for 2025-04."""
    return f"{int(month[:4])}年{int(month[5:7])}月"


def month_chart(counts: dict, months: Iterable[str], label: str = "") -> Markup:
    """Draw articles per month as an inline SVG bar chart (no script)."""
    months = list(months)
    if not months:
        return Markup("")
    width, height = 240, 48
    top = max([counts.get(m, 0) for m in months] + [1])
    step = width / len(months)
    bars = []
    for i, month in enumerate(months):
        n = counts.get(month, 0)
        if not n:
            continue
        h = max(1.0, round(n / top * (height - 2), 1))
        bars.append(f'<rect x="{i * step:.1f}" y="{height - h:.1f}" width="{max(step - 0.5, 0.5):.1f}" '
                    f'height="{h:.1f}"><title>{month_cn(month)}：{n} 篇</title></rect>')
    total = sum(counts.get(m, 0) for m in months)
    desc = f"{label}{month_cn(months[0])}至{month_cn(months[-1])}每月文章数，共 {total} 篇，单月最多 {top} 篇"
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
                  f'role="img" aria-label="{escape(desc)}">' + "".join(bars) + "</svg>")


# ---------------------------------------------------------------- Jinja

def _xml_text(text: str) -> str:
    """Escape text for an XML element (xml.sax.saxutils would import urllib.request: 20 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    """Escape text for a double-quoted XML attribute."""
    return _xml_text(text).replace('"', "&quot;")


def relative_link(page_url: str, path: str = "") -> str:
    """Return the link from the page at *page_url* to *path*, both relative to the site root.

    One '../' per folder level of the page, so the bytes of a page depend only on its depth
    and the site works under any base URL and from file://.
    """
    return ("../" * page_url.count("/") + path.lstrip("/")) or "./"


def _bytecode_cache(config):
    """Return a cache of compiled templates in the cache folder: compiling them costs a
    one-article rebuild more than rendering its pages.  Jinja keys it by template source."""
    from jinja2 import FileSystemBytecodeCache
    folder = Path(config.cache_dir) / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder))


def template_error(exc: TemplateError, page: Page, templates_dir: Path) -> SitegenError:
    """Return a template failure as `template:line: message (hint)`, never a traceback: the
    line is where the template itself went wrong (for a failure while rendering, the
    innermost template frame of the traceback)."""
    if isinstance(exc, TemplateNotFound):
        missing = exc.name if isinstance(exc.name, str) else page.template
        return SitegenError(templates_dir / missing, None, "template not found",
                            f"page '{page.output}' needs it; add it to {templates_dir.name}/ or restore it")
    if isinstance(exc, TemplateSyntaxError):
        where = exc.filename or str(templates_dir / (exc.name or page.template))
        return SitegenError(where, exc.lineno, f"template syntax error: {exc.message}",
                            "check the {% %} and {{ }} tags around that line")
    where, line = templates_dir / page.template, None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            where, line = Path(filename), lineno
    return SitegenError(where, line, f"template failed on page '{page.output}': {exc}",
                        "a variable or filter the template uses is not there")


class Renderer:
    """Render pages of one model with one Jinja environment (caches per-article work)."""

    def __init__(self, model: SiteModel, config) -> None:
        self.model = model
        self.config = config
        self.base = config.base_url if config.base_url.endswith("/") else config.base_url + "/"
        self.base_path = urlsplit(self.base).path or "/"
        env = Environment(loader=FileSystemLoader([str(d) for d in template_dirs(config)]),
                          autoescape=select_autoescape(["html", "xml"], default_for_string=True),
                          trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined,
                          auto_reload=False, bytecode_cache=_bytecode_cache(config))
        env.globals.update(
            url=self.url, site={"title": config.site_title, "description": config.site_description},
            og_image=self.absolute("static/og.png"),   # made by scripts/make_og_image.py
            chart=month_chart, month_cn=month_cn, date_cn=date_cn,
            district_url=self._slug_url(model.district_slugs, "{}/", optional=True),
            topic_url=self._slug_url(model.topic_slugs, "topic/{}/"),
            tag_url=self._slug_url(model.tag_slugs, "tag/{}/"),
            person_url=self._slug_url(model.person_slugs, "people/{}/"),
            people_of=people_of, card=self.card,
        )
        env.filters.update(href=self.href, summary=self.summary, body_html=self.body_html,
                           when=lambda a: date_cn(a.date, a.date_precision), minutes=self.minutes)
        self.env = env
        self._cards: dict = {}
        self._card_macros: dict = {}

    def _slug_url(self, slugs: dict, pattern: str, optional: bool = False):
        """Return a template function: name -> link to its page from the page being rendered.

        With *optional*, an unknown name gives None (a district outside the gazetteer has no page).
        """
        @pass_context
        def link(ctx, name: str) -> str | None:
            if optional and name not in slugs:
                return None
            return self.link(_page(ctx), pattern.format(slugs[name]))
        return link

    def absolute(self, path: str = "") -> str:
        """Join *path* (relative to the site root) onto the base URL: for canonical, og:, feeds, sitemap."""
        return self.base + path.lstrip("/")

    def link(self, page: Page, path: str = "") -> str:
        """Return the link from *page* to *path* (relative to the site root)."""
        if page.kind == "404":
            # hosts serve the 404 page at whatever URL was asked for, so no relative link can work
            return self.base_path + path.lstrip("/")
        return relative_link(page.url, path)

    @pass_context
    def url(self, ctx, path: str = "") -> str:
        """Template function: the link from the page being rendered to *path*."""
        return self.link(_page(ctx), path)

    @pass_context
    def href(self, ctx, article: Article) -> str:
        """Template filter: the link from the page being rendered to *article*."""
        return self.link(_page(ctx), self.model.article_url[article.path])

    @pass_context
    def card(self, ctx, article: Article, level: int = 2) -> Markup:
        """Template function: the card of *article* (macro article_card), rendered once per
        heading level and page depth: an article shows as a card on a dozen pages."""
        page = _page(ctx)
        depth = None if page.kind == "404" else page.url.count("/")   # what links from the page depend on
        key = (article.path, level, depth)
        html = self._cards.get(key)
        if html is None:
            macro = self._card_macros.get(depth)
            if macro is None:
                module = self.env.get_template("_macros.html").make_module({"page": page})
                macro = self._card_macros[depth] = module.article_card
            html = self._cards[key] = macro(article, level)
        return html

    def summary(self, article: Article) -> str:
        return cached_summary(article.body)

    def body_html(self, article: Article) -> Markup:
        return Markup(markdown_to_html(article.body))

    def minutes(self, article: Article) -> int:
        return reading_minutes(article.body)

    def render(self, page: Page) -> bytes:
        """Render one page to bytes."""
        if page.template == "atom":
            return self.atom(page).encode("utf-8")
        if page.template == "sitemap":
            locs = "".join(f"<url><loc>{_xml_text(self.absolute(u))}</loc></url>\n" for u in page.context["urls"])
            return ('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                    f"{locs}</urlset>\n").encode("utf-8")
        if page.template == "robots":
            return f"User-agent: *\nAllow: /\nSitemap: {self.absolute('sitemap.xml')}\n".encode("utf-8")
        try:
            return self._render_template(page)
        except TemplateError as exc:
            raise template_error(exc, page, Path(self.config.templates_dir)) from None

    def _render_template(self, page: Page) -> bytes:
        template = self.env.get_template(page.template)
        banner = None
        article = page.context.get("article")
        if article is not None and article.path in self.model.flagged:
            banner = "预览：这篇文章是草稿或尚未到发布日期，正式构建不会发布。"
        # home: the link to the site root; root: what goes before a path to link to it, the
        # same as url(path) without a call per link (the chrome of every page has a dozen)
        home = self.link(page)
        html = template.render(page.context, page=page, canonical=self.absolute(page.url) if page.kind != "404" else None,
                               preview_banner=banner, home=home, root="" if home == "./" else home)
        return (html.rstrip("\n") + "\n").encode("utf-8")

    def atom(self, page: Page) -> str:
        ctx = page.context
        title = self.config.site_title + (f" · {ctx['title']}" if ctx["title"] else "")
        items: list[Article] = ctx["items"]
        updated = (max(a.date for a in items) if items else "1970-01-01") + "T00:00:00+08:00"
        self_url = self.absolute(page.url)

        def ident(url: str) -> str:
            full = self.absolute(url)
            return full if "://" in full else "tag:sitegen," + "2025:" + full

        out = ['<?xml version="1.0" encoding="utf-8"?>',
               '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">',
               f"<title>{_xml_text(title)}</title>",
               f'<link rel="self" href="{_xml_attr(self_url)}"/>',
               f'<link rel="alternate" type="text/html" href="{_xml_attr(self.absolute(ctx["url"]))}"/>',
               f"<id>{_xml_text(ident(page.url))}</id>",
               f"<updated>{updated}</updated>"]
        for art in items:
            link = self.model.article_url[art.path]
            authors = people_of(art) or (self.config.site_title,)
            out += ["<entry>",
                    f"<title>{_xml_text(art.title)}</title>",
                    f'<link rel="alternate" type="text/html" href="{_xml_attr(self.absolute(link))}"/>',
                    f"<id>{_xml_text(ident(link))}</id>",
                    f"<updated>{art.date}T00:00:00+08:00</updated>",
                    *(f"<author><name>{_xml_text(a)}</name></author>" for a in authors[:3]),
                    *(f'<category term="{_xml_attr(t)}"/>' for t in art.topics),
                    f"<summary>{_xml_text(self.summary(art))}</summary>",
                    "</entry>"]
        out.append("</feed>")
        return "\n".join(out) + "\n"


def render_pages(model: SiteModel, config, only: set | None = None,
                 renderer: Renderer | None = None) -> Iterator[tuple[Page, bytes]]:
    """Yield (page, bytes) for every page (or only those whose output is in *only*)."""
    renderer = renderer or Renderer(model, config)
    for page in model.pages:
        if only is None or page.output in only:
            yield page, renderer.render(page)


def _page(ctx) -> Page:
    """Return the page being rendered from a template context."""
    try:
        return ctx["page"]
    except KeyError:
        raise RuntimeError("links need the page: import macros `with context`") from None
