"""Infer an article's metadata: district and places, issue date, topics, tags, kind, title."""

from __future__ import annotations

import datetime as _dt
import functools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from .gazetteer import Gazetteer, find_places
from .model import CITY_WIDE, ArticleKind, DatePrecision, DateSource
from .text import fold, keywords

_DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Topic:
    """One entry of the committed topic taxonomy."""

    name: str
    slug: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class IssueDate:
    """The page's issue date and how it was found; date is None when nothing dates the page."""

    date: str | None
    precision: DatePrecision | None
    source: DateSource | None
    evidence: str  # what it rests on, for the review report
    weak: bool = False


NO_DATE = IssueDate(None, None, None, "nothing on the page dates it")


@functools.lru_cache(maxsize=1)
def load_taxonomy() -> tuple[Topic, ...]:
    """Load the topic taxonomy from sitegen/data/taxonomy.yaml."""
    entries = yaml.safe_load((_DATA / "taxonomy.yaml").read_text(encoding="utf-8"))
    return tuple(Topic(e["name"], e["slug"], tuple(e["keywords"])) for e in entries)


def choose_topics(title: str, body: str, taxonomy: tuple[Topic, ...]) -> tuple[str, ...]:
    """Score every topic by its keywords and keep the strongest (at least one)."""
    title_f, body_f = fold(title), fold(body)
    scores = []
    for topic in taxonomy:
        score = sum(3 * title_f.count(k) + min(body_f.count(k), 5) for k in topic.keywords)
        scores.append((score, topic.name))
    scores.sort(key=lambda s: (-s[0], [t.name for t in taxonomy].index(s[1])))
    best = scores[0][0]
    if best == 0:
        return ("民生服务",)
    return tuple(name for score, name in scores[:3] if score >= 0.6 * best)


_CITY_SIGNAL = re.compile(
    r"(株洲市|我市|全市|市直|市总工会|市残联|市人社局|团市委|市第[一二三四五六七八九十]+|市[\u4e00-\u9fff]{0,4}(局|馆|院|中学|中心|分行|工会|协会))"
)


# A ranking's scope (株洲市首家, 全省第16家, 全市唯一) says where a thing ranks, not where the story happens.
_RANK_SCOPE = re.compile(
    r"(株洲市?|全市|全省|全国|湖南省?)(首家|首个|首批|首座|首条|首次|第[一二三四五六七八九十\d]+[家个批座条]?|唯一|最[大早高])"
)
# The city's own name in a headline (幸福株洲, 株洲这十年): a story about the city as a whole.
_CITY_IN_HEADLINE = re.compile(r"株洲(?!日报|晚报|新闻网)")


def choose_district(
    gaz: Gazetteer, title: str, body: str, section: str | None
) -> tuple[str | None, tuple[str, ...], str]:
    """Return (district, places named, reason) from the section label, headline and body."""
    title, body = _RANK_SCOPE.sub("", title), _RANK_SCOPE.sub("", body)
    votes: Counter[str] = Counter()
    places: list[str] = []
    if section:
        for hit in find_places(gaz, section):
            votes[hit.district] += 10
            places.append(hit.name)
    named_in_title: set[str] = set()
    for weight, text in ((4, title), (1, body)):
        previous = None
        for hit in find_places(gaz, text):
            # "炎陵县高新区": a county's own zone, not 株洲高新区.
            glued = previous is not None and previous.end == hit.start and previous.kind in ("district", "county")
            previous = hit
            if glued and hit.district in ("株洲高新区", "株洲经开区"):
                continue
            places.append(hit.name)
            if weight == 4 and hit.district and hit.district != CITY_WIDE:
                named_in_title.add(hit.district)
            if hit.district and hit.district != CITY_WIDE:
                # A street or town says more than a bare district name mentioned in passing.
                votes[hit.district] += weight * (2 if hit.kind not in ("district", "county") else 1)
    places = list(dict.fromkeys(places))
    title_hits = [h for h in find_places(gaz, title) if h.district != CITY_WIDE]
    lead_hits = [h for h in find_places(gaz, body[:120]) if h.district != CITY_WIDE]
    if not section and len(named_in_title) == 1:
        # The order of evidence: the section label, then the places the headline names, then the body.
        # A headline naming one district places the story, whatever other places its text visits.
        return next(iter(named_in_title)), tuple(places), ""
    if votes and not section and not title_hits and not lead_hits and _CITY_SIGNAL.search(fold(title + body[:200])):
        return CITY_WIDE, tuple(places), ""
    if (
        votes
        and not section
        and not title_hits
        and not lead_hits
        and len(body) > 800
        and sum(votes.values()) <= 2
        and fold(title + body).count("株洲") >= 2
    ):
        # One passing mention of a place deep in a long story about the city does not place it.
        return (
            CITY_WIDE,
            tuple(places),
            f"one passing mention of {next(iter(votes))} in a long story: city-wide assumed",
        )
    if votes:
        (first, first_votes), *rest = votes.most_common()
        if rest and rest[0][1] == first_votes and not section:
            return CITY_WIDE, tuple(places), f"tie between {first} and {rest[0][0]}"
        return first, tuple(places), ""
    if _CITY_SIGNAL.search(fold(title + body)) or _CITY_IN_HEADLINE.search(fold(title + body)):
        # No district or street named, but the city is (in the headline or the text: 株洲的每一步发展):
        # the story is the city's as a whole.
        return CITY_WIDE, tuple(places), ""
    return None, tuple(places), "no district or street named"


# --- dates -------------------------------------------------------------------------------

_FULL = re.compile(r"(?<![\d到至])(\d{4})年(\d{1,2})月(\d{1,2})日")
# A year printed on the page; not a plan's horizon (到2030年, 至2025年 but 截至2024年 is a fact), nor a
# range's end (2021-2025年), nor a decade (2020年代).
_YEAR = re.compile(r"(?<![\d到\-—~])(?<![^截]至)(20\d{2}|19\d{2})年(?!代)")
# 去年12月, 今年3月: a month of a year named relative to the page's (今年20家企业 names no month).
_RELATIVE = re.compile(r"(去年|今年|明年)(?:(1[0-2]|0?[1-9])月)?")
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日")
_WEEKDAY_DATE = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日\s*[(]?\s*(?:星期|周|礼拜)([一二三四五六日天])")
_WEEKDAYS = "一二三四五六日"
# A date in a file name: 2024-12-05, 20241205, 2024_12_05; or a month: 2024-12, 202412.
_FILENAME_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_FILENAME_MONTH = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])(?!\d)")
# A date in a web address: /2024-12/05/, /202412/05/, /20241205/, /2024-12-05/; or a month: /202412/, /2024-12/.
_ADDRESS_DAY = re.compile(
    r"/((?:19|20)\d{2})-?(0[1-9]|1[0-2])[-/](0[1-9]|[12]\d|3[01])(?=[/_.]|$)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=[/_.]|$)"
    r"|/((?:19|20)\d{2})/(0[1-9]|1[0-2])/?(0[1-9]|[12]\d|3[01])(?=/)"
)  # /2021/0603/, /2021/06/03/
_ADDRESS_MONTH = re.compile(r"/((?:19|20)\d{2})-?(0[1-9]|1[0-2])(?=/)")
_ADDRESS = re.compile(r"(?:https?://|www\.)\S+|\S+\.s?html?\b|(?<![\w/])/(?:[\w.-]+/)+[\w.-]*")
_PUBTIME = re.compile(
    r"(?:发布时间|发稿时间|发表时间|更新时间|发布日期|(?:^|\s)时间|(?:^|\s)日期)\s*[:]?\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})"
)
_DOTTED = re.compile(r"(?<![\d.])((?:19|20)\d{2})\.(\d{1,2})\.(\d{1,2})(?![\d.])")  # 2023.10.26 in a page header
_ANY_DAY = re.compile(r"(?<!\d)(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})(?!\d)")
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
_CN_DATE = re.compile(
    r"([〇零一二三四五六七八九]{4})\s*年(?:\s*([一二三四五六七八九十]{1,3})\s*月(?:\s*([一二三四五六七八九十]{1,3})\s*日)?)?"
)


def _cn_number(text: str) -> str:
    """Turn a Chinese numeral of at most 31 (五, 十二, 二十五, 三十一) into digits."""
    if "十" not in text:
        return "".join(_CN_DIGITS.get(c, c) for c in text)
    tens, _, units = text.partition("十")
    return str((int(_CN_DIGITS[tens]) if tens else 1) * 10 + (int(_CN_DIGITS[units]) if units else 0))


def arabic_dates(text: str) -> str:
    """Rewrite dates printed in Chinese numerals (二〇二四年十二月五日) with digits."""

    def repl(m: re.Match) -> str:
        out = "".join(_CN_DIGITS[c] for c in m.group(1)) + "年"
        if m.group(2):
            out += _cn_number(m.group(2)) + "月"
        if m.group(3):
            out += _cn_number(m.group(3)) + "日"
        return out

    return _CN_DATE.sub(repl, text)


def _day(year, month, day) -> str | None:
    try:
        return _dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def date_from_filename(name: str) -> IssueDate | None:
    """Read a date (2024-12-05, 20241205) or a month (2024-12, 202412) from a dump's file name."""
    stem = name.rsplit(".", 1)[0]
    for match in _FILENAME_DAY.finditer(stem):
        if _inside_hash(stem, match):
            continue
        day = _day(*match.groups())
        if day:
            return IssueDate(day, "day", "filename", f"file name {name}")
    for match in _FILENAME_MONTH.finditer(stem):
        if not _inside_hash(stem, match):
            return IssueDate(f"{match[1]}-{match[2]}-01", "month", "filename", f"file name {name}")
    return None


def _inside_hash(stem: str, match: re.Match) -> bool:
    """Tell whether digits sit inside a longer hexadecimal run (a hash such as 9a2b6df3…), not a date."""
    start, end = match.span()
    while start > 0 and stem[start - 1] in "0123456789abcdefABCDEF":
        start -= 1
    while end < len(stem) and stem[end] in "0123456789abcdefABCDEF":
        end += 1
    run = stem[start:end]
    return len(run) > len(match.group(0)) and re.search(r"[a-fA-F]", run) is not None


def date_from_lines(lines, labels) -> IssueDate:
    """Date a page from its own lines, strongest evidence first.

    *labels* gives each line's label from the segmenter (header, pubtime, source, ...).
    Order: a page header (株洲日报 2024年12月05日 第A04版, 二〇二四年十二月五日 星期四);
    an address in the dump (/202412/, /2024-12/05/, /20241205/); a publication-time line
    (发布时间); then the text.  With no evidence at all the date stays unknown.
    """
    folded = [arabic_dates(fold(line)) for line in lines]
    for index, text in enumerate(folded):
        if labels.get(index + 1) in ("header", "reprint"):
            match = _FULL.search(text) or _DOTTED.search(text)
            day = _day(*match.groups()) if match else None
            if day:
                return IssueDate(day, "day", "header", f"page header, line {index + 1}")
    month_hit = None
    for index, text in enumerate(folded):
        if "/" not in text:
            continue
        for address in _ADDRESS.findall(text):
            match = _ADDRESS_DAY.search(address)
            if match:
                groups = [g for g in match.groups() if g]
                day = _day(*groups)
                if day:
                    return IssueDate(day, "day", "address", f"address on line {index + 1}")
            match = _ADDRESS_MONTH.search(address)
            if match and month_hit is None and 1990 <= int(match[1]) <= 2100:
                month_hit = IssueDate(f"{match[1]}-{match[2]}-01", "month", "address", f"address on line {index + 1}")
    if month_hit:
        return month_hit
    for index, text in enumerate(folded):
        # A line the segmenter labelled as the site's record may print its date bare (2025-05-20 07:58:41).
        pattern = _ANY_DAY if labels.get(index + 1) == "pubtime" else _PUBTIME
        match = pattern.search(text.strip())
        day = _day(*match.groups()) if match else None
        if day:
            return IssueDate(day, "day", "header", f"publication time, line {index + 1}")
    return infer_page_date("\n".join(folded))


def infer_page_date(text: str) -> IssueDate:
    """Infer the issue month from all the text of one page, or return NO_DATE.

    The year needs a year printed somewhere on the page (2024年, 截至2024年6月底, 2024年上半年);
    plans (到2030年, 2021-2025年) do not count.  It is the latest year printed, moved on by one
    when a weekday printed with its month and day (12月5日 星期四) falls in the next year, or when
    去年 names a printed year (去年(2023年) puts the page in 2024).  A weekday alone, 去年 or 今年
    alone, or month-day dates alone never give a year: nothing is invented.

    The month is the latest month among the month-day dates with no year of their own (7月6日,
    7月10日), leaving out announced dates (将于8月1日, 8月31日前) and the end of a range; a
    news page reports what has happened.  A stock-taking (截至6月底) or a 'since' (7月以来) is
    a lower bound: the page comes out after it.  Dates that wrap round the new year (12月28日
    next to 1月3日) end in January.
    """
    folded = arabic_dates(fold(text))
    years = Counter(int(y) for y in _YEAR.findall(folded))
    for match in _ANNIVERSARY.finditer(folded):
        base, count = next((_ANNIVERSARY_BASE[k], int(v)) for k, v in match.groupdict().items() if v)
        years[base + count] += 2
    evidence = []
    year = None
    if years:
        year = max(years)
        evidence.append(f"years printed: {sorted(years)}")
    for match in _LAST_YEAR_NAMED.finditer(folded):
        named = int(match.group(1) or match.group(2))
        if year is not None and named + 1 > year:
            year = named + 1
            evidence.append(f"去年 is {named}")
    weekday_year = _year_from_weekday(folded, year)
    if weekday_year is not None and year is not None and weekday_year in (year, year + 1):
        if weekday_year != year:
            evidence.append("a weekday printed with its month and day falls in the next year")
        year = weekday_year
    if year is None:
        year = _year_from_weekday_after_era(folded)
        if year is not None:
            evidence.append(f"a weekday printed with its month and day, in the first years after an era named ({year})")
    if year is None:
        return NO_DATE
    last_year_months = [int(m) for word, m in _RELATIVE.findall(folded) if word == "去年" and m]
    # 今年3月底前 is a deadline ahead, not a month the page reports.
    this_year_months = [
        int(m.group(2))
        for m in _RELATIVE.finditer(folded)
        if m.group(1) == "今年" and m.group(2) and not _DEADLINE_AFTER.match(folded, m.end())
    ]
    stripped = _strip_dated(folded)
    plain = [
        (int(m.group(1)), int(m.group(2)))
        for m in _MONTH_DAY.finditer(stripped)
        if 1 <= int(m.group(1)) <= 12 and 1 <= int(m.group(2)) <= 31 and not _announced(stripped, m)
    ]
    # Full dates of that year (2024年7月10日) are dated events of the year too.
    dated = [
        (int(m.group(2)), int(m.group(3)))
        for m in _FULL.finditer(folded)
        if int(m.group(1)) == year and 1 <= int(m.group(2)) <= 12 and not _announced(folded, m)
    ]
    months = sorted({m for m, _ in plain + dated} | set(this_year_months))
    month = None
    if months:
        month = months[-1]
        if months[0] <= 2 and month >= 11 and not any(3 <= m <= 10 for m in months):
            # 12月28日 … 1月3日: the dates run over the new year; the page is from January,
            # of the next year when the year printed is the December's (2024年12月28日).
            month = max(m for m in months if m <= 2)
            if any(m >= 11 for m, _ in dated) and not any(m <= 2 for m, _ in dated):
                year += 1
            plain = [(m, d) for m, d in plain if m <= 2]
        evidence.append(f"latest month-day date: month {month}")
        if (
            month <= 2
            and (last_year_months and max(last_year_months) >= 11 or "去年" in folded)
            and not any(m <= 2 for m, _ in dated)
            and not _LAST_YEAR_NAMED.search(folded)
            and re.search(
                rf"{year}年,?(?:全年|全市|全县|全区|全镇|共|累计|新增|完成|实现)(?![^,.;]{{0,12}}(?:将|计划|力争|目标))",
                folded,
            )
        ):
            # 1月7日 … 去年12月 … 2024年全市新增…: a page of early in the year that sums up the latest
            # year it prints (not a plan for it) looks back on the year just ended, not the page's.
            year += 1
            evidence.append(f"a page of month {month} sums up {year - 1} and speaks of 去年: {year - 1} is last year")
    floor = _month_floor(folded, year)
    if floor is not None:
        floor_year, floor_month = floor
        if floor_year > year or floor_year == year and (month is None or floor_month > month):
            year, month = floor_year, floor_month
            evidence.append(f"stock-taking or 'since' (截至…月底, …月以来): after month {floor_month - 1 or 12}")
    if month is None and last_year_months:
        month = 1
        evidence.append("only 去年 dates: early in the year")
    if month is None:
        return IssueDate(f"{year}-01-01", "year", "text", "; ".join(evidence), weak=True)
    days = [d for m, d in plain + dated if m == month]
    day = max(days) if days else 1
    try:
        date = _dt.date(year, month, day)
    except ValueError:
        date = _dt.date(year, month, 1)
    weak = len(plain) + len(this_year_months) < 2 and not last_year_months and weekday_year is None and floor is None
    return IssueDate(date.isoformat(), "month", "text", "; ".join(evidence), weak=weak)


# Anniversaries name a year: 建党100周年 (1921), 新中国成立70周年 (1949), 改革开放40周年 (1978).
_ANNIVERSARY = re.compile(
    r"(?:建党|共产党成立)(?P<party>\d{2,3})周年|(?:新中国成立|中华人民共和国成立|建国)(?P<prc>\d{2,3})周年"
    r"|改革开放(?P<reform>\d{2,3})周年|第(?P<teachers>\d{1,2})个教师节|第(?P<trees>\d{1,2})个植树节"
)
# The year before the first: 教师节 was first kept in 1985, 植树节 in 1979.
_ANNIVERSARY_BASE = {"party": 1921, "prc": 1949, "reform": 1978, "teachers": 1984, "trees": 1978}
_DEADLINE_AFTER = re.compile(r"(?:底|末|份)?\s*(?:前|之前|以前|完成|截止)")
# 去年(2023年) / 2023年即去年: the page names last year's number, so it is from the year after.
_LAST_YEAR_NAMED = re.compile(r"去年\s*\(\s*(\d{4})年?\s*\)|(\d{4})年\s*\(?\s*即?去年")
# 截至2024年6月底 / 截至6月末 / 截至6月30日: the page takes stock after that day.
_AS_OF = re.compile(r"(?:截至|截止到?|到)\s*(?:(\d{4})年)?(\d{1,2})月(底|末|\d{1,2}日)")
_AS_OF_YEAR_END = re.compile(r"(?:截至|截止到?)\s*(\d{4})年(?:底|末)")
# 7月以来 / 今年7月以来: the page is from that month or later.
_SINCE = re.compile(r"(?<![\d年])(?:今年)?(\d{1,2})月(?:份)?以来")
# Words announcing a date to come, or the end of a range: 将于8月1日, 定于, 至8月31日, 8月31日前.
_ANNOUNCE_BEFORE = re.compile(r"(将于|将在|将|定于|拟于|拟|计划于|计划|预计于?|有望于?|预定|至|到|—|-|~)\s*$")
_ANNOUNCE_AFTER = re.compile(r"^\s*(前|之前|以前|截止|开幕|举行|举办|起施行|起实施|正式实施)")


def _announced(text: str, match: re.Match) -> bool:
    """Tell whether a month-day date is announced (a date to come) or ends a range."""
    before = text[max(0, match.start() - 4) : match.start()]
    after = text[match.end() : match.end() + 4]
    if _ANNOUNCE_BEFORE.search(before) and not before.endswith("截至"):
        return True
    return bool(_ANNOUNCE_AFTER.match(after)) and not re.search(
        r"已|日前", text[max(0, match.start() - 6) : match.start()]
    )


def _month_floor(folded: str, year: int) -> tuple[int, int] | None:
    """The earliest (year, month) the page can be from, by 截至…月底 or …月以来, or None."""
    floors = []
    for match in _AS_OF.finditer(folded):
        if match.group(0).startswith("到") and match.group(3).endswith("日"):
            continue  # 到8月31日 is a deadline, not a stock-taking
        y = int(match.group(1)) if match.group(1) else year
        m = int(match.group(2))
        if not 1 <= m <= 12 or y > year:
            continue
        if match.group(3) in ("底", "末"):
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        floors.append((y, m))
    for match in _AS_OF_YEAR_END.finditer(folded):
        y = int(match.group(1))
        if y <= year:  # 截至2017年底: the page takes stock of a finished year, so it is from after it
            floors.append((y + 1, 1))
    for match in _SINCE.finditer(folded):
        m = int(match.group(1))
        if 1 <= m <= 12:
            floors.append((year, m))
    return max(floors) if floors else None


# A congress names the era a page is from: never before its year, and talked of for years after.
_ERA = re.compile(r"(十八大|十九大|二十大|二十一大)")
_ERA_YEAR = {"十八大": 2012, "十九大": 2017, "二十大": 2022, "二十一大": 2027}


def _falls_on(year: int, month: str, day: str, weekday: str) -> bool:
    """Tell whether month/day of *year* exists and is the weekday printed (一 … 日, 天)."""
    return bool(_day(year, month, day)) and _dt.date(year, int(month), int(day)).weekday() == _WEEKDAYS.index(
        "日" if weekday == "天" else weekday
    )


def _year_from_weekday_after_era(folded: str) -> int | None:
    """With no year printed, the one year within five after the latest era named (二十大: 2022)
    in which every printed 'M月D日(星期X)' falls on its weekday; None when none or several fit."""
    eras = [_ERA_YEAR[e] for e in _ERA.findall(folded)]
    dates = _WEEKDAY_DATE.findall(folded)
    if not eras or not dates:
        return None
    floor = max(eras)
    fits = [y for y in range(floor, floor + 6) if all(_falls_on(y, m, d, w) for m, d, w in dates)]
    return fits[0] if len(fits) == 1 else None


def _year_from_weekday(folded: str, near: int | None) -> int | None:
    """The year in which a printed 'M月D日 星期X' falls on that weekday (nearest to *near*)."""
    for m, d, w in _WEEKDAY_DATE.findall(folded):
        fits = [y for y in range(1990, 2040) if _falls_on(y, m, d, w)]
        if not fits:
            continue
        if near is not None:
            return min(fits, key=lambda y: (abs(y - near), -y))
        # With no year printed anywhere a weekday fits a year every few years: choosing one
        # would invent it, so it dates nothing.
    return None


def _strip_dated(text: str) -> str:
    """Remove dates that carry their own year or a 去年/明年 prefix."""
    text = _FULL.sub(" ", text)
    return re.sub(r"(去年|明年|前年)\d{1,2}月\d{1,2}日", " ", text)


# --- tags, kind, titles --------------------------------------------------------------------

_STOP = {
    "株洲日报",
    "记者",
    "通讯员",
    "全媒体",
    "株洲",
    "近日",
    "日前",
    "工作",
    "活动",
    "开展",
    "进行",
    "表示",
    "相关",
    "负责人",
    "一个",
    "我们",
    "他们",
    "没有",
    "这个",
    "通过",
    "今年",
    "去年",
}


def choose_tags(title: str, body: str, names: set[str], limit: int = 6) -> tuple[str, ...]:
    """Pick jieba keywords from headline and body, bylines and names removed."""
    text = f"{title}。{title}。{body}"
    tags = []
    for word in keywords(text, limit * 3):
        if word in _STOP or word in names or len(word) < 2 or re.fullmatch(r"[\d.a-zA-Z%]+", word):
            continue
        tags.append(word)
        if len(tags) == limit:
            break
    return tuple(tags)


def title_from_text(text: str) -> str:
    """Make a headline for an untitled item from its first sentence (or its first 30 characters)."""
    text = text.strip().lstrip("▲▼△▽◀▶■●◆▪ ")  # a caption's pointer or a brief's mark is no part of a headline
    text = re.sub(
        r"^(近日|日前|当天|\d{1,2}月\d{1,2}日(\s*[（(](星期|周)[一二三四五六日天][）)])?)[，,]?", "", text.strip()
    )
    sentence = re.split(r"[。！？!?]", text, maxsplit=1)[0]
    clause = re.split(r"[，,；;]", sentence)
    pick = sentence if len(sentence) <= 30 else clause[0]
    return pick[:30].strip() or text[:30]


def choose_kind(has_byline: bool, has_photo_credit: bool, body_chars: int) -> ArticleKind:
    """Tell article, photo item (picture, caption and credit) or brief apart."""
    if has_photo_credit and not has_byline:
        return "photo"
    if body_chars < 200:
        return "brief"
    return "article"
