"""Split one page dump into articles: headlines, bylines, photo items, subheads, furniture.

The page is first reduced to *blocks* (a non-blank line, or a paragraph re-joined across
a column break), each classified once; segmentation then walks the blocks in order.
Every non-blank line of the dump ends in exactly one article or in the page furniture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .credits import Credits, is_credit_line, parse_credit_text, split_byline, credits_in_caption
from .text import fold, squeeze

_FURNITURE = [
    re.compile(r"^(责任编辑|美术编辑|版式设计|校对|本版编辑)\s*[:：]"),
    re.compile(r"^\S{2,6}\s*[·•・]\s*\S{2,6}$"),          # page labels: 同城 · 新媒, 就业·创业
    re.compile(r"^\d{1,3}\s*\S{0,8}(新闻网|日报)$"),      # page number + outlet: 2 祥洲新闻网
    re.compile(r"^(上一篇|下一篇|返回目录|返回首页|第\s*\d+\s*版|A\d{1,2}|\d{1,3})\b.*$"),
]
_SENTENCE_END = tuple("。！？!?…；;:：，,、")
_LEAD_START = re.compile(r"^(近日|日前|当天|今年|去年|昨天|今天|据|本报|\d{1,2}月\d{1,2}日|\d{4}年|\d{1,2}日)")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_NARROW = 16


@dataclass(frozen=True)
class Block:
    """A unit of the page: one printed line or a paragraph joined across column breaks."""

    kind: str              # heading | subtitle | byline | credit | para | furniture | label
    text: str              # printed text (Markdown '#' marks removed for headings)
    first: int             # 1-based line numbers in the dump
    last: int
    gap_before: int        # blank lines before the block
    gap_after: int
    md_level: int = 0      # '#' count when the dump marked the line as a Markdown heading
    lines: tuple[int, ...] = ()


@dataclass
class ParsedArticle:
    """An article as segmentation found it, before metadata is inferred."""

    title: str | None
    title_line: int | None
    kicker: str | None = None
    subtitle: str | None = None
    section: str | None = None                   # section label naming a district or street
    byline: str | None = None
    credits: Credits = field(default_factory=Credits)
    body: list[tuple[str, str]] = field(default_factory=list)   # (kind, text): para|subhead|caption|credit
    lines: set[int] = field(default_factory=set)
    closed: bool = False
    flags: list[str] = field(default_factory=list)

    @property
    def has_byline(self) -> bool:
        return self.byline is not None

    @property
    def source_lines(self) -> tuple[int, int]:
        return (min(self.lines), max(self.lines)) if self.lines else (0, 0)


@dataclass(frozen=True)
class Page:
    """The segmentation of one dump."""

    articles: tuple[ParsedArticle, ...]
    furniture: tuple[tuple[int, str], ...]        # (line, text)
    labels: tuple[tuple[int, str], ...]           # section labels used as metadata


def is_furniture(text: str) -> bool:
    """Tell whether a line is page furniture (editor credits, page labels, numbers)."""
    folded = fold(text.strip())
    return any(p.match(folded) for p in _FURNITURE)


def _looks_heading(text: str) -> bool:
    """Tell whether a stand-alone line reads like a headline rather than body text."""
    folded = fold(text)
    if len(text) > 40 or len(text) < 2 or folded.endswith(_SENTENCE_END) or folded.endswith(("。", ".")):
        return False
    if _LEAD_START.match(folded) or folded[0] in ",.;:)]>、":
        return False
    if text.count("，") + text.count(",") + folded.count(".") >= 2 or credits_in_caption(text).photographers:
        return False
    return True


def _join_paragraph(parts: list[str]) -> str:
    """Join column fragments of one paragraph, dropping the breaks' spaces."""
    return squeeze("".join(p.strip() for p in parts))


def make_blocks(lines: tuple[str, ...], is_label) -> list[Block]:
    """Classify the dump's non-blank lines into blocks, re-joining broken paragraphs."""
    raw: list[tuple[int, str, int]] = []   # (line number, text, blank lines before)
    blanks = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            blanks += 1
            continue
        raw.append((number, line.strip(), blanks))
        blanks = 0
    trailing = blanks
    uses_markdown = any(_MD_HEADING.match(t) for _, t, _ in raw)

    def gap_after(index: int) -> int:
        return raw[index + 1][2] if index + 1 < len(raw) else trailing

    # A narrow-column run: three or more short lines in a row that are not headings of
    # their own.  They are one paragraph printed in a thin column.
    narrow = [len(t) <= _NARROW and not _MD_HEADING.match(t) for _, t, _ in raw]
    in_run = [False] * len(raw)
    i = 0
    while i < len(raw):
        j = i
        while j < len(raw) and narrow[j] and raw[j][2] <= 1 and not is_furniture(raw[j][1]) \
                and not is_label(raw[j][1]) and split_byline(raw[j][1]) is None:
            j += 1
        if j - i >= 4:
            for k in range(i, j):
                in_run[k] = True
        i = max(j, i + 1)

    blocks: list[Block] = []
    index = 0
    while index < len(raw):
        number, text, gap = raw[index]
        md = _MD_HEADING.match(text)
        if md:
            blocks.append(Block("heading", md.group(2).strip(), number, number, gap, gap_after(index),
                                md_level=len(md.group(1)), lines=(number,)))
            index += 1
            continue
        # A byline cut by a column break: "株洲日报讯(全媒体记" / "者/向胤蓉 通讯员/尹红忠)".
        if index + 1 < len(raw) and re.search(r"\((?:全媒体)?记?$|\([^)]*$", fold(text)) \
                and fold(text).startswith(("株洲日报", "本报")) and ")" in fold(raw[index + 1][1]):
            joined = text + raw[index + 1][1]
            blocks.append(Block("byline", joined, number, raw[index + 1][0], gap, gap_after(index + 1),
                                lines=(number, raw[index + 1][0])))
            index += 2
            continue
        single = _single_line_kind(text, in_run[index], is_label, uses_markdown)
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
            cut = not tail.endswith(("。", ".", "!", "?", "\"", "”", "…", ")", ":"))
            if _split_trailing_label(parts[-1], is_label)[0] is not None:
                break
            if in_run[last_index + 1] and in_run[last_index]:
                pass
            elif not (cut and nxt_gap <= 1) or _MD_HEADING.match(nxt_text) or is_furniture(nxt_text) \
                    or split_byline(nxt_text) is not None or is_credit_line(nxt_text) \
                    or (_looks_heading(nxt_text) and not _is_continuation(tail, nxt_text)):
                break
            parts.append(nxt_text)
            numbers.append(nxt_number)
            last_index += 1
        label_text, rest = _split_trailing_label(" ".join(parts), is_label)
        paragraph = _join_paragraph(parts) if label_text is None else _join_paragraph([rest])
        blocks.append(Block("para", paragraph, numbers[0], numbers[-1], gap, gap_after(last_index),
                            lines=tuple(numbers)))
        if label_text is not None:
            blocks.append(Block("label", label_text, numbers[-1], numbers[-1], 0, gap_after(last_index),
                                lines=(numbers[-1],)))
        index = last_index + 1
    return blocks


def _single_line_kind(text: str, in_run: bool, is_label, uses_markdown: bool) -> tuple[str, str] | None:
    """Classify a line that forms a block on its own, or return None for paragraph text."""
    label_text, rest = _split_trailing_label(text, is_label)
    if is_furniture(text):
        return "furniture", text
    if label_text is not None and rest == "":
        return "label", text
    if is_credit_line(text):
        return "credit", text
    if split_byline(text) is not None and not in_run:
        return "byline", text
    if credits_in_caption(text).photographers:
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
        return match.group(1), stripped[:match.start(1)].rstrip()
    return None, stripped


def segment(lines: tuple[str, ...], is_label, places_in=lambda text: set()) -> Page:
    """Segment a dump's lines into articles and furniture."""
    blocks = make_blocks(lines, is_label)
    articles: list[ParsedArticle] = []
    furniture: list[tuple[int, str]] = []
    labels: list[tuple[int, str]] = []
    current: ParsedArticle | None = None
    pending_label: str | None = None
    orphans: list[Block] = []   # body text met before any headline: it belongs to the next article
    uses_markdown = any(b.md_level for b in blocks)

    def start(title_block: Block | None) -> ParsedArticle:
        nonlocal current, pending_label
        article = ParsedArticle(title=title_block.text if title_block else None,
                                title_line=title_block.first if title_block else None,
                                section=pending_label)
        if title_block:
            article.lines.update(title_block.lines)
        pending_label = None
        articles.append(article)
        current = article
        return article

    index = 0
    while index < len(blocks):
        block = blocks[index]
        if block.kind == "furniture":
            furniture.append((block.first, block.text))
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
            while j < len(blocks) and blocks[j].kind in ("heading", "subtitle") and blocks[j - 1].gap_after <= 1 \
                    and len(cluster) < 3 and not (uses_markdown and blocks[j].md_level == 0):
                cluster.append(blocks[j])
                j += 1
            nxt = blocks[j] if j < len(blocks) else None
            if _starts_article(cluster, nxt, current, uses_markdown, blocks, j) \
                    or _names_new_place(cluster, current, places_in):
                _open_with_cluster(cluster, start)
                for orphan in orphans:
                    current.body.insert(0, ("para", orphan.text))
                    current.lines.update(orphan.lines)
                    current.flags.append("text found above its headline (page flattened out of order)")
                orphans = []
            elif len(cluster) == 1 and cluster[0].gap_after >= 2 and (nxt is None or nxt.kind in ("caption", "credit")) \
                    and not any(b.kind == "byline" for b in blocks[j:j + 2]):
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
                start(None)
            if current.subtitle is None and not current.body:
                current.subtitle = block.text
            else:
                current.body.append(("para", "——" + block.text))
            current.lines.update(block.lines)
            index += 1
            continue
        if block.kind == "byline":
            continues = index > 0 and blocks[index - 1].kind == "byline" and block.gap_before == 0
            if current is None or (current.has_byline and not continues) or current.closed:
                start(None)
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
                start(None)
            credit = parse_credit_text(block.text)
            current.credits = current.credits.merge(credit)
            current.body.append(("credit", block.text))
            current.lines.update(block.lines)
            if not current.has_byline or fold(block.text).startswith("("):
                current.closed = True
            index += 1
            continue
        # A paragraph or a caption.
        if _starts_untitled_photo(blocks, index, current):
            start(None)
            current.flags.append("untitled item: title made from its first sentence")
        elif current is None or current.closed:
            if _heading_follows(blocks, index):
                orphans.append(block)
                index += 1
                continue
            start(None)
            current.flags.append("untitled item: title made from its first sentence")
        caption = credits_in_caption(block.text)
        if caption.photographers:
            current.credits = current.credits.merge(caption)
            current.body.append(("caption", block.text))
        else:
            current.body.append(("para", block.text))
        current.lines.update(block.lines)
        index += 1
    for orphan in orphans:  # trailing text after the last article: keep it in that article
        target = current or start(None)
        target.body.append(("para", orphan.text))
        target.lines.update(orphan.lines)
    return Page(tuple(a for a in articles if a.lines), tuple(furniture), tuple(labels))


def _names_new_place(cluster: list[Block], current: ParsedArticle | None, places_in) -> bool:
    """Tell whether a headline names a place its would-be article never mentions (a new story)."""
    if current is None:
        return False
    named = set().union(*(places_in(b.text) for b in cluster))
    seen = set().union(*(places_in(t) for _, t in current.body), places_in(current.title or ""))
    return bool(named) and not (named & seen)


def _open_with_cluster(cluster: list[Block], start) -> None:
    """Start an article from a headline cluster, choosing kicker, title and subtitle."""
    heads = [b for b in cluster if b.kind == "heading"]
    subs = [b for b in cluster if b.kind == "subtitle"]
    if any(b.md_level for b in heads):
        top = min(b.md_level for b in heads)
        title_block = next(b for b in heads if b.md_level == top)
    elif len(heads) >= 2 and not subs:
        # Two headline lines: the shorter first one is a kicker only when a third follows;
        # otherwise the first is the title and the second its subtitle.
        title_block = heads[1] if len(heads) == 3 else heads[0]
    else:
        title_block = heads[-1] if len(heads) > 1 and subs else heads[0]
    article = start(title_block)
    position = cluster.index(title_block)
    before = [b for b in cluster[:position]]
    after = [b for b in cluster[position + 1:]]
    if before:
        article.kicker = " ".join(b.text for b in before)
        for b in before:
            article.lines.update(b.lines)
    if after:
        article.subtitle = " ".join(b.text for b in after)
        for b in after:
            article.lines.update(b.lines)


def _starts_article(cluster: list[Block], nxt: Block | None, current: ParsedArticle | None,
                    uses_markdown: bool, blocks: list[Block], next_index: int) -> bool:
    """Decide whether a headline cluster opens a new article or is an in-article subhead."""
    if current is None or current.closed:
        return True
    following = [b for b in blocks[next_index:next_index + 3] if b.kind != "caption"]
    if following and following[0].kind == "byline":
        return True
    if nxt is not None and nxt.kind == "furniture" and next_index + 1 < len(blocks) \
            and blocks[next_index + 1].kind == "byline":
        return True
    if uses_markdown:
        return min(b.md_level or 9 for b in cluster) <= 2
    if any(b.kind == "subtitle" for b in cluster):
        return True
    # A photo item: the headline sits over an image hole (several blank lines), or its
    # text runs straight into a photo credit.
    if cluster[-1].gap_after >= 2 and nxt is not None and nxt.kind in ("para", "byline"):
        return True
    return _credit_within(blocks, next_index, 3)


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
    """Fold and drop whitespace, dashes and Markdown marks, for comparing printed and stored text."""
    return re.sub(r"[\s#—\-─]", "", fold(text))


def article_text(article: ParsedArticle) -> str:
    """Return everything an article stores of the page, as one comparable string."""
    parts = [article.kicker or "", article.title or "", article.subtitle or "", article.byline or ""]
    parts += [text for _, text in article.body]
    return _bare("".join(parts))


def unaccounted_lines(lines: tuple[str, ...], page: Page) -> list[int]:
    """List the non-blank dump lines whose text is in no article and not in the furniture."""
    owners: dict[int, str] = {}
    for article in page.articles:
        text = article_text(article)
        for number in article.lines:
            owners[number] = owners.get(number, "") + text
    furniture_text = {number: _bare(text) for number, text in page.furniture}
    lost = []
    for number, line in enumerate(lines, start=1):
        bare = _bare(line)
        if not bare:
            continue
        stored = owners.get(number, "") + furniture_text.get(number, "")
        if bare in stored:
            continue
        split = split_byline(line)
        if split and all(_bare(part) in stored for part in split):
            continue
        label = furniture_text.get(number, "")
        if label and bare.endswith(label) and bare[: -len(label)] in owners.get(number, ""):
            continue
        lost.append(number)
    return lost
