"""Import raw page dumps into content/*.md: segment, infer metadata, write safely, report."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from .config import Config
from .dumps import Dump, find_dumps, read_dump
from .errors import SitegenError
from .frontmatter import read_article, render_article
from .gazetteer import Gazetteer, canonical_name, find_places, load_gazetteer
from .metadata import (IssueDate, choose_district, choose_kind, choose_tags, choose_topics,
                       date_from_filename, date_from_lines, load_taxonomy, title_from_text)
from .model import Article
from .segment import Page, ParsedArticle, label_page, segment, unaccounted_lines
from .text import add_words, fold, slugify, squeeze

STATE_FILE = ".import-state.json"
FURNITURE_DIR = "_furniture"
_MD_SPECIAL = re.compile(r"^(#|>|[-+*]\s|\d+[.)]\s|=+$|-+$)")


@dataclass(frozen=True)
class ImportedArticle:
    """An article ready to write, with what editors should check about it."""

    article: Article
    review: tuple[str, ...]


@dataclass
class ImportReport:
    """What an import did, for the terminal and the review file."""

    dumps: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    review: list[tuple[str, str, str]] = field(default_factory=list)   # (file, title, note)
    articles: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """Return the one-line terminal summary."""
        parts = [f"import: {self.dumps} dump(s), {self.articles} article(s)",
                 f"{len(self.written)} written", f"{len(self.unchanged)} unchanged"]
        if self.kept_edits:
            parts.append(f"{len(self.kept_edits)} hand-edited kept (use --force to overwrite)")
        parts.append(f"{len(self.review)} item(s) to review in REVIEW.md")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s)")
        text = ", ".join(parts) + f" [{self.seconds:.2f} s]"
        details = [f"  kept hand edit: {name}" for name in self.kept_edits]
        details += [f"  error: {e}" for e in self.errors]
        return "\n".join([text, *details])


def label_matcher(gaz: Gazetteer):
    """Return a predicate telling whether a short line is a section label naming a place."""
    def is_label(text: str) -> bool:
        text = text.strip().lstrip("#").strip()
        return 2 <= len(text) <= 10 and canonical_name(gaz, fold(text)) is not None
    return is_label


def places_matcher(gaz: Gazetteer):
    """Return a function giving the districts named in a text."""
    def places_in(text: str) -> set[str]:
        return {hit.district for hit in find_places(gaz, text) if hit.district}
    return places_in


def load_manifest(raw_dir: Path) -> dict[str, str]:
    """Read raw/manifest.yaml ({file name: YYYY-MM-DD}) when there is one."""
    path = raw_dir / "manifest.yaml"
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SitegenError(path, mark.line + 1 if mark else None, f"manifest is not valid YAML: {exc}") from None
    return {str(k): str(v) for k, v in data.items()}


def page_date(dump: Dump, manifest: dict[str, str]) -> IssueDate:
    """Choose the issue date from evidence only, strongest first: the manifest, the file
    name, then the dump itself (page header, an address, a 发布时间 line, the text).
    A page nothing dates gets no date (IssueDate.date is None)."""
    name = dump.path.name
    if name in manifest:
        return IssueDate(manifest[name], "day", "manifest", "raw/manifest.yaml")
    labels = {ln.number: ln.label for ln in label_page(dump.lines) if ln.label}
    return date_from_filename(name) or date_from_lines(dump.lines, labels)


def _escape_md(text: str) -> str:
    """Keep printed text from turning into Markdown structure."""
    return "\\" + text if _MD_SPECIAL.match(text) else text


def render_body(parsed: ParsedArticle) -> str:
    """Turn segmented body parts into Markdown: paragraphs, ## subheads, > captions."""
    chunks = []
    if parsed.byline:
        chunks.append(_escape_md(parsed.byline))
    for kind, text in parsed.body:
        if kind == "subhead":
            chunks.append(f"## {text}")
        elif kind in ("caption", "credit"):
            chunks.append(f"> 图：{text}")
        else:
            chunks.append(_escape_md(text))
    return "\n\n".join(chunks)


def article_id(source: str, parsed: ParsedArticle) -> str:
    """Return a stable id: the dump's name and the start of the article's text."""
    first = next((t for k, t in parsed.body if k == "para"), parsed.title or "")
    key = f"{Path(source).name}|{fold(squeeze(first))[:60]}|{parsed.title or ''}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def build_articles(dump: Dump, page: Page, date: IssueDate, gaz: Gazetteer) -> list[ImportedArticle]:
    """Infer metadata for every article of one segmented page."""
    taxonomy = load_taxonomy()
    out = []
    for parsed in page.articles:
        review = list(parsed.flags)
        body_text = "\n".join(t for k, t in parsed.body if k in ("para", "subhead"))
        title = parsed.title
        if not title:
            title = title_from_text(body_text or "\n".join(t for _, t in parsed.body))
            if not any("untitled" in f for f in review):
                review.append("untitled item: title made from its first sentence")
        title = re.sub(r"\s+", " ", title.strip())
        # A photo item's text is its caption: it places the story when there is no other text.
        place_text = body_text or "\n".join(t for k, t in parsed.body if k == "caption")
        district, places, why = choose_district(gaz, title, place_text, parsed.section)
        if why:
            review.append(f"district: {why}")
        if date.date is None:
            review.append("no date: nothing on the page dates it; imported as a draft without a date "
                          "(set date, date_precision and date_source, then remove draft)")
        elif date.weak:
            review.append(f"date from weak evidence ({date.evidence})")
        if _looks_scrambled(body_text):
            review.append("text looks scrambled (columns flattened out of order)")
        credits = parsed.credits
        names = set(credits.reporters + credits.correspondents + credits.photographers + credits.others)
        has_credit = any(k == "credit" for k, _ in parsed.body) or bool(credits.photographers)
        article = Article(
            id=article_id(dump.source, parsed), title=title,
            kicker=parsed.kicker.strip() if parsed.kicker else None,
            subtitle=parsed.subtitle.strip() if parsed.subtitle else None,
            date=date.date, date_precision=date.precision, date_source=date.source,
            district=district, places=places,
            topics=choose_topics(title, body_text, taxonomy),
            tags=choose_tags(title, body_text, names),
            reporters=credits.reporters, correspondents=credits.correspondents,
            photographers=credits.photographers,
            kind=choose_kind(parsed.has_byline, has_credit, len(body_text)),
            slug=slugify(title), source=dump.source, source_lines=parsed.source_lines,
            body=render_body(parsed), draft=date.date is None,
        )
        out.append(ImportedArticle(article, tuple(review)))
    return out


def _looks_scrambled(text: str) -> bool:
    """Flag text whose lines were flattened out of order: many stray spaces inside sentences."""
    stray = len(re.findall(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", text))
    return stray >= 4 or bool(re.search(r"(\S{2,}) \1", text))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _existing_ids(content_dir: Path) -> dict[str, tuple[Path, Article | None]]:
    """Map the ids of articles already in content/ to their files."""
    found: dict[str, tuple[Path, Article | None]] = {}
    for path in sorted(content_dir.glob("*.md")):
        try:
            article = read_article(path, content_dir)
        except SitegenError:
            match = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8", errors="replace"), re.M)
            if match:
                found[match.group(1).strip("'\"")] = (path, None)
            continue
        found[article.id] = (path, article)
    return found


def _unique(items: list[ImportedArticle], existing: dict[str, tuple[Path, Article | None]]) -> list[ImportedArticle]:
    """Make ids and slugs unique; an existing file's slug (maybe hand-edited) wins."""
    used_slugs = {p.stem for p, _ in existing.values()}
    seen_ids: dict[str, ImportedArticle] = {}
    seen_titles: dict[str, Article] = {}
    out = []
    for item in items:
        article = item.article
        review = list(item.review)
        title_key = "".join(fold(article.title).split())
        if title_key in seen_titles and len(title_key) >= 6:
            other = seen_titles[title_key]
            review.append(f"likely duplicate of '{other.title}' ({other.source} lines {list(other.source_lines)})")
        seen_titles.setdefault(title_key, article)
        if article.id in seen_ids:
            other = seen_ids[article.id].article
            if not any(r.startswith("likely duplicate") for r in review):
                review.append(f"likely duplicate of '{other.title}' ({other.source} lines {list(other.source_lines)})")
            n = 2
            while f"{article.id[:10]}{n:02d}" in seen_ids:
                n += 1
            article = replace(article, id=f"{article.id[:10]}{n:02d}")
        if article.id in existing and existing[article.id][1] is not None:
            article = replace(article, slug=existing[article.id][1].slug)
        else:
            base, n = article.slug, 2
            while article.slug in used_slugs:
                article = replace(article, slug=f"{base}-{n}")
                n += 1
        used_slugs.add(article.slug)
        imported = ImportedArticle(article, tuple(review))
        seen_ids[article.id] = imported
        out.append(imported)
    return out


def run_import(config: Config, paths: list[Path], force: bool = False) -> ImportReport:
    """Import dumps into config.content_dir and write the review file."""
    started = time.perf_counter()
    report = ImportReport()
    gaz = load_gazetteer()
    add_words(gaz.all_names())
    is_label = label_matcher(gaz)
    content_dir = config.content_dir
    content_dir.mkdir(parents=True, exist_ok=True)
    manifest = load_manifest(config.raw_dir)
    items: list[ImportedArticle] = []
    furniture: dict[str, list[tuple[int, str]]] = {}
    for path in find_dumps(paths):
        try:
            dump = read_dump(path, config.root)
        except SitegenError as exc:
            report.errors.append(exc.describe())
            continue
        report.dumps += 1
        page = segment(dump.lines, is_label, places_matcher(gaz))
        for number in unaccounted_lines(dump.lines, page):
            report.errors.append(f"{dump.source}:{number}: line was placed in no article "
                                 "(an importer bug: please report it with the dump)")
        items += build_articles(dump, page, page_date(dump, manifest), gaz)
        furniture[dump.source] = list(page.furniture)
    existing = _existing_ids(content_dir)
    items = _unique(items, existing)
    report.articles = len(items)
    state_path = content_dir / STATE_FILE
    state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    for item in items:
        article = item.article
        text = render_article(article)
        path = existing[article.id][0] if article.id in existing else content_dir / f"{article.slug}.md"
        name = path.name
        for note in item.review:
            report.review.append((name, article.title, note))
        if path.exists():
            current = path.read_text(encoding="utf-8", errors="replace")
            if current == text:
                state[name] = _digest(text)
                report.unchanged.append(name)
                continue
            if state.get(name) != _digest(current) and not force:
                report.kept_edits.append(name)
                continue
        path.write_text(text, encoding="utf-8")
        state[name] = _digest(text)
        report.written.append(name)
    state_path.write_text(json.dumps(dict(sorted(state.items())), ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
    write_furniture(content_dir / FURNITURE_DIR, furniture)
    config.review_file.write_text(render_review(report), encoding="utf-8")
    report.seconds = time.perf_counter() - started
    return report


def write_furniture(folder: Path, furniture: dict[str, list[tuple[int, str]]]) -> None:
    """Record each dump's page furniture and section labels (kept, not published)."""
    folder.mkdir(parents=True, exist_ok=True)
    for source, lines in furniture.items():
        data = [{"line": number, "text": text} for number, text in lines]
        text = yaml.safe_dump({"source": source, "furniture": data}, allow_unicode=True, sort_keys=False)
        target = folder / (Path(source).stem + ".yaml")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")


def render_review(report: ImportReport) -> str:
    """Render REVIEW.md: every uncertain decision, one line each, grouped by file."""
    lines = ["# Import review", "",
             "Each line is a decision the importer was unsure of. Check the article, fix its",
             "front-matter by hand if needed and commit: re-importing never overwrites your edit.", ""]
    if report.kept_edits:
        lines += ["## Hand-edited files kept", ""] + [f"- `content/{n}`" for n in sorted(report.kept_edits)] + [""]
    if report.errors:
        lines += ["## Errors", ""] + [f"- {e}" for e in report.errors] + [""]
    lines += ["## Articles to check", ""]
    for name, title, note in sorted(report.review):
        lines.append(f"- `content/{name}` {title}: {note}")
    if not report.review:
        lines.append("Nothing to check.")
    return "\n".join(lines) + "\n"
