"""Segmenter and dating on small dumps of each format the importer must handle (text written for these tests)."""

from __future__ import annotations

import pytest
from _segmentkit import run

from sitegen.metadata import arabic_dates, date_from_filename
from sitegen.segment import line_label, split_headline

SCRAPE = """首页 新闻 区县 时政 社会 视频

聚焦园区 干在实处

  • 上一篇
  • 下一篇
  • 株洲日报讯 (全媒体记者/张三丰 通讯员/ 刘华钢) 9月13日,天元区栗雨工业园一批新项目集中开工。

    项目涵盖新材料、智能装备等领域,预计明年投产。

    请扫码观看视频

    株洲日报全媒体记者/张三丰 摄

  • 上一篇
  • 下一篇

来源: http://www.zznews.gov.cn/paper/daily/202109/5123.html
发布时间:2021-09-14 08:30:12 点击:0
相关阅读
天元区推进项目建设
"""


def test_archive_scrape_one_article_no_furniture_title(tmp_path, gaz):
    page, date, articles = run(tmp_path, gaz, SCRAPE)
    assert [a.title for a in articles] == ["聚焦园区 干在实处"]
    a = articles[0]
    assert a.reporters == ("张三丰",) and a.correspondents == ("刘华钢",) and a.photographers == ("张三丰",)
    assert "上一篇" not in a.body and "请扫码" not in a.body and "相关阅读" not in a.body
    assert (date.date, date.precision, date.source) == ("2021-09-01", "month", "address")


def test_no_evidence_no_date(tmp_path, gaz):
    page, date, articles = run(tmp_path, gaz, "一场招聘会\n\n株洲日报讯(通讯员/马九) 日前,云龙示范区举办招聘会。\n")
    assert date.date is None
    assert all(a.draft and not a.date for a in articles)


def test_page_header_and_chinese_numeral_date(tmp_path, gaz):
    text = (
        "二〇二四年十二月五日 星期四\n\n老街巷里的新风景\n\n□ 株洲日报社新媒体记者 李敏\n\n"
        "荷塘区月塘街道的老巷子经过改造,墙面换上了新的彩绘。\n\n(株洲日报全媒体记者/周五\n\n通讯员/吴六)\n"
    )
    page, date, articles = run(tmp_path, gaz, text)
    assert (date.date, date.source) == ("2024-12-05", "header")
    assert [a.title for a in articles] == ["老街巷里的新风景"]
    assert set(articles[0].reporters) == {"李敏", "周五"} and articles[0].correspondents == ("吴六",)
    assert arabic_dates("二〇二四年十二月五日") == "2024年12月5日"


def test_traditional_reprint_gb18030_crlf(tmp_path, gaz):
    text = (
        "【轉載】株洲日報 2023年7月18日\r\n\r\n攸縣推進高標準農田建設\r\n\r\n"
        "株洲日報訊(記者/陳明 通訊員/劉華) 今年以來,攸縣新建高標準農田5萬畝。\r\n\r\n（來源：株洲日報）\r\n"
    )
    page, date, articles = run(tmp_path, gaz, text, encoding="gb18030")
    assert (date.date, date.source) == ("2023-07-18", "header")
    assert len(articles) == 1 and articles[0].district == "攸县"
    assert {n for n, _ in page.furniture} == {1, 7}


def test_photo_credits(tmp_path, gaz):
    text = (
        "秋收时节 稻浪金黄\n\n▲农户在田间收割晚稻。\n\n▼收割机在田里来回穿梭。 谢慧/摄\n\n"
        "通讯员/安蓉摄\n\n反诈宣传进村\n\n近日,渌口区公安分局民警走进南洲镇宣讲。\n\n渌口区公安分局 供图\n\n"
        "夜市开张\n\n市民在夜市选购。 通讯员 供图\n"
    )
    page, date, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["秋收时节 稻浪金黄", "反诈宣传进村", "夜市开张"]
    assert set(articles[0].photographers) == {"谢慧", "安蓉"}
    assert articles[1].photographers == () and articles[2].photographers == ()


@pytest.mark.parametrize(
    "line, parts",
    [
        (
            "省残疾人创业孵化基地“招新”了 场地免费、导师指导、创业扶持",
            (None, "省残疾人创业孵化基地“招新”了", "场地免费、导师指导、创业扶持"),
        ),
        ("【镇街新观察】南洲镇:老码头焕发新活力", ("镇街新观察", "南洲镇:老码头焕发新活力", None)),
        ("《一条城轨连三城》系列报道: 从“运车厢”到没座位", ("《一条城轨连三城》系列报道", "从“运车厢”到没座位", None)),
        (
            "石峰区老旧小区改造全面提速 ——今年计划改造小区38个",
            (None, "石峰区老旧小区改造全面提速", "今年计划改造小区38个"),
        ),
        ("聚焦园区 干在实处", (None, "聚焦园区 干在实处", None)),
        ("攸县:电网巡检安全过冬", (None, "攸县:电网巡检安全过冬", None)),
    ],
)
def test_split_headline(line, parts):
    assert split_headline(line) == parts


@pytest.mark.parametrize(
    "line, label",
    [
        ("  • 上一篇", "navigation"),
        ("【打印本页】 【关闭窗口】", "navigation"),
        ("来源: https://www.zznews.gov.cn/paper/daily/202412/438612.html", "source"),
        ("发布时间:2022-06-29 12:00:01 点击:0", "pubtime"),
        ("请扫码观看视频", "prompt"),
        ("株洲日报 2024年12月05日 第A04版:区县新闻", "header"),
        ("首页 新闻 区县 时政 社会 视频", "menu"),
        ("责任编辑:王建设", "furniture"),
        ("聚焦园区 干在实处", None),
        ("开栏语", None),
    ],
)
def test_line_labels(line, label):
    assert line_label(line.strip(" •")) == label


@pytest.mark.parametrize(
    "name, date, precision",
    [
        ("2024-12-05.txt", "2024-12-05", "day"),
        ("zzrb_20241205_a04.txt", "2024-12-05", "day"),
        ("daily_202412.txt", "2024-12-01", "month"),
        ("000_9a2b6df346def618.txt", None, None),
    ],
)
def test_date_from_filename(name, date, precision):
    found = date_from_filename(name)
    assert (found.date, found.precision) if found else (None, None) == (date, precision)
