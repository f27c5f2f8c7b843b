"""General rules of the sixth round (developed on heldout5), each proven on small dumps written for
these tests (other names, places, orders and lengths than the corpus), with cases where the rule must
NOT fire.  Every dump keeps every line."""

from __future__ import annotations

import pytest
from _segmentkit import run

from sitegen.credits import split_byline
from sitegen.metadata import infer_page_date
from sitegen.segment import line_label, split_headline

# --- site text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, label",
    [
        ("[ 首页 ]  [ 版面导航 ]  [ 往期回顾 ]", "navigation"),
        ("上一张    下一张", "navigation"),
        ("[12]上一篇 [13]下一篇", "navigation"),
        ("[1]株洲晚报 [2]首页 [3]版面导航 [4]往期回顾", "menu"),
        ("References", "links"),
        ("  14. http://www.example.cn/paper/daily/202301/5.html", "source"),
        ("B02  城事  2021年10月9日  星期六  株洲晚报", "header"),
        ("第A07版  2023年3月1日  株洲日报", "header"),
    ],
)
def test_site_text_by_its_form(line, label):
    assert line_label(line) == label


@pytest.mark.parametrize("line", ["2021年10月9日,攸县举办第五届油茶文化节", "[1]号楼今天交房", "首页设计大赛开幕"])
def test_text_that_only_looks_like_site_text(line):
    assert line_label(line) is None


def test_a_menu_saved_as_a_bulleted_list_is_site_text(tmp_path, gaz):
    text = (
        "掌上株洲\n\n  * 首页\n  * 要闻\n  * 县域\n  * 视频\n\n茶陵县:紫薇花开引客来\n\n"
        "株洲日报全媒体记者 覃秋实\n\n  * 上一篇\n  * 下一篇\n\n"
        "    7月,茶陵县云阳山下的紫薇花海进入盛花期,吸引周边游客前来观赏。\n\n  * 上一篇\n  * 下一篇\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.kicker, a.title) for a in articles] == [(None, "茶陵县:紫薇花开引客来")]


def test_a_bulleted_list_of_sentences_is_text(tmp_path, gaz):
    text = (
        "攸县推出便民服务清单\n\n株洲日报讯(记者/符晓) 攸县近日推出便民服务清单:\n\n"
        "  * 社保卡补办\n  * 不动产登记\n  * 户籍迁移\n\n以上事项均可在乡镇便民服务中心办理。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    body = articles[0].body
    assert "社保卡补办" in body and "户籍迁移" in body


def test_a_short_line_over_a_section_label_names_the_part_of_the_page(tmp_path, gaz):
    text = "光影株洲\n\n白关镇\n\n丝瓜棚里采收忙\n\n6月3日,芦淞区白关镇的丝瓜大棚里,农户正在采收。通讯员/尚明川摄\n"
    _, _, articles = run(tmp_path, gaz, text)
    assert [(a.title, a.district) for a in articles] == [("丝瓜棚里采收忙", "芦淞区")]


# --- headlines and bylines -------------------------------------------------------------------------


def test_a_short_line_alone_over_a_byline_is_a_headline_even_if_it_opens_like_a_lead(tmp_path, gaz):
    text = (
        "（來源：株洲日報）\n今年首批新能源公交車投入運營\n\n株洲日報訊(記者/巫晴川) 2月3日,"
        "首批新能源公交車在市區投入運營,覆蓋12條線路。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["今年首批新能源公交車投入運營"]


@pytest.mark.parametrize(
    "line, split",
    [
        ("乡村振兴看株洲·开栏语", ("乡村振兴看株洲", "开栏语", None)),
        ("关注中考 全市3.2万名考生今起赴中考", ("关注中考", "全市3.2万名考生今起赴中考", None)),
        # parallel halves share no word: one headline
        ("冬笋出山 年味渐浓", (None, "冬笋出山 年味渐浓", None)),
        ("绿色发展 攸县关停小作坊", (None, "绿色发展 攸县关停小作坊", None)),
    ],
)
def test_column_and_theme_banners(line, split):
    assert split_headline(line) == split


def test_a_byline_over_three_lines_with_an_intern_is_one_byline(tmp_path, gaz):
    text = (
        "醴陵瓷谷迎来研学季\n\n株洲日报全媒体记者 甄一舟\n实习生 昝小禾\n通讯员 宦立言\n\n"
        "暑假以来,醴陵市陶瓷谷接待研学学生2万余人次。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert len(articles) == 1
    assert articles[0].reporters == ("甄一舟",) and articles[0].correspondents == ("宦立言",)
    assert split_byline("实习生 昝小禾") is not None


# --- dates from the text ---------------------------------------------------------------------------


def test_an_anniversary_names_the_year_and_a_weekday_agrees():
    date = infer_page_date("今年是新中国成立75周年。10月1日(星期二),市民在广场上观看升旗仪式。")
    assert date.date is not None and date.date[:7] == "2024-10"


def test_a_january_page_summing_up_the_last_year_is_of_the_next_year():
    text = "1月9日,记者从市统计局获悉,2023年全市实现地区生产总值4000亿元。去年12月,全市新签约项目30个。"
    assert infer_page_date(text).date[:7] == "2024-01"
    # a plan for the year printed is that year's: no move
    plan = "1月9日,记者获悉,2024年全市将新建公园20个。去年12月,全市新签约项目30个。"
    assert infer_page_date(plan).date[:7] == "2024-01"


def test_a_deadline_ahead_is_not_the_month_of_the_page():
    text = "2024年4月2日,攸县召开春耕生产会议。4月1日,全县已完成早稻育秧。今年6月底前,全县将完成高标准农田建设。"
    assert infer_page_date(text).date[:7] == "2024-04"
