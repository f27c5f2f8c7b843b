"""Recognise bylines and photo credits and split them into reporters, correspondents, photographers."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from .text import fold

_ROLE = r"(?:全媒体记者|新媒体记者|融媒体记者|首席记者|见习记者|摄影记者|记者|通讯员|实习生|摄影)"
_NAME = r"[\u4e00-\u9fff·]{2,4}"
# '摄', '供图', '摄影报道', also after a slash (谢慧/摄), or '(图/文)' / '图文' for a reporter's own pictures.
_PHOTO_TAIL = re.compile(r"(?:/\s*)?(?:摄影报道|供图|摄|\(?\s*图\s*/\s*文\s*\)?|\(?\s*文\s*/\s*图\s*\)?)\s*\)?\s*$")
# The outlet before a byline: 株洲日报, 株洲日报社, 株洲日报·掌上株洲, 株洲新闻网, 本报 (a leading □ or ■ is decoration).
_OUTLET = r"(?:[□■◆]\s*)?(?:株洲日报社?|株洲晚报|株洲新闻网|本报)?(?:·?掌上株洲)?"
# A name that is an organisation, not a person (渌口区公安分局 供图): it ends with an organisation's word.
_ORGANISATION = re.compile(
    r"(单位|受访者|局|分局|所|站|中心|委|会|院|办|队|司|厂|校|部|馆|街道|社区|镇|乡|村|区|县|市|集团|公司|协会|学校|中学|小学|银行|医院|支队|大队|中队|派出所)$"
)
# A line that is nothing but a byline, opening the article.
_BYLINE_OPEN = re.compile(
    r"^\(?(?:株洲日报|本报|株洲新闻网|掌上株洲|[\u4e00-\u9fff]{2,8}?(?=讯))?[^()\s]{0,10}?讯?\s*"
    r"\(\s*([^()]*?(?:记者|通讯员|实习生)[^()]*?)\)\s*"
)
_BYLINE_BARE = re.compile(
    rf"^{_OUTLET}讯?\s*((?:全媒体|新媒体|融媒体|首席|见习)?记者\s*[/|]?\s*{_NAME}.*|通讯员\s*[/|]?.*|实习生\s*[/|]?\s*{_NAME}.*)$"
)
_BYLINE_ANON = re.compile(r"^(?:本报讯|株洲日报讯)\s*")
# A credit at the end of a caption line: "...留念,记者/谭俊杰 摄" or "(廖智勇 摄)".
_CREDIT_TAIL = re.compile(
    r"[\s,.]*\(?((?:株洲日报社?|株洲新闻网)?(?:·?掌上株洲)?(?:全媒体|新媒体)?(?:记者|通讯员)\s*/?\s*[^()]*?"
    r"|受访者|(?<![\u4e00-\u9fff])[\u4e00-\u9fff]{2,4}\s?/?\s?"
    # an organisation after the caption's last sentence (…宣传。株洲市公安局交通警察支队供图): credits nobody
    r"|(?:(?<=[.!?])|(?<=[.!?]\s))[\u4e00-\u9fff]{3,20}(?:局|队|中心|公司|委员会|委|办|部|院|所|站|馆|政府|街道|社区|协会|学校|医院|集团)\s?)"
    r"(?:摄影报道|供图|摄)\)?\s*$"
)
# 图片由…局提供 after the caption's last sentence: an organisation's picture, credits nobody.
_PROVIDED_TAIL = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]\s))\s*\(?(图片由[\u4e00-\u9fff]{2,24}提供)\)?\s*$")
_INLINE_PHOTO = re.compile(r"\(([\u4e00-\u9fff]{2,4}) ?摄\)")
# A byline naming the writer and the pictures' maker by their part: 文/图 张三, 文/张三 图/李四, 作者:张三,
# 文 | 张三, 文字:张三 摄影:李四.  Each role word is followed by a slash, colon, bar or space, then names.
_AUTHOR_ROLE = r"文\s*/\s*图|图\s*/\s*文|图文|文字|撰文|作者|文|图片|摄影|图"
_AUTHOR_NAMES = rf"(?:(?!(?:{_AUTHOR_ROLE})(?:\s*[/:|]|\s)){_NAME}(?:[\s,、]+|$))+"
_AUTHOR_PART = re.compile(rf"({_AUTHOR_ROLE})(?:\s*[/:|]\s*|\s+)({_AUTHOR_NAMES})")
_AUTHOR_LINE = re.compile(rf"^(?:[□■◆]\s*)?(?:(?:{_AUTHOR_ROLE})(?:\s*[/:|]\s*|\s+){_AUTHOR_NAMES})+$")


# An essay's author line: a mark, then one to three names and nothing else (□ 周小帆, ◎ 刘青 王河).
_MARKED_AUTHOR = re.compile(rf"^[□◎○]\s*({_NAME}(?:\s+{_NAME}){{0,2}})$")
# A part word before a byline with roles: 文/图 株洲日报全媒体记者 杨帆, 作者:株洲日报 记者 王晓,
# 文/株洲日报记者 王晓 图/通讯员 李明 (each part word followed by an outlet or a role).
_PART_AT = re.compile(
    rf"(?:^(?:[□■◆]\s*)?|\s+)(文\s*/\s*图|图\s*/\s*文|图文|文字|撰文|作者|文|图片|图|摄影)(?:\s*[/:|]\s*|\s+)"
    rf"(?={_OUTLET}\s*(?:全媒体|新媒体|融媒体|首席|见习|摄影)?(?:记者|通讯员|实习生)\s*/?\s*{_NAME})"
)


def _role_part_credits(folded: str) -> Credits | None:
    """Credits of a byline whose parts (文, 图, 作者) each carry an outlet or a role, or None."""
    marks = list(_PART_AT.finditer(folded))
    if not marks or marks[0].start() != 0 or len(folded) > 80:
        return None
    total = Credits()
    for k, mark in enumerate(marks):
        piece = folded[mark.end() : marks[k + 1].start() if k + 1 < len(marks) else len(folded)]
        inner = parse_credit_text(piece)
        named = inner.reporters + inner.correspondents + inner.others
        if not named:
            return None
        word = re.sub(r"\s", "", mark.group(1))
        pictures = inner.reporters + inner.correspondents if "图" in word or word == "摄影" else ()
        total = total.merge(
            Credits(inner.reporters, inner.correspondents, inner.photographers + pictures, inner.others)
        )
    return total


def _author_credits(folded: str) -> Credits | None:
    """Credits of a 文/图 or 作者 byline (the whole line), or None.

    Picture makers are photographers. A writer named with no role (文/聂晓川, 作者:…) is credited
    but is no reporter: the paper prints its own staff with their role (记者), and a bare 文/ signs
    a commentary or an outside contributor's piece.
    """
    folded = folded.strip()
    match = _MARKED_AUTHOR.match(folded)
    if match:  # □ 周小帆: an essay's author after a mark, with no role: credited, but as no reporter
        return Credits(others=tuple(dict.fromkeys(match.group(1).split())))
    parts = _role_part_credits(folded)
    if parts is not None:
        return parts
    if not _AUTHOR_LINE.match(folded):
        return None
    writers: list[str] = []
    pictures: list[str] = []
    for role, names in _AUTHOR_PART.findall(folded):
        found = [n for n in re.split(r"[\s,、]+", names) if n]
        role = re.sub(r"\s", "", role)
        if role in ("文/图", "图/文", "图文"):
            writers += found
            pictures += found
        elif role in ("文", "文字", "撰文", "作者"):
            writers += found
        else:
            pictures += found
    return Credits(photographers=tuple(dict.fromkeys(pictures)), others=tuple(dict.fromkeys(writers)))


@dataclass(frozen=True)
class Credits:
    """Names credited on one article, each list in printed order."""

    reporters: tuple[str, ...] = ()
    correspondents: tuple[str, ...] = ()
    photographers: tuple[str, ...] = ()
    others: tuple[str, ...] = ()

    def merge(self, other: Credits) -> Credits:
        """Return the union of two credit sets, keeping first-seen order."""

        def union(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(a + b))

        return Credits(
            union(self.reporters, other.reporters),
            union(self.correspondents, other.correspondents),
            union(self.photographers, other.photographers),
            union(self.others, other.others),
        )


# The part named first, then a colon: 摄影报道:株洲日报全媒体记者 X (a credit line of its own).
_PHOTO_LEAD = re.compile(r"^\(?\s*(?:摄影报道|图文报道)\s*:\s*(.+?)\s*\)?$")
_REPORTED = re.compile(r"\s+(?:报道|采写|撰稿)$")
_OUTLET_BEFORE_ROLE = re.compile(
    r"(?:本报|本台|本刊|本网|株洲日报社?|株洲晚报|株洲新闻网|(?:株洲日报)?·?掌上株洲)(?=\s*(?:全媒体|新媒体|融媒体|首席|见习)?(?:记者|通讯员|实习生|摄影))"
)
# A picture credit that names the part first, after the caption's last sentence: 图/通讯员 甘露尧, (摄影/柳岸青).
_PART_TAIL = re.compile(
    r"(?:(?<=[.!?。])|(?<=[.!?。]\s))\s*\(?((?:图|图片|摄影)\s*/\s*(?:(?:株洲日报|本报)?(?:全媒体|新媒体)?(?:记者|通讯员)\s*/?\s*)?"
    r"[\u4e00-\u9fff]{2,4})\)?\s*$"
)


def parse_credit_text(text: str) -> Credits:
    """Split credit text such as '全媒体记者/潘东晓通讯员/周旭东 摄' into roles."""
    folded = fold(text).replace("（", "(").strip(" ()")
    lead = _PHOTO_LEAD.match(folded)
    if lead:  # (摄影报道:株洲日报全媒体记者 X): everyone named took the pictures too
        inner = parse_credit_text(lead.group(1))
        named = inner.reporters + inner.correspondents + inner.others
        return replace(inner, photographers=tuple(dict.fromkeys(inner.photographers + named)))
    author = _author_credits(folded)
    if author is not None:
        return author
    is_photo = bool(_PHOTO_TAIL.search(folded))
    folded = _PHOTO_TAIL.sub("", folded)
    folded = re.sub(rf"^{_OUTLET}讯?", "", folded)
    folded = _OUTLET_BEFORE_ROLE.sub(" ", folded)  # 本报记者 X 本报通讯员 Y: 本报 is the paper, no name
    folded = _REPORTED.sub("", folded)  # …通讯员 仉晓岑 报道: 报道 is what they did, no name
    reporters: list[str] = []
    correspondents: list[str] = []
    others: list[str] = []
    parts = re.split(rf"({_ROLE})", folded)
    role = None
    for part in parts:
        if re.fullmatch(_ROLE, part):
            role = part
            continue
        names = [n for n in re.split(r"[\s/|,、]+", part) if re.fullmatch(_NAME, n) and not _ORGANISATION.search(n)]
        if role is not None and role.endswith("记者"):
            reporters += names
        elif role == "通讯员":
            correspondents += names
        elif role in ("实习生",):
            others += names
        elif role == "摄影":
            reporters += names
    photographers: list[str] = []
    if is_photo:
        photographers = reporters + correspondents
        if not photographers:
            bare = [
                n
                for n in re.split(r"[\s/,、]+", folded)
                if re.fullmatch(_NAME, n) and n not in ("受访者", "通讯员", "记者") and not _ORGANISATION.search(n)
            ]
            photographers = bare
    return Credits(
        tuple(dict.fromkeys(reporters)),
        tuple(dict.fromkeys(correspondents)),
        tuple(dict.fromkeys(photographers)),
        tuple(dict.fromkeys(others)),
    )


@functools.lru_cache(maxsize=8192)  # pure, and asked of each line several times
def split_byline(line: str) -> tuple[str, str] | None:
    """If *line* opens with a byline, return (byline text, rest of the line)."""
    folded = fold(line.strip())
    if _author_credits(folded) is not None:
        return line.strip(), ""
    match = _BYLINE_OPEN.match(folded)
    if match and match.start(1) < 40:
        return line.strip()[: match.end()].strip(), line.strip()[match.end() :].strip()
    match = _BYLINE_BARE.match(folded)
    if match and len(folded) <= 60 and not _PHOTO_TAIL.search(folded):
        return line.strip(), ""
    match = _BYLINE_ANON.match(folded)
    if match:
        return line.strip()[: match.end()].strip(), line.strip()[match.end() :].strip()
    return None


def is_credit_line(line: str) -> bool:
    """Tell whether the whole line is a photo credit ('记者/李逸峰 摄', '(…摄影报道)', '(摄影报道:…)')."""
    folded = fold(line.strip())
    lead = _PHOTO_LEAD.match(folded)
    if lead and len(folded) <= 60 and parse_credit_text(folded).photographers:
        return True
    if len(folded) > 60 or not _PHOTO_TAIL.search(folded):
        return False
    body = _PHOTO_TAIL.sub("", folded).strip(" ()")
    body = re.sub(rf"^{_OUTLET}讯?", "", body)
    if body in ("", "受访者", "通讯员", "记者"):
        return True
    if re.fullmatch(rf"{_NAME}(?:\s+{_NAME})*", body.strip()) and folded.rstrip(" )").endswith(("摄", "供图")):
        return True  # 陈乐之/摄, 段少华 摄: a bare name
    if folded.rstrip(" )").endswith("供图") and re.fullmatch(r"[\u4e00-\u9fff]{2,14}", body.strip()):
        return True  # 渌口区公安分局 供图: an organisation's picture (it credits no person)
    return bool(re.fullmatch(rf"(?:\s*{_ROLE}\s*/?\s*(?:{_NAME}[\s、]*)*)+", body))


def split_caption_credit(line: str) -> tuple[str, str] | None:
    """If a caption line ends in a credit, return (caption, credit)."""
    stripped = line.strip()
    folded = fold(stripped)
    if _INLINE_PHOTO.search(folded):
        return stripped, stripped
    match = _CREDIT_TAIL.search(folded) or _PART_TAIL.search(folded) or _PROVIDED_TAIL.search(folded)
    if match and match.start() > 0:
        return stripped[: match.start()].strip(), stripped[match.start() :].strip(" ,，。.()（）")
    return None


def credits_in_caption(line: str) -> Credits:
    """Return the photographers named in caption credits such as '(廖智勇 摄)'."""
    names = _INLINE_PHOTO.findall(fold(line))
    if names:
        return Credits(photographers=tuple(dict.fromkeys(names)))
    split = split_caption_credit(line)
    return parse_credit_text(split[1]) if split else Credits()
