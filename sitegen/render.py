"""Turn the site model into bytes: Jinja pages, Markdown bodies, SVG charts, Atom, sitemap.

Everything here is pure: nothing is written, nothing depends on the clock or the build machine.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    pass_context,
    select_autoescape,
)
from markupsafe import Markup, escape

from .config import Config
from .errors import SitegenError
from .model import Article
from .site import Page, SiteModel, people_of
from .theme import template_dirs

if TYPE_CHECKING:
    import xml.etree.ElementTree as etree

    import markdown
    import nh3
    from jinja2.bccache import Bucket
    from jinja2.runtime import Context

READ_CHARS_PER_MINUTE = 400
# The main menu when sitegen.toml names none: (name, path under the site root).
DEFAULT_MENU = [
    ("区县", "districts/"),
    ("专题", "topics/"),
    ("日期", "archive/"),
    ("记者", "people/"),
    ("搜索", "search/"),
]
SUMMARY_MAX = 120
_SENTENCE_END = re.compile(r"[。！？!?]”?")
_CAPTION = re.compile(r"^\s*(?:图|圖)\s*[：:]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_CJK_EDGE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


# ---------------------------------------------------------------- Markdown, sanitised

# What an article body may hold once rendered: nh3 (ammonia) removes every other tag and
# attribute (keeping the text), every URL of another scheme, and adds rel to links.
ALLOWED_TAGS = frozenset(
    {
        "p",
        "h2",
        "h3",
        "h4",
        "strong",
        "em",
        "a",
        "img",
        "ul",
        "ol",
        "li",
        "blockquote",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "figure",
        "figcaption",
        "br",
        "hr",
        "code",
        "pre",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})  # and relative URLs
LINK_REL = "noopener noreferrer"

_CAPTION_TEXT = re.compile(r"^\s*(?:图|圖)\s*[：:]")
_CJK_BREAK = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])\n"
    r"(?=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])"
)
_UNESCAPED_MARK = re.compile(r"^\\(\d+)([.)])|^\\(=+)\s*$", re.M)
_HEAD_TAG = re.compile(r"<h([234])>")
_IMG_WITHOUT_SRC = re.compile(r"<img\b(?![^>]*\ssrc=)[^>]*>")
_A_WITHOUT_HREF = f'<a rel="{LINK_REL}">'
_md: markdown.Markdown | None = None


def _markdown() -> markdown.Markdown:
    """Return the one Markdown converter (built on first use: importing Python-Markdown costs
    40 ms a build that renders no body does not pay), reset before each use."""
    global _md
    if _md is None:
        _md = _make_markdown()
    return _md


def _make_markdown() -> markdown.Markdown:
    import xml.etree.ElementTree as etree

    import markdown
    from markdown.extensions import Extension
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension
    from markdown.preprocessors import Preprocessor
    from markdown.treeprocessors import Treeprocessor

    class Marks(Preprocessor):
        """The importer escapes printed text that would read as Markdown with a backslash;
        Python-Markdown leaves one before a digit or '=' in place: make those escapes it reads."""

        def run(self, lines: list[str]) -> list[str]:
            return [_UNESCAPED_MARK.sub(_mark, line) if line.startswith("\\") else line for line in lines]

    class News(Treeprocessor):
        """A newspaper body: subheads from h2 down, `> 图：…` captions as figures (with the
        picture above them), lines of one paragraph joined without a space between Chinese
        characters, pictures loaded lazily."""

        def run(self, root: etree.Element) -> None:
            previous: etree.Element | None = None
            for el in list(root):
                tag = el.tag
                if tag == "h1" or tag in ("h5", "h6"):
                    el.tag = "h2" if tag == "h1" else "h4"
                caption = _caption_of(el)
                if caption is not None:
                    el.clear()
                    el.tag = "figure"
                    el.set("class", "caption")
                    picture = _lone_image(previous)
                    if picture is not None and previous is not None:
                        root.remove(previous)
                        el.append(picture)
                    el.append(caption)
                previous = el
            for el in root.iter():
                if el.tag in ("pre", "code"):
                    continue
                if el.text and "\n" in el.text:
                    el.text = _CJK_BREAK.sub("", el.text)
                if el.tail and "\n" in el.tail:
                    el.tail = _CJK_BREAK.sub("", el.tail)
                if el.tag == "img":
                    el.set("loading", "lazy")

    def _caption_of(el: etree.Element) -> etree.Element | None:
        """Return a figcaption for a `> 图：…` quote or a `图：…` paragraph, else None."""
        para = el
        if el.tag == "blockquote":
            if len(el) != 1 or el[0].tag != "p" or (el.text or "").strip():
                return None
            para = el[0]
        if para.tag != "p" or not _CAPTION_TEXT.match(para.text or ""):
            return None
        caption = etree.Element("figcaption")
        caption.text = para.text
        caption.extend(list(para))
        return caption

    def _lone_image(el: etree.Element | None) -> etree.Element | None:
        """Return the picture of a paragraph that holds one picture and nothing else."""
        if (
            el is None
            or el.tag != "p"
            or len(el) != 1
            or (el.text or "").strip()
            or el[0].tag != "img"
            or (el[0].tail or "").strip()
        ):
            return None
        picture = el[0]
        picture.tail = None
        return picture

    class NewsExtension(Extension):
        def extendMarkdown(self, md: markdown.Markdown) -> None:
            # Raw HTML is text: a dump's <script> shows as written (nh3 would remove it anyway).
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
            md.preprocessors.register(Marks(md), "importer_marks", 25)
            md.treeprocessors.register(News(md), "news", 15)

    return markdown.Markdown(
        extensions=[TableExtension(use_align_attribute=True), SaneListExtension(), NewsExtension()],
        output_format="html",
    )


def _python_markdown_html(body: str) -> str:
    md = _markdown()
    try:
        return md.reset().convert(body)
    finally:
        md.reset()


def _mark(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return f"{match.group(1)}\\{match.group(2)}"  # \1. → 1\. : a number, not a list
    return "&#61;" + match.group(3)[1:]  # \=== → &#61;== : not a heading underline


@functools.lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    import nh3

    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        allowed_classes={"figure": {"caption"}},
        strip_comments=True,
    )


def sanitize(html: str) -> str:
    """Keep only the allowed tags, attributes and URL schemes of *html* (nh3, an allow-list)."""
    return _cleaner().clean(html)


# A character with a meaning in Markdown or in HTML, one Python-Markdown rewrites (tabs,
# carriage returns, its own placeholders), or one an HTML parser may change (controls, the
# no-break space nh3 writes as &nbsp;, noncharacters): a body holding one goes to
# Python-Markdown and nh3.
_MARKUP_CHAR = re.compile(r"[\\`*_\[\]<>&|#~\x00-\x09\x0b-\x1f\x7f-\xa0\ufdd0-\ufdef\ufffe\uffff]")
_PLAIN_HEADING = re.compile(r"(#{2,4}) ([^\s#][^\n#]*)")
_LIST_NUMBER = re.compile(r"\d+\.")


def _plain_body_html(body: str) -> str | None:
    """The HTML Python-Markdown and the News treeprocessor make of *body*, and nh3 leaves as it
    is, when *body* is only paragraphs of plain text and `## ` subheads, one blank line apart;
    None for anything else.

    Why: most imported bodies are just that, and Python-Markdown's block and inline processors
    scan each of their paragraphs with some twenty patterns.  `markdown_to_html` over the 10,000
    bodies of the realistic corpus (scripts/gen_corpus.py): 3.83 s through Python-Markdown and
    nh3, 0.17 s through this; a cold build went from 29.1 to 24.9 s (render 17.0 -> 9.5 s on two
    cores).  tests/test_markdown.py holds this equal to Python-Markdown and nh3 on every line of
    the sample dumps, on every character that matters put into a line, and on generated bodies.
    """
    parts: list[str] = []
    for block in body.strip("\n").split("\n\n"):
        heading = _PLAIN_HEADING.fullmatch(block) if block.startswith("#") else None
        if heading is not None:
            level, text = len(heading.group(1)), heading.group(2)
            if text[-1].isspace() or _MARKUP_CHAR.search(text):
                return None
            parts.append(f"<h{level}>{text}</h{level}>")
            continue
        if _MARKUP_CHAR.search(block) or _CAPTION_TEXT.match(block):
            return None
        for line in block.split("\n"):  # (">" is a markup character already)
            if not line or line[0].isspace() or line[-1].isspace() or line[0] in "-+=" or _LIST_NUMBER.match(line):
                return None
        if "\n" in block:
            block = _CJK_BREAK.sub("", block)
        parts.append(f"<p>{block}</p>")
    return "\n".join(parts)


def markdown_to_html(body: str) -> str:
    """Render an article body: Python-Markdown (tables, lists, links, emphasis, pictures; raw
    HTML stays text), then nh3 with an allow-list.  Subheads get ids s1, s2, … in order.  A
    body of plain paragraphs and subheads skips both (`_plain_body_html`): they would give it
    back as it is."""
    html = _plain_body_html(body)
    if html is None:
        html = _sanitized_markdown(body)
    counter = iter(range(1, 1 << 30))
    return _HEAD_TAG.sub(lambda m: f'<h{m.group(1)} id="s{next(counter)}">', html)


def _sanitized_markdown(body: str) -> str:
    html = sanitize(_python_markdown_html(body))
    if "<img" in html:  # a picture whose address was not allowed: gone (an img needs a src)
        html = _IMG_WITHOUT_SRC.sub("", html)
    html = html.replace(_A_WITHOUT_HREF, "<a>")  # a link whose address was not allowed: its text
    return html.replace('<figure class="caption">\n', '<figure class="caption">').replace(
        "</figcaption>\n</figure>", "</figcaption></figure>"
    )


# ---------------------------------------------------------------- the lede

# A byline opening the body, as the importer writes it from the page: 株洲日报讯(全媒体记者/…),
# 株洲日报(通讯员/…), 株洲日报全媒体记者/…, 株洲日报·掌上株洲记者/…, 本报讯 (sitegen.credits
# recognises the same forms while importing; this needs no character folding tables).
_BYLINE_FOLDS = {"（": "(", "）": ")", "／": "/", "\u3000": " ", "：": ":", "・": "·", "•": "·"}
_BYLINE_FOLDED = re.compile("[" + "".join(_BYLINE_FOLDS) + "]")


def _fold_byline(text: str) -> str:
    """*text* with full-width brackets, slash, colon, space and dots as the byline patterns
    read them.  (str.translate with a table took 19 µs a paragraph of the realistic corpus, this
    1.5 µs; the translations were 0.43 s of 6.6 s rendering every sixth page of its 10,000-article
    site under cProfile, since every card's summary reads a body's paragraphs.)"""
    return _BYLINE_FOLDED.sub(lambda m: _BYLINE_FOLDS[m.group()], text)


_OUTLET = (
    r"(?:[□■◆]\s*)?(?:株洲日报社?|株洲晚报|株洲新闻网|本报|掌上株洲|[\u4e00-\u9fff]{2,8}?(?=讯))?(?:\s*·?\s*掌上株洲)?"
)
_ROLE = r"(?:全媒体|新媒体|融媒体|首席|见习|摄影)?(?:记者|通讯员|实习生|摄影|编辑)"
_BYLINE_BRACKET = re.compile(rf"^{_OUTLET}\s*讯?\s*\(\s*([^()]{{0,60}}?{_ROLE}[^()]{{0,80}}?)\)\s*")
_BYLINE_BARE = re.compile(rf"^{_OUTLET}\s*讯?\s*{_ROLE}\s*/?\s*[\u4e00-\u9fff][^。！？!?]*$")
_BYLINE_ANON = re.compile(r"^(?:本报讯|株洲日报讯|株洲日报·掌上株洲讯)\s*")
_PHOTO_CREDIT = re.compile(
    rf"^\(?\s*(?:{_OUTLET}\s*)?(?:{_ROLE}\s*/?\s*)?[\u4e00-\u9fff·\s/、]{{2,30}}?"
    r"\s*/?\s*(?:摄影报道|供图|摄)\s*\)?\s*$"
)
_INLINE_PHOTO = re.compile(r"[(（]\s*[\u4e00-\u9fff]{2,4}\s*摄\s*[)）]")


def split_byline(paragraph: str) -> tuple[str, str] | None:
    """If *paragraph* opens with a byline, return (the byline, the text after it)."""
    text = paragraph.strip()
    folded = _fold_byline(text)
    match = _BYLINE_BRACKET.match(folded)
    if match:
        return text[: match.end()].strip(), text[match.end() :].strip()
    if len(folded) <= 60 and _BYLINE_BARE.match(folded):
        return text, ""
    match = _BYLINE_ANON.match(folded)
    if match:
        return text[: match.end()].strip(), text[match.end() :].strip()
    return None


def _blocks(body: str) -> list[str]:
    return [b.strip("\n") for b in re.split(r"\n[ \t]*\n", body.replace("\r\n", "\n")) if b.strip()]


def body_without_byline(article: Article) -> str:
    """Return the body without the byline it opens with, when the credit line above the body
    names everyone it names (else the byline is the only place a name shows: it stays)."""
    body = article.body
    blocks = _blocks(body)
    if not blocks:
        return body
    split = split_byline(blocks[0])
    if split is None or not _credited(split[0], article):
        return body
    blocks[0] = split[1]
    return "\n\n".join(b for b in blocks if b)


_NOT_NAMES = re.compile(rf"{_OUTLET}|{_ROLE}|讯|摄影报道|供图|摄|[\s()/、,，·.:：;；]")


def _credited(byline: str, article: Article) -> bool:
    names = (*article.reporters, *article.correspondents, *article.photographers)
    if not names:
        return False
    rest = _fold_byline(byline)
    for name in sorted(names, key=len, reverse=True):
        rest = rest.replace(name, "")
    return not _NOT_NAMES.sub("", rest)


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\*)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>=])")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _plain(block: str) -> str:
    """Return a Markdown paragraph as plain text: lines joined, marks removed."""
    text = _join(block.split("\n"))
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EM.sub(r"\1", text)
    return _MD_ESCAPE.sub(r"\1", text).strip()


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if out and line and not (_CJK_EDGE.match(out[-1]) and _CJK_EDGE.match(line[0])):
            out += " "
        out += line
    return out


def plain_paragraphs(body: str) -> list[str]:
    """Return the body's ordinary paragraphs as plain text: no byline, subhead, caption,
    credit, picture, list or table, and no Markdown marks."""
    return list(_plain_paragraphs(body))


def _plain_paragraphs(body: str) -> Iterator[str]:
    first_found = False
    for block in _blocks(body):
        first = block.lstrip()
        if first.startswith(("#", ">", "|", "```", "    ")) or _CAPTION.match(first) or _MD_LIST.match(first):
            continue
        if not first_found:
            split = split_byline(first)
            if split is not None:
                first = split[1]
        text = _plain(first)
        if not text or _PHOTO_CREDIT.match(_fold_byline(text)) or _INLINE_PHOTO.search(text) or _CAPTION.match(text):
            continue
        first_found = True
        yield text


def summarize(body: str, limit: int = SUMMARY_MAX) -> str:
    """Return the lede: the opening of the first ordinary paragraph (never a byline, credit,
    caption or subhead), cut at a sentence end (。！？) within *limit* characters."""
    text = next(_plain_paragraphs(body), "")
    if len(text) <= limit:
        return text
    best = None
    for match in _SENTENCE_END.finditer(text):
        if match.end() > limit:
            break
        best = match.end()
    if best:
        return text[:best]
    first = _SENTENCE_END.search(text)
    if first and first.end() <= limit * 2:
        return text[: first.end()]
    return text[:limit] + "…"


# The summary of an article read whole (a body edit's, a test's): a build's StoredArticles keep
# theirs, made when they were parsed (`content.summary_of`).  Bounded, so a long `sitegen serve`
# keeps only the summaries of recent bodies.
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


def date_iso(date: str, precision: str = "day") -> str:
    """Return the machine-readable date as much as is known: 2025-04-22, 2025-04 or 2025."""
    return date[:4] if precision == "year" else date[:7] if precision == "month" else date[:10]


def page_numbers(current: int, count: int, around: int = 2) -> list[int | None]:
    """Return the page numbers a pager shows: the first, the last and *around* either side of
    the current one, None where numbers are left out (1 … 4 5 6 7 8 … 20)."""
    keep = {1, count, *range(current - around, current + around + 1)}
    out: list[int | None] = []
    for n in range(1, count + 1):
        if n in keep:
            out.append(n)
        elif out and out[-1] is not None:
            out.append(None)
    return out


def page_path(base: str, number: int) -> str:
    """Return the path of page *number* of the listing at *base*."""
    return base if number == 1 else f"{base}page/{number}/"


_CHART_W, _CHART_H, _CHART_TOP, _CHART_BOTTOM = 320, 136, 16, 36


def month_chart(counts: dict, months: Iterable[str], label: str = "") -> Markup:
    """Draw articles per month (per year over more than 18 months) as a labelled inline SVG bar
    chart: every count written above its bar, months (or years) below, the year under the
    months; a caption sums it up and a table holds the figures as text (no script)."""
    months = list(months)
    if not months:
        return Markup("")
    if len(months) <= 18:  # (full name, axis label, year label or '', count)
        buckets = [
            (month_cn(m), f"{int(m[5:7])}月", m[:4] + "年" if i == 0 or m[5:7] == "01" else "", counts.get(m, 0))
            for i, m in enumerate(months)
        ]
        unit = "月"
    else:
        years: dict = {}
        for m in months:
            years[m[:4]] = years.get(m[:4], 0) + counts.get(m, 0)
        buckets = [(f"{y}年", f"{y}年", "", n) for y, n in years.items()]
        unit = "年"
    total = sum(counts.get(m, 0) for m in months)
    top = max([b[3] for b in buckets] + [1])
    step = _CHART_W / len(buckets)
    base = _CHART_H - _CHART_BOTTOM
    plot = base - _CHART_TOP
    every = max(1, -(-len(buckets) * 30 // _CHART_W))  # a label every k buckets: 30 units each

    def text(x: float, y: float, words: str, cls: str = "") -> str:
        anchor = ' text-anchor="start"' if x < 16 else ' text-anchor="end"' if x > _CHART_W - 16 else ""
        x = 1 if x < 16 else _CHART_W - 1 if x > _CHART_W - 16 else x
        return f'<text{cls} x="{x:.1f}" y="{y:.1f}"{anchor}>{escape(words)}</text>'

    parts = [f'<line x1="0" y1="{base}" x2="{_CHART_W}" y2="{base}"/>']
    for i, (_, name, year, n) in enumerate(buckets):
        x = i * step
        mid = x + step / 2
        if n:
            h = max(1.0, round(n / top * plot, 1))
            parts.append(
                f'<rect x="{x + step * 0.15:.1f}" y="{base - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}"/>'
            )
            parts.append(text(mid, base - h - 3, str(n), ' class="n"'))
        if i % every == 0:
            parts.append(text(mid, base + 13, name))
        if year:
            parts.append(
                f'<text class="y" x="{max(x + step * 0.15, 1):.1f}" y="{base + 29}" text-anchor="start">{year}</text>'
            )
    busiest = [b for b in buckets if b[3] == top]
    caption = f"{label}{month_cn(months[0])}至{month_cn(months[-1])}共 {total} 篇"
    if total:
        caption += f"，单{unit}最多 {top} 篇" + (f"（{busiest[0][0]}）" if len(busiest) == 1 else "")
    rows = "".join(f'<tr><th scope="row">{month_cn(m)}</th><td>{counts[m]}</td></tr>' for m in months if counts.get(m))
    table = (
        (
            f'<details class="chart-data"><summary>按月数据</summary><table><caption>{escape(label)}每月文章数</caption>'
            f'<thead><tr><th scope="col">月份</th><th scope="col">篇数</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></details>"
        )
        if rows
        else ""
    )
    return Markup(
        f'<figure class="chart-figure"><svg class="chart" viewBox="0 0 {_CHART_W} {_CHART_H}" '
        f'text-anchor="middle" aria-hidden="true" focusable="false">' + "".join(parts) + "</svg>"
        f"<figcaption>{escape(caption)}</figcaption></figure>{table}"
    )


# ---------------------------------------------------------------- Jinja


def _xml_text(text: str) -> str:
    """Escape text for an XML element (xml.sax.saxutils would import urllib.request: 20 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attr(text: str) -> str:
    """Escape text for a double-quoted XML attribute."""
    return _xml_text(text).replace('"', "&quot;")


# A card is drawn for a page this deep; the links in it start with _CARD_LINKS (`Renderer.card`).
_CARD_DEPTH = 9
_CARD_LINKS = "../" * _CARD_DEPTH


def relative_link(page_url: str, path: str = "") -> str:
    """Return the link from the page at *page_url* to *path*, both relative to the site root.

    One '../' per folder level of the page, so the bytes of a page depend only on its depth
    and the site works under any base URL and from file://.
    """
    return ("../" * page_url.count("/") + path.lstrip("/")) or "./"


class _CompiledTemplates(BytecodeCache):
    """Compiled templates kept by this process, in front of the cache folder's copies: a
    process that builds again (the preview server, a test session) neither compiles a template
    nor reads it back from disk a second time.  Jinja names each entry by the template's path
    and the checksum of its source, so an edited template is compiled anew."""

    _memory: ClassVar[dict[tuple[str, str], CodeType]] = {}

    def __init__(self, folder: Path | None) -> None:
        self.disk = FileSystemBytecodeCache(str(folder)) if folder is not None else None

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._memory.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = code
            return
        if self.disk is not None:
            self.disk.load_bytecode(bucket)
            if bucket.code is not None:
                self._memory[bucket.key, bucket.checksum] = bucket.code

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._memory[bucket.key, bucket.checksum] = bucket.code
        if self.disk is not None:
            self.disk.dump_bytecode(bucket)


def _bytecode_cache(config: Config) -> _CompiledTemplates:
    """Return the cache of compiled templates (the cache folder's, when it can be made):
    compiling them costs a one-article rebuild more than rendering its pages."""
    folder = Path(config.cache_dir) / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return _CompiledTemplates(None)
    return _CompiledTemplates(folder)


def template_error(exc: TemplateError, page: Page, templates_dir: Path) -> SitegenError:
    """Return a template failure as `template:line: message (hint)`, never a traceback: the
    line is where the template itself went wrong (for a failure while rendering, the
    innermost template frame of the traceback)."""
    if isinstance(exc, TemplateNotFound):
        missing = exc.name if isinstance(exc.name, str) else page.template
        return SitegenError(
            templates_dir / missing,
            None,
            "template not found",
            f"page '{page.output}' needs it; add it to {templates_dir.name}/ or restore it",
        )
    if isinstance(exc, TemplateSyntaxError):
        source = exc.filename or str(templates_dir / (exc.name or page.template))
        return SitegenError(
            source,
            exc.lineno,
            f"template syntax error: {exc.message}",
            "check the {% %} and {{ }} tags around that line",
        )
    where, line = templates_dir / page.template, None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".txt")):
            where, line = Path(filename), lineno
    return SitegenError(
        where,
        line,
        f"template failed on page '{page.output}': {exc}",
        "a variable or filter the template uses is not there",
    )


class Renderer:
    """Render pages of one model with one Jinja environment (caches per-article work)."""

    def __init__(self, model: SiteModel, config: Config) -> None:
        self.model = model
        self.config = config
        self.base = config.base_url if config.base_url.endswith("/") else config.base_url + "/"
        self.base_path = urlsplit(self.base).path or "/"
        env = Environment(
            loader=FileSystemLoader([str(d) for d in template_dirs(config)]),
            autoescape=select_autoescape(["html", "xml"], default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=StrictUndefined,
            auto_reload=False,
            bytecode_cache=_bytecode_cache(config),
        )
        menu = self.menu()
        env.globals.update(
            url=self.url,
            site={"title": config.site_title, "description": config.site_description},
            og_image=self.absolute("static/og.png"),  # made by scripts/make_og_image.py
            chart=month_chart,
            month_cn=month_cn,
            date_cn=date_cn,
            district_url=self._slug_url(model.district_slugs, "{}/", optional=True),
            district_path=lambda name: f"{model.district_slugs[name]}/" if name in model.district_slugs else None,
            topic_url=self._slug_url(model.topic_slugs, "topic/{}/"),
            tag_url=self._slug_url(model.tag_slugs, "tag/{}/", optional=True),
            person_url=self._slug_url(model.person_slugs, "people/{}/", optional=True),
            people_of=people_of,
            card=self.card,
            partial_cached=self.partial_cached,
            page_numbers=page_numbers,
            page_path=page_path,
            lang=config.language,
            og_locale=config.language.replace("-", "_"),
            menu=menu,
            menu_urls=frozenset(["", *(m["url"] for m in menu if not m["external"])]),
            preview=bool(config.preview),
            tags_on=config.taxonomy_on("tags"),
            people_on=config.taxonomy_on("people"),
        )
        env.filters.update(
            href=self.href,
            summary=self.summary,
            body_html=self.body_html,
            when=lambda a: date_cn(a.date, a.date_precision),
            iso=lambda a: date_iso(a.date, a.date_precision),
            minutes=self.minutes,
        )
        self.env = env
        self._cards: dict[tuple[str, int, bool], str] = {}
        self._partials: dict[tuple[str, tuple[object, ...]], Markup] = {}
        self._card_macros: dict[int | None, Callable[[Article, int], Markup]] = {}

    def menu(self) -> list[dict]:
        """Return the main menu after 首页: config.menu, else the built-in one; never a link to
        a taxonomy that is off.  An item's url is relative to the site root, or absolute."""
        items = [(m.name, m.url) for m in self.config.menu] or DEFAULT_MENU
        off = [
            prefix for name, prefix in (("tags", "tag/"), ("people", "people/")) if not self.config.taxonomy_on(name)
        ]
        out = []
        for name, url in items:
            external = bool(re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.I))
            path = url.lstrip("/") if not external else url
            if not external and any(path.startswith(prefix) for prefix in off):
                continue
            out.append({"name": name, "url": path, "external": external})
        return out

    def _slug_url(self, slugs: dict[str, str], pattern: str, optional: bool = False) -> Callable[..., str | None]:
        """Return a template function: name -> link to its page from the page being rendered.

        With *optional*, an unknown name gives None (a district outside the gazetteer has no page).
        """

        @pass_context
        def link(ctx: Context, name: str) -> str | None:
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
    def url(self, ctx: Context, path: str = "") -> str:
        """Template function: the link from the page being rendered to *path*."""
        return self.link(_page(ctx), path)

    @pass_context
    def href(self, ctx: Context, article: Article) -> str:
        """Template filter: the link from the page being rendered to *article*."""
        return self.link(_page(ctx), self.model.article_url[article.path])

    @pass_context
    def card(self, ctx: Context, article: Article, level: int = 2) -> Markup:
        """Template function: the card of *article* (macro article_card), rendered once per
        heading level: an article shows as a card on a dozen pages.  Links from a page differ
        only by its depth (`relative_link`), so a card is kept as drawn for a page _CARD_DEPTH
        folders deep, and each page gets it with its own number of '../' (kept per depth, the
        cards held about 300 MiB of each render worker at 100,000 articles)."""
        page = _page(ctx)
        rooted = page.kind == "404"  # links from the root: a card of its own
        key = (article.path, level, rooted)
        html = self._cards.get(key)
        if html is None:
            drawn_for = page if rooted else replace(page, url="_/" * _CARD_DEPTH)
            macro = self._card_macro(drawn_for, None if rooted else _CARD_DEPTH)
            html = self._cards[key] = str(macro(article, level))
        # str.replace: Markup's would escape its arguments and wrap its result, a tenth of
        # the render workers' time in markupsafe
        return Markup(html if rooted else html.replace(_CARD_LINKS, "../" * page.url.count("/")))

    @pass_context
    def partial_cached(self, ctx: Context, name: str, *variant: object) -> Markup:
        """Template function: template *name* rendered with the page's context, once per
        *variant* (Hugo's partialCached): the variant must name everything the partial shows
        that differs between pages.  The site's header and footer, the same on every page of a
        depth, took an eighth of the render's time (10,000 articles, 17,887 pages)."""
        key = (name, variant)
        html = self._partials.get(key)
        if html is None:
            html = self._partials[key] = Markup(self.env.get_template(name).render(ctx.get_all()))
        return html

    def _card_macro(self, page: Page, depth: int | None) -> Callable[[Article, int], Markup]:
        macro = self._card_macros.get(depth)
        if macro is None:
            module = self.env.get_template("_macros.html").make_module({"page": page})
            # a macro is an attribute of the template's module, which jinja2's annotations cannot name
            macro = self._card_macros[depth] = module.article_card  # type: ignore[attr-defined]
        return macro

    def summary(self, article: Article) -> str:
        from .content import summary_of

        return summary_of(article)

    def body_html(self, article: Article) -> Markup:
        return Markup(markdown_to_html(body_without_byline(article)))

    def minutes(self, article: Article) -> int:
        return reading_minutes(article.body)

    def render(self, page: Page) -> bytes:
        """Render one page to bytes."""
        if page.template == "atom":
            return self.atom(page).encode("utf-8")
        if page.template == "sitemap":
            return self._sitemap("urlset", "url", page.context["urls"])
        if page.template == "sitemapindex":
            return self._sitemap("sitemapindex", "sitemap", page.context["parts"])
        if page.template == "robots":
            return f"User-agent: *\nAllow: /\nSitemap: {self.absolute('sitemap.xml')}\n".encode()
        try:
            return self._render_template(page)
        except TemplateError as exc:
            raise template_error(exc, page, Path(self.config.templates_dir)) from None

    def _sitemap(self, root: str, item: str, paths: Iterable[str]) -> bytes:
        """A sitemap (*root* urlset, of *item* url) or a sitemap index (sitemapindex, of
        sitemap): each of *paths*, under the site root, as the absolute `<loc>` of an item."""
        locs = "".join(f"<{item}><loc>{_xml_text(self.absolute(p))}</loc></{item}>\n" for p in paths)
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{locs}</{root}>\n"
        ).encode()

    def _render_template(self, page: Page) -> bytes:
        template = self.env.get_template(page.template)
        banner = None
        article = page.context.get("article")
        if article is not None and article.path in self.model.flagged:
            banner = "预览：这篇文章是草稿或尚未到发布日期，正式构建不会发布。"
        # home: the link to the site root; root: what goes before a path to link to it, the
        # same as url(path) without a call per link (the chrome of every page has a dozen)
        home = self.link(page)
        html = template.render(
            page.context,
            page=page,
            canonical=self.absolute(page.url) if page.kind != "404" else None,
            preview_banner=banner,
            home=home,
            root="" if home == "./" else home,
        )
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

        out = [
            '<?xml version="1.0" encoding="utf-8"?>',
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{_xml_attr(self.config.language)}">',
            f"<title>{_xml_text(title)}</title>",
            f'<link rel="self" href="{_xml_attr(self_url)}"/>',
            f'<link rel="alternate" type="text/html" href="{_xml_attr(self.absolute(ctx["url"]))}"/>',
            f"<id>{_xml_text(ident(page.url))}</id>",
            f"<updated>{updated}</updated>",
        ]
        for art in items:
            link = self.model.article_url[art.path]
            authors = people_of(art) or (self.config.site_title,)
            out += [
                "<entry>",
                f"<title>{_xml_text(art.title)}</title>",
                f'<link rel="alternate" type="text/html" href="{_xml_attr(self.absolute(link))}"/>',
                f"<id>{_xml_text(ident(link))}</id>",
                f"<updated>{art.date}T00:00:00+08:00</updated>",
                *(f"<author><name>{_xml_text(a)}</name></author>" for a in authors[:3]),
                *(f'<category term="{_xml_attr(t)}"/>' for t in art.topics),
                f"<summary>{_xml_text(self.summary(art))}</summary>",
                "</entry>",
            ]
        out.append("</feed>")
        return "\n".join(out) + "\n"


def _page(ctx: Context) -> Page:
    """Return the page being rendered from a template context."""
    try:
        return ctx["page"]
    except KeyError:
        raise RuntimeError("links need the page: import macros `with context`") from None
