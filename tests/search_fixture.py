"""A small site for the search tests: real sentences from raw/*.txt, plus one hostile article.

Used until content/ holds the imported sample dumps; ``site_dir()`` builds the site
from content/ when it has articles, else from these fixtures."""

from __future__ import annotations

from pathlib import Path

from sitegen.model import Article

XSS = '<img src=x onerror="window.__xss=1">'

_FIXTURES = [
    dict(
        id="a1b2c3d4e5f6",
        title='石峰区残联筑牢托养机构"防火墙"',
        date="2025-04-23",
        district="石峰区",
        topics=("民生服务",),
        slug="shifengqu-canlian-tuoyang-jigou",
        body="株洲日报讯(通讯员行展) 近日,石峰区残联在秋瑾故居组织全区各镇街残联专干、残疾人托养机构负责人及学员代表开展消防安全专题培训。\n\n"
        "讲座现场,专业消防教员结合残疾人服务机构的特点,围绕火灾预防、火灾发生时的应对措施、疏散逃生的基本常识以及应急处置方法等内容展开详细讲解。",
    ),
    dict(
        id="b1b2c3d4e5f6",
        title="攸县:电网巡检安全过冬",
        date="2025-01-08",
        district="攸县",
        topics=("产业经济",),
        slug="youxian-dianwang-xunjian",
        body="株洲日报讯(全媒体记者/王军 通讯员/王丽凤) 年关将至,用电负荷不断增长,加上低温天气来袭,设备运行经受着严峻考验。"
        "日前,国网攸县供电公司根据电网结构制定周密的特巡计划,组织专业巡检人员对全县变电站开展巡视工作。",
    ),
    dict(
        id="c1b2c3d4e5f6",
        title='机关干部进小区再出发 跑出为民服务"加速度"',
        date="2025-04-22",
        district="天元区",
        topics=("基层治理",),
        slug="jiguan-ganbu-jin-xiaoqu",
        body='大湖塘"联建共治"第一片区工作队队长邓荣峰,站在台上,语气坚定:"社区(村)基层的问题,千头万绪,我的感受是,人员、资源总是捉襟见肘。"\n\n'
        "滨江社区党委书记易婷,则讲起了与天元区人社局干部工作队的故事。",
    ),
    dict(
        id="d1b2c3d4e5f6",
        title="首届直播创业培训班开班",
        date="2024-04-22",
        district="石峰区",
        topics=("就业创业",),
        slug="shoujie-zhibo-chuangye",
        body="4月22日,石峰区学林街道首届直播创业培训班在文荟社区开班。政府技能提升行动、贴息创业担保贷款、SYB创业培训……"
        "一波波扶持就业创业的实惠政策先后落地。直播电商借助5G网络展现出强大的市场潜力。",
    ),
    dict(
        id="e1b2c3d4e5f6",
        title="集中走访联系群众日 搭建党群干群连心桥",
        date="2025-01-15",
        district="渌口区",
        topics=("基层治理",),
        slug="jizhong-zoufang",
        body="问政于民方知得失,问需于民方知冷暖。近年来,深入践行“四下基层”工作要求,在全区140个村全面推行“集中走访联系群众日”工作。",
    ),
    dict(
        id="f1b2c3d4e5f6",
        title="网页代码测试 <script>window.__xss=2</script>",
        date="2023-06-01",
        district="荷塘区",
        topics=("民生服务",),
        slug="wangye-daima-ceshi",
        body=f"这篇文章里有一段标记 {XSS} 应当原样显示为文字。桂花街道龙湾社区创新反诈宣传。",
    ),
]


def fixture_articles() -> list[Article]:
    out = []
    for i, f in enumerate(_FIXTURES):
        out.append(
            Article(
                date_precision="day",
                date_source="text",
                source=f"raw/fixture_{i}.txt",
                source_lines=(1, 2),
                reporters=(),
                path=f"{f['slug']}.md",
                **f,
            )
        )
    return out


def write_content(content_dir: Path) -> None:
    from sitegen.frontmatter import render_article

    content_dir.mkdir(parents=True, exist_ok=True)
    for art in fixture_articles():
        (content_dir / art.path).write_text(render_article(art), encoding="utf-8")


def build_search_site(out_dir: Path, articles: list[Article] | None = None) -> Path:
    """Write a minimal site around the search: search page, script, index, article pages.

    Independent of the full build (sitegen.build), so the search tests run even while
    the other templates change; it uses the real templates/search.html and base.html."""
    import shutil

    import jinja2
    import markupsafe

    from sitegen.config import default_config
    from sitegen.render import relative_link
    from sitegen.search import build_search_files, default_url_of

    root = Path(__file__).resolve().parent.parent
    config = default_config(root).with_overrides(cache_dir=out_dir.parent / (out_dir.name + "-cache"))
    articles = fixture_articles() if articles is None else articles
    url_of = default_url_of(articles)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    here = {"url": ""}  # the URL of the page being rendered, relative to the site root

    def url(path: str = "") -> str:
        return relative_link(here["url"], path)

    def links() -> dict:
        home = url("")  # the renderer gives every page these two (sitegen.render.Renderer.render)
        return {"url": url, "home": home, "root": "" if home == "./" else home}

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(root / "templates")), autoescape=True)

    @jinja2.pass_context
    def partial_cached(ctx, name: str, *variant):  # the renderer's, without its cache
        return markupsafe.Markup(env.get_template(name).render(ctx.get_all()))

    env.globals["partial_cached"] = partial_cached
    site = {"title": config.site_title, "description": config.site_description}
    here["url"] = "search/"
    html = env.get_template("search.html").render(site=site, canonical=None, **links())
    (out_dir / "search").mkdir()
    (out_dir / "search" / "index.html").write_text(html, encoding="utf-8")
    for art in articles:
        rel = url_of(art)
        here["url"] = rel
        page = env.from_string(
            '{% extends "base.html" %}{% block title %}{{ a.title }}{% endblock %}'
            "{% block content %}<article><h1>{{ a.title }}</h1><p>{{ a.body }}</p></article>{% endblock %}"
        ).render(site=site, canonical=None, **links(), a=art)
        (out_dir / rel).mkdir(parents=True, exist_ok=True)
        (out_dir / rel / "index.html").write_text(page, encoding="utf-8")
    here["url"] = ""
    (out_dir / "index.html").write_text(
        env.from_string('{% extends "base.html" %}{% block content %}<h1>首页</h1>{% endblock %}').render(
            site=site, canonical=None, **links()
        ),
        encoding="utf-8",
    )
    (out_dir / "static").mkdir()
    for f in (root / "static").iterdir():
        if f.is_file():
            shutil.copy(f, out_dir / "static" / f.name)
    for rel, data in build_search_files(articles, config, url_of).items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return out_dir
