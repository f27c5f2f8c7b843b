"""Article bodies: Python-Markdown, sanitised by nh3 with an allow-list; the lede (summary)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _examples import examples
from hypothesis import event, given, settings
from hypothesis import strategies as st

from sitegen.model import Article
from sitegen.render import (
    ALLOWED_TAGS,
    _plain_body_html,
    _python_markdown_html,
    body_without_byline,
    markdown_to_html,
    plain_paragraphs,
    sanitize,
    split_byline,
    summarize,
)

ROOT = Path(__file__).resolve().parent.parent


def _tags(html: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", html)}


# ---------------------------------------------------------------- what an editor writes renders


def test_emphasis_and_strong():
    assert markdown_to_html("这是*强调*，这是**加粗**。") == "<p>这是<em>强调</em>，这是<strong>加粗</strong>。</p>"


def test_link_renders_with_rel():
    html = markdown_to_html("详见[株洲日报](https://www.zznews.gov.cn/)。")
    assert html == ('<p>详见<a href="https://www.zznews.gov.cn/" rel="noopener noreferrer">株洲日报</a>。</p>')


def test_image_renders_lazily():
    html = markdown_to_html("![图](photo.jpg)")
    assert '<img alt="图" loading="lazy" src="photo.jpg">' in html


def test_image_with_caption_is_one_figure():
    html = markdown_to_html("![社区食堂](shitang.jpg)\n\n> 图：老人们在社区食堂就餐。谭昕吾 摄")
    assert html == (
        '<figure class="caption"><img alt="社区食堂" loading="lazy" src="shitang.jpg">'
        "<figcaption>图：老人们在社区食堂就餐。谭昕吾 摄</figcaption></figure>"
    )


def test_lists_render():
    html = markdown_to_html("- 一荤\n- 两素\n\n1. 报名\n2. 培训")
    assert "<ul>\n<li>一荤</li>\n<li>两素</li>\n</ul>" in html
    assert "<ol>\n<li>报名</li>\n<li>培训</li>\n</ol>" in html


def test_table_renders():
    html = markdown_to_html("| 区县 | 篇数 |\n|:--|--:|\n| 天元区 | 3 |")
    assert "<table>" in html and "<thead>" in html and '<th align="left">区县</th>' in html
    assert '<td align="right">3</td>' in html


def test_importer_markdown_renders_as_before():
    """What sitegen/importer.py writes: ## subheads, > 图： captions, a 图： paragraph, escapes."""
    body = (
        "天元区嵩山路街道首家社区食堂5日开张。\n\n## 价格实惠\n\n食堂由街道和企业合办。\n\n"
        "> 图：老人们在社区食堂就餐。谭昕吾 摄\n\n图：培训现场\n\n\\# 不是标题\n\n\\1. 不是列表\n\n\\- 也不是"
    )
    html = markdown_to_html(body)
    assert '<h2 id="s1">价格实惠</h2>' in html
    assert '<figure class="caption"><figcaption>图：老人们在社区食堂就餐。谭昕吾 摄</figcaption></figure>' in html
    assert '<figure class="caption"><figcaption>图：培训现场</figcaption></figure>' in html
    assert "<p># 不是标题</p>" in html and "<p>1. 不是列表</p>" in html and "<p>- 也不是</p>" in html
    assert "<ol>" not in html and "<ul>" not in html and "\\" not in html


def test_lines_of_a_paragraph_join_without_a_space_between_chinese():
    assert markdown_to_html("第一行\n第二行 English\nwords") == "<p>第一行第二行 English\nwords</p>"


def test_headings_start_at_h2():
    html = markdown_to_html("# 一级\n\n##### 五级")
    assert "<h1" not in html and '<h2 id="s1">一级</h2>' in html and '<h4 id="s2">五级</h4>' in html


# ---------------------------------------------------------------- what a dump holds never runs


@pytest.mark.parametrize(
    "hostile, shown",
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ('<a href="javascript:alert(1)">点我</a>', '&lt;a href="javascript:alert(1)"&gt;点我&lt;/a&gt;'),
        ("<iframe src=//evil.example></iframe>", "&lt;iframe src=//evil.example&gt;&lt;/iframe&gt;"),
        ("<!-- 注释 -->", "&lt;!-- 注释 --&gt;"),
        ("<style>body{display:none}</style>", "&lt;style&gt;body{display:none}&lt;/style&gt;"),
    ],
)
def test_raw_html_shows_as_text(hostile, shown):
    html = markdown_to_html(f"正文 {hostile} 结束")
    assert shown in html.replace("&quot;", '"')
    assert _tags(html) == {"p"}


def test_raw_html_block_shows_as_text():
    html = markdown_to_html('<div onclick="alert(1)">\n<script>alert(1)</script>\n</div>')
    assert _tags(html) == {"p"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;div onclick=" in html


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "java&#09;script:alert(1)",
        "&#106;avascript:alert(1)",
        "javascript&colon;alert(1)",
        "<javascript:alert(1)>",
        "java\nscript:alert(1)",
        "\x01javascript:alert(1)",
    ],
)
def test_dangerous_link_schemes_are_dropped(link):
    html = markdown_to_html(f"[x]({link}) ![y]({link})")
    assert "href" not in html and "<img" not in html and "script" not in html.lower()
    assert "<a>x</a>" in html


def test_reference_links_are_sanitised_too():
    assert markdown_to_html("[x]: javascript:alert(1)\n\n[y][x]") == "<p><a>y</a></p>"


@pytest.mark.parametrize(
    "link",
    [
        "https://example.cn/a?b=1&c=2",
        "http://example.cn/",
        "mailto:news@example.cn",
        "../tianyuan/",
        "photo.jpg",
        "#s1",
    ],
)
def test_safe_links_are_kept(link):
    html = markdown_to_html(f"[x]({link})")
    assert 'href="' + link.replace("&", "&amp;") + '"' in html


def test_template_syntax_stays_text():
    html = markdown_to_html("{{ 7*7 }} {% raw %}x{% endraw %}")
    assert "{{ 7*7 }}" in html and "{% raw %}" in html


def test_hostile_dump_text_renders_as_text():
    """A dump's text full of markup-like characters: every word still shows, nothing is a tag
    but the allowed ones."""
    text = (
        '株洲日报讯（记者 王芳）<b>加粗</b> & "引号" \'单引号\' <a href="x" onmouseover="alert(1)">链接</a> '
        "<svg onload=alert(1)> 1 < 2 > 0 &amp; &#60;script&#62;"
    )
    html = markdown_to_html(text)
    assert _tags(html) <= ALLOWED_TAGS and _tags(html) == {"p"}
    for word in ("株洲日报讯", "加粗", "引号", "单引号", "链接", "1 &lt; 2 &gt; 0"):
        assert word in html
    assert "onmouseover=" not in html.replace("&quot;", "") or "&lt;a" in html
    assert "<svg" not in html and "<a" not in html


def test_only_allowed_tags_and_attributes_come_out():
    body = (
        '## 小标题\n\n*强* **重** [链](https://a.cn/ "标题") ![图](p.jpg "说明")\n\n> 引用\n\n'
        "- a\n\n1. b\n\n| x |\n|---|\n| y |\n\n---\n\n`code`"
    )
    html = markdown_to_html(body)
    assert _tags(html) <= ALLOWED_TAGS
    attributes = set(re.findall(r'\s([a-z-]+)="', html))
    assert attributes <= {"id", "href", "title", "rel", "src", "alt", "loading", "class", "align"}


# ---------------------------------------------------------------- the lede

BYLINES = [
    "株洲日报讯(全媒体记者/向胤蓉 通讯员/曾倩)",
    "株洲日报讯（全媒体记者/陈洲平 通讯员/谭斌斌）",
    "株洲日报(全媒体记者/杨如通讯员/宋荣华)",
    "株洲日报(通讯员/阳秋兰)",
    "株洲日报全媒体记者/何春林",
    "株洲日报全媒体记者/杨凌凌 实习生/曾杰豪",
    "株洲日报·掌上株洲记者/谢嘉",
    "株洲日报·掌上株洲讯(记者/李逸峰 通讯员/黄晨敬)",
    "株洲日报讯(通讯员行展)",
    "本报讯（记者 王芳）",
]


@pytest.mark.parametrize("byline", BYLINES)
def test_lede_skips_a_byline_paragraph(byline):
    body = f"{byline}\n\n天元区新增三家养老服务中心。老人们很满意。\n\n第二段。"
    assert summarize(body) == "天元区新增三家养老服务中心。老人们很满意。"
    assert split_byline(byline) == (byline, "")


def test_lede_drops_a_byline_opening_the_first_paragraph():
    body = "株洲日报讯（全媒体记者/王芳 通讯员/李明）4月22日，天元区新增三家养老服务中心。\n\n第二段。"
    assert summarize(body) == "4月22日，天元区新增三家养老服务中心。"


def test_lede_is_never_a_caption_credit_or_subhead():
    body = (
        "株洲日报·掌上株洲记者/廖智勇\n\n乘客刷身份证准备进入站台 (廖智勇 摄) 大丰站列车时刻表 (廖智勇 摄)\n\n"
        "> 图：城铁大丰站外景\n\n## 小标题\n\n记者/李逸峰 摄\n\n![图](a.jpg)\n\n"
        "2016年底，长株潭城铁开通运营。"
    )
    assert summarize(body) == "2016年底，长株潭城铁开通运营。"


def test_lede_is_plain_text():
    body = "据[株洲日报](https://www.zznews.gov.cn/)报道，*今年*春耕**有序**推进。"
    assert summarize(body) == "据株洲日报报道，今年春耕有序推进。"


def test_lede_cut_at_a_sentence_end():
    body = "第一句话很长" + "很长" * 50 + "。第二句。"
    assert summarize(body).endswith("。") and len(summarize(body)) <= 200


def test_paragraphs_are_not_bylines():
    """Ordinary openings are not taken for bylines."""
    for text in (
        "记者从市残联获悉，湖南省残疾人创业孵化基地正在征集项目。",
        "近日，株洲日报记者走访了多个社区。",
        "4月22日，石峰区学林街道首届直播创业培训班开班。",
    ):
        assert split_byline(text) is None
        assert plain_paragraphs(text) == [text]


def test_lede_agrees_with_the_importers_byline_reader():
    """Every byline sitegen.credits finds at the start of a body in the repository's content is
    one the lede skips (the renderer needs no folding tables to find it)."""
    from sitegen.credits import split_byline as importer_split

    checked = 0
    for path in sorted((ROOT / "content").glob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        first = next(b for b in body.split("\n\n") if b.strip()).strip()
        theirs = importer_split(first)
        mine = split_byline(first)
        assert (theirs is None) == (mine is None), first
        if theirs is not None:
            checked += 1
            assert summarize(body) and not summarize(body).startswith(theirs[0][:6]), path.name
    for byline in BYLINES:
        assert importer_split(byline) is not None, byline


def _article(body: str, **credits) -> Article:
    return Article(
        id="x",
        title="标题",
        date="2025-04-22",
        date_precision="day",
        date_source="text",
        slug="x",
        source="raw/x.txt",
        source_lines=(1, 2),
        body=body,
        **credits,
    )


def test_byline_is_not_repeated_under_the_credit_line():
    body = "株洲日报讯（全媒体记者/王芳 通讯员/李明）\n\n天元区新增三家养老服务中心。"
    art = _article(body, reporters=("王芳",), correspondents=("李明",))
    assert body_without_byline(art) == "天元区新增三家养老服务中心。"
    inline = _article("株洲日报讯（全媒体记者/王芳）天元区新增三家养老服务中心。", reporters=("王芳",))
    assert body_without_byline(inline) == "天元区新增三家养老服务中心。"


def test_byline_naming_someone_uncredited_stays():
    """The credit line has no 实习生: a byline naming one is the only place the name shows."""
    body = "株洲日报全媒体记者/杨凌凌 实习生/曾杰豪\n\n正文。"
    assert body_without_byline(_article(body, reporters=("杨凌凌",))) == body
    assert body_without_byline(_article(body)) == body  # no credit line at all


# ---------------------------------------------------------------- plain bodies skip Python-Markdown

# The non-empty lines of each sample dump, stripped, read once.
DUMPS = [
    [line.strip() for line in dump.read_text(encoding="utf-8").splitlines() if line.strip()]
    for dump in sorted((ROOT / "raw").glob("*.txt"))
]
DUMP_LINES = sorted({line for lines in DUMPS for line in lines})
# Every character the plain path must refuse or keep as Python-Markdown keeps it.
TRICKY = "株洲天元区图圖：:。，“”abc 019.#*_-+=>|<&`~[]!()\\\t\r\u3000\xa0\x02\x00\x0c\x1f\x85\ufdd0\uffff"


def _same_as_python_markdown(body: str) -> bool:
    """Check the plain path on *body* against Python-Markdown and nh3; True when it took *body*."""
    plain = _plain_body_html(body)
    if plain is None:
        return False
    assert plain == _python_markdown_html(body), body
    assert sanitize(plain) == plain, body  # so it skips nh3 too
    return True


def test_every_line_of_the_sample_dumps_renders_as_python_markdown_renders_it():
    taken = sum(_same_as_python_markdown(line) for line in DUMP_LINES)
    assert taken > len(DUMP_LINES) / 2  # most printed lines are plain text
    for lines in DUMPS:
        _same_as_python_markdown("\n\n".join(line for line in lines if _plain_body_html(line) is not None))
        _same_as_python_markdown("\n".join(lines))


@pytest.mark.parametrize("char", sorted(set(TRICKY)))
def test_a_character_that_matters_renders_as_python_markdown_renders_it(char):
    for line in ("株洲天元区嵩山路", "2024年株洲市"):
        for body in (line[:3] + char + line[3:], char + line, line + char, f"## {line[:3]}{char}{line[3:]}"):
            _same_as_python_markdown(body)


_blocks = st.one_of(
    st.sampled_from(DUMP_LINES),
    st.builds(
        lambda hashes, text: "#" * hashes + text,
        st.integers(1, 6),
        st.sampled_from([" ", "", "  "]).flatmap(
            lambda gap: st.sampled_from(DUMP_LINES).map(lambda line: gap + line[:20])
        ),
    ),
    st.text(alphabet=TRICKY, max_size=12),
    # a printed line with one character that matters put in it
    st.tuples(st.sampled_from(DUMP_LINES), st.sampled_from(TRICKY), st.integers(0, 40)).map(
        lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]
    ),
    st.lists(st.sampled_from(DUMP_LINES), min_size=2, max_size=3).map("\n".join),
)


@settings(max_examples=examples(800), deadline=None)
@given(st.lists(st.tuples(_blocks, st.sampled_from(["\n\n", "\n\n", "\n", "\n\n\n"])), min_size=1, max_size=6))
def test_a_plain_body_renders_as_python_markdown_renders_it(blocks):
    body = "".join(block + gap for block, gap in blocks)
    event("plain" if _same_as_python_markdown(body) else "Python-Markdown")
