"""General rules of the eighth round (developed on heldout7: copies from WeChat, mobile apps, galleries
and e-paper readers), each proven on small dumps written for these tests, with cases where the rule
must NOT fire; and a property: dating a page from its text never raises."""

from __future__ import annotations

import pytest
from _examples import examples
from _segmentkit import run
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.credits import is_credit_line, parse_credit_text, split_caption_credit
from sitegen.metadata import infer_page_date
from sitegen.segment import clean_line, line_label, split_headline


@pytest.mark.parametrize(
    "line, label",
    [
        ("[图片]", "prompt"),
        ("点击蓝字 关注我们", "prompt"),
        ("▶ 点击播放视频", "prompt"),
        ("00:00 / 03:41", "prompt"),
        ("打开APP", "site"),
        ("举报", "site"),
        ("（2/5）", "site"),
        ("原创 掌上株洲 2024年03月02日 20:15 湖南", "pubtime"),
        ("05-21 08:10　　来源:株洲日报　　【大 中 小】", "site"),
        ("编辑 | 古月明", "furniture"),
        ("株洲新闻网 ┊ 株洲晚报 ┊ 掌上株洲", "site"),
        ("首页 ┊ 时政 ┊ 区县 ┊ 图片", "menu"),
        ("  ▸ 上一篇    ▸ 下一篇", "navigation"),
        ("« 上一篇    下一篇 »", "navigation"),
        ("〈 上一组    下一组 〉", "navigation"),
        ("  → 下一篇", "navigation"),
        ("2022.06.17　星期五　B02　城事", "header"),
        ("株洲日报    2019年3月5日    星期二                      A03    要闻", "header"),
        ("以下内容选自株洲日报,仅供学习交流", "site"),
        ("* * *", "furniture"),
    ],
)
def test_site_text_by_its_form(line, label):
    assert line_label(clean_line(line)) == label


@pytest.mark.parametrize(
    "line",
    [
        "举报电话已开通,市民可拨打12345反映问题",
        "打开窗户通风是防病的好办法",
        "2022.06.17,醴陵市举办陶瓷博览会",
        "编辑部的同事们都来了",
        "扫描二维码查看招募要求以及申报材料",  # a QR code's own caption is the article's
    ],
)
def test_text_that_only_looks_like_site_text(line):
    assert line_label(clean_line(line)) is None


def test_a_wechat_copy_keeps_its_article_and_its_date(tmp_path, gaz):
    text = (
        "白关丝瓜上市了\n原创 株洲日报 掌上株洲 2024年05月08日 18:30 湖南\n\n点击蓝字 关注我们\n\n[图片]\n"
        "5月7日,芦淞区白关镇的丝瓜大棚里,农户正在采摘。\n\n[图片]\n\n记者 | 禹岚山\n通讯员 | 阙星河\n编辑 | 伍小满\n"
    )
    page, date, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["白关丝瓜上市了"]
    assert date.date[:7] == "2024-05"
    assert articles[0].reporters == ("禹岚山",) and articles[0].correspondents == ("阙星河",)


def test_a_role_alone_over_the_names_is_one_byline(tmp_path, gaz):
    text = (
        "龙船塘乡:油茶丰收\n\n株洲日报全媒体记者\n梅雨亭\n通讯员 巩晓峰\n\n10月20日,攸县龙船塘乡的油茶林里一片繁忙。\n"
    )
    _, _, articles = run(tmp_path, gaz, text)
    assert [a.title for a in articles] == ["龙船塘乡:油茶丰收"]
    assert articles[0].reporters == ("梅雨亭",) and articles[0].correspondents == ("巩晓峰",)


def test_outlet_names_and_what_they_did_are_no_names():
    credits = parse_credit_text("通讯员 饶春生 株洲日报全媒体记者 宓秋实 报道")
    assert credits.correspondents == ("饶春生",) and credits.reporters == ("宓秋实",)


def test_photo_credits_naming_the_part_first_and_organisations_that_provide():
    line = "（摄影报道：株洲日报全媒体记者 瞿东篱）"
    assert is_credit_line(line) and parse_credit_text(line).photographers == ("瞿东篱",)
    caption = "游客在炎帝陵景区拍照留念。图片由炎陵县文旅广体局提供"
    split = split_caption_credit(caption)
    assert split is not None and split[1] == "图片由炎陵县文旅广体局提供"
    assert parse_credit_text(split[1]).photographers == ()


@pytest.mark.parametrize(
    "line, split",
    [
        ("〖乡村振兴在行动〗炎陵:黄桃树下的“共富路”", ("乡村振兴在行动", "炎陵:黄桃树下的“共富路”", None)),
        ("奋斗百年路·启航新征程 攸县:稻田里的新农人", ("奋斗百年路·启航新征程", "攸县:稻田里的新农人", None)),
        ("市民游园热情高【转载】", (None, "市民游园热情高", None)),
    ],
)
def test_banner_brackets_dotted_banners_and_reprint_marks(gaz, line, split):
    from sitegen.importer import places_matcher

    assert split_headline(line, places_matcher(gaz)) == split


def test_dates_from_a_dotted_header_and_an_era_with_a_weekday(tmp_path, gaz):
    text = "株洲日报\n2022.06.17　星期五　B02　城事\n\n醴陵举办陶瓷夜市\n\n株洲日报讯(记者/贺山青) 6月16日晚,醴陵陶瓷夜市开市。\n"
    _, date, _ = run(tmp_path, gaz, text, name="page.txt")
    assert date.date == "2022-06-17" and date.source == "header"
    assert infer_page_date("学习宣传贯彻二十大精神。11月16日(周三),宣讲团走进社区。").date[:7] == "2022-11"
    assert infer_page_date("11月16日(周三),宣讲团走进社区。").date is None  # a weekday alone names no year


def test_an_early_year_page_that_sums_up_last_year_is_of_the_next_year():
    text = "2月18日,市人社局发布数据。2023年,全市新增城镇就业4.8万人。我市去年还新建零工驿站20个。"
    assert infer_page_date(text).date[:7] == "2024-02"


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "今年",
                "去年",
                "明年",
                "截至",
                "2023年",
                "年底",
                "12月",
                "1月",
                "0月",
                "13月",
                "31日",
                "32日",
                "2月30日",
                "星期三",
                "周五",
                "以来",
                "前",
                "二十大",
                "第40个教师节",
                "新中国成立75周年",
                "(",
                ")",
                ",",
                "。",
                "20",
                "全市",
                "新增",
            ]
        ),
        max_size=24,
    )
)
def test_dating_any_text_never_raises(parts):
    infer_page_date("".join(parts))
