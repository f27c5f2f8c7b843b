"""The importer against hand-annotated pages: the five samples (tests/expected/) and the
development corpus (tests/import_corpus/dev/).  scripts/score_import.py prints the same scores.

An annotated article is matched to the imported article that holds its headline line
(`title_line`, or `first_line` for an untitled item); each imported article matches at most
once.  Scores:
- articles: precision (matched / imported), recall (matched / annotated) and F1;
- title: the imported headline equals the annotated one exactly (an untitled item must come
  out untitled), over annotated articles;
- district: equal (both null counts), over annotated articles;
- month: the article's date falls in the annotated issue month; a page annotated with no
  issue month must give drafts with no date;
- credits: F1 over (role, name) pairs, roles reporters / correspondents / photographers.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from sitegen.dumps import read_dump
from sitegen.gazetteer import load_gazetteer
from sitegen.importer import build_articles, label_matcher, load_date_manifest, page_date, places_matcher
from sitegen.segment import segment, unaccounted_lines
from sitegen.text import fold

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = sorted((ROOT / "tests" / "expected").glob("*.yaml"))
CORPUS = ROOT / "tests" / "import_corpus"
ROLES = ("reporters", "correspondents", "photographers")
FIELDS = ("title", "district", "month", "credits")


def corpus_files(part: str) -> list[Path]:
    """Annotation files of one corpus part ('dev', 'heldout1' or 'unseen'), each with its dump beside it."""
    folder = CORPUS / part
    return sorted(p for p in folder.glob("*.yaml") if _dump_of(p) is not None) if folder.is_dir() else []


def _dump_of(expected_path: Path) -> Path | None:
    data = yaml.safe_load(expected_path.read_text(encoding="utf-8")) or {}
    source = data.get("source")
    candidates = [ROOT / source] if source else []
    candidates += [expected_path.with_suffix(s) for s in (".txt", ".md", ".text")]
    return next((c for c in candidates if c.is_file()), None)


def _norm(text: str | None) -> str:
    return "".join(fold(text or "").split()).strip('"')


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def import_page(expected_path: Path, gaz=None):
    """Import one annotated dump: (annotation, dump, page, [(parsed, imported), ...])."""
    expected = yaml.safe_load(expected_path.read_text(encoding="utf-8"))
    gaz = gaz or load_gazetteer()
    dump_path = _dump_of(expected_path)
    dump = read_dump(dump_path, ROOT)
    page = segment(dump.lines, label_matcher(gaz), places_matcher(gaz))
    manifest = load_date_manifest(dump_path.parent)
    imported = build_articles(dump, page, page_date(dump, manifest), gaz)
    return expected, dump, page, list(zip(page.articles, imported))


def match_articles(expected, pairs):
    """Pair each annotated article with the imported one holding its headline (or first) line."""
    used: set[int] = set()
    out = []
    for want in expected["articles"]:
        key = want.get("title_line") or want.get("first_line")
        ranked = []
        for index, (parsed, _) in enumerate(pairs):
            if index in used or key is None or key not in parsed.lines:
                continue
            rank = 0 if parsed.title_line == key else 1 if min(parsed.lines) == key else 2
            ranked.append((rank, index))
        if ranked:
            index = min(ranked)[1]
            used.add(index)
            out.append((want, pairs[index]))
        else:
            out.append((want, None))
    return out, len(pairs) - len(used)


def _credit_pairs(source, get) -> set[tuple[str, str]]:
    return {(role, name) for role in ROLES for name in (get(source, role) or [])}


def score_page(expected_path: Path, gaz=None) -> dict:
    """Counts for one annotated page."""
    expected, dump, page, pairs = import_page(expected_path, gaz)
    matched, extra = match_articles(expected, pairs)
    counts = defaultdict(int)
    counts["annotated"] = len(matched)
    counts["imported"] = len(pairs)
    counts["lost_lines"] = len(unaccounted_lines(dump.lines, page))
    month = expected.get("issue_month")
    for want, got in matched:
        want_credits = _credit_pairs(want, lambda d, r: d.get(r))
        if got is None:
            counts["credit_fn"] += len(want_credits)
            continue
        parsed, item = got
        a = item.article
        counts["found"] += 1
        if want.get("title") is None:
            counts["title"] += parsed.title is None
        else:
            counts["title"] += _norm(want["title"]) == _norm(a.title)
        counts["district"] += want.get("district") == a.district
        if month is None:
            counts["month"] += not a.date and a.draft
        else:
            counts["month"] += bool(a.date) and a.date[:7] == str(month)
        got_credits = _credit_pairs(a, getattr)
        counts["credit_tp"] += len(want_credits & got_credits)
        counts["credit_fp"] += len(got_credits - want_credits)
        counts["credit_fn"] += len(want_credits - got_credits)
    return counts


def rates(counts: dict) -> dict[str, float]:
    """Turn summed counts into precision, recall, F1 and the field scores."""
    n = counts["annotated"] or 1
    precision = counts["found"] / counts["imported"] if counts["imported"] else 1.0
    recall = counts["found"] / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    tp, fp, fn = counts["credit_tp"], counts["credit_fp"], counts["credit_fn"]
    credits = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "title": counts["title"] / n,
        "district": counts["district"] / n,
        "month": counts["month"] / n,
        "credits": credits,
    }


def page_format(expected_path: Path) -> str:
    if expected_path.parent == ROOT / "tests" / "expected":
        return "sample page"
    data = yaml.safe_load(expected_path.read_text(encoding="utf-8")) or {}
    return str(data.get("format") or expected_path.stem)


def _failed_page(expected_path: Path) -> dict:
    """Counts of a page whose import raised: nothing found, every credit missed."""
    expected = yaml.safe_load(expected_path.read_text(encoding="utf-8"))
    counts: dict = defaultdict(int)
    counts["annotated"] = len(expected["articles"])
    counts["credit_fn"] = sum(len(_credit_pairs(want, lambda d, r: d.get(r))) for want in expected["articles"])
    return counts


def score_files(paths: list[Path], gaz=None) -> dict[str, dict]:
    """Sum counts per format: {format: counts}."""
    gaz = gaz or load_gazetteer()
    by_format: dict[str, dict] = {}
    for path in paths:
        try:
            counts = score_page(path, gaz)
        except Exception as exc:  # the importer failed on this dump: every article of it is missed
            print(f"{path}: the import failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            counts = _failed_page(path)
        total = by_format.setdefault(page_format(path), defaultdict(int))
        total["files"] += 1
        for key, value in counts.items():
            total[key] += value
    return by_format


def score_all():
    """Summed counts over the five sample pages."""
    total = defaultdict(int)
    for counts in score_files(EXPECTED).values():
        for key, value in counts.items():
            total[key] += value
    return total


# --- tests -----------------------------------------------------------------------------------


def test_samples_articles_f1_and_fields():
    totals = score_all()
    r = rates(totals)
    assert r["f1"] >= 0.98, (r, dict(totals))
    for field in FIELDS:
        assert r[field] >= 0.97, (field, r)
    assert totals["lost_lines"] == 0


def test_dev_corpus_nothing_lost_and_reasonable():
    paths = corpus_files("dev")
    if not paths:
        pytest.skip("no development corpus")
    by_format = score_files(paths)
    total = defaultdict(int)
    for counts in by_format.values():
        for key, value in counts.items():
            total[key] += value
    assert total["lost_lines"] == 0
    r = rates(total)
    assert r["f1"] >= 0.85, r
    for field in FIELDS:
        assert r[field] >= 0.8, (field, r)


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_subheads_stay_inside_their_article(path, gaz):
    expected, dump, page, pairs = import_page(path, gaz)
    titles = {_norm(i.article.title) for _, i in pairs}
    for want in expected["articles"]:
        for subhead in want.get("subheads") or []:
            assert _norm(subhead) not in titles, f"subhead {subhead!r} became an article"
            assert any(f"## {subhead}".replace(" ", "") in i.article.body.replace(" ", "") for _, i in pairs), subhead


@pytest.mark.parametrize("path", EXPECTED, ids=lambda p: p.stem)
def test_furniture_is_recorded_not_published(path, gaz):
    expected, dump, page, pairs = import_page(path, gaz)
    recorded = {line for line, _ in page.furniture}
    for line in expected.get("furniture") or []:
        assert line in recorded, f"furniture line {line} not recorded"
