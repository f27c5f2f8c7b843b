"""Shared by the segmenter tests: import one small dump written in a test, as the importer does."""

from __future__ import annotations

from pathlib import Path

from sitegen.dumps import read_dump
from sitegen.gazetteer import Gazetteer
from sitegen.importer import build_articles, label_matcher, page_date, places_matcher
from sitegen.segment import segment, unaccounted_lines


def run(tmp_path: Path, gaz: Gazetteer, text: str, name: str = "page.txt", encoding: str = "utf-8"):
    """Write *text* as a dump, segment and import it; return (page, date, articles). Every line
    of the dump must end up in an article or in the furniture record (nothing lost)."""
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    dump = read_dump(path, tmp_path)
    page = segment(dump.lines, label_matcher(gaz), places_matcher(gaz))
    assert unaccounted_lines(dump.lines, page) == []
    date = page_date(dump, {})
    return page, date, [i.article for i in build_articles(dump, page, date, gaz)]
