"""General rules of the fourth round, each proven on small dumps written for these tests (other names,
places, orders, lengths), with cases where the rule must NOT fire.  Every dump keeps every line."""

from __future__ import annotations

import pytest
from _segmentkit import run

from sitegen.credits import parse_credit_text
from sitegen.importer import places_matcher
from sitegen.segment import line_label, split_headline

# --- site text, whatever its wording --------------------------------------------------------------


@pytest.mark.parametrize(
    "line, label",
    [
        ("本文网址:https://www.example.cn/news/20240108/1.html", "source"),
        ("原文:http://www.example.cn/a/2.html", "source"),
        ("时间:2019年03月02日  来源:株洲日报  浏览:77次", "pubtime"),
        ("来源:掌上株洲 作者:覃一 发布时间:2023-04-01 09:12", "source"),
        ("浏览:12 时间:2021-7-3", "pubtime"),
        ("株洲日报 | 2020年5月6日 星期三 | 第B03版 县域", "header"),
        ("2020年5月6日 星期三 株洲日报", "header"),
        ("当前版:05版 文体", "header"),
        ("A07版 民生", "header"),
        ("株洲新闻网 - 数字报", "header"),
        ("株洲晚报电子版", "header"),
        ("一句话新闻", "section"),
        ("园区快讯", "section"),
        ("【转载】以下内容转载自株洲日报", "reprint"),
        ("【转载】株洲日报 2023年7月18日", "reprint"),
    ],
)
def test_site_text_by_its_form(line, label):
    assert line_label(line) == label


@pytest.mark.parametrize(
    "line",
    [
        "时间:4月8日 地点:社区活动室",  # an event notice in an article: no date with a year, 地点 is no site field
        "醴陵瓷业新动态",  # a headline ending in 动态
        "《株洲年鉴》2024版出炉",  # a four-digit edition is no page number
        "2024年12月5日,株洲日报社举办读者开放日",  # a sentence that opens with a date and names the outlet
        "【转载】醴陵:瓷器出海忙",  # a reprint marker before a headline: the headline is read
        "攸县新闻发布会召开",
    ],
)
def test_text_that_is_no_site_text(line):
    assert line_label(line) is None


def test_a_reprint_marker_before_a_headline_on_one_line(tmp_path, gaz):
    text = (
        "【转载】以下内容转载自株洲日报数字报\n\n【转载】茶陵:茶园披上“防寒衣”\n\n"
        "株洲日报讯(通讯员/龙小溪) 1月9日,茶陵县虎踞镇的茶农给茶苗盖上稻草防冻。\n\n(来源:株洲日报)\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.kicker, a.district) for a in articles] == [("茶陵:茶园披上“防寒衣”", None, "茶陵县")]


# --- archive pages: the headline beside the navigation, never site text or a note -----------------


def test_archive_headline_above_an_editors_note_and_the_navigation(tmp_path, gaz):
    text = (
        "株洲新闻网 - 数字报\n首页 > 株洲日报 > 第05版\n\n醴陵:窑火里的新年味\n\n"
        "【编者按】岁末年初,本报推出“新春走基层”系列报道。\n\n  • 上一篇\n  • 下一篇\n\n"
        "    株洲日报讯(记者/柯一鸣) 1月12日,醴陵市阳三石街道的瓷厂里,工人们赶制新年订单。\n\n"
        "  • 上一篇\n  • 下一篇\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.reporters) for a in articles] == [("醴陵:窑火里的新年味", ("柯一鸣",))]


def test_archive_headline_below_the_navigation(tmp_path, gaz):
    text = (
        "株洲日报数字报刊平台\n\n  • 上一篇\n  • 下一篇\n\n芦淞区:服装城里话转型\n\n"
        "    株洲日报讯(通讯员/丁小满) 3月5日,芦淞服饰市场群的商户们忙着直播带货。\n\n"
        "    转型一年,线上销售额占比超过三成。\n\n  • 上一篇\n  • 下一篇\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["芦淞区:服装城里话转型"]


def test_archive_site_fields_line_between_headline_and_navigation(tmp_path, gaz):
    text = (
        "第06版:湘江·副刊\n\n外婆的腌菜坛\n\n时间:2018年11月03日  来源:株洲日报  浏览:96次\n\n"
        "  • 上一篇\n  • 下一篇\n  • ◎ 谭小溪\n\n    外婆的腌菜坛摆在灶屋的角落里,一年四季都不空。\n\n"
        "  • 上一篇\n  • 下一篇\n"
    )
    _, date, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.reporters) for a in articles] == [("外婆的腌菜坛", ())]
    assert date.date[:7] == "2018-11"


# --- essays and editor's notes --------------------------------------------------------------------


def test_short_essays_keep_their_headlines_and_authors_have_no_role(tmp_path, gaz):
    text = (
        "2023年10月9日 星期一\n\n秋天的稻田\n\n◎ 欧阳晓\n\n稻子熟了,田野一片金黄。\n\n"
        "父亲站在田埂上,笑得合不拢嘴。\n\n让基层减负落到实处\n\n□ 宁远 程锦\n\n基层减负,不能只停留在文件上。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.reporters) for a in articles] == [("秋天的稻田", ()), ("让基层减负落到实处", ())]
    assert parse_credit_text("□ 宁远 程锦").others == ("宁远", "程锦")


def test_an_editors_note_under_a_headline_never_takes_its_place(tmp_path, gaz):
    text = (
        "攸县:山村来了“科技特派员”\n\n编者按\n\n科技特派员扎根田间,本报今起推出系列报道。\n\n"
        "株洲日报讯(记者/卜文) 5月8日,攸县鸾山镇的茶园里,科技特派员正在指导茶农修剪。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.kicker, a.reporters) for a in articles] == [("攸县:山村来了“科技特派员”", None, ("卜文",))]


# --- interleaved columns --------------------------------------------------------------------------


def test_interleaved_columns_are_dealt_back(tmp_path, gaz):
    # the second byline straight under its headline (the other order than the corpus pages)
    text = (
        "荷塘区:老厂房变身文创园\n\n株洲日报讯(记者/沈一帆) 在荷塘区金山街道,一座闲置多年的\n\n"
        "炎陵:黄桃花开引客来\n\n株洲日报讯(通讯员/夏禾) 3月下旬,炎陵县中村瑶族乡\n\n"
        "老厂房经过改造,成了年轻人打卡的文创园,\n\n的黄桃花竞相开放,吸引不少游客赏花拍照。\n\n"
        "目前已有20余家文创企业入驻。\n\n当地还推出了赏花线路。\n"
    )
    page, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.district) for a in articles] == [
        ("荷塘区:老厂房变身文创园", "荷塘区"),
        ("炎陵:黄桃花开引客来", "炎陵县"),
    ]
    first, second = page.articles
    assert "闲置多年的老厂房经过改造" in "".join(t for _, t in first.body)
    assert "中村瑶族乡的黄桃花" in "".join(t for _, t in second.body)


def test_consecutive_articles_are_not_dealt_as_columns(tmp_path, gaz):
    text = (
        "攸县新建农村公路\n\n株洲日报讯(记者/甘霖) 今年以来,攸县新建农村公路\n\n50公里,惠及群众10万人。\n\n"
        "茶陵举办农民运动会\n\n株洲日报讯(记者/甘霖) 茶陵县举办农民运动会。\n"
    )
    page, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["攸县新建农村公路", "茶陵举办农民运动会"]
    assert "".join(t for _, t in page.articles[0].body).endswith("惠及群众10万人。")


# --- headlines: banner before a place, parallel halves --------------------------------------------


@pytest.mark.parametrize(
    "line, parts",
    [
        ("乡村振兴进行时 茶陵县发放产业奖补资金", ("乡村振兴进行时", "茶陵县发放产业奖补资金", None)),
        ("党建引领 醴陵探索基层治理新路径", (None, "党建引领 醴陵探索基层治理新路径", None)),
        ("稳就业 攸县送岗上门", (None, "稳就业 攸县送岗上门", None)),
        ("守护一江碧水 共建美丽渌口", (None, "守护一江碧水 共建美丽渌口", None)),
        ("多部门联合整治 消除集市道路安全隐患", (None, "多部门联合整治 消除集市道路安全隐患", None)),
    ],
)
def test_a_banner_stands_before_a_headline_that_opens_with_a_place(gaz, line, parts):
    assert split_headline(line, places_matcher(gaz)) == parts


# --- briefs and districts -------------------------------------------------------------------------


def test_one_sentence_briefs_under_a_column_name(tmp_path, gaz):
    text = (
        "■ 天元区举办人才招聘会\n\n株洲日报讯(通讯员/邵小禾) 6月3日,天元区举办人才招聘会,提供岗位900个。\n\n"
        "一句话新闻\n\n● 6月4日,芦淞区建宁街道开展消防演练。(通讯员 贝雷 温良)\n\n"
        "● 6月5日,渌口区南洲镇举办龙舟赛。(株洲日报记者 卓然)\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.district, a.correspondents, a.reporters) for a in articles] == [
        ("天元区", ("邵小禾",), ()),
        ("芦淞区", ("贝雷", "温良"), ()),
        ("渌口区", (), ("卓然",)),
    ]


@pytest.mark.parametrize(
    "text, district",
    [
        # a headline naming one district places the story, whatever the text visits
        (
            "攸县:电商助农有新招\n\n株洲日报讯(记者/甘霖) 攸县电商产业园联合醴陵市孙家湾镇、醴陵市浦口镇的合作社卖农产品。\n",
            "攸县",
        ),
        # Traditional text is folded first
        ("蘆淞區:服裝市場迎來旺季\n\n株洲日報訊(記者/甘霖) 董家塅街道的服裝企業訂單飽滿。\n", "芦淞区"),
        # a city-level body (市…) with no place: the city
        ("市总工会为环卫工人送清凉\n\n株洲日报讯(记者/甘霖) 7月10日,市总工会走访慰问一线环卫工人。\n", "株洲市"),
        # no place but the city named in the text
        ("开栏语\n\n株洲的每一步发展,都凝结着建设者的汗水。本报今起推出专栏,敬请关注。\n", "株洲市"),
        # a headline naming two districts: neither
        ("攸县茶陵两地签约\n\n株洲日报讯(记者/甘霖) 两县签订合作协议。\n", "株洲市"),
        # a section label above the article outranks the text
        ("荷塘区\n\n社区食堂开张\n\n株洲日报讯(记者/甘霖) 月塘街道的社区食堂开张,醴陵籍老人也来就餐。\n", "荷塘区"),
    ],
)
def test_district_order_of_evidence(tmp_path, gaz, text, district):
    _, _, articles = run(tmp_path, gaz, text)
    assert articles[0].district == district
