"""General rules of the third round, each proven on small dumps written for these tests (other names,
places, orders), with cases where the rule must NOT fire.  Every dump keeps every line (nothing lost)."""

from __future__ import annotations

import pytest
from _segmentkit import run

from sitegen.credits import parse_credit_text, split_byline
from sitegen.metadata import infer_page_date
from sitegen.segment import line_label


def month(text: str) -> str | None:
    found = infer_page_date(text)
    assert found.date is None or (found.precision, found.source) in (("month", "text"), ("year", "text"))
    return found.date[:7] if found.date else None


# --- dating from the text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, want",
    [
        # a year printed anywhere, the latest month-day date gives the month
        ("截至2023年9月底,全区已建成充电桩300个。10月8日,又一批投用。10月12日,市民试用。", "2023-10"),
        ("9月3日,攸县启动秋收。9月21日,收割过半。2021年上半年,全县粮食面积稳定。", "2021-09"),
        ("2019年,该镇引进企业5家。3月2日,签约仪式举行。4月16日,项目开工。", "2019-04"),
        # a stock-taking with no later date: the month after it
        ("截至2022年5月底,全市累计发放消费券2亿元。", "2022-06"),
        ("截至2020年12月底,全县脱贫人口全部实现稳定就业。", "2021-01"),
        # 'since' is a lower bound
        ("2020年,新馆落成。5月以来,已接待游客3万人次。4月28日,举行开馆仪式。", "2020-05"),
        # announced dates and the end of a range do not date the page
        ("2022年4月10日,新线试运行。新线将于5月1日正式开通。", "2022-04"),
        ("2024年,活动从3月8日持续至6月30日。3月8日,首场举行。", "2024-03"),
        # 今年 with a month is this year's; 去年(2021年) moves the page on one year
        ("今年5月,2021年度评选揭晓。", "2021-05"),
        ("去年(2021年),全市新增市场主体3万户。3月2日,表彰大会召开。", "2022-03"),
        # dates that wrap round the new year end in January of the next year
        ("2023年12月29日,跨年音乐会彩排。12月31日,音乐会上演。1月2日,剧院公布新年演出季。", "2024-01"),
    ],
)
def test_text_dates_with_a_printed_year(text, want):
    assert month(text) == want


@pytest.mark.parametrize(
    "text",
    [
        "7月6日,剧团送戏下乡。7月10日,演出结束。",  # month-day dates but no year printed
        "截至6月底,已有8000户参与。7月以来,游客增多。",  # a stock-taking without a year
        "到2030年,全市将建成公园200个。5月4日,规划公布。",  # a plan's horizon is not a year printed
        "《2021-2025年发展规划》印发。6月1日,解读会召开。",  # a range's end is not a year printed
        "今年以来,去年同期,今年5月,社区举办活动。",  # relative words alone invent no year
    ],
)
def test_no_year_printed_dates_nothing(text):
    assert month(text) is None


def test_a_photo_page_dated_only_by_its_text(tmp_path, gaz):
    text = (
        "\n图片新闻\n\n白关镇:丝瓜丰收\n\n8月3日,芦淞区白关镇的瓜农采摘丝瓜。\n\n通讯员/萧然摄\n\n"
        "社区食堂开张\n\n8月12日,荷塘区月塘街道的社区食堂开张。截至2023年7月底,街道已建成食堂4家。\n\n受访单位供图\n"
    )
    _, date, articles = run(tmp_path, gaz, text)
    assert (date.date[:7], date.precision, date.source) == ("2023-08", "month", "text")
    assert [a.title for a in articles] == ["白关镇:丝瓜丰收", "社区食堂开张"]
    assert articles[1].photographers == ()  # 受访单位 is no person


# --- Markdown ----------------------------------------------------------------------------------


def test_a_hash_without_a_space_and_setext_underlines_mark_headlines(tmp_path, gaz):
    text = (
        "# 周末·城区\n\n#芦淞区:服装城开启夜市\n\n株洲日报讯(通讯员/钱塘) 芦淞区服装城的夜市开市,商户延长营业到22时。\n\n"
        "石峰区:老厂房变身文创园\n=====\n\n株洲日报全媒体记者/柯南星\n\n田心街道的一座老厂房改造成文创园,吸引十余家工作室入驻。\n\n"
        "天元区:江边步道贯通\n---\n\n株洲日报讯(记者/沈舟) 天元区湘江边的步道全线贯通,全长8公里。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.district) for a in articles] == [
        ("芦淞区:服装城开启夜市", "芦淞区"),
        ("石峰区:老厂房变身文创园", "石峰区"),
        ("天元区:江边步道贯通", "天元区"),
    ]
    assert articles[1].reporters == ("柯南星",)


def test_hashtags_and_separated_rules_are_not_headlines(tmp_path, gaz):
    text = (
        "## 荷塘区:图书馆延长开放时间\n\n株洲日报讯(通讯员/程雪) 荷塘区图书馆周末开放到晚上9点,读者可在线预约座位。\n\n"
        "#全民阅读#\n\n读者在阅览室里看书,不少人带着孩子一起来。\n\n---\n\n馆里还增设了自习区。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["荷塘区:图书馆延长开放时间"]
    assert line_label("#全民阅读#") is None


# --- archive scrapes ---------------------------------------------------------------------------


def test_a_bar_menu_above_the_headline_is_site_text_not_a_kicker(tmp_path, gaz):
    text = (
        "株洲新闻网 | 数字报 | 掌上株洲 | 视频\n首页  时政  区县  民生  经济  图片\n\n当前位置:首页 > 区县\n\n"
        "茶陵县:油茶林里的丰收\n\n  • 上一篇\n  • 下一篇\n"
        "  • 株洲日报讯(记者/林间 通讯员/谭月) 10月20日,茶陵县的油茶林迎来采摘季。\n\n  • 上一篇\n  • 下一篇\n"
    )
    page, _, articles = run(tmp_path, gaz, text)
    assert [(a.kicker, a.title) for a in articles] == [(None, "茶陵县:油茶林里的丰收")]
    assert 1 in {n for n, _ in page.furniture}


def test_a_line_with_two_bars_is_no_menu():
    assert line_label("民生面对面 | 社区食堂开进老小区") is None


# --- banners and bylines -------------------------------------------------------------------------


def test_a_bracketed_banner_alone_above_a_headline_is_its_kicker(tmp_path, gaz):
    text = (
        "【文明创建在身边】\n\n炎陵县:志愿者清扫河道\n\n株洲日报讯(通讯员/甘露 记者/钟声) 近日,炎陵县的志愿者清理了河道垃圾。\n\n"
        "【开栏语】\n\n本版今起推出新栏目,记录身边的文明故事。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert (articles[0].kicker, articles[0].title) == ("文明创建在身边", "炎陵县:志愿者清扫河道")


@pytest.mark.parametrize(
    "line, reporters, correspondents, photographers",
    [
        ("□ 文/图 株洲日报全媒体记者 叶知秋", ("叶知秋",), (), ("叶知秋",)),
        ("文/图 记者 罗成 通讯员 许诺", ("罗成",), ("许诺",), ("罗成", "许诺")),
        ("文 株洲日报记者/白杨", ("白杨",), (), ()),
    ],
)
def test_a_part_word_before_a_byline_with_roles(line, reporters, correspondents, photographers):
    assert split_byline(line) == (line, "")
    got = parse_credit_text(line)
    assert (got.reporters, got.correspondents, got.photographers) == (reporters, correspondents, photographers)


@pytest.mark.parametrize("line", ["受访单位供图", "受访者供图", "主办单位 供图"])
def test_interviewed_parties_credit_nobody(line):
    assert parse_credit_text(line).photographers == ()


# --- real page structures: briefs, essays, editor's notes, picture news --------------------------


def test_each_marked_item_of_a_page_of_briefs_is_a_brief(tmp_path, gaz):
    text = (
        "株洲日报 2022年11月03日 第A02版:要闻\n\n快讯\n\n"
        "■ 11月1日,石峰区井墈街道的社区食堂开张,每天供应午餐300份。(通讯员/甘棠)\n\n"
        "● 近日,醴陵市孙家湾镇的2000亩柑橘进入采摘期。(株洲日报记者 秦岭)\n\n"
        "■ 株洲日报讯(通讯员/欧阳雪) 11月2日,天元区举办社区运动会,600余名居民参加。\n"
    )
    _, date, articles = run(tmp_path, gaz, text)
    assert [(a.kind, a.district) for a in articles] == [("brief", "石峰区"), ("brief", "醴陵市"), ("brief", "天元区")]
    assert [(a.reporters, a.correspondents) for a in articles] == [((), ("甘棠",)), (("秦岭",), ()), ((), ("欧阳雪",))]
    assert date.date == "2022-11-03"


def test_marked_points_inside_an_article_stay_in_it(tmp_path, gaz):
    text = (
        "攸县推出三项便民举措\n\n株洲日报讯(记者/许多) 攸县政务服务中心推出三项便民举措,方便群众办事。\n\n"
        "■ 延时服务:工作日延长至晚上7点。\n\n■ 预约上门:行动不便的老人可预约上门办理。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["攸县推出三项便民举措"]


def test_an_essays_author_after_a_mark_is_its_byline(tmp_path, gaz):
    text = (
        "株洲日报 2020年09月18日 第04版:副刊\n\n外婆的菜园\n\n◎ 唐诗雨\n\n"
        "外婆的菜园在屋后的山坡上,种着辣椒、茄子和豆角。\n\n每到夏天,菜园里总是一片热闹。\n\n"
        "编者按\n\n本版开设“家的味道”栏目,欢迎来稿。\n\n一碗米粉\n\n□ 钟离\n\n清晨的米粉店里,热气腾腾。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    # the author has no role (no 记者, no 通讯员): credited among the others, never as a reporter
    assert [(a.title, a.reporters) for a in articles] == [("外婆的菜园", ()), ("编者按", ()), ("一碗米粉", ())]
    assert parse_credit_text("◎ 唐诗雨").others == ("唐诗雨",)


def test_a_place_after_a_mark_under_a_headline_is_no_author(tmp_path, gaz):
    text = "社区里的新书架\n\n□ 攸县\n\n近日,攸县一个社区的书架上新了一批图书,居民可以随时借阅。\n"
    _, _, articles = run(tmp_path, gaz, text)
    assert articles[0].reporters == ()


def test_picture_news_after_a_section_name_are_photo_items_of_their_own(tmp_path, gaz):
    text = (
        "炎陵县:高山蔬菜上市\n\n株洲日报讯(通讯员/邝野) 炎陵县策源乡的高山蔬菜陆续上市,销往长沙、广州等地。\n\n"
        "图片新闻\n\n▲醴陵市的瓷器工匠在拉坯。 记者/艾琳 摄\n\n▼芦淞区董家塅街道的居民在跳广场舞。通讯员/冉冉摄\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.kind, a.district) for a in articles] == [
        ("炎陵县:高山蔬菜上市", "brief", "炎陵县"),
        ("醴陵市的瓷器工匠在拉坯", "photo", "醴陵市"),
        ("芦淞区董家塅街道的居民在跳广场舞", "photo", "芦淞区"),
    ]
    assert articles[2].photographers == ("冉冉",)


def test_pointed_captions_under_a_headline_stay_one_photo_feature(tmp_path, gaz):
    text = "湘江边的清晨\n\n▲天元区湘江风光带上晨练的市民。 记者/艾琳 摄\n\n▼江边垂钓的老人。记者/艾琳 摄\n"
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["湘江边的清晨"]


@pytest.mark.parametrize(
    "line, reporters, correspondents, photographers",
    [
        ("作者:株洲日报 记者 程远", ("程远",), (), ()),
        ("文/株洲日报记者 方舟 图/通讯员 岳峰", ("方舟",), ("岳峰",), ("岳峰",)),
    ],
)
def test_part_words_each_with_an_outlet_or_a_role(line, reporters, correspondents, photographers):
    assert split_byline(line) == (line, "")
    got = parse_credit_text(line)
    assert (got.reporters, got.correspondents, got.photographers) == (reporters, correspondents, photographers)


@pytest.mark.parametrize("line", ["[1] [2] [3] [下一页]", "第1页 第2页 下一页", "我来说两句"])
def test_page_links_of_a_split_article_are_site_text(line):
    assert line_label(line) is not None


@pytest.mark.parametrize("line", ["2023年上半年 全市经济稳中有进", "第一季度 工业增加值增长6%"])
def test_headlines_with_numbers_are_not_page_links(line):
    assert line_label(line) is None


def test_a_star_mark_before_a_headline_is_decoration(tmp_path, gaz):
    text = "✦芦淞区:社区学堂开课\n\n株洲日报讯(通讯员/商陆) 芦淞区庆云街道的社区学堂开课,首期教老人使用智能手机。\n"
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["芦淞区:社区学堂开课"]
