"""Each general rule of the segmenter, credits and dating, proven on small dumps written for these tests.

The texts are invented (names, places, orders and layouts that the corpora do not show), so each rule is
checked beyond the file that motivated it.  Every dump must also keep every line (nothing lost).
"""

from __future__ import annotations

import pytest
from _segmentkit import run

from sitegen.credits import parse_credit_text, split_byline
from sitegen.metadata import date_from_lines, infer_page_date
from sitegen.segment import line_label, split_headline

# --- headlines ---------------------------------------------------------------------------------


@pytest.mark.parametrize("marked", ["**攸县:稻田里的无人机**", "__攸县:稻田里的无人机__"])
def test_emphasis_marks_round_a_headline_are_markup(tmp_path, gaz, marked):
    text = f"{marked}\n\n株洲日报讯(通讯员/龙小青) 近日,攸县网岭镇的稻田里,无人机正在喷洒叶面肥。\n"
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["攸县:稻田里的无人机"]


@pytest.mark.parametrize(
    "line, parts",
    [
        ("镇村振兴笔记｜茶陵县:一棵茶树的新生", ("镇村振兴笔记", "茶陵县:一棵茶树的新生", None)),
        ("民生面对面 | 社区食堂开进老小区", ("民生面对面", "社区食堂开进老小区", None)),
        ("基层之声丨醴陵:窑火不熄 ——一座老瓷厂的转身", ("基层之声", "醴陵:窑火不熄", "一座老瓷厂的转身")),
    ],
)
def test_a_column_name_before_a_vertical_bar_is_a_kicker(line, parts):
    assert split_headline(line) == parts


def test_editors_note_standing_alone_is_the_headline_under_its_banner(tmp_path, gaz):
    text = (
        "\n绿色株洲 生态答卷\n\n编者按\n\n生态环境是城市最亮的底色。本报推出系列报道,记录各地守护青山绿水的做法。\n\n"
        "天元区:湘江岸线披新绿\n\n株洲日报讯(记者/卢一帆) 天元区沿江的荒滩变成了绿地,市民来此散步。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.kicker, a.title) for a in articles] == [("绿色株洲 生态答卷", "编者按"), (None, "天元区:湘江岸线披新绿")]
    assert articles[0].district == "株洲市"  # the city's own name in the banner


def test_a_short_line_above_a_longer_headline_is_a_banner(tmp_path, gaz):
    text = "\n城市微更新\n\n芦淞区:背街小巷有了“口袋公园”\n\n株洲日报讯(通讯员/于晴) 芦淞区建宁街道把闲置空地建成了口袋公园。\n"
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.kicker, a.title) for a in articles] == [("城市微更新", "芦淞区:背街小巷有了“口袋公园”")]


def test_a_long_first_line_stays_the_title_above_its_subtitle(tmp_path, gaz):
    text = (
        "\n荷塘区推进老旧小区改造,居民生活更舒心\n\n二十个小区年底前完工\n\n"
        "株洲日报讯(通讯员/江帆) 荷塘区今年将完成二十个老旧小区的改造。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.kicker, a.title, a.subtitle) for a in articles] == [
        (None, "荷塘区推进老旧小区改造,居民生活更舒心", "二十个小区年底前完工")
    ]


def test_a_headline_broken_over_two_lines_above_a_narrow_column_is_one_headline(tmp_path, gaz):
    text = (
        "炎陵:黄桃深加工\n项目正式投产\n\n株洲日报讯(通讯员/池小雨) 8月\n20日,炎陵县一家\n黄桃加工企业的\n"
        "新生产线投产,\n可年产罐头3000\n吨,带动果农增收。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["炎陵:黄桃深加工项目正式投产"]
    assert articles[0].correspondents == ("池小雨",)


def test_two_stacked_lines_over_wide_text_stay_title_and_subtitle(tmp_path, gaz):
    text = (
        "石峰区智能制造产业园开园\n首批入驻企业十二家\n\n株洲日报讯(记者/路遥) 9月1日,石峰区智能制造产业园开园,"
        "首批十二家企业签约入驻,涵盖轨道交通零部件和新材料等领域。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.subtitle) for a in articles] == [("石峰区智能制造产业园开园", "首批入驻企业十二家")]


# --- photo items -------------------------------------------------------------------------------


def test_a_headline_over_pointed_captions_opens_a_photo_feature(tmp_path, gaz):
    text = (
        "云龙示范区举办马拉松\n\n株洲日报讯(记者/贺兰) 3月10日,云龙示范区马拉松鸣枪开跑,万余名选手参赛。\n\n"
        "赛道沿途设有补给站。\n\n湘江边的春天\n\n▼天元区湘江风光带的樱花开了。\n\n▲市民在花下合影。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["云龙示范区举办马拉松", "湘江边的春天"]
    assert articles[1].district == "天元区"


def test_a_picture_leads_its_article_and_its_credit_does_not_close_it(tmp_path, gaz):
    text = (
        "▼渌口区南洲镇的农机手在田里收割油菜。\n通讯员/洪波 摄\n\n"
        "株洲日报讯(全媒体记者/牛犇 通讯员/洪波) 眼下,渌口区的油菜进入收获期,农机手们抢抓晴好天气收割。\n\n"
        "全区今年种植油菜8万亩。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert len(articles) == 1
    a = articles[0]
    assert (a.reporters, a.correspondents, a.photographers) == (("牛犇",), ("洪波",), ("洪波",))


# --- bylines -----------------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["通讯员/易小川 唐果 文静 向阳", "记者 欧阳明 黄河 通讯员 马力"])
def test_names_after_a_role_are_a_byline_never_a_site_menu(line):
    assert line_label(line) is None
    assert split_byline(line) is not None


@pytest.mark.parametrize(
    "line, credits",
    [
        ("文/图 舒畅", (("舒畅",), ("舒畅",))),
        ("图/文 白露", (("白露",), ("白露",))),
        ("文/石磊 图/江月", (("石磊",), ("江月",))),
        ("作者:方圆", (("方圆",), ())),
        ("文 | 苏青 摄影 | 温言", (("苏青",), ("温言",))),
    ],
)
def test_writer_and_picture_bylines(line, credits):
    # CONTRACT.md: reporters are the paper's 记者; a writer signed with no role is credited in `others`.
    assert split_byline(line) == (line, "")
    got = parse_credit_text(line)
    assert (got.others, got.photographers) == credits
    assert got.reporters == ()


def test_text_opening_with_wen_is_no_byline():
    assert split_byline("文化馆 开放日") is None and split_byline("图为志愿者在清扫街道。") is None


# --- page furniture ----------------------------------------------------------------------------


@pytest.mark.parametrize("line", ["株洲晚报", "掌上株洲", "第A03版 要闻", "第12版:文化"])
def test_masthead_and_page_number_lines_are_page_header(line):
    assert line_label(line) == "header"


def test_columns_read_across_are_dealt_back_in_order(tmp_path, gaz):
    text = (
        "茶陵县:红色研学线路上新\n醴陵:陶瓷小镇迎客来\n天元区:夜市点亮消费\n"
        "株洲日报讯(通讯员/谭一) 茶陵县新推出\n株洲日报讯(通讯员/丁二) 醴陵陶瓷小镇\n株洲日报讯(通讯员/陈三) 天元区神农城\n"
        "三条红色研学线路,\n国庆期间接待游客\n夜市开市,每晚客流\n"
        "吸引学生参观。\n五万人次。\n超过两万人次。\n\n责任编辑:罗四\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.correspondents, a.district) for a in articles] == [
        ("茶陵县:红色研学线路上新", ("谭一",), "茶陵县"),
        ("醴陵:陶瓷小镇迎客来", ("丁二",), "醴陵市"),
        ("天元区:夜市点亮消费", ("陈三",), "天元区"),
    ]


# --- archive scrapes ---------------------------------------------------------------------------

PHOTO_STORY = """荷塘区的第一场雪

  • 上一篇
  • 下一篇
  • 1月22日,荷塘区石子头村的田野披上银装,村民在雪地里堆雪人。

    株洲日报全媒体记者/易水寒 摄

  • 上一篇
  • 下一篇
"""


def test_archive_photo_story_its_credit_is_text_not_a_headline(tmp_path, gaz):
    _, _, articles = run(tmp_path, gaz, PHOTO_STORY)
    assert [a.title for a in articles] == ["荷塘区的第一场雪"]
    assert articles[0].photographers == ("易水寒",) and articles[0].reporters == ("易水寒",)


NO_CLOSING_BAR = """当前位置:首页 > 数字报 > 株洲日报
  • 上一篇
  • 下一篇
攸县:油茶林里的丰收季
来源:株洲日报   时间:2020-11-05
作者:柏青
    11月3日,攸县鸭塘铺乡的油茶林里,农户们正忙着采摘油茶果。
    今年全县油茶面积达35万亩。
    文/图 柏青
热门推荐
茶陵县开展消防演练
炎陵黄桃深加工项目投产
"""


def test_archive_scrape_without_closing_bar(tmp_path, gaz):
    page, date, articles = run(tmp_path, gaz, NO_CLOSING_BAR)
    assert [a.title for a in articles] == ["攸县:油茶林里的丰收季"]
    a = articles[0]
    assert a.reporters == () and a.photographers == ("柏青",) and a.district == "攸县"  # no role: not a 记者
    assert "消防演练" not in a.body and "热门推荐" not in a.body
    assert (date.date, date.precision) == ("2020-11-05", "day")


CONTROLS_AFTER_TEXT = """株洲新闻网 > 数字报 > 株洲日报
石峰区举办职业技能大赛
发布时间:2019-10-12 09:12:00
    株洲日报讯(记者/易安 通讯员/周正) 10月11日,石峰区第五届职业技能大赛开幕。
    大赛设焊工、电工等8个项目。
【打印】 【关闭】
相关新闻
石峰区新增技能人才三千人
"""


def test_page_controls_after_the_text_close_it_and_the_headline_stays(tmp_path, gaz):
    _, _, articles = run(tmp_path, gaz, CONTROLS_AFTER_TEXT)
    assert [a.title for a in articles] == ["石峰区举办职业技能大赛"]
    assert "技能人才三千人" not in articles[0].body


@pytest.mark.parametrize(
    "address, day",
    [
        ("http://bk.zzlib.net:88/paper/daily/202303/379507.html", "2023-03-01"),
        ("https://www.example.cn/n2/2021/0603/c3365-3476.html", "2021-06-03"),
        ("http://www.example.cn/news/2018/05/12/123.shtml", "2018-05-12"),
        ("http://www.example.cn/html/2019-07/29/content_88.htm", "2019-07-29"),
    ],
)
def test_dates_in_addresses(address, day):
    assert date_from_lines([f"来源: {address}"], {}).date == day


@pytest.mark.parametrize("line", ["3.jpg", "IMG_2041.JPG", "【查看原图】", "热门推荐", "相关报道", "猜你喜欢"])
def test_picture_placeholders_and_site_lists_are_not_text(line):
    assert line_label(line) is not None


# --- districts and dates -----------------------------------------------------------------------


def test_a_rankings_scope_places_nothing(tmp_path, gaz):
    text = "首家儿童友好书店开业\n\n近日,株洲市首家儿童友好书店开业,是全省第三家同类书店。\n"
    _, _, articles = run(tmp_path, gaz, text)
    assert articles[0].district is None


def test_a_weekday_without_any_year_dates_nothing():
    assert infer_page_date("5月8日(星期三),社区举办了义诊活动。").date is None


def test_a_weekday_chooses_between_the_printed_year_and_the_next():
    found = infer_page_date("去年12月,项目动工。1月3日(星期五),2024年的计划公布。")
    assert found.date is not None and found.date.startswith("2025-01")


@pytest.mark.parametrize("closing_line", ["(完)", "柳青", "【责编】"])
def test_a_short_last_line_above_the_closing_bar_is_no_headline(tmp_path, gaz, closing_line):
    text = (
        "我的第一张借书证\n\n  • 上一篇\n  • 下一篇\n  • 那年我十岁,父亲带我去图书馆办了第一张借书证。\n\n"
        f"    从那以后,每个周末我都泡在阅览室里。\n\n    {closing_line}\n\n  • 上一篇\n  • 下一篇\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["我的第一张借书证"]


def test_two_archive_pages_saved_one_after_the_other(tmp_path, gaz):
    text = (
        "醴陵:瓷博会签约项目36个\n\n  • 上一篇\n  • 下一篇\n"
        "  • 株洲日报讯(记者/言午 通讯员/田禾) 9月26日,醴陵瓷博会闭幕,现场签约项目36个。\n\n"
        "  • 上一篇\n  • 下一篇\n\n来源: http://bk.zzlib.net:88/paper/daily/201909/20345.html\n\n"
        "茶陵:红军标语保护修缮完工\n——全县已修缮标语两百余条\n\n  • 上一篇\n  • 下一篇\n"
        "  • 株洲日报讯(通讯员/陈红) 近日,茶陵县完成一批红军标语的保护修缮。\n\n  • 上一篇\n  • 下一篇\n版权所有 株洲日报社\n"
    )
    _, date, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.subtitle, a.district) for a in articles] == [
        ("醴陵:瓷博会签约项目36个", None, "醴陵市"),
        ("茶陵:红军标语保护修缮完工", "全县已修缮标语两百余条", "茶陵县"),
    ]
    assert (date.date, date.precision, date.source) == ("2019-09-01", "month", "address")


@pytest.mark.parametrize("second", ["今年改造小区二十个", "近日完成首批改造"])
def test_a_short_line_between_headline_and_byline_is_its_subtitle(tmp_path, gaz, second):
    text = (
        f"\n荷塘区推进老旧小区改造,居民生活更舒心\n\n{second}\n\n"
        "株洲日报讯(通讯员/江帆) 荷塘区今年将完成二十个老旧小区的改造。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.subtitle) for a in articles] == [("荷塘区推进老旧小区改造,居民生活更舒心", second)]
