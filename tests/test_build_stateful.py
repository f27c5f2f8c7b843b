"""Incremental equals clean, always (issue 12): a Hypothesis state machine edits a copy of the
fixture site at random and, after every step, compares the incremental public/ with a clean
build of the same content, templates and static files, byte for byte, and runs `sitegen check`.

What the machine does
---------------------
Each example starts from a private copy of the fixture content, templates and static files
(a tempfile.mkdtemp folder, removed in teardown), a per_page of 3 (pagination on the home,
district, month and tag pages) or 20, and one build.  Each step then makes an edit and builds
incrementally into the machine's own public/ and cache/.  The edits: the summary paragraph or
a paragraph past it, title, district (or none), date and its precision (one in the future),
tags, topics, reporters, draft on/off/absent, slug, a save without a change, two or three of
these at once, delete, rename the file (also into a subfolder), a new article, a template
change, a static file change, and a failed build in between.  Values come from small fixed
lists so that edits collide: the same month, tag, topic, district and person pages, equal
dates, pages crossing a pagination boundary.  Every write moves the file's mtime forward (the
article cache keys on (path, mtime_ns, size)); a rename keeps it, as `mv` does.

After each build: the report has no errors; `tree(public/)` equals the tree of a clean build
of the same input into fresh folders (the message names the differing files and shows a diff
of the first ones); the page store records the same pages showing each article as the clean
build's (`shown`: a page kept there that no longer shows the article is only rendered again by
a later edit, which public/ hides); sitegen.check.check_site finds no broken link.  Clean trees
(and their stores' rows) are memoised
by a digest of every input byte and of sitegen/ (a clean build depends on bytes, not mtimes),
so a state seen before costs no second clean build.

The failed build: one article's front matter gets broken YAML (sometimes after an edit of
another article, which the failed build must not publish either); the build must report
errors and leave public/ byte for byte as it was.  The article is then restored, and the
site compared with a clean build at once or after the next step's edit.

Budget
------
Defaults: SITEGEN_STATEFUL_EXAMPLES=5 examples (3 outside CI: tests/_examples.py) of
SITEGEN_STATEFUL_STEPS=20 steps, about 60 builds and as many clean ones, 8-20 s on the 2-core
development machine (with the search index kept in the comparison: its incremental patch is
part of what must equal a clean build).  Hypothesis's first
example repeats the first rule (`bump_mtime`, cheap by design) and one example is usually
empty, so about three examples do the work.  A longer hunt:

    SITEGEN_STATEFUL_EXAMPLES=50 python -m pytest tests/test_build_stateful.py -q

On failure the test prints its seed and Hypothesis the shrunk steps with a @reproduce_failure
blob (print_blob).  Rerun the same search with SITEGEN_STATEFUL_SEED=<seed>, or with
`python -m pytest tests/test_build_stateful.py --hypothesis-seed=<seed>` (the command line
wins over the environment).  Shrinking rebuilds the site for every attempt and can take
Hypothesis's five minutes; SITEGEN_STATEFUL_SHRINK=0 skips it.

Shown to catch planted bugs
---------------------------
Each planted in a scratch copy of the checkout (with the search fix below), then removed;
"runs" are default runs (5 x 20) with seeds 51-54, shrinking off:

1. sitegen/plan.py, article_keys: the LINK key (what prev/next links show) digested the path
   alone ("a link needs only the URL"), so an article's page kept a neighbour's old title or
   URL in its prev/next links.  Caught in 3 of 4 runs: seed 51 in the 2nd example at its 10th
   build (retitling a new article), seed 53 in the 4th at its 4th (`set_title` lusong-2.md:
   lusong/lusong-fushi-dinghuo/index.html), seed 54 in the 2nd at its 9th (`change_slug`).
   With shrinking, seed 53 came down to `start(per_page=3); change_slug(city-2.md)`: the
   next link of zhuzhou/zhuzhou-jingji-huiyi/index.html still pointed at the old URL.
2. sitegen/build.py, _plan_from_layout (now _plan_from_store): the fast path for body-only
   edits compared the FULL and LINK keys and forgot CARD, so a summary edit re-rendered the
   article's page but no listing or feed.  Caught in 2 of 4 runs (seeds 53 and 54: the 4th
   and 2nd example, builds 2 and 8, `edit_summary`; 9 and 19 files differ: month, archive,
   home, feeds, topic and person pages).  Seed 53 shrank to `start(per_page=3);
   edit_summary(city-2.md)`.

Found in the code as it was
---------------------------
- Before e8debfe, a build with broken front matter still wrote the rest of the site
  (failed_build: "a failed build ... changed N file(s) of public/").
- Before bc5852f, a patched search index kept the shard count of the last whole one, while a
  whole index of the same documents took ceil(bytes / SHARD_TARGET): start, delete
  tianyuan-3.md (whole index, 4 shards), retitle tianyuan-2.md (patched, still 4 shards; clean:
  3), and search/meta.js, search/s/*.js and search/index.html differed.  Caught in about half
  the default runs.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import os
import pickle
import random
import re
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

import hypothesis.core
import pytest
from _buildkit import ROOT, TODAY, build, files_under, make_config, tree
from _examples import thorough
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sitegen.check import check_site

try:  # the search index is made in a forked process, which imports numpy on every build
    import numpy  # noqa: F401  (loaded once here, each build's fork inherits it: ~0.2 s a build)
except ImportError:
    pass

# 5 examples under CI, 3 in a developer's run (tests/_examples.py): about three do the work
EXAMPLES = int(os.environ.get("SITEGEN_STATEFUL_EXAMPLES") or (5 if thorough() else 3))
STEPS = int(os.environ.get("SITEGEN_STATEFUL_STEPS", "20"))
SHRINK = os.environ.get("SITEGEN_STATEFUL_SHRINK", "1") != "0"

DISTRICTS = ["天元区", "荷塘区", "芦淞区", "石峰区", "渌口区", "醴陵市", "攸县", "茶陵县", "炎陵县", "株洲市"]
# (date, date_precision): equal dates, two articles in one month, a year-precision date, a future one
DATES = [
    ("2024-11-01", "month"),
    ("2024-11-12", "day"),
    ("2025-01-03", "day"),
    ("2025-01-09", "day"),
    ("2025-01-09", "month"),
    ("2025-02-14", "day"),
    ("2024-01-01", "year"),
    ("2030-01-01", "day"),
]
DAYS = ["2025-06-02", "2029-12-31", "2030-01-01", "2031-01-01"]  # after TODAY; DATES has 2030-01-01
TITLES = [
    "社区食堂开张 老人吃上热乎饭",
    "网格员走街串巷听民声",
    "全市春耕生产有序推进",
    "<em>标记</em>与 {{ 7*7 }} 进了标题",
    "株洲市召开全市经济工作会议",
]
TAGS = ["网格员", "养老", "社区食堂", "简讯", "演练", "<b>标签</b>"]
TOPICS = ["民生服务", "基层治理", "产业经济"]
PEOPLE = ["张伟", "王芳", "谭昕吾", "李明"]
LEADS = [
    "记者日前走访发现，居民对新措施普遍满意。",
    "网格员每天走访居民，收集意见。",
    "春耕生产有序推进，农资供应充足。",
    "导语里有 <b>标记</b> 和 {{ 模板 }} 这些文字。",
]
TAIL_MARK = "补记："
TAILS = [None, TAIL_MARK + "活动将持续到月底。", "## 小标题\n\n" + TAIL_MARK + "另有三家单位参与。"]
TAG_LISTS = st.lists(st.sampled_from(TAGS), unique=True, max_size=3)
TOPIC_LISTS = st.lists(st.sampled_from(TOPICS), unique=True, min_size=1, max_size=2)
PEOPLE_LISTS = st.lists(st.sampled_from(PEOPLE), unique=True, max_size=2)
# (field, value) edits that keep every published article on the site (see edit_several)
CHANGES = st.one_of(
    st.tuples(st.just("title"), st.sampled_from(TITLES)),
    st.tuples(st.just("summary"), st.sampled_from(LEADS)),
    st.tuples(st.just("tail"), st.sampled_from(TAILS)),
    st.tuples(st.just("district"), st.sampled_from(DISTRICTS + [None])),
    st.tuples(st.just("date"), st.sampled_from([d for d in DATES if d[0] <= TODAY])),
    st.tuples(st.just("tags"), TAG_LISTS),
    st.tuples(st.just("topics"), TOPIC_LISTS),
    st.tuples(st.just("reporters"), PEOPLE_LISTS),
    st.tuples(st.just("slug"), st.none()),
    st.tuples(st.just("touch"), st.none()),
)
# (template, where, text): each change puts *text* in at the first match of *where* (before
# it when *where* starts with '<'), or takes it out again.  Anchors the templates must have
# anyway, so the edits survive the templates' own changes.
TEMPLATE_EDITS = [
    ("_macros.html", r"{%-?\s*macro\s+article_card\b[^%]*%}", '<span class="edited">卡</span>'),
    ("base.html", r"</body>", "<!-- 改版 -->\n"),
    ("article.html", r"{%-?\s*block\s+content\s*-?%}", "<p>文章页改版</p>"),
    ("tag.html", r"{%-?\s*block\s+content\s*-?%}", "<p>标签页改版</p>"),
    ("month.html", r"{%-?\s*block\s+content\s*-?%}", "<p>月份页改版</p>"),
    ("404.html", r"{%-?\s*block\s+content\s*-?%}", "<p>页面不存在</p>"),
]
STATIC_EDITS = ["style.css", "extra/notes.txt", "og.png"]

# A clean build depends on the bytes of its input, not on mtimes: digest of input → tree.
_CLEAN_TREES: dict[str, dict] = {}


def _split(text: str) -> tuple[list[str], str]:
    assert text.startswith("---\n"), text[:40]
    end = text.index("\n---\n", 3)
    return text[4:end].split("\n"), text[end + 5 :]


def _join(head: list[str], body: str) -> str:
    return "---\n" + "\n".join(head) + "\n---\n" + body


def _set_field(head: list[str], key: str, value: str | None) -> None:
    """Set `key: value` in the front-matter lines (None removes the field)."""
    at = next((i for i, line in enumerate(head) if line.split(":", 1)[0] == key), None)
    if value is None:
        if at is not None:
            del head[at]
    elif at is None:
        head.append(f"{key}: {value}")
    else:
        head[at] = f"{key}: {value}"


def _yaml_list(items) -> str:
    return "[" + ", ".join(items) + "]"


def _paragraphs(body: str) -> list[str]:
    return [p for p in body.strip("\n").split("\n\n") if p]


def _body(paragraphs: list[str]) -> str:
    return "\n" + "\n\n".join(paragraphs) + "\n"


def _digest(*folders: Path, extra: str = "") -> str:
    h = hashlib.sha1(extra.encode())
    for folder in folders:
        for rel, full in files_under(folder):
            if not any(part.startswith(".") or part == "__pycache__" for part in rel.split("/")):
                h.update(f"\0{folder.name}/{rel}\0".encode())
                with open(full, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


_CLEAN_SHOWN: dict[str, dict[str, list]] = {}  # as _CLEAN_TREES: the page store's shown rows


def _shown_rows(cache: Path) -> dict[str, list]:
    """The page store's rows of the pages that show each article: path -> sorted (role, output)."""
    db = sqlite3.connect(cache / "pages.sqlite")
    try:
        return {path: sorted(pickle.loads(pages)) for path, pages in db.execute("SELECT path, pages FROM shown")}
    finally:
        db.close()


def _differences(incremental: dict, clean: dict) -> list[str]:
    return sorted(p for p in set(clean) | set(incremental) if clean.get(p) != incremental.get(p))


def _excerpt(rel: str, one: Path, other: Path, names=("clean", "incremental")) -> str:
    """A short unified diff of *rel* under two folders (or which side lacks it)."""
    a, b = one / rel, other / rel
    if not a.is_file() or not b.is_file():
        return f"{rel}: only in {names[1] if b.is_file() else names[0]}"
    if not rel.endswith((".html", ".xml", ".txt", ".json", ".css", ".js")):
        return f"{rel}: {a.stat().st_size} bytes ({names[0]}) vs {b.stat().st_size} bytes ({names[1]})"
    lines = list(
        difflib.unified_diff(
            a.read_text("utf-8", "replace").splitlines(),
            b.read_text("utf-8", "replace").splitlines(),
            f"{names[0]}/{rel}",
            f"{names[1]}/{rel}",
            n=1,
            lineterm="",
        )
    )
    return "\n".join(line[:200] for line in lines[:30])


class IncrementalEqualsClean(RuleBasedStateMachine):
    """Random edits to a copy of the fixture site; after each, incremental == clean."""

    articles = Bundle("articles")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sitegen-stateful-"))
        self.mtimes: dict[str, int] = {}
        self.counter = 0
        self.template_state = [False] * len(TEMPLATE_EDITS)
        self.static_state = [0] * len(STATIC_EDITS)
        self.config = None
        self.today = TODAY

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -------------------------------------------------------------------- helpers

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def _advance(self, path: Path) -> None:
        """Move *path*'s mtime a second past anything it (or a file before it there) had."""
        key = str(path)
        mtime = max(time.time_ns(), path.stat().st_mtime_ns, self.mtimes.get(key, 0)) + 1_000_000_000
        os.utime(path, ns=(mtime, mtime))
        self.mtimes[key] = mtime

    def _write(self, path: Path, data: str | bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self._advance(path)

    def _path(self, name: str) -> Path:
        return self.config.content_dir / name

    def _edit_fields(self, name: str, **fields: str | None) -> None:
        path = self._path(name)
        head, body = _split(path.read_text(encoding="utf-8"))
        for key, value in fields.items():
            _set_field(head, key, value)
        self._write(path, _join(head, body))

    def _edit_body(self, name: str, change) -> None:
        path = self._path(name)
        head, body = _split(path.read_text(encoding="utf-8"))
        self._write(path, _join(head, _body(change(_paragraphs(body)))))

    def _clean_build(self, folder: Path):
        clean = dataclasses.replace(self.config, out_dir=folder / "public", cache_dir=folder / "cache")
        report = build(clean, self.today)
        assert not report.errors, f"the clean build reports errors (the test made bad content?): {report.errors}"
        return clean.out_dir

    def _build_and_compare(self, what: str) -> None:
        """Build incrementally; assert no errors, equal to a clean build, no broken link."""
        config = self.config
        report = build(config, self.today)
        assert not report.errors, f"after {what}: the incremental build reports errors: {report.errors}"
        incremental = tree(config.out_dir)
        key = _digest(
            config.content_dir,
            config.templates_dir,
            config.static_dir,
            ROOT / "sitegen",
            extra=f"{self.today} {config.per_page}",
        )  # sitegen/: its code and data too
        clean = _CLEAN_TREES.get(key)
        folder = self.tmp / f"clean-{self._next()}"
        if clean is None:
            clean = _CLEAN_TREES[key] = tree(self._clean_build(folder))
            _CLEAN_SHOWN[key] = _shown_rows(folder / "cache")
        # The page store's record of which pages show each article, as a clean build's: one
        # that kept a page it no longer shows on only renders it again, which public/ hides.
        shown, shown_clean = _shown_rows(config.cache_dir), _CLEAN_SHOWN[key]
        differing = {
            p: (shown.get(p), shown_clean.get(p)) for p in {*shown, *shown_clean} if shown.get(p) != shown_clean.get(p)
        }
        assert not differing, f"after {what}: the page store's shown articles differ from a clean build's: {differing}"
        if clean != incremental:
            if not folder.exists():  # memoised: build it again, to show the files
                clean = tree(self._clean_build(folder))
            differing = _differences(incremental, clean)
            excerpts = "\n".join(_excerpt(p, folder / "public", config.out_dir) for p in differing[:3])
            raise AssertionError(
                f"after {what}: the incremental public/ differs from a clean build in "
                f"{len(differing)} file(s): {differing[:10]}\n{excerpts}"
            )
        shutil.rmtree(folder, ignore_errors=True)
        problems = check_site(config.out_dir)
        assert not problems, f"after {what}: sitegen check finds {len(problems)} broken link(s): {problems[:5]}"

    def _apply(self, name: str, change: tuple) -> None:
        """Make one (field, value) change of CHANGES to content/*name*."""
        field, value = change
        if field == "summary":
            self._edit_body(name, lambda ps: [value] + ps[1:])
        elif field == "tail":

            def change_tail(ps):
                kept = [p for p in ps if not p.startswith((TAIL_MARK, "## 小标题"))]
                return kept + ([value] if value else [])

            self._edit_body(name, change_tail)
        elif field == "date":
            self._edit_fields(name, date=value[0], date_precision=value[1])
        elif field in ("tags", "topics", "reporters"):
            self._edit_fields(name, **{field: _yaml_list(value)})
        elif field == "draft":
            self._edit_fields(name, draft=None if value is None else str(value).lower())
        elif field == "slug":
            head, _ = _split(self._path(name).read_text(encoding="utf-8"))
            slug = next(line.split(":", 1)[1].strip() for line in head if line.startswith("slug:"))
            self._edit_fields(name, slug=f"{slug.split('--')[0]}--{self._next()}")  # unique: one page a URL
        elif field == "touch":
            self._advance(self._path(name))
        else:
            self._edit_fields(name, **{field: value})

    # -------------------------------------------------------------------- rules

    @initialize(target=articles, per_page=st.sampled_from([3, 20]))
    def start(self, per_page):
        templates, static = self.tmp / "templates", self.tmp / "static"
        shutil.copytree(ROOT / "templates", templates)
        shutil.copytree(ROOT / "static", static)
        self.config = make_config(self.tmp, templates_dir=templates, static_dir=static, per_page=per_page)
        self._build_and_compare("the first build")
        return multiple(*sorted(p.name for p in self.config.content_dir.glob("*.md")))

    # One rule per kind of edit, so each is as likely as a delete or a template change.

    @rule(name=articles, lead=st.sampled_from(LEADS))
    def edit_summary(self, name, lead):
        """The first paragraph: shown in listings and feeds."""
        self._apply(name, ("summary", lead))
        self._build_and_compare(f"a summary edit of {name}")

    @rule(name=articles, tail=st.sampled_from(TAILS))
    def edit_past_summary(self, name, tail):
        """A last paragraph (or none): shown on the article's own page and in search only."""
        self._apply(name, ("tail", tail))
        self._build_and_compare(f"a body edit of {name}")

    @rule(name=articles, title=st.sampled_from(TITLES))
    def set_title(self, name, title):
        self._apply(name, ("title", title))
        self._build_and_compare(f"retitling {name}")

    @rule(name=articles, district=st.sampled_from(DISTRICTS + [None]))
    def set_district(self, name, district):
        self._apply(name, ("district", district))
        self._build_and_compare(f"moving {name} to district {district}")

    @rule(name=articles, when=st.sampled_from(DATES))
    def set_date(self, name, when):
        self._apply(name, ("date", when))
        self._build_and_compare(f"redating {name} to {when}")

    @rule(name=articles, other=articles)
    def date_as_another(self, name, other):
        """A date corrected to another article's: its day has a page, so the edit is built beside
        a body edit when the old day and month keep one too (sitegen/relay.py)."""
        if name == other or not self._path(other).is_file():
            return
        head, _ = _split(self._path(other).read_text(encoding="utf-8"))
        fields = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in head if ":" in line}
        when = (fields["date"], fields.get("date_precision", "day"))
        self._apply(name, ("date", when))
        self._build_and_compare(f"redating {name} to {other}'s {when}")

    @rule(day=st.sampled_from(DAYS))
    def new_day(self, day):
        """The editors' daily build: today moves on (never back: a day that withdrew several
        articles would be refused by the article-loss guard) and what falls due is published."""
        self.today = max(self.today, day)
        self._build_and_compare(f"building on {self.today}")

    @rule(name=articles, tags=TAG_LISTS)
    def set_tags(self, name, tags):
        self._apply(name, ("tags", tags))
        self._build_and_compare(f"retagging {name} {tags}")

    @rule(name=articles, topics=TOPIC_LISTS)
    def set_topics(self, name, topics):
        self._apply(name, ("topics", topics))
        self._build_and_compare(f"topics of {name} {topics}")

    @rule(name=articles, people=PEOPLE_LISTS)
    def set_reporters(self, name, people):
        self._apply(name, ("reporters", people))
        self._build_and_compare(f"reporters of {name} {people}")

    @rule(name=articles, draft=st.sampled_from([True, False, None]))
    def set_draft(self, name, draft):
        self._apply(name, ("draft", draft))
        self._build_and_compare(f"draft of {name} = {draft}")

    @rule(name=articles)
    def change_slug(self, name):
        self._apply(name, ("slug", None))
        self._build_and_compare(f"changing the slug of {name}")

    @rule(name=articles)
    def bump_mtime(self, name):
        """A save without a change.  Named to sort first: Hypothesis's first example repeats
        the first rule with the simplest arguments, and this one costs no clean build."""
        self._apply(name, ("touch", None))
        self._build_and_compare(f"touching {name}")

    @rule(changes=st.lists(st.tuples(articles, CHANGES), min_size=2, max_size=3))
    def edit_several(self, changes):
        """Several edits, then one build (a pull, a save-all).  None takes an article off the
        site: more than one gone at once is refused (the article-loss guard)."""
        for name, change in changes:
            self._apply(name, change)
        self._build_and_compare(f"edits {changes}")

    def _article_files(self) -> int:
        return sum(1 for _ in self.config.content_dir.rglob("*.md"))

    @precondition(lambda self: self._article_files() > 1)  # an empty content folder is an error
    @rule(name=consumes(articles))
    def delete(self, name):
        self._path(name).unlink()
        self._build_and_compare(f"deleting {name}")

    @rule(target=articles, name=consumes(articles), folder=st.sampled_from(["", "sub/"]))
    def rename_file(self, name, folder):
        new = f"{folder}moved-{self._next()}.md"
        self._path(new).parent.mkdir(parents=True, exist_ok=True)
        self._path(name).rename(self._path(new))  # like mv: the mtime goes along
        self._build_and_compare(f"renaming {name} to {new}")
        return new

    @rule(
        target=articles,
        title=st.sampled_from(TITLES),
        when=st.sampled_from(DATES),
        district=st.sampled_from(DISTRICTS + [None]),
        tags=TAG_LISTS,
        lead=st.sampled_from(LEADS),
        draft=st.booleans(),
    )
    def new_article(self, title, when, district, tags, lead, draft):
        n = self._next()
        head = [
            f"id: new{n:08d}",
            f"title: {title}",
            f"date: {when[0]}",
            f"date_precision: {when[1]}",
            "date_source: edited",
            f"district: {district}",
            "places: []",
            "topics: [民生服务]",
            f"tags: {_yaml_list(tags)}",
            "reporters: [王芳]",
            "correspondents: []",
            "photographers: []",
            "kind: article",
            f"slug: xin-{n}",
            f"source: raw/new_{n}.txt",
            "source_lines: [1, 5]",
        ]
        if district is None:
            head.remove("district: None")
        if draft:
            head.append("draft: true")
        name = f"new-{n}.md"
        self._write(self._path(name), _join(head, _body([lead])))
        self._build_and_compare(f"adding {name}")
        return name

    @rule(which=st.sampled_from([t for t, _, _ in TEMPLATE_EDITS]))
    def change_template(self, which):
        i = [t for t, _, _ in TEMPLATE_EDITS].index(which)
        _, where, insert = TEMPLATE_EDITS[i]
        path = self.config.templates_dir / which
        text = path.read_text(encoding="utf-8")
        if self.template_state[i]:
            text = text.replace(insert, "", 1)
        else:
            found = re.search(where, text)
            assert found, f"templates/{which} has no {where!r} any more: update TEMPLATE_EDITS"
            at = found.start() if where.startswith("<") else found.end()
            text = text[:at] + insert + text[at:]
        self.template_state[i] = not self.template_state[i]
        self._write(path, text)
        self._build_and_compare(f"{'adding' if self.template_state[i] else 'removing'} {insert!r} in templates/{which}")

    @rule(which=st.sampled_from(STATIC_EDITS))
    def change_static(self, which):
        i = STATIC_EDITS.index(which)
        state = self.static_state[i] = (self.static_state[i] + 1) % 3
        path = self.config.static_dir / which
        original = ROOT / "static" / which
        if state == 2 and not original.exists():
            path.unlink()  # an extra file comes and goes
            what = f"removing static/{which}"
        else:
            data = original.read_bytes() if original.exists() else b"notes\n"
            self._write(path, data + (b"\n/* edited */\n" * state if which.endswith(".css") else b"x" * state))
            what = f"changing static/{which} ({state})"
        self._build_and_compare(what)

    @rule(name=articles, other=articles, also=st.none() | CHANGES, check_now=st.booleans())
    def failed_build(self, name, other, also, check_now):
        """Break one article's YAML (after an edit elsewhere, maybe): the build must report
        errors and leave public/ byte for byte as it was.  Then restore the article."""
        if also is not None:
            self._apply(other, also)
        path = self._path(name)
        good = path.read_text(encoding="utf-8")
        head, body = _split(good)
        _set_field(head, "title", "[未闭合的标题")
        self._write(path, _join(head, body))
        before = tree(self.config.out_dir)
        report = build(self.config)
        after = tree(self.config.out_dir)
        assert report.errors, f"a build with broken front-matter in {name} reports no error"
        changed = _differences(after, before)
        assert not changed, (
            f"a failed build (broken YAML in {name}, edit {also} of {other}) changed "
            f"{len(changed)} file(s) of public/: {changed[:10]}"
        )
        self._write(path, good)
        if check_now:
            self._build_and_compare(f"restoring {name} after a failed build")


SETTINGS = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    derandomize=False,
    phases=[p for p in Phase if SHRINK or p is not Phase.shrink],
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.slow
def test_incremental_build_equals_clean_build():
    forced = hypothesis.core.global_force_seed  # pytest --hypothesis-seed=N
    chosen = (
        forced
        if forced is not None
        else int(os.environ.get("SITEGEN_STATEFUL_SEED") or random.SystemRandom().randrange(2**32))
    )
    machine = seed(chosen)(type("IncrementalEqualsCleanRun", (IncrementalEqualsClean,), {}))
    try:
        run_state_machine_as_test(machine, settings=SETTINGS)
    except BaseException as exc:
        message = (
            f"stateful build test: seed {chosen}; rerun with SITEGEN_STATEFUL_SEED={chosen} "
            f"or pytest --hypothesis-seed={chosen} (the @reproduce_failure blob replays "
            f"the shrunk steps exactly)"
        )
        print(message)
        exc.add_note(message)
        raise
