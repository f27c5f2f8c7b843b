"""Split one page dump into articles: headlines, bylines, photo items, subheads, furniture.

The page is first reduced to *blocks* (a non-blank line, or a paragraph re-joined across
a column break), each classified once; segmentation then walks the blocks in order.
Every non-blank line of the dump ends in exactly one article or in the page furniture.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, get_args

from .credits import Credits, credits_in_caption, is_credit_line, parse_credit_text, split_byline, split_caption_credit
from .text import fold, squeeze

_SENTENCE_END = tuple("。！？!?…；;:：，,、")
_LEAD_START = re.compile(r"^(近日|日前|当天|今年|去年|昨天|今天|据|本报|\d{1,2}月\d{1,2}日|\d{4}年|\d{1,2}日)")
# A Markdown heading: '#' marks, then a space, or (written carelessly) the headline's first character
# straight after them (#龙头铺街道…); a hashtag (#话题#) is no heading.
_MD_HEADING = re.compile(r"^(#{1,6})(?:\s+|(?=[\u4e00-\u9fff“\"《【(（])(?!.*#$))(.*)$")
# A setext underline: a headline-like line right above a line of = (level 1) or - (level 2).
_SETEXT = re.compile(r"^(=+|-+)$")
_NARROW = 16
# Leading decoration a scraper or an editor leaves before a line: list bullets, squares.
# (▲ ▼ stay: they point a caption at its picture.)
_BULLET = re.compile(r"^\s*(?:[•·●▪‧∙・◆◇■□○◎✦✧★☆◦‣⁃∘▸►▹→➤➢]|[*\-+](?=\s))\s*")
# An in-body tag such as 【开栏语】 or 【编者按】: a heading inside an article, never a headline.
_TAG = re.compile(r"^\[[^\[\]]{2,8}\]$")
# A line opening with an arrow (▲ 志愿者在…) points at a picture: it is a caption.
_POINTERS = ("▲", "▼", "△", "▽", "◀", "▶")
# What a block of the page is (make_blocks classifies each once).
BlockKind = Literal["heading", "subtitle", "byline", "credit", "caption", "para", "furniture", "label"]
# What a line of an article's body is: ParsedArticle.body holds (kind, text).
BodyKind = Literal["para", "subhead", "caption", "credit"]
# The family of a line that is not article text: data/line_patterns.yaml's labels, and those
# label_page gives (site, reprint, markup).
LineLabel = Literal[
    "navigation",
    "source",
    "pubtime",
    "header",
    "prompt",
    "site",
    "menu",
    "links",
    "reprint",
    "section",
    "furniture",
    "markup",
]
# A block's label: its lines' family, or "headline piece" (a short line that completes a headline).
BlockLabel = LineLabel | Literal["headline piece"]
# Labels of lines that belong to the web site rather than to any article.
SITE_LABELS: frozenset[LineLabel] = frozenset({"navigation", "source", "pubtime", "site", "links", "prompt", "menu"})
_DATA = Path(__file__).parent / "data"


@functools.lru_cache(maxsize=1)
def line_patterns() -> tuple[tuple[LineLabel, re.Pattern[str], str], ...]:
    """Load the whole-line patterns (label, regex, reason) from data/line_patterns.yaml."""
    import yaml

    entries = yaml.load(
        (_DATA / "line_patterns.yaml").read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    unknown = {e["label"] for e in entries} - set(get_args(LineLabel))
    if unknown:
        raise ValueError(f"data/line_patterns.yaml: unknown labels {sorted(unknown)}")
    return tuple((e["label"], re.compile(e["pattern"]), e["reason"]) for e in entries)


# Text a dump may carry that no reader sees: terminal escapes, control and zero-width
# characters, HTML tags, comments and entities (a page saved as source).
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2060\ufeff]")
# Tags wrapping a line (<p>…</p>, <div class=…>) are the saved page's markup; tags inside a
# sentence stay as printed text (the renderer escapes them).
_EDGE_TAGS = re.compile(r"^(?:\s*</?[a-zA-Z][^<>]*>)+|(?:</?[a-zA-Z][^<>]*>\s*)+$")
# A whole line wrapped in Markdown emphasis (**…**, __…__): the marks are markup, not printed text.
_MD_EMPHASIS = re.compile(r"^(\*\*|__)(?=\S)(.+?)(?<=\S)\1$")
_MARKUP_LINE = re.compile(r"^\s*<(!doctype|html|head|meta|link|script|style|/?body|/html|/head|!--)", re.I)


def clean_line(line: str) -> str:
    """Strip indentation, bullets, control characters and HTML markup from a dump line."""
    text = _CONTROL.sub("", _ANSI.sub("", line))
    if "<" in text:
        text = _EDGE_TAGS.sub("", text)
    if "&nbsp;" in text:
        text = text.replace("&nbsp;", " ")
    text = _BULLET.sub("", text.replace("\xa0", " ").strip()).strip()
    match = _MD_EMPHASIS.match(text)
    return match.group(2).strip() if match else text


def line_label(text: str) -> LineLabel | None:
    """Label a cleaned line that is not article text (see data/line_patterns.yaml), or None."""
    folded = fold(text).strip()
    if "[" in folded:
        # A text browser numbers the links it shows ([5]上一篇 [6]下一篇), and a page saved as
        # Markdown wraps them ([首页](http://…)): only the links' words are read.
        folded = _LINK_NUMBER.sub(" ", _MD_LINK.sub(r"\1", folded)).strip()
    heading = _MD_HEADING.match(folded)
    if heading:
        folded = heading.group(2).strip()
    if not folded:
        return None
    for label, pattern, _ in line_patterns():
        if pattern.search(folded):
            return label
    mark = _REPRINT_MARK.match(folded)
    if mark and line_label(text[mark.end() :]) is not None:
        return "reprint"  # 【轉載】株洲日報 2023年7月18日: a reprint marker before a page header
    items = [t for t in re.split(r"[\s\[\]|:▸►▹→«»〈〉<>‹›]+", folded) if t]
    if len(items) >= 2 and all(_NAV_ITEM.match(t) for t in items):
        return "navigation"  # 【打印本页】 【关闭窗口】: several page controls on one line
    if _is_menu(folded):
        return "menu"
    return None


_LINK_NUMBER = re.compile(r"\[\d{1,3}\](?=\S)")
_MD_LINK = re.compile(r"(?<!!)\[([^\[\]]*)\]\([^()\s]*\)")
_NAV_ITEM = re.compile(
    r"^(上一篇|下一篇|上一版|下一版|返回目录|返回首页|返回顶部|打印本页|打印|关闭窗口|关闭|收藏|分享|"
    r"字号|字体|大|中|小|放大|缩小|默认|推荐|纠错|评论|首页|版面导航|往期回顾|上一张|下一张|上一组|下一组|"
    r"查看原图|返回[\u4e00-\u9fff]{0,6})[:]?$"
)


def _is_menu(folded: str) -> bool:
    """A site menu: one line of four or more short section names separated by spaces or bars."""
    if re.search(r"[,.;:!?\"<>()]", folded) or re.search(r"\d", folded):
        return False
    if re.search(r"记者|通讯员|实习生|摄影", folded):
        return False  # 通讯员/罗一帆 贺敏 严格: names after a role are a byline, not section names
    folded = re.sub(r"[┊┆│┃丨]", "|", folded)  # the bars a site draws between its sections
    items = [t for t in re.split(r"[\s|/]+", folded) if t]
    if (
        len(items) >= 3
        and len(items) == folded.count("|") + 1
        and all(2 <= len(t) <= 8 for t in items)
        and len(set(items)) == len(items)
    ):
        return True  # 掌上株洲 | 株洲新闻网 | 数字报: three or more names between bars are site links
    return len(items) >= 4 and all(2 <= len(t) <= 6 for t in items) and len(set(items)) == len(items)


@dataclass(frozen=True)
class Block:
    """A unit of the page: one printed line or a paragraph joined across column breaks."""

    kind: BlockKind
    text: str  # printed text (Markdown '#' marks removed for headings)
    first: int  # 1-based line numbers in the dump
    last: int
    gap_before: int  # blank lines before the block
    gap_after: int
    md_level: int = 0  # '#' count when the dump marked the line as a Markdown heading
    lines: tuple[int, ...] = ()
    label: BlockLabel | None = None  # for furniture: which pattern family (navigation, source, ...)
    forced: bool = False  # a headline by position (above archive navigation)
    region: int = 0  # archive article region: the lines between its navigation bars
    narrow: bool = False  # a paragraph printed in a narrow column (a run of short lines)
    bullet: bool = False  # the printed line opens with a brief's mark (■ ● ◆ ▪)
    fragment: bool = False  # a fragment of an interleaved column (it may carry on the text above)


@dataclass
class ParsedArticle:
    """An article as segmentation found it, before metadata is inferred."""

    title: str | None
    title_line: int | None
    kicker: str | None = None
    subtitle: str | None = None
    section: str | None = None  # section label naming a district or street
    byline: str | None = None
    credits: Credits = field(default_factory=Credits)
    body: list[tuple[BodyKind, str]] = field(default_factory=list)  # (kind, text)
    lines: set[int] = field(default_factory=set)
    closed: bool = False
    region: int = 0  # archive article region (see label_page), 0 outside
    flags: list[str] = field(default_factory=list)

    @property
    def has_byline(self) -> bool:
        return self.byline is not None

    @property
    def source_lines(self) -> tuple[int, int]:
        return (min(self.lines), max(self.lines)) if self.lines else (0, 0)


@dataclass(frozen=True)
class SegmentedPage:
    """The segmentation of one dump."""

    articles: tuple[ParsedArticle, ...]
    furniture: tuple[tuple[int, str], ...]  # (line, text)
    labels: tuple[tuple[int, str], ...]  # section labels used as metadata


def heading_features(text: str) -> dict[str, int]:
    """Score the features that tell a stand-alone headline line from body text.

    Each entry is one named piece of evidence; a line reads as a headline when the sum is
    positive.  Position evidence (a line standing right above navigation or a byline) is
    added by the caller, which sees the neighbours.
    """
    folded = fold(text)
    features = {"short line": 1}
    if len(text) > 40:
        features["longer than a headline (40+)"] = -6
    if len(text) < 2:
        features["a single character"] = -6
    if folded.endswith(_SENTENCE_END) or folded.endswith(("。", ".")):
        features["closes like a sentence"] = -6
    if _LEAD_START.match(folded):
        features["opens like a news lead (近日, 4月21日…)"] = -6
    if folded[:1] in tuple(",.;:)]>、"):
        features["opens with punctuation (a broken line)"] = -6
    if text.count("，") + text.count(",") + folded.count(".") >= 2:
        features["two or more commas"] = -6
    if credits_in_caption(text).photographers or split_caption_credit(text) is not None:
        features["carries a photo credit (a caption)"] = -6
    return features


@functools.lru_cache(maxsize=8192)  # pure, and asked of each line several times
def _looks_heading(text: str) -> bool:
    """Tell whether a stand-alone line reads like a headline rather than body text."""
    return sum(heading_features(text).values()) > 0


@dataclass(frozen=True)
class PageLine:
    """One non-blank line of the dump, cleaned and labelled."""

    number: int
    text: str  # indentation and bullets removed
    gap: int  # blank lines before it
    label: LineLabel | None = None
    headline: bool = False  # a headline by position (it stands right above archive navigation)
    region: int = 0  # archive article region: its headline and the lines between its navigation bars


def label_page(lines: tuple[str, ...]) -> list[PageLine]:
    """Clean and label every non-blank line; mark an archive page's headlines and site text.

    An archive scrape prints each article as: headline, navigation (上一篇/下一篇), the text,
    the navigation again, then text of the site.  So the line just above a navigation group
    is a headline; lines after a navigation group that closes an article, and not followed
    by a new headline with its own navigation, are site text; lines above the first
    headline cluster are the site's page head.
    """
    page: list[PageLine] = []
    blanks = 0
    for number, line in enumerate(lines, start=1):
        text = clean_line(line)
        if not text or _MARKUP_LINE.match(line):
            if line.strip():  # markup or control characters only: recorded, never article text
                page.append(PageLine(number, line.strip(), blanks, "markup"))
            blanks += 0 if line.strip() else 1
            continue
        page.append(PageLine(number, text, blanks, line_label(text)))
        blanks = 0
    _label_bulleted_menus(page, lines)
    # The short link titles listed under a site list heading (相关新闻) are site text, up to the
    # first line that is not a link title (a sentence) or that stands above a navigation bar (a headline).
    for i, ln in enumerate(page):
        if ln.label != "links":
            continue
        for k in range(i + 1, len(page)):
            nxt = page[k]
            above_nav = k + 1 < len(page) and page[k + 1].label == "navigation"
            if nxt.label is not None and nxt.label != "links":
                continue
            if nxt.label == "links" or nxt.gap >= 2 or above_nav or not _headline_like(nxt.text):
                break
            page[k] = replace(nxt, label="site")
    nav = [i for i, ln in enumerate(page) if ln.label == "navigation"]
    if not nav:
        return page
    groups: list[list[int]] = []
    for i in nav:
        if groups and all(page[k].label is not None for k in range(groups[-1][-1] + 1, i)):
            groups[-1].append(i)
        else:
            groups.append([i])
    out = list(page)

    def content(a: int, b: int) -> list[int]:
        return [k for k in range(a, b) if out[k].label is None]

    previous_end = 0
    closing: list[bool] = []
    spans: list[list[int]] = []  # [first index, last index] of each archive article
    for group in groups:
        between = content(previous_end, group[0])
        # An editor's note (【编者按】…) printed between a headline and the navigation belongs to the
        # article: the headline is the line above it, never the note.
        while len(between) > 1 and _EDITOR_NOTE.match(fold(out[between[-1]].text)):
            between = between[:-1]
        # A group closes an article when the line just above it is article text (a sentence, a
        # credit, a byline) rather than a headline; a headline stands above the opening group.
        is_closing = bool(between) and not _headline_like(out[between[-1]].text)
        if not is_closing and between:
            # The headline cluster: up to three short lines right above the navigation.
            cluster = [between[-1]]
            for k in reversed(between[:-1]):
                if (
                    len(cluster) == 3
                    or len(out[k].text) > 40
                    or out[cluster[0]].gap > 2
                    or any(out[m].label is not None for m in range(k + 1, cluster[0]))
                ):
                    break  # a headline's lines stand together: a menu or breadcrumb between parts them
                cluster.insert(0, k)
            head = cluster[-1]
            out[head] = PageLine(out[head].number, out[head].text, out[head].gap, None, True)
            for k in between:
                if k < cluster[0] and closing:
                    pass
                elif k < cluster[0]:
                    out[k] = PageLine(out[k].number, out[k].text, out[k].gap, "site")
        if is_closing and spans and spans[-1][1] < 0:
            spans[-1][1] = group[0] - 1
        elif not is_closing:
            if spans and spans[-1][1] < 0:
                spans[-1][1] = group[0] - 1
            spans.append([cluster[0] if between else group[-1] + 1, -1])
        closing.append(is_closing)
        previous_end = group[-1] + 1
    if closing and closing[-1]:
        for k in range(groups[-1][-1] + 1, len(out)):
            if out[k].label is None:
                out[k] = PageLine(out[k].number, out[k].text, out[k].gap, "site")
    for region, (first, last) in enumerate(spans, start=1):
        for k in range(first, len(out) if last < 0 else last + 1):
            out[k] = replace(out[k], region=region)
    return out


def _label_bulleted_menus(page: list[PageLine], lines: tuple[str, ...]) -> None:
    """Label a site menu saved as a bulleted list in the page's head (only site text above it):
    three or more bullet lines in a row, each one short section name (首页 / 新闻 / 区县 / 便民)
    with no punctuation, and no two the same.  A list inside an article is its text."""
    run: list[int] = []
    head = next((k for k, ln in enumerate(page) if ln.label is None and not _BULLET.match(lines[ln.number - 1])), None)
    page_head = page[:head] if head is not None else page

    def close() -> None:
        names = [page[k].text for k in run]
        if len(run) >= 3 and len(set(names)) == len(names):
            for k in run:
                page[k] = replace(page[k], label="menu")
        run.clear()

    for k, ln in enumerate(page_head):
        item = (
            ln.label in (None, "section")  # (要闻, 视频: a menu's names are often section names)
            and _BULLET.match(lines[ln.number - 1]) is not None
            and re.fullmatch(r"[\u4e00-\u9fff]{2,6}", _MD_LINK.sub(r"\1", ln.text)) is not None
            and (not run or ln.gap == 0)
        )
        if item:
            run.append(k)
        else:
            close()
    close()


def _cells(text: str) -> float:
    """The printed width of a line in full-width cells: ASCII letters and digits take half a cell
    (a narrow column holding 85% is no wider than one of Chinese characters only)."""
    return sum(0.5 if ord(c) < 0x2000 else 1 for c in text)


def _headline_like(text: str) -> bool:
    """Tell whether a line could be a headline: it reads like one and is no byline or credit."""
    folded = fold(text).strip()
    if re.fullmatch(r"\(.*\)|\[.*\]", folded) or len(folded) < 4 and not _COLUMN_INTRO.fullmatch(folded):
        return False  # (完), 【责编】 or a bare name closing the text is no headline
    return (
        _looks_heading(text)
        and split_byline(text) is None
        and not is_credit_line(text)
        and not text.startswith(_POINTERS)
    )


def _join_paragraph(parts: list[str]) -> str:
    """Join column fragments of one paragraph, dropping the breaks' spaces."""
    return squeeze("".join(p.strip() for p in parts))


def make_blocks(lines: tuple[str, ...], is_label) -> list[Block]:
    """Classify the dump's non-blank lines into blocks, re-joining broken paragraphs."""
    page = label_page(lines)
    # A reprint marker printed before a headline on the same line (【轉載】醴陵:…) is furniture; the rest
    # of the line is read as a line of its own.
    markers: dict[int, str] = {}
    for k, ln in enumerate(page):
        mark = _REPRINT_MARK.match(fold(ln.text)) if ln.label is None else None
        if mark and ln.text[mark.end() :].strip():
            markers[ln.number] = ln.text[: mark.end()].strip()
            page[k] = replace(ln, text=ln.text[mark.end() :].strip())
    raw: list[tuple[int, str, int]] = [(ln.number, ln.text, ln.gap) for ln in page]
    labels = {ln.number: ln.label for ln in page if ln.label}
    forced = {ln.number for ln in page if ln.headline}
    raw = _read_across(raw, labels, forced)
    raw, fragments = _deal_columns(raw, labels, forced)
    regions = {ln.number: ln.region for ln in page if ln.region}
    trailing = len(lines) - page[-1].number if page else 0
    # Setext headings (a headline over ===, or over --- with no blank line between): the
    # underline stays furniture; the line above it is a Markdown heading of level 1 or 2.
    setext: dict[int, int] = {}
    for k in range(len(raw) - 1):
        (number, text, _), (nxt_number, nxt_text, _) = raw[k], raw[k + 1]
        if (
            nxt_number == number + 1
            and _SETEXT.match(nxt_text.strip())
            and len(nxt_text.strip()) >= 2
            and number not in labels
            and not _MD_HEADING.match(text)
            and _headline_like(text)
        ):
            setext[number] = 1 if nxt_text.strip().startswith("=") else 2
    uses_markdown = any(_MD_HEADING.match(t) for _, t, _ in raw) or bool(setext)

    def gap_after(index: int) -> int:
        return raw[index + 1][2] if index + 1 < len(raw) else trailing

    # A narrow-column run: three or more short lines in a row that are not headings of
    # their own.  They are one paragraph printed in a thin column.
    narrow = [_cells(t) <= _NARROW and not _MD_HEADING.match(t) for _, t, _ in raw]
    in_run = [False] * len(raw)
    i = 0
    while i < len(raw):
        j = i
        while (
            j < len(raw)
            and narrow[j]
            and raw[j][2] <= 1
            and raw[j][0] not in labels
            and raw[j][0] not in forced
            and not is_label(raw[j][1])
            and split_byline(raw[j][1]) is None
            and not raw[j][1].startswith(_POINTERS)
            and split_caption_credit(raw[j][1]) is None
            and not _AUTHOR_MARK.match(lines[raw[j][0] - 1].strip())
            and not is_credit_line(raw[j][1])
        ):  # captions and credits stand alone, never in a column's text
            j += 1
        # … and a column breaks its text at the column's edge: most of its lines stop mid-sentence.
        # (Short whole sentences in a row, as an essay's short paragraphs, are no column.)
        cut_lines = sum(1 for k in range(i, j - 1) if _cut(raw[k][1]))
        if j - i >= 4 and 2 * cut_lines >= j - i - 1:
            for k in range(i, j):
                in_run[k] = True
        i = max(j, i + 1)

    blocks: list[Block] = []
    index = 0
    while index < len(raw):
        number, text, gap = raw[index]
        md = _MD_HEADING.match(text)
        if number in markers:
            blocks.append(Block("furniture", markers[number], number, number, gap, 0, lines=(number,), label="reprint"))
        if number in labels:
            blocks.append(
                Block("furniture", text, number, number, gap, gap_after(index), lines=(number,), label=labels[number])
            )
            index += 1
            continue
        if number in forced and fold(text).startswith(("——", "--", "—")):
            blocks.append(
                Block("subtitle", text.lstrip("—-─ ").strip(), number, number, gap, gap_after(index), lines=(number,))
            )
            index += 1
            continue
        if number in forced or md or number in setext:
            level = len(md.group(1)) if md else 0 if number in forced else setext[number]
            blocks.append(
                Block(
                    "heading",
                    md.group(2).strip() if md else text,
                    number,
                    number,
                    gap,
                    gap_after(index),
                    md_level=level,
                    lines=(number,),
                    forced=number in forced,
                )
            )
            index += 1
            continue
        joined = _byline_over_two_lines(raw, index, labels)
        if joined is not None:
            blocks.append(
                Block(
                    "byline",
                    joined,
                    number,
                    raw[index + 1][0],
                    gap,
                    gap_after(index + 1),
                    lines=(number, raw[index + 1][0]),
                )
            )
            index += 2
            continue
        before_byline = index + 1 < len(raw) and raw[index + 1][2] <= 2 and split_byline(raw[index + 1][1]) is not None
        if number in fragments:
            pass  # a fragment of a column's text is text, whatever it looks like on its own
        elif (
            before_byline
            and blocks
            and blocks[-1].kind == "heading"
            and blocks[-1].last == raw[index - 1][0]
            and gap <= 2
            and len(text) <= 30
            and not in_run[index]
            and not uses_markdown
            and not fold(text).endswith(_SENTENCE_END + ("。", "."))
            and split_byline(text) is None
            and not is_credit_line(text)
            and split_caption_credit(text) is None
        ):
            # A short unpunctuated line between a headline and its byline belongs to the headline
            # (a subtitle such as 今年改造小区二十个, even when it opens like a news lead).
            blocks.append(Block("heading", text, number, number, gap, gap_after(index), lines=(number,)))
            index += 1
            continue
        elif (
            before_byline
            and (not blocks or blocks[-1].kind in ("furniture", "label") or gap >= 1)
            and 4 <= len(text) <= 30
            and not in_run[index]
            and not uses_markdown
            and not re.search(r"[,;!?]|(?<!\d)\.|\.(?!\d)", fold(text))  # a decimal point is no full stop
            and not fold(text).endswith(_SENTENCE_END)
            and line_label(text) is None
            and split_byline(text) is None
            and not is_credit_line(text)
            and split_caption_credit(text) is None
            and not is_label(text)
        ):
            # A short unpunctuated line standing alone right above a byline is the item's headline,
            # even when it opens like a news lead (去年全市新增城镇就业5.2万人).
            blocks.append(Block("heading", text, number, number, gap, gap_after(index), lines=(number,)))
            index += 1
            continue
        single = (
            None
            if number in fragments
            else _single_line_kind(text, in_run[index], is_label, uses_markdown and not before_byline)
        )
        if single is not None:
            kind, shown = single
            blocks.append(Block(kind, shown, number, number, gap, gap_after(index), lines=(number,)))
            index += 1
            continue
        # A paragraph: absorb following fragments while this one is cut mid-sentence
        # (no closing punctuation) and a single blank separates them.
        parts = [text]
        numbers = [number]
        last_index = index
        while last_index + 1 < len(raw):
            nxt_number, nxt_text, nxt_gap = raw[last_index + 1]
            tail = fold(parts[-1])
            cut = not tail.endswith(("。", ".", "!", "?", '"', "”", "…", ")", ":"))
            if _split_trailing_label(parts[-1], is_label)[0] is not None:
                break
            if nxt_number in fragments:
                if not cut:
                    break  # a column's sentence ended: its next fragment opens a paragraph
                parts.append(nxt_text)
                numbers.append(nxt_number)
                last_index += 1
                continue
            if in_run[last_index + 1] and in_run[last_index] and _headline_piece(raw, last_index + 1, in_run, labels):
                break
            if in_run[last_index + 1] and in_run[last_index]:
                pass
            elif (
                not (cut and nxt_gap <= 1)
                or _MD_HEADING.match(nxt_text)
                or nxt_number in setext
                or nxt_number in labels
                or (nxt_gap >= 1 and is_label(nxt_text))  # a place alone after a blank: the next section's label
                or nxt_number in forced
                or split_byline(nxt_text) is not None
                or is_credit_line(nxt_text)
                or (_looks_heading(nxt_text) and not _is_continuation(tail, nxt_text))
            ):
                break
            parts.append(nxt_text)
            numbers.append(nxt_number)
            last_index += 1
        label_text, rest = _split_trailing_label(" ".join(parts), is_label)
        paragraph = _join_paragraph(parts) if label_text is None else _join_paragraph([rest])
        piece = len(parts) == 1 and in_run[index] and index > 0 and _headline_piece(raw, index, in_run, labels)
        blocks.append(
            Block(
                "para",
                paragraph,
                numbers[0],
                numbers[-1],
                gap,
                gap_after(last_index),
                lines=tuple(numbers),
                label="headline piece" if piece else None,
                narrow=in_run[index],
                fragment=number in fragments,
            )
        )
        if label_text is not None:
            blocks.append(
                Block("label", label_text, numbers[-1], numbers[-1], 0, gap_after(last_index), lines=(numbers[-1],))
            )
        index = last_index + 1
    if regions:
        blocks = [replace(b, region=regions.get(b.first, 0)) for b in blocks]
    for k, block in enumerate(blocks):
        if (
            block.kind == "heading"
            and k + 1 < len(blocks)
            and blocks[k + 1].kind == "label"
            and len(block.text) <= 10
            and not block.md_level
        ):
            # A short line right above a section label names the page's part (视觉株洲 / 井龙街道 /
            # headline): a headline never stands over a section label.
            blocks[k] = block = replace(block, kind="furniture", label="section")
            continue
        printed = lines[block.first - 1]
        if block.kind == "para" and _BRIEF_MARK.match(printed):
            blocks[k] = block = replace(block, bullet=True)
        # An author's name alone under a headline, after a mark (□ 周小帆, ◎ 刘青): the byline of an essay.
        mark = _AUTHOR_MARK.match(printed.strip())
        if (
            mark
            and block.kind in ("para", "heading", "subtitle")
            and block.first == block.last
            and k > 0
            and blocks[k - 1].kind == "heading"
            and block.gap_before <= 2
            and not block.md_level
            and not is_label(block.text)
            and line_label(block.text) is None
        ):
            blocks[k] = replace(block, kind="byline", text=f"{mark.group(1)} {block.text}")
    return blocks


# A reprint marker opening a line: 【转载】, 【转自】 (folded brackets).
_ROLE_ALONE = re.compile(r"(?:株洲日报社?|株洲晚报|本报)?(?:·?掌上株洲)?(?:全媒体|新媒体|融媒体)?(?:记者|通讯员)")
_REPRINT_MARK = re.compile(r"^\s*\[(?:转载|转自|转发)\]\s*")
# A brief's mark before a paragraph (■ 5月10日,…): each marked item of a page of briefs is a brief.
_BRIEF_MARK = re.compile(r"^\s*[■●◆▪]")
# An essay's author line: a mark, then one to three names (□ 周小帆, ◎ 刘青 王河).
_AUTHOR_MARK = re.compile(r"^([□◎○])\s*[\u4e00-\u9fff·]{2,4}(?:\s+[\u4e00-\u9fff·]{2,4}){0,2}$")


def _read_across(raw: list[tuple[int, str, int]], labels, forced) -> list[tuple[int, str, int]]:
    """Put back in order the lines of k columns read across the page (k >= 2).

    When k headline lines stand in a row, followed by k bylines in a row, with no blank line
    between them, the page was flattened across k side-by-side items: the i-th headline goes
    with the i-th byline, and the unbroken lines after them are dealt out the same way.
    """
    out = list(raw)
    i = 0
    while i < len(out):

        def plain(k: int) -> bool:
            return k < len(out) and out[k][0] not in labels and out[k][0] not in forced

        k = 0
        while (
            plain(i + k)
            and (k == 0 or out[i + k][2] == 0)
            and split_byline(out[i + k][1]) is None
            and _looks_heading(out[i + k][1])
        ):
            k += 1
        bylines = all(
            plain(i + k + n) and out[i + k + n][2] == 0 and split_byline(out[i + k + n][1]) is not None
            for n in range(k)
        )
        if k < 2 or not bylines:
            i += max(k, 1)
            continue
        end = i + 2 * k
        while plain(end) and out[end][2] == 0:
            end += 1
        columns = [[out[n] for n in range(i + c, end, k)] for c in range(k)]
        ordered = []
        for c, column in enumerate(columns):
            first = column[0]
            ordered.append((first[0], first[1], first[2] if c == 0 else 2))
            ordered.extend(column[1:])
        out[i:end] = ordered
        i = end
    return out


def _cut(text: str) -> bool:
    """Tell whether a line stops mid-sentence (no closing punctuation): a column edge cut it."""
    return not fold(text).rstrip().endswith(("。", ".", "!", "?", '"', "”", "…", ")", ":"))


def _deal_columns(raw: list[tuple[int, str, int]], labels, forced) -> tuple[list[tuple[int, str, int]], set[int]]:
    """Put back in order two articles whose column lines were interleaved (read across the page).

    The sign: a headline's byline paragraph is cut mid-sentence and the very next line is another
    headline; that headline's byline follows within two lines.  The lines after the second headline
    then alternate between the two columns (the second byline's column on its parity) until a
    headline with its own byline, furniture or a wide gap.  Returns the lines in reading order and
    the numbers of the column fragments (each is text, never a headline on its own).
    """
    out = list(raw)
    fragments: set[int] = set()
    i = 0
    while i + 4 < len(out):

        def plain(k: int) -> bool:
            return k < len(out) and out[k][0] not in labels and out[k][0] not in forced

        def headline(k: int) -> bool:
            return (
                plain(k)
                and split_byline(out[k][1]) is None
                and _looks_heading(out[k][1])
                and not is_credit_line(out[k][1])
            )

        def byline(k: int) -> bool:
            return plain(k) and split_byline(out[k][1]) is not None

        first = split_byline(out[i + 1][1]) if plain(i + 1) else None
        if not (
            headline(i)
            and first
            and first[1]
            and _cut(first[1])
            and out[i + 1][2] <= 1
            and headline(i + 2)
            and out[i + 2][2] <= 1
        ):
            i += 1
            continue
        start = i + 3
        second = next((k for k in (start, start + 1) if byline(k)), None)
        if second is None or not _cut((split_byline(out[second][1]) or ("", ""))[1] or "。"):
            i += 1
            continue
        end = start
        while (
            plain(end)
            and out[end][2] <= 1
            and (end == second or not byline(end))
            and not (headline(end) and byline(end + 1))
        ):
            end += 1
        run = list(range(start, end))
        if len(run) < 4:
            i += 1
            continue
        parity = (second - start) % 2
        column_a = [out[k] for n, k in enumerate(run) if n % 2 != parity]
        column_b = [out[k] for n, k in enumerate(run) if n % 2 == parity]
        head_b = out[i + 2]
        fragments.update(k[0] for k in column_a + column_b if k[0] != out[second][0])
        out[i + 2 : end] = column_a + [(head_b[0], head_b[1], 2)] + column_b
        i = end
    return out, fragments


def _byline_over_two_lines(raw: list[tuple[int, str, int]], index: int, labels) -> str | None:
    """The byline that line *index* and the next print together, or None:
    - a role alone on its line and the names under it (株洲日报全媒体记者 / 封晓岚);
    - a byline cut by a column break: "株洲日报讯(全媒体记" / "者/向胤蓉 通讯员/尹红忠)", or at the
      end of an article: "(株洲日报全媒体记者/周五" / "通讯员/吴六)"."""
    if index + 1 >= len(raw):
        return None
    text, (next_number, next_text, next_gap) = raw[index][1], raw[index + 1]
    if next_gap == 0 and _ROLE_ALONE.fullmatch(fold(text).strip()):
        joined = f"{text.strip()} {next_text.strip()}"
        if split_byline(joined) is not None:
            return joined
    folded_text = fold(text)
    if (
        re.search(r"\([^)]*$", folded_text)
        and next_gap <= 1
        and (
            folded_text.startswith(("株洲日报", "本报"))
            or folded_text.startswith("(")
            and re.search(r"记者|通讯员|实习生", folded_text)
        )
        and ")" in fold(next_text)
        and len(next_text) <= 40
        and next_number not in labels
    ):
        return text + next_text
    return None


def _headline_piece(raw, k: int, in_run: list[bool], labels) -> bool:
    """Tell whether the last line of a narrow-column run is a piece of a headline.

    A headline too wide for a narrow column is printed in pieces, and a flattened page can put
    a piece at the end of the column's text: a short line that follows a finished sentence,
    has no closing punctuation itself, and ends the run (furniture or the page end follows).
    """
    text = raw[k][1]
    before = fold(raw[k - 1][1]) if k > 0 else ""
    last_of_run = k + 1 >= len(raw) or not in_run[k + 1]
    ends_block = k + 1 >= len(raw) or raw[k + 1][0] in labels or raw[k + 1][2] >= 2
    return (
        last_of_run
        and ends_block
        and before.endswith(("。", ".", "!", "?"))
        and not fold(text).endswith(_SENTENCE_END + ("。", ".", '"', ")"))
        and 4 <= len(text) <= 12
    )


def _single_line_kind(text: str, in_run: bool, is_label, uses_markdown: bool) -> tuple[BlockKind, str] | None:
    """Classify a line that forms a block on its own, or return None for paragraph text."""
    label_text, rest = _split_trailing_label(text, is_label)
    if label_text is not None and rest == "":
        return "label", text
    if is_credit_line(text):
        return "credit", text
    if split_byline(text) is not None and not in_run:
        return "byline", text
    if credits_in_caption(text).photographers or split_caption_credit(text) is not None:
        return "caption", text
    if fold(text).startswith(("——", "--", "—")) and len(text) <= 50:
        return "subtitle", text.lstrip("—-─ ").strip()
    if not in_run and _looks_heading(text) and not uses_markdown:
        return "heading", text
    return None


def _is_continuation(tail: str, nxt: str) -> bool:
    """Tell whether *nxt* carries on a sentence that *tail* left open."""
    return bool(tail) and not tail.endswith(("。", ".", "!", "?")) and len(tail) > 30 and len(nxt) <= 12


def _split_trailing_label(text: str, is_label) -> tuple[str | None, str]:
    """Split a section label glued to the end of a paragraph ('…成果。 响石岭街道')."""
    stripped = text.strip()
    if is_label(stripped):
        return stripped, ""
    match = re.search(r"[。.!?”\"]\s+(\S{2,8})$", stripped)
    if match and is_label(match.group(1)):
        return match.group(1), stripped[: match.start(1)].rstrip()
    return None, stripped


def segment(lines: tuple[str, ...], is_label, places_in=lambda text: set()) -> SegmentedPage:
    """Segment a dump's lines into articles and furniture."""
    blocks = make_blocks(lines, is_label)
    articles: list[ParsedArticle] = []
    furniture: list[tuple[int, str]] = []
    labels: list[tuple[int, str]] = []
    current: ParsedArticle | None = None
    pending_label: str | None = None
    orphans: list[Block] = []  # body text met before any headline: it belongs to the next article
    floating: list[tuple[ParsedArticle, Credits, Block]] = []  # captions after an image hole
    uses_markdown = any(b.md_level for b in blocks)

    def start(title_block: Block | None) -> ParsedArticle:
        nonlocal current, pending_label
        article = ParsedArticle(
            title=title_block.text if title_block else None,
            title_line=title_block.first if title_block else None,
            section=pending_label,
            region=region_now,
        )
        if title_block:
            article.lines.update(title_block.lines)
        pending_label = None
        articles.append(article)
        current = article
        return article

    index = 0
    region_now = 0
    while index < len(blocks):
        block = blocks[index]
        region_now = block.region
        # Inside one archive article (between its navigation bars) nothing opens a new article.
        same = bool(block.region) and current is not None and current.region == block.region
        if same and current is not None:
            current.closed = False
        if block.kind == "furniture":
            furniture.append((block.first, block.text))
            if block.label == "section" and current is not None and not same:
                current.closed = True  # 图片新闻, 简讯: a new part of the page begins
            index += 1
            continue
        if block.kind == "label":
            labels.append((block.first, block.text))
            furniture.append((block.first, block.text))
            pending_label = block.text
            if current is not None:
                current.closed = True
            index += 1
            continue
        if block.kind == "heading":
            # Collect the headline cluster: kicker / title / subtitle lines in a row.
            cluster = [block]
            j = index + 1
            while (
                j < len(blocks)
                and blocks[j].kind in ("heading", "subtitle")
                and blocks[j - 1].gap_after <= 1
                and len(cluster) < 3
                and not (uses_markdown and blocks[j].md_level == 0)
                and not (_EDITOR_NOTE.match(fold(blocks[j].text)) and not _note_stands_alone(blocks, j))
                # 【开栏语】 under a headline opens the column's introduction: text, not a headline line
                and not _BRACKETED_INTRO.fullmatch(fold(blocks[j].text).strip())
            ):
                cluster.append(blocks[j])
                j += 1
            nxt = blocks[j] if j < len(blocks) else None
            if (
                len(cluster) == 2
                and all(b.kind == "heading" and not b.md_level and not b.forced for b in cluster)
                and cluster[0].gap_after == 0
                and _narrow_below(blocks, j)
            ):
                # A headline too wide for a narrow column is printed over two lines: one headline.
                first, second = cluster
                cluster = [
                    Block(
                        "heading",
                        first.text + second.text,
                        first.first,
                        second.last,
                        first.gap_before,
                        second.gap_after,
                        lines=first.lines + second.lines,
                    )
                ]
            if not (same and not block.forced) and (
                _starts_article(cluster, nxt, current, uses_markdown, blocks, j)
                or _names_new_place(cluster, current, places_in)
            ):
                current = _open_with_cluster(cluster, start, nxt, places_in)
                for orphan in orphans:
                    current.body.insert(0, ("para", orphan.text))
                    current.lines.update(orphan.lines)
                    current.flags.append("text found above its headline (page flattened out of order)")
                orphans = []
            elif current is None:
                raise AssertionError("_starts_article opens an article when there is none")
            elif (
                len(cluster) == 1
                and cluster[0].gap_after >= 2
                and (nxt is None or nxt.kind in ("caption", "credit"))
                and not any(b.kind == "byline" for b in blocks[j : j + 2])
            ):
                current.body.append(("caption", block.text))
                current.lines.update(block.lines)
            else:
                for head in cluster:
                    if head.kind == "subtitle":
                        current.body.append(("para", "——" + head.text))
                    else:
                        current.body.append(("subhead", head.text))
                    current.lines.update(head.lines)
            index = j
            continue
        if block.kind == "subtitle":
            if current is None:
                current = start(None)
            if current.subtitle is None and not current.body:
                current.subtitle = block.text
            else:
                current.body.append(("para", "——" + block.text))
            current.lines.update(block.lines)
            index += 1
            continue
        if block.kind == "byline":
            # A byline printed over two lines: the second opens with a role (通讯员/…), not an outlet.
            continues = (
                index > 0
                and blocks[index - 1].kind == "byline"
                and current is not None
                and (
                    block.gap_before == 0
                    or block.gap_before == 1
                    and re.match(r"^(通讯员|实习生|记者|摄影)", fold(block.text))
                )
            )
            continues = continues or same and current is not None and current.has_byline
            # A byline in brackets on its own line after the text closes the article it ends.
            bracketed = re.fullmatch(r"\(.*\)", fold(block.text).strip()) is not None
            # … and so does a byline after the text with no text after it (文/图 张三 at the end).
            following = next(
                (b for b in blocks[index + 1 :] if b.kind != "furniture" or b.label not in SITE_LABELS), None
            )
            last_word = (
                following is None
                or following.kind in ("furniture", "label", "heading")
                or following.region != block.region
            )
            if (
                (bracketed or last_word and not (split_byline(block.text) or (block.text, ""))[1])
                and current is not None
                and current.body
                and not current.closed
                and not continues
            ):
                current.credits = current.credits.merge(parse_credit_text(block.text))
                current.body.append(("para", block.text))
                current.lines.update(block.lines)
                current.closed = True
                index += 1
                continue
            # A picture leads its article: an item holding only captions and their credit so far
            # (no text, no byline) takes the byline that follows.
            picture_only = (
                current is not None
                and not current.has_byline
                and current.body
                and all(kind in ("caption", "credit") for kind, _ in current.body)
                and block.gap_before <= 2
            )
            if current is None or (current.has_byline and not continues) or current.closed and not picture_only:
                current = start(None)
            current.closed = False
            byline, rest = split_byline(block.text) or (block.text, "")
            current.byline = byline if not continues else f"{current.byline} {byline}"
            current.credits = current.credits.merge(parse_credit_text(byline))
            current.lines.update(block.lines)
            if rest:
                current.body.append(("para", squeeze(rest)))
            index += 1
            continue
        if block.kind == "credit":
            if current is None:
                current = start(None)
            credit = parse_credit_text(block.text)
            current.credits = current.credits.merge(credit)
            current.body.append(("credit", block.text))
            current.lines.update(block.lines)
            if not current.has_byline or fold(block.text).startswith("("):
                current.closed = True
            index += 1
            continue
        # A paragraph or a caption.
        if (
            not same
            and block.bullet
            and current is not None
            and not current.closed
            and (current.body or current.has_byline)
            and _opens_brief(block.text)
            and not (index > 0 and blocks[index - 1].kind in ("heading", "byline"))
        ):
            current.closed = True  # ■ 5月10日,… after other text: the next brief of a page of briefs
        if not same and _starts_untitled_photo(blocks, index, current):
            current = start(None)
            current.flags.append("untitled item: title made from its first sentence")
        elif current is None or current.closed:
            if _heading_follows(blocks, index):
                orphans.append(block)
                index += 1
                continue
            current = start(None)
            current.flags.append("untitled item: title made from its first sentence")
        if (
            block.label == "headline piece"
            and current.title
            and current.title_line
            and len(current.title) <= 6
            and not current.subtitle
        ):
            current.title += block.text
            current.lines.update(block.lines)
            current.flags.append(f"headline printed in pieces: line {block.first} completes it")
            index += 1
            continue
        caption = credits_in_caption(block.text)
        if caption.photographers or block.kind == "caption" or block.text.startswith(_POINTERS):
            if block.gap_before >= 2:
                floating.append((current, current.credits, block))
            current.credits = current.credits.merge(caption)
            current.body.append(("caption", block.text))
            if (
                current.title is None
                and not current.has_byline
                and not same
                and all(kind in ("caption", "credit") for kind, _ in current.body)
                and split_caption_credit(block.text) is not None
            ):
                current.closed = True  # an untitled picture with its own credit is a whole photo item
        elif block.fragment and current.body and current.body[-1][0] == "para" and _cut(current.body[-1][1]):
            # a column fragment carrying on the sentence its byline line left open
            current.body[-1] = ("para", current.body[-1][1] + block.text)
        else:
            current.body.append(("para", block.text))
            # (read on the printed line: joining a paragraph squeezes the spaces between names)
            tail = _TRAILING_BYLINE.search(fold(clean_line(lines[block.last - 1]))) or _TRAILING_BYLINE.search(
                fold(block.text)
            )
            if tail:  # …服务居民200余人次。(通讯员/王晓): a brief's byline in brackets at its end
                current.credits = current.credits.merge(parse_credit_text(tail.group(1)))
                current.closed = not same  # … and closes it, as a bracketed byline on its own line does
        current.lines.update(block.lines)
        index += 1
    for orphan in orphans:  # trailing text after the last article: keep it in that article
        target = current or start(None)
        target.body.append(("para", orphan.text))
        target.lines.update(orphan.lines)
    _reattach_floating_captions(floating, articles)
    return SegmentedPage(tuple(a for a in articles if a.lines), tuple(furniture), tuple(labels))


# A byline in brackets closing a paragraph: (通讯员/王晓), (株洲日报记者 李强 通讯员 何云).
_TRAILING_BYLINE = re.compile(
    r"[。.!?”\"]\s*\(((?:株洲日报社?|本报)?(?:·?掌上株洲)?(?:全媒体|新媒体|融媒体)?"
    r"(?:记者|通讯员|实习生)\s*/?\s*[\u4e00-\u9fff·][^()]{0,40})\)$"
)


def _opens_brief(text: str) -> bool:
    """Tell whether a marked paragraph opens a brief of its own: a news lead, a dateline or its own byline."""
    folded = fold(text)
    return bool(_LEAD_START.match(folded) or split_byline(text) or _TRAILING_BYLINE.search(folded))


def _trigrams(text: str) -> set[str]:
    han = re.sub(r"[^\u4e00-\u9fff]", "", fold(text))
    return {han[i : i + 3] for i in range(len(han) - 2)}


def _reattach_floating_captions(floating, articles: list[ParsedArticle]) -> None:
    """Give a caption that ends an article after an image hole to the article it describes.

    A flattened page can put a picture's caption anywhere (often at the very end).  When such
    a caption shares no three-character run with the article it landed in, and shares some
    with another article on the page, it belongs to that other article.
    """
    for owner, credits_before, block in floating:
        if not owner.body or owner.body[-1] != ("caption", block.text):
            continue
        caption, _ = split_caption_credit(block.text) or (block.text, "")
        grams = _trigrams(caption)
        if len(grams) < 3:
            continue

        def score(article: ParsedArticle, grams: set = grams) -> int:
            text = "".join([article.title or ""] + [t for k, t in article.body if k in ("para", "subhead")])
            return sum(1 for g in grams if g in text)

        if score(owner) > 0:
            continue
        best = max((a for a in articles if a is not owner), key=score, default=None)
        if best is None or score(best) < 2:
            continue
        owner.body.pop()
        owner.credits = credits_before
        owner.lines.difference_update(block.lines)
        best.body.append(("caption", block.text))
        best.credits = best.credits.merge(credits_in_caption(block.text))
        best.lines.update(block.lines)


def _names_new_place(cluster: list[Block], current: ParsedArticle | None, places_in) -> bool:
    """Tell whether a headline names a place its would-be article never mentions (a new story)."""
    if current is None:
        return False
    named = set().union(*(places_in(b.text) for b in cluster))
    seen = set().union(*(places_in(t) for _, t in current.body), places_in(current.title or ""))
    return bool(named) and not (named & seen)


_INTRO_WORDS = "开栏语|编者按|编者的话|栏目介绍|开篇语"  # a column's or an editor's introduction
_BRACKETED_INTRO = re.compile(rf"\[({_INTRO_WORDS})\]")
_COLUMN_INTRO = re.compile(rf"^\[?({_INTRO_WORDS})\]?")
# An editor's note: a note printed with an article (编者按, 编者的话), never its headline.
_EDITOR_NOTE = re.compile(r"^\[?(编者按|编者的话|编者)\]?(?:$|\s*[:\]]|(?<=\])\S)")


def _open_with_cluster(
    cluster: list[Block], start: Callable[[Block | None], ParsedArticle], nxt: Block | None = None, places_in=None
) -> ParsedArticle:
    """Start an article from a headline cluster, choosing kicker, title and subtitle."""
    heads = [b for b in cluster if b.kind == "heading"]
    subs = [b for b in cluster if b.kind == "subtitle"]
    if any(b.md_level for b in heads):
        top = min(b.md_level for b in heads)
        title_block = next(b for b in heads if b.md_level == top)
    elif len(heads) == 2 and not subs and nxt is not None and _COLUMN_INTRO.match(fold(nxt.text)):
        # A column introduction (【开栏语】) follows: the first line is the column's banner.
        title_block = heads[1]
    elif len(heads) >= 2 and not subs and any(_COLUMN_INTRO.fullmatch(fold(b.text)) for b in heads):
        # 开栏语 / 编者按 standing alone is the item's headline; a line above it is the column's banner.
        title_block = next(b for b in heads if _COLUMN_INTRO.fullmatch(fold(b.text)))
    elif len(heads) == 2 and not subs and _broken_headline(heads[0].text, heads[1].text, places_in):
        # One headline printed over two short lines: the first opens with the place it is about
        # and the second carries it on (醴陵陶瓷企业开拓 / “一带一路”新市场).
        article = start(heads[0])
        article.title = squeeze(heads[0].text.strip() + heads[1].text.strip())
        article.lines.update(heads[1].lines)
        return article
    elif len(heads) == 2 and not subs and _is_banner(heads[0].text, heads[1].text, places_in):
        # A short line above a longer one is a banner or column name (光影株洲, 产业兴 乡村旺), not the title.
        title_block = heads[1]
    elif len(heads) >= 2 and not subs:
        # Two headline lines: the shorter first one is a kicker only when a third follows;
        # otherwise the first is the title and the second its subtitle.
        title_block = heads[1] if len(heads) == 3 else heads[0]
    else:
        title_block = heads[-1] if len(heads) > 1 and subs else heads[0]
    article = start(title_block)
    position = cluster.index(title_block)
    before = [b for b in cluster[:position]]
    after = [b for b in cluster[position + 1 :]]
    kicker, title, subtitle = split_headline(title_block.text, places_in)
    article.title = title
    if before or kicker:
        article.kicker = " ".join([_unbracket(b.text) for b in before] + ([kicker] if kicker else []))
        for b in before:
            article.lines.update(b.lines)
    if after or subtitle:
        article.subtitle = " ".join(([subtitle] if subtitle else []) + [b.text for b in after])
        for b in after:
            article.lines.update(b.lines)
    return article


# A line wholly in banner brackets (【便民服务进行时】); the brackets are dropped from a kicker.
_BRACKETED = re.compile(r"\[[^\[\]]{2,14}\]")


def _unbracket(text: str) -> str:
    return text.strip()[1:-1].strip() if _BRACKETED.fullmatch(fold(text).translate(_BANNER_BRACKETS).strip()) else text


def _is_banner(first: str, second: str, places_in=None) -> bool:
    """Tell whether *first*, stacked above *second*, is a banner: a column name of at most 8
    characters (or two short parallel phrases, or up to 12 above a headline that opens with its
    place while the banner names none) that is shorter than the line below it."""
    if _BRACKETED.fullmatch(fold(first).strip()):
        return True  # 【便民服务进行时】 alone above a headline: a series banner
    bare = re.sub(r"\s+", "", first)
    parts = first.split()
    short = len(bare) <= 8 or len(parts) == 2 and all(len(p) <= 5 for p in parts)
    if places_in is not None and len(bare) <= 12:
        # 老旧小区改造进行时 / 茨菇塘街道:29台加装电梯年内投用: the headline names its place first.
        short = short or (_opens_with_place(second, places_in, by_name_only=True) and not places_in(fold(first)))
    return (
        short
        and len(bare) < len(re.sub(r"\s+", "", second))
        and not re.search(r"[,.:;!?]", fold(first))
        and not re.search(r"\d", first)
    )


def _broken_headline(first: str, second: str, places_in=None) -> bool:
    """Tell whether two short stacked lines are one headline broken for a narrow column: the
    first opens with a place (the subject) and is no phrase of its own (no space, no colon, no
    closing punctuation), the second names no place first and no figure (a figure makes it a
    subtitle's detail: 首批入驻企业十二家), and neither is longer than 12."""
    if places_in is None:
        return False
    a, b = fold(first).strip(), fold(second).strip()
    return (
        4 <= len(a) <= 12
        and 2 <= len(b) <= 12
        and not re.search(r"[\s:,.;!?]", a)
        and _opens_with_place(a, places_in)
        and not _opens_with_place(b, places_in)
        and not _FIGURE.search(b)
    )


_QUANTITY = re.compile(r"\d+(?:\.\d+)?(?![\d.]*\s*(?:年|月|日|时|号))")  # a figure, not a date
_FIGURE = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:个|家|名|人|项|条|台|所|户|亩|元|万|亿|倍|成|年|天)")


# A banner printed before the headline and a colon: a series or column name.
_BANNER = re.compile(
    r"^(.{2,24}?(?:系列报道|系列|专栏|栏目|专题|特刊|报道|访谈|观察|之[一二三四五六七八九十\d]+)|<[^<>]{2,20}>[^:]{0,12})\s*:\s*(.{4,})$"
)


_BRACKET_BANNER = re.compile(r"^\[[^\[\]]{2,12}\](?=.{2,})")
# 〖决战脱贫攻坚〗 frames a banner as 【…】 does (one character for one: positions stay).
_BANNER_BRACKETS = str.maketrans({"〖": "[", "〗": "]"})
# A name the gazetteer lacks may still be a place by its ending (龙船塘乡, 黄丰桥镇, 云田村).
_PLACE_SUFFIX = re.compile(r"(乡|镇|街道|村|社区|县|区|市|园区|景区|山|湖|江|河|港|湾|洲|岭|桥)$")
_TRAILING_REPRINT = re.compile(r"(?<=\S)\s*\[(?:转载|转自|转发)\]$")
_COLUMN_COLON = re.compile(r"^([^:\s\d\"“]{4,12}):\s*([^\"“].{3,})$")
_BAR_BANNER = re.compile(r"^[^丨|│]{2,12}?\s*[丨|│]\s*(?=[^丨|│]{4,}$)")
_DASH_SUBTITLE = re.compile(r"(?:\s+(?:——|--|—)|——)\s*(?=.{4,}$)")


# A part of a headline line that opens with a place: a name and a colon (攸县:…), or (with the
# gazetteer) a district, town or street name standing first (渌口区加固堤防…, not 共建美丽渌口).
_PLACE_COLON = re.compile(r"^[^:]{2,8}:")


def _opens_with_place(text: str, places_in=None, by_name_only: bool = False) -> bool:
    folded = fold(text)
    if not by_name_only and _PLACE_COLON.match(folded):
        return True
    if places_in is None:
        return False
    return any(places_in(folded[:n]) - places_in(folded[1:n]) - {"株洲市"} for n in range(2, min(len(folded), 7) + 1))


def split_headline(text: str, places_in=None) -> tuple[str | None, str, str | None]:
    """Split a headline line that also carries its kicker or subtitle: (kicker, title, subtitle).

    - 《一条城轨连三城》系列报道: 从…  a series banner and a colon before the headline: kicker.
      (A place and a colon, 攸县:电网巡检…, is part of the headline.)
    - 基地“招新”了 场地免费、导师指导、创业扶持  the last space-separated part lists details
      (、) the headline part does not: a subtitle.  Two parallel halves (聚焦园区 干在实处)
      stay one headline.
    - 平台上线 优化营商环境 提升行动  a long clause followed by two or more short phrases
      printed beside it: the phrases are a banner (kicker).
    """
    folded = fold(text).translate(_BANNER_BRACKETS)
    trailing = _TRAILING_REPRINT.search(folded)
    if trailing:  # 國慶假期…【轉載】: the reprint marker after a headline is no part of it
        return split_headline(text[: trailing.start()].strip(), places_in)
    match = _BRACKET_BANNER.match(folded)
    if match:
        kicker, title, subtitle = split_headline(text[match.end() :].strip())
        return (
            text[1 : match.end() - 1].strip() if not kicker else f"{text[1 : match.end() - 1].strip()} {kicker}",
            title,
            subtitle,
        )
    match = _BAR_BANNER.match(folded)
    if match:  # “一线”观察丨渌口区:…  a column name and a vertical bar before the headline: kicker
        kicker, title, subtitle = split_headline(text[match.end() :].strip())
        head = text[: match.end()].rstrip(" 丨|｜│").strip()
        return (f"{head} {kicker}" if kicker else head), title, subtitle
    match = _DASH_SUBTITLE.search(folded)
    if match:
        return None, text[: match.start()].strip(), text[match.end() :].strip()
    match = _BANNER.match(folded)
    if match:
        cut = match.start(2)
        head = text[:cut].rstrip(" :：")
        return head.strip(), text[cut:].strip(), None
    match = _COLUMN_COLON.match(folded)
    if match and places_in is not None and not places_in(match.group(1)) and not _PLACE_SUFFIX.search(match.group(1)):
        # 民生实事面对面:城区新增… a column name and a colon: kicker. A place before the colon (攸县:…)
        # is part of the headline, and a speaker before a quotation (王大爷:“…”) is the headline itself.
        cut = match.start(2)
        return text[: match.end(1)].strip(), text[cut:].strip(), None
    match = _INTRO_AFTER_COLUMN.match(folded)
    if match:  # 项目建设擂台赛·开栏语: the column's name, then its introduction
        return text[: match.end(1)].strip(), text[match.start(2) :].strip(), None
    parts = text.split()
    if len(parts) == 2 and _theme_banner(*parts):
        return parts[0], parts[1], None
    if len(parts) == 2:
        first, last = parts
        # 乡村振兴在行动 攸县:…, 防汛抗旱进行时 渌口区加固堤防32公里: a headline opens with the place it is about;
        # a short phrase before it that names no place and no figure is a campaign banner (kicker).
        # (Two short parallel halves, 稳就业 攸县送岗上门, 党建引领 醴陵探索…, stay one headline: a banner
        # is a phrase of five or more characters, or the place is followed by a colon.)
        if (
            _opens_with_place(last, places_in)
            and not _opens_with_place(first, places_in)
            and (len(first) >= 5 or _PLACE_COLON.match(fold(last)))
            and 4 <= len(first) <= 12
            and ":" not in fold(first)
            and (not re.search(r"\d", first) or "·" in first)  # 壮丽70年·奋斗新时代: two slogans, a banner
        ):
            return first, last, None
    if len(parts) >= 2:
        last, first = parts[-1], " ".join(parts[:-1])
        if "、" in last and "、" not in first and len(first) >= 6:
            return None, first, last
        # …送到田间地头 20余家合作社获贷款1200万元: a figure only in the second half is a subtitle's detail
        # (a date in the first half, 今年春运2月1日启动, is no figure).
        if _QUANTITY.search(fold(last)) and not _QUANTITY.search(fold(first)) and len(last) >= 6 and len(first) >= 6:
            return None, first, last
    if len(parts) >= 3:
        head, rest = parts[0], parts[1:]
        if len(head) >= 10 and all(len(r) <= 6 for r in rest) and len(head) >= 2 * max(len(r) for r in rest):
            return " ".join(rest), head, None
        *rest, tail = parts  # 奋进新征程 建功新时代 株洲经开区再添…: the banner stands before the headline
        if len(tail) >= 10 and all(len(r) <= 6 for r in rest) and len(tail) >= 2 * max(len(r) for r in rest):
            return " ".join(rest), tail, None
    return None, text, None


_INTRO_AFTER_COLUMN = re.compile(r"^(.{2,16}?)\s*[·|丨:]\s*(开栏语|开篇语|编者按|编者的话)$")


def _theme_banner(first: str, last: str) -> bool:
    """Tell whether *first* is a banner naming the theme the headline beside it repeats
    (聚焦高考 我市高考首日平稳有序): short, no figure, and a word of it (two Han characters)
    printed again in the longer headline.  Parallel halves (冬笋出山 年味渐浓) share none."""
    han = re.sub(r"[^\u4e00-\u9fff]", "", first)
    return (
        4 <= len(first) <= 8
        and len(last) >= len(first) + 4
        and not re.search(r"\d|:", fold(first))
        and any(han[i : i + 2] in last for i in range(len(han) - 1))
    )


def _starts_article(
    cluster: list[Block],
    nxt: Block | None,
    current: ParsedArticle | None,
    uses_markdown: bool,
    blocks: list[Block],
    next_index: int,
) -> bool:
    """Decide whether a headline cluster opens a new article or is an in-article subhead."""
    if current is None or current.closed:
        return True
    if any(
        b.kind == "heading" and re.fullmatch(r"(开栏语|编者按|编者的话|开篇语)", fold(b.text).strip()) for b in cluster
    ) and (current.body or current.has_byline):
        return True  # 编者按 standing alone after an article's text is an item of its own, never a subhead
    if nxt is not None and nxt.text.startswith(_POINTERS) and not uses_markdown:
        return True  # a subhead introduces text; a headline over ▲ captions opens a photo feature
    if (
        nxt is not None
        and nxt.kind == "caption"
        and cluster[-1].gap_after <= 1
        and split_caption_credit(nxt.text) is not None
        and current.body
    ):
        return True  # … and so does a headline right over a caption that carries its picture's credit
    following = [b for b in blocks[next_index : next_index + 3] if b.kind != "caption"]
    if following and following[0].kind == "byline":
        return True
    if (
        current.has_byline
        and any(b.kind == "byline" for b in following[:2])
        and not any(b.kind == "heading" for b in following[:1])
    ):
        # An article has one byline: a second one just below a headline opens a new article
        # (a column introduction or a column-broken paragraph may stand between them).
        return True
    if (
        nxt is not None
        and nxt.kind == "furniture"
        and next_index + 1 < len(blocks)
        and blocks[next_index + 1].kind == "byline"
    ):
        return True
    if uses_markdown:
        # Markdown is used inconsistently: '#' marks headlines, deeper levels are subheads
        # unless a byline follows (handled above); a plain line is a headline only by its byline.
        return min(b.md_level or 9 for b in cluster) <= 1 or (
            cluster[-1].gap_after >= 2 and _credit_within(blocks, next_index, 3)
        )
    if any(b.kind == "subtitle" for b in cluster):
        return True
    # A photo item: the headline sits over an image hole (several blank lines), or its
    # text runs straight into a photo credit.
    if cluster[-1].gap_after >= 2 and nxt is not None and nxt.kind in ("para", "byline"):
        return True
    return _credit_within(blocks, next_index, 3)


def _note_stands_alone(blocks: list[Block], index: int) -> bool:
    """Tell whether the editor's note at *index* is an item of its own: its text (one or two
    paragraphs) is followed by a new headline.  Otherwise it belongs to the article whose headline
    stands above it (编者按 never takes the headline's place; the line above is then no banner)."""
    seen = 0
    for block in blocks[index + 1 :]:
        if block.kind == "furniture":
            continue
        if block.kind == "para" and seen < 2:
            seen += 1
            continue
        return block.kind == "heading" and seen > 0
    return False


def _narrow_below(blocks: list[Block], index: int) -> bool:
    """Tell whether the text under a headline (past its byline) is printed in a narrow column."""
    for block in blocks[index : index + 3]:
        if block.kind in ("byline", "caption", "credit"):
            continue
        return block.kind == "para" and block.narrow
    return False


def _credit_within(blocks: list[Block], index: int, paragraphs: int) -> bool:
    """Tell whether a photo credit line follows within *paragraphs* paragraphs."""
    seen = 0
    for block in blocks[index:]:
        if block.kind == "credit":
            return True
        if block.kind == "caption":
            continue
        if block.kind != "para":
            return False
        seen += 1
        if seen > paragraphs:
            return False
    return False


def _heading_follows(blocks: list[Block], index: int) -> bool:
    """Tell whether paragraphs at *index* run into a headline with a byline (out-of-order text)."""
    for j in range(index, len(blocks)):
        if blocks[j].kind == "heading":
            return j + 1 < len(blocks) and blocks[j + 1].kind == "byline"
        if blocks[j].kind not in ("para", "caption"):
            return False
    return False


def _starts_untitled_photo(blocks: list[Block], index: int, current: ParsedArticle | None) -> bool:
    """Tell whether a paragraph after an image hole opens an untitled photo item."""
    block = blocks[index]
    if current is None or current.closed or block.gap_before < 3 or len(block.text) < 60:
        return False
    if not current.body and not current.has_byline:
        return False
    return _LEAD_START.match(fold(block.text)) is not None and _credit_within(blocks, index, 2)


def _bare(text: str) -> str:
    """Fold and drop whitespace, dashes, banner brackets and Markdown marks, for comparing printed and stored text."""
    return re.sub(r"[\s#—\-─\[\]]", "", fold(clean_line(text)))


def article_text(article: ParsedArticle) -> str:
    """Return everything an article stores of the page, as one comparable string."""
    parts = [article.kicker or "", article.title or "", article.subtitle or "", article.byline or ""]
    parts += [text for _, text in article.body]
    return _bare("".join(parts))


# What a headline line may lose as it is cut into kicker, title and subtitle.
_HEAD_MARK_CHARACTERS = re.compile(r"[\[\]〖〗:<>()丨|│·]")
_HEAD_MARKS = re.compile(rf"{_HEAD_MARK_CHARACTERS.pattern}|转载|转自|转发")


def unaccounted_lines(lines: tuple[str, ...], page: SegmentedPage) -> list[int]:
    """List the non-blank dump lines whose text is in no article and not in the furniture."""
    owners: dict[int, str] = {}
    for article in page.articles:
        text = article_text(article)
        for number in article.lines:
            owners[number] = owners.get(number, "") + text
    furniture_text = {number: _bare(text) for number, text in page.furniture}
    # A line recorded whole as furniture (its cleaned text; cleaning it again could strip more: '* * *')
    whole = {number for number, text in page.furniture if clean_line(lines[number - 1]) == text}
    lost = []
    for number, line in enumerate(lines, start=1):
        bare = _bare(line)
        if not bare or number in whole:
            continue
        stored = owners.get(number, "") + furniture_text.get(number, "")
        if bare in stored:
            continue
        split = split_byline(clean_line(line))  # (a bullet or a brief's mark is no part of the byline)
        if split and all(_bare(part) in stored for part in split):
            continue
        heads = [
            piece for a in page.articles if a.title_line == number for piece in (a.kicker, a.title, a.subtitle) if piece
        ]
        rest = bare
        for piece in heads:  # a headline line split into kicker, title and subtitle
            rest = rest.replace(_bare(piece), "", 1)
        rest = _HEAD_MARKS.sub("", rest)
        # (what is left may be a part joined to a kicker or subtitle from the line above, found
        # as it is, or with the marks taken from both sides: '=);;:0000' left '=;;' of a kicker
        # ending '=);;'; the one-character marks alone, lest 转载 be made across two pieces)
        joined = "".join(_bare(piece) for piece in heads)
        if heads and (
            not rest
            or rest in joined
            or rest in _HEAD_MARKS.sub("", joined)
            or rest in _HEAD_MARK_CHARACTERS.sub("", joined)
        ):
            continue
        label = furniture_text.get(number, "")
        if label and bare.endswith(label) and bare[: -len(label)] in owners.get(number, ""):
            continue
        if label and bare.startswith(label) and bare[len(label) :] in owners.get(number, ""):
            continue  # 【轉載】 before a headline: the marker in the furniture, the headline in its article
        lost.append(number)
    return lost
