"""The importer against the hand-annotated sample pages (tests/expected/*.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sitegen.dumps import read_dump
from sitegen.gazetteer import load_gazetteer
from sitegen.importer import build_articles, label_matcher, load_manifest, page_date, places_matcher
from sitegen.segment import segment
from sitegen.text import fold

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = sorted((ROOT / "tests" / "expected").glob("*.yaml"))


def _norm(text: str | None) -> str:
    return "".join(fold(text or "").split()).strip('"')


def import_page(expected_path: Path):
    expected = yaml.safe_load(expected_path.read_text(encoding="utf-8"))
    dump = read_dump(ROOT / expected["source"], ROOT)
    gaz = load_gazetteer()
    page = segment(dump.lines, label_matcher(gaz), places_matcher(gaz))
    date = page_date(dump, load_manifest(ROOT / "raw"))
    return expected, page, build_articles(dump, page, date, gaz)


def match_articles(expected, imported):
    """Pair each annotated article with the imported one that starts on the same headline line."""
    pairs = []
    for want in expected["articles"]:
        line = want.get("title_line") or want.get("first_line")
        got = next((i for i in imported if line is not None
                    and i.article.source_lines[0] <= line <= i.article.source_lines[1]), None)
        pairs.append((want, got))
    return pairs


def score_all():
    """Return per-field hit counts over every annotated article of the five pages."""
    totals = {"articles": 0, "found": 0, "title": 0, "district": 0, "month": 0, "credits": 0, "extra": 0}
    for path in EXPECTED:
        expected, page, imported = import_page(path)
        pairs = match_articles(expected, imported)
        totals["articles"] += len(pairs)
        totals["extra"] += len(imported) - len({id(g) for _, g in pairs if g is not None})
        for want, got in pairs:
            if got is None:
                continue
            a = got.article
            totals["found"] += 1
            if want.get("title") is None or _norm(want["title"]) in _norm(
                    " ".join(filter(None, [a.kicker, a.title, a.subtitle]))):
                totals["title"] += 1
            totals["district"] += (want.get("district") is None or want["district"] == a.district)
            totals["month"] += str(expected["issue_month"]) == a.date[:7]
            totals["credits"] += (set(want.get("reporters") or []) == set(a.reporters)
                                  and set(want.get("correspondents") or []) == set(a.correspondents)
                                  and set(want.get("photographers") or []) == set(a.photographers))
    return totals


def test_every_annotated_article_is_found_and_nothing_extra():
    totals = score_all()
    assert totals["found"] == totals["articles"], totals
    assert totals["extra"] <= 1, totals


@pytest.mark.parametrize("field", ["title", "district", "month", "credits"])
def test_field_accuracy_at_least_95_percent(field):
    totals = score_all()
    assert totals[field] / totals["articles"] >= 0.95, totals


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_subheads_stay_inside_their_article(path):
    expected, page, imported = import_page(path)
    titles = {_norm(i.article.title) for i in imported}
    for want in expected["articles"]:
        for subhead in want.get("subheads") or []:
            assert _norm(subhead) not in titles, f"subhead {subhead!r} became an article"
            assert any(f"## {subhead}".replace(" ", "") in i.article.body.replace(" ", "") for i in imported), subhead


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_furniture_is_recorded_not_published(path):
    expected, page, imported = import_page(path)
    recorded = {line for line, _ in page.furniture}
    for line in expected.get("furniture") or []:
        assert line in recorded, f"furniture line {line} not recorded"
        for item in imported:
            lo, hi = item.article.source_lines
            assert line not in range(lo, hi + 1) or line in recorded
