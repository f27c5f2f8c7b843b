"""General rules of the fifth round (developed on heldout4), each proven on small dumps written for
these tests (other names, places, orders and lengths than the corpus), with cases where the rule must
NOT fire.  Every dump keeps every line."""

from __future__ import annotations

import pytest
from _segmentkit import run

from sitegen.credits import parse_credit_text, split_caption_credit
from sitegen.importer import places_matcher
from sitegen.segment import line_label, split_headline

# --- site text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, label",
    [
        ("2023-11-02 16:05:09  来源:掌上株洲  编辑:言小舟", "pubtime"),
        ("2019-7-1 08:30", "pubtime"),
        ("株洲日报 | 掌上株洲", "site"),
        ("株洲新闻网·株洲晚报", "site"),
        ("本版其它新闻", "links"),
        ("本版其他新闻", "links"),
        ("【字体:大 中 小】 【打印】 【关闭】", "navigation"),
    ],
)
def test_site_text_by_its_form(line, label):
    assert line_label(line) == label


@pytest.mark.parametrize(
    "line",
    ["2023年11月2日,醴陵市举办陶瓷博览会", "株洲日报讯(记者/言小舟) 昨日", "株洲日报·掌上株洲记者/言小舟 摄"],
)
def test_text_that_only_looks_like_site_text(line):
    assert line_label(line) is None


def test_a_bare_timestamp_line_dates_the_page_and_is_no_headline(tmp_path, gaz):
    text = (
        "株洲新闻网 | 视觉 | 图片\n\n枫溪港 秋色浓\n\n2023-11-02 16:05:09  来源:株洲日报  编辑:言小舟\n\n"
        "  • 上一篇\n  • 下一篇\n  • ▲枫溪港两岸的水杉渐次变红,吸引市民前来拍照。\n\n"
        "    株洲日报全媒体记者/乔木森 摄影报道\n\n"
        "    入秋以来,荷塘区枫溪港沿岸的水杉林由绿转红,成为市民周末休闲的好去处。\n"
    )
    page, date, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["枫溪港 秋色浓"]
    assert date.date[:7] == "2023-11" and date.precision == "day"
    assert articles[0].photographers == ("乔木森",)


def test_other_stories_listed_under_the_page_are_not_an_article(tmp_path, gaz):
    text = (
        "株洲日报电子版\n第A02版:综合新闻\n\n天元区新增三所公办幼儿园\n\n株洲日报记者 葛青禾\n\n"
        "　　9月1日,天元区新建的三所公办幼儿园同时开园,新增学位900个。\n\n"
        "本版其它新闻\n　　炎陵黄桃进入采摘旺季\n　　攸县启动秋季征兵体检\n\n"
        "原文地址:http://epaper.example.cn/html/2022-09/02/content_1.htm\n"
    )
    page, date, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["天元区新增三所公办幼儿园"]
    assert date.date[:7] == "2022-09"


# --- headlines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, split",
    [
        ("城市更新观察:老厂房变身文创园", ("城市更新观察", "老厂房变身文创园", None)),
        ("【乡村振兴进行时】开栏语", ("乡村振兴进行时", "开栏语", None)),
        # a place before the colon is part of the headline; a speaker before a quotation is the headline
        ("白关镇:丝瓜搭上电商快车", (None, "白关镇:丝瓜搭上电商快车", None)),
        ("建宁街道:老旧小区加装电梯", (None, "建宁街道:老旧小区加装电梯", None)),
        ("种粮大户谭师傅:“今年又是丰收年”", (None, "种粮大户谭师傅:“今年又是丰收年”", None)),
    ],
)
def test_a_column_name_before_a_colon_is_a_kicker(gaz, line, split):
    assert split_headline(line, places_matcher(gaz)) == split


def test_a_longer_banner_stands_above_a_headline_that_names_its_place(tmp_path, gaz):
    text = (
        "株洲日报 2024年5月9日 第A05版\n\n城乡环境整治在行动\n清水塘街道:拆除违建1.2万平方米\n\n"
        "株洲日报全媒体记者/甘棠\n\n5月8日,石峰区清水塘街道对辖区违建进行集中拆除。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.kicker, a.title) for a in articles] == [("城乡环境整治在行动", "清水塘街道:拆除违建1.2万平方米")]


def test_a_headline_broken_over_two_short_lines_is_one_headline(tmp_path, gaz):
    text = (
        "炎陵黄桃搭上\n“数字快车”\n\n株洲日报讯(通讯员/涂远山) 今年,炎陵县黄桃通过直播电商销往全国,线上销量占到三成。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.kicker, a.title, a.subtitle) for a in articles] == [(None, "炎陵黄桃搭上“数字快车”", None)]


@pytest.mark.parametrize(
    "first, second",
    [
        ("攸县新建农村公路", "惠及三万余名群众"),  # a figure in the second line: a subtitle's detail
        ("产业链上看株洲", "渌口区:新材料产业集群成形"),  # the second line opens with its place: a banner above
    ],
)
def test_two_short_lines_that_are_not_one_broken_headline(tmp_path, gaz, first, second):
    text = f"{first}\n{second}\n\n株洲日报讯(记者/芮雪松) 今年以来,当地加快项目建设,成效明显。\n"
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] != [first + second]


# --- page structure -------------------------------------------------------------------------------


def test_a_section_label_after_a_cut_paragraph_opens_the_next_section(tmp_path, gaz):
    text = (
        "荷塘区\n\n社区食堂开进老小区\n\n株洲日报讯(记者/苗青) 近日,荷塘区一家社区食堂开业,"
        "为周边老人提供每餐十元的午餐,附近居民也可以就餐。\n\n"
        "社区志愿者每天送餐上门,照顾行动不便的高龄老人,还定期为他们测量血压、打扫房间和陪同就医\n\n"
        "攸县\n\n稻田里养出“致富鱼”\n\n当地引导农户在稻田里养鱼,亩均增收800元。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.district) for a in articles] == [
        ("社区食堂开进老小区", "荷塘区"),
        ("稻田里养出“致富鱼”", "攸县"),
    ]


def test_a_headline_right_over_a_credited_caption_opens_a_photo_item(tmp_path, gaz):
    text = (
        "醴陵市\n\n瓷城夜市开市\n\n株洲日报讯(记者/钱松柏) 5月1日晚,醴陵市陶瓷夜市开市,"
        "两百余个摊位吸引市民游客。\n\n"
        "消防演练进校园\n\n5月6日,消防员在学校操场上教学生使用灭火器。醴陵市消防救援大队供图\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["瓷城夜市开市", "消防演练进校园"]
    assert articles[1].photographers == () and articles[1].reporters == ()


def test_an_organisation_after_the_last_sentence_is_a_credit_of_nobody():
    caption = "5月6日,消防员在学校操场上教学生使用灭火器。醴陵市消防救援大队供图"
    assert split_caption_credit(caption) == (caption[: caption.index("醴陵")].rstrip("。"), "醴陵市消防救援大队供图")
    assert parse_credit_text("醴陵市消防救援大队供图").photographers == ()
    # an ordinary sentence that ends in 站 or 局 is no credit
    assert split_caption_credit("市民在新建的公交站候车。") is None


def test_a_writer_signed_with_no_role_is_no_reporter():
    credits = parse_credit_text("文/宁静远")
    assert credits.reporters == () and credits.others == ("宁静远",)
    assert parse_credit_text("株洲日报记者 宁静远").reporters == ("宁静远",)
