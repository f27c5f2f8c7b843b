"""The fast front-matter reader gives what YAML gives, or leaves the file to YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from _examples import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.errors import SitegenError
from sitegen.frontmatter import _plain_fields, load_yaml, parse_article, split_front_matter

ROOT = Path(__file__).resolve().parent.parent


def _yaml(head: str):
    import yaml

    try:
        return load_yaml(head)
    except (yaml.YAMLError, ValueError) as exc:
        return exc


def test_the_sample_articles_read_as_yaml_reads_them():
    files = sorted((ROOT / "content").glob("*.md"))
    assert len(files) > 40
    fast = 0
    for path in files:
        head, _, _ = split_front_matter(path.read_text(encoding="utf-8"), path)
        got = _plain_fields(head)
        if got is not None:
            fast += 1
            assert got == _yaml(head), path.name
    assert fast >= len(files) // 2  # the shape sitegen writes takes the fast road


_CHARS = st.sampled_from(
    list("ab0x1e9._-+:#,[]{}\"'!&*?|>%@`~=< \t")
    + ["石", "峰", "，", "：", "\u2028", "\x85", "\ufeff", "\xa0", "T", "Y", "n"]
)
_SCALAR = st.one_of(
    st.text(_CHARS, max_size=8),
    st.sampled_from(
        [
            "yes",
            "No",
            "on",
            "OFF",
            "null",
            "~",
            "0x1f",
            "0b11",
            "012",
            "1_000",
            "1.5e-3",
            "2025-04-22",
            "2025-13-45",
            "2021-1-1",
            "64ad66015bce",
            "123456789012",
            ".inf",
            "12:30",
            "<<",
            "=",
            "raw/a_b.txt",
            "石峰区 残联",
            "a #b",
            "a:b",
        ]
    ),
)
_VALUE = st.one_of(
    _SCALAR,
    st.lists(_SCALAR, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.lists(_SCALAR, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
)
_KEY = st.sampled_from(["id", "title", "tags", "source_lines", "on", "yes", "null", "x_1", "Title"])


@settings(max_examples=examples(2000), deadline=None)
@given(st.lists(st.tuples(_KEY, _VALUE), min_size=1, max_size=5))
def test_any_front_matter_reads_as_yaml_reads_it_or_goes_to_yaml(fields):
    head = "\n".join(f"{key}: {value}" for key, value in fields)
    got = _plain_fields(head)
    if got is not None:
        assert got == _yaml(head)


SAMPLE = (Path(__file__).parent / "fixtures" / "site" / "content" / "lusong-1.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "old, new, line, message",
    [
        ("title: 芦淞区服饰市场迎来春季订货高峰", "title: [视频]", 3, "'title' must be text, not ['视频']"),
        ("district: 芦淞区", "district: {a: b}", 7, "'district' must be text"),
        ("tags: [服饰, 订货]", "tags: [[服饰], 订货]", 10, "'tags' must be a list of names"),
        ("reporters: [张伟]", "reporters: [{张伟: 记者}]", 11, "'reporters' must be a list of names"),
    ],
)
def test_a_list_where_text_goes_or_a_list_in_a_list_is_an_error_naming_the_line(old, new, line, message):
    """An unquoted `title: [视频]` is a YAML list, and `tags: [[a], b]` a list in a list: they read
    as the text "['视频']" and a tag "['a']" before; now each is an error at its line."""
    assert old in SAMPLE
    with pytest.raises(SitegenError) as caught:
        parse_article(SAMPLE.replace(old, new), "x.md")
    assert caught.value.line == line and message in caught.value.message, str(caught.value)
    assert "quote values" in (caught.value.hint or "")
