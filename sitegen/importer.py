"""Import raw page dumps into content/*.md: segment, infer metadata, write safely, report.

Safety rests on content/.import-state.json, the importer's record of what it wrote:

- a file whose text is not what the importer last wrote there was edited by hand, and is
  kept (unless --force); an update the dump brings for it is listed in REVIEW.md instead;
- a corrected headline or opening changes an article's computed id; the article is then
  matched by its sentences to the one the importer made from the same dump before, and
  keeps that id and file instead of appearing twice on the site;
- each dump's review items, kept and overwritten files and errors are kept per dump, so
  REVIEW.md covers every dump however few of them one import reads.

Every file the importer writes is written aside and moved into place (cache.write_bytes):
an import cut short leaves each file whole, old or new.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .cache import write_bytes
from .config import Config
from .content import scan
from .dumps import Dump, find_dumps, read_dump
from .errors import SitegenError
from .frontmatter import id_line, render_article
from .gazetteer import Gazetteer, canonical_name, find_places, load_gazetteer
from .metadata import (
    IssueDate,
    choose_district,
    choose_kind,
    choose_tags,
    choose_topics,
    date_from_filename,
    date_from_lines,
    load_taxonomy,
    title_from_text,
)
from .model import Article
from .segment import ParsedArticle, SegmentedPage, label_page, segment, unaccounted_lines
from .text import add_words, fold, slugify, squeeze

log = logging.getLogger(__name__)
IMPORT_STATE_FILE = ".import-state.json"  # in content/: the files the importer wrote, each dump's last report
DATE_MANIFEST_FILE = "manifest.yaml"  # in raw/: {dump file name: its issue date}
IMPORT_STATE_FORMAT = 2
FURNITURE_DIR = "_furniture"
# Share of sentences (Dice) two versions of an article from one dump must have in common to
# be taken for the same article: a corrected headline of a two-line brief still reaches it.
SAME_ARTICLE = 0.5
_STATE_HINT = (
    "it is the importer's record of the files it wrote: restore it from git, or delete it "
    "to start afresh (articles the import would change are then kept as hand-edited)"
)
_MD_SPECIAL = re.compile(r"^(#|>|[-+*]\s|\d+[.)]\s|=+$|-+$)")


@dataclass(frozen=True)
class ImportedArticle:
    """An article ready to write, with what editors should check about it."""

    article: Article
    review: tuple[str, ...]


@dataclass(frozen=True)
class WrittenFile:
    """What the importer last wrote to one article file.

    The digest tells a hand edit from the importer's own text; the headline and the
    sentence keys let a corrected re-import find the article again, however an editor
    changed the file since, and say what a kept hand edit did not take."""

    sha256: str
    title: str | None = None  # None: recorded by an importer that kept only digests
    units: tuple[str, ...] | None = None  # see _units


@dataclass(frozen=True)
class DumpRecord:
    """What the last import of one dump left for editors: REVIEW.md is rebuilt from these."""

    review: tuple[tuple[str, str, str], ...] = ()  # (file name under content/, title, note)
    kept: tuple[str, ...] = ()  # hand-edited files kept
    overwritten: tuple[str, ...] = ()  # hand-edited files --force overwrote
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportState:
    """content/.import-state.json: the files the importer wrote, each dump's last report."""

    files: dict[str, WrittenFile] = field(default_factory=dict)
    dumps: dict[str, DumpRecord] = field(default_factory=dict)


@dataclass
class ImportReport:
    """What an import did, for the terminal and the review file."""

    dumps: int = 0
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)  # hand edits --force replaced
    errors: list[str] = field(default_factory=list)
    review: list[tuple[str, str, str]] = field(default_factory=list)  # (file, title, note)
    articles: int = 0
    seconds: float = 0.0
    content: str = "content"  # the content folder as editors name it (see _shown)

    def summary(self) -> str:
        """Return the one-line terminal summary, then the files an editor must know of."""
        parts = [
            f"import: {self.dumps} dump(s), {self.articles} article(s)",
            f"{len(self.written)} written",
            f"{len(self.unchanged)} unchanged",
        ]
        if self.kept_edits:
            parts.append(f"{len(self.kept_edits)} hand-edited kept (use --force to overwrite)")
        if self.overwritten:
            parts.append(f"{len(self.overwritten)} hand-edited overwritten (--force)")
        parts.append(f"{len(self.review)} item(s) to review in REVIEW.md")
        if self.errors:
            parts.append(f"{len(self.errors)} error(s)")
        text = ", ".join(parts) + f" [{self.seconds:.2f} s]"
        details = [f"  kept hand edit: {self.content}/{name}" for name in self.kept_edits]
        details += [f"  overwrote hand edit: {self.content}/{name}" for name in self.overwritten]
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


def load_date_manifest(raw_dir: Path) -> dict[str, str]:
    """Read raw/manifest.yaml ({file name: YYYY-MM-DD}) when there is one."""
    path = raw_dir / DATE_MANIFEST_FILE
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


def build_articles(dump: Dump, page: SegmentedPage, date: IssueDate, gaz: Gazetteer) -> list[ImportedArticle]:
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
        headline = f"{parsed.kicker} {title}" if parsed.kicker else title  # the kicker is part of the headline
        district, places, why = choose_district(gaz, headline, place_text, parsed.section)
        if why:
            review.append(f"district: {why}")
        if date.date is None:
            review.append(
                "no date: nothing on the page dates it; imported as a draft without a date "
                "(set date, date_precision and date_source, then remove draft)"
            )
        elif date.weak:
            review.append(f"date from weak evidence ({date.evidence})")
        if _looks_scrambled(body_text):
            review.append("text looks scrambled (columns flattened out of order)")
        credits = parsed.credits
        names = set(credits.reporters + credits.correspondents + credits.photographers + credits.others)
        has_credit = any(k == "credit" for k, _ in parsed.body) or bool(credits.photographers)
        article = Article(
            id=article_id(dump.source, parsed),
            title=title,
            kicker=parsed.kicker.strip() if parsed.kicker else None,
            subtitle=parsed.subtitle.strip() if parsed.subtitle else None,
            date=date.date or "",
            date_precision=date.precision or "",
            date_source=date.source or "",
            district=district,
            places=places,
            topics=choose_topics(title, body_text, taxonomy),
            tags=choose_tags(title, body_text, names),
            reporters=credits.reporters,
            correspondents=credits.correspondents,
            photographers=credits.photographers,
            kind=choose_kind(parsed.has_byline, has_credit, len(body_text)),
            slug=slugify(title),
            source=dump.source,
            source_lines=parsed.source_lines,
            body=render_body(parsed),
            draft=date.date is None,
        )
        out.append(ImportedArticle(article, tuple(review)))
    return out


def _looks_scrambled(text: str) -> bool:
    """Flag text whose lines were flattened out of order: many stray spaces inside sentences."""
    stray = len(re.findall(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", text))
    return stray >= 4 or bool(re.search(r"(\S{2,}) \1", text))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _name(path: Path, content_dir: Path) -> str:
    """An article file's name in the import state and REVIEW.md: its path under *content_dir*
    (its file name, for one at the top, as the state has always named them)."""
    return path.relative_to(content_dir).as_posix()


def _existing_ids(config: Config) -> dict[str, tuple[Path, Article | None]]:
    """Map the ids of the articles already in content/, in its subfolders too (as the build reads
    them: an editor may file articles by year), to their files; a file that does not read is
    found by its `id:` line, with no article.

    They are read as the build reads them, through its parse cache (`content.load_content`): at
    100,000 articles, parsing every file took 25 s of an import of one dump."""
    from .content import load_content

    content_dir = Path(config.content_dir)
    library = load_content(
        content_dir, Path(config.cache_dir), workers=config.workers, parallel_from=config.parallel_from
    )
    every = sorted((*library.articles, *library.left_out), key=lambda a: a.path)
    readable = {art.path for art in every}
    found: dict[str, tuple[Path, Article | None]] = {}
    broken = {Path(e.path) for e in library.errors if e.path is not None}
    for path in sorted(p for p in broken if not p.is_relative_to(content_dir) or _name(p, content_dir) not in readable):
        try:
            line = id_line(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if line:
            found[line[1]] = (path, None)
    for art in every:
        found[art.id] = (content_dir / art.path, art)
    return found


def _unique_ids(items: list[ImportedArticle], others: list[Article], root: Path) -> list[ImportedArticle]:
    """Give a second article with the same id the next free one, and flag likely duplicates.

    A headline is a likely duplicate when an article earlier in dump order has it too: one
    of this import, or one in content/ from a dump this import does not read (*others*).
    So a dump imported alone gets the notes it gets in an import of every dump."""
    first_titles: dict[str, Article] = {}
    for article in [*others, *(item.article for item in items)]:
        key = _title_key(article.title)
        if key not in first_titles or _dump_order(article) < _dump_order(first_titles[key]):
            first_titles[key] = article
    seen_ids: dict[str, ImportedArticle] = {}
    out = []
    for item in items:
        article = item.article
        review = list(item.review)
        first = first_titles[_title_key(article.title)]
        if first is not article and len(_title_key(article.title)) >= 6:
            review.append(_duplicate_note(first, root))
        if article.id in seen_ids:
            other = seen_ids[article.id].article
            if not any(r.startswith("likely duplicate") for r in review):
                review.append(_duplicate_note(other, root))
            n = 2
            while f"{article.id[:10]}{n:02d}" in seen_ids:
                n += 1
            article = replace(article, id=f"{article.id[:10]}{n:02d}")
        imported = ImportedArticle(article, tuple(review))
        seen_ids[article.id] = imported
        out.append(imported)
    return out


def _title_key(title: str) -> str:
    return "".join(fold(title).split())


def _dump_order(article: Article) -> tuple[str, int]:
    return article.source, article.source_lines[0]


def _duplicate_note(other: Article, root: Path) -> str:
    where = f"{_shown_source(other.source, root)} lines {list(other.source_lines)}"
    return f"likely duplicate of '{other.title}' ({where})"


def _unique_slugs(
    items: list[ImportedArticle], existing: dict[str, tuple[Path, Article | None]]
) -> list[ImportedArticle]:
    """Give each new article a free file name; an existing file's slug (maybe hand-edited) wins."""
    used_slugs = {p.stem for p, _ in existing.values()}
    out = []
    for item in items:
        article = item.article
        kept = existing[article.id][1] if article.id in existing else None
        if kept is not None:
            article = replace(article, slug=kept.slug)
        else:
            base, n = article.slug, 2
            while article.slug in used_slugs:
                article = replace(article, slug=f"{base}-{n}")
                n += 1
        used_slugs.add(article.slug)
        out.append(ImportedArticle(article, item.review))
    return out


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")
_BODY_MARKS = re.compile(r"^(#+\s+|>\s*图：|\\)")
MATCHED_NOTE = (
    "headline or opening differs from when it was first imported (a corrected dump or a newer "
    "importer): matched to that article by its text, it keeps its id and file"
)


def _units(article: Article) -> tuple[str, ...]:
    """Return sorted short keys of the article's headlines and sentences.

    Two versions of an article are compared by these: a corrected headline or sentence
    changes one key of many, whatever the id (headline and opening) does."""
    pieces = [article.kicker or "", article.title, article.subtitle or ""]
    for line in article.body.split("\n"):
        pieces += _SENTENCE_END.split(_BODY_MARKS.sub("", line.strip()))
    keys = ("".join(fold(piece).split()) for piece in pieces)
    return tuple(sorted(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8] for key in keys if key))


def _likeness(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Share of sentence keys two articles have in common (Dice: 1.0 is the same text)."""
    if not a and not b:
        return 0.0
    return 2 * sum((Counter(a) & Counter(b)).values()) / (len(a) + len(b))


@dataclass(frozen=True)
class _Earlier:
    """An article file an earlier import made from a dump read again now."""

    id: str
    name: str
    title: str
    units: tuple[str, ...]


def _keep_ids(
    items: list[ImportedArticle],
    existing: dict[str, tuple[Path, Article | None]],
    written: dict[str, WrittenFile],
    sources: set[str],
    root: Path,
    content_dir: Path,
) -> tuple[list[ImportedArticle], dict[str, list[tuple[str, str, str]]]]:
    """Give an article whose headline or opening was corrected the id, and so the file, of the
    article an earlier import made from the same dump, instead of adding a second copy.

    An article whose id is already in content/ is that article. The others are compared, by
    their sentences, with the files of the same dump that no article of this import claims:
    the most alike pair first, from SAME_ARTICLE up. The earlier version is what the importer
    wrote (the state's keys), so a hand edit of the file does not hide it. Earlier files left
    unmatched are returned per dump, as review items: the dump no longer has them."""
    claimed = {item.article.id for item in items}
    earlier: dict[str, list[_Earlier]] = {}
    for old_id, (path, old) in sorted(existing.items()):
        if old is None or old.source not in sources or old_id in claimed:
            continue
        name = _name(path, content_dir)
        last = written.get(name)
        units = last.units if last is not None and last.units is not None else _units(old)
        earlier.setdefault(old.source, []).append(_Earlier(old_id, name, old.title, units))
    pairs = []
    for index, item in enumerate(items):
        if item.article.id in existing:
            continue
        mine = _units(item.article)
        for was in earlier.get(item.article.source, ()):
            score = _likeness(mine, was.units)
            if score >= SAME_ARTICLE:
                pairs.append((-score, index, was.id))
    out, taken, done = list(items), set(), set()
    for _, index, old_id in sorted(pairs):
        if index in done or old_id in taken:
            continue
        done.add(index)
        taken.add(old_id)
        item = out[index]
        out[index] = ImportedArticle(replace(item.article, id=old_id), (*item.review, MATCHED_NOTE))
    gone: dict[str, list[tuple[str, str, str]]] = {}
    for source, olds in earlier.items():
        note = (
            f"the last import of {_shown_source(source, root)} no longer has this article: "
            "delete the file if a corrected article of the dump replaced it"
        )
        gone[source] = [(old.name, old.title, note) for old in olds if old.id not in taken]
    return out, gone


def _settle(path: Path, text: str, last: WrittenFile | None, force: bool) -> str:
    """Decide what to do with one article file: write, unchanged, keep or overwrite.

    The file is the importer's while its digest is the one the importer recorded; any
    other text is a hand edit, kept unless --force."""
    if not path.exists():
        return "write"
    current = path.read_text(encoding="utf-8", errors="replace")
    if current == text:
        return "unchanged"
    if last is not None and last.sha256 == _digest(current):
        return "write"
    return "overwrite" if force else "keep"


def _pending_note(last: WrittenFile, new: WrittenFile) -> str:
    """Say what the import would have changed in a file kept for its hand edit."""
    changes = []
    retitled = last.title is not None and last.title != new.title
    if retitled:
        changes.append(f"headline now '{new.title}'")
    if last.units is not None and new.units is not None:
        changed = (
            max(
                sum((Counter(new.units) - Counter(last.units)).values()),
                sum((Counter(last.units) - Counter(new.units)).values()),
            )
            - retitled
        )
        if changed > 0:
            changes.append(f"{changed} sentence(s) of its text changed")
    what = "; ".join(changes) or (
        "its metadata changed" if last.units is not None else "the import's version of it changed"
    )
    return (
        f"edited by hand, so the import's update was not applied ({what}): "
        "apply it by hand, or re-import with --force to take the import's version"
    )


@dataclass
class _DumpOutcome:
    """One dump's part of this import, gathered while its articles are written."""

    review: list[tuple[str, str, str]] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    overwritten: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def record(self) -> DumpRecord:
        return DumpRecord(
            tuple(dict.fromkeys(self.review)), tuple(self.kept), tuple(self.overwritten), tuple(self.errors)
        )


def run_import(config: Config, paths: list[Path], force: bool = False) -> ImportReport:
    """Import dumps into config.content_dir and rebuild the review file from every dump's items."""
    started = time.perf_counter()
    root, content_dir = config.root, config.content_dir
    state_path = content_dir / IMPORT_STATE_FILE
    state = load_state(state_path, root)  # a damaged state stops here: nothing written
    report = ImportReport(content=_shown(content_dir, root))
    items, furniture, outcomes, unread = _read_dumps(config, paths, report)
    content_dir.mkdir(parents=True, exist_ok=True)
    existing = _existing_ids(config)
    others = [old for _, old in existing.values() if old is not None and old.source not in outcomes]
    items, gone = _keep_ids(_unique_ids(items, others, root), existing, state.files, set(outcomes), root, content_dir)
    items = _unique_slugs(items, existing)
    report.articles = len(items)
    for source, entries in gone.items():
        outcomes[source].review += entries
    files = _write_articles(items, existing, content_dir, state.files, force, report, outcomes)
    report.review = list(dict.fromkeys(entry for outcome in outcomes.values() for entry in outcome.review))
    dumps = dict(state.dumps)
    for source, message in unread.items():
        dumps[source] = replace(dumps.get(source, DumpRecord()), errors=(message,))
    dumps.update((source, outcome.record()) for source, outcome in outcomes.items())
    present = {rel for rel, _, _ in scan(content_dir)}
    present |= {_furniture_name(source) for source in furniture}
    present |= {f"{FURNITURE_DIR}/{p.name}" for p in (content_dir / FURNITURE_DIR).glob("*.yaml")}
    dumps = _prune(dumps, present, root)
    write_furniture(content_dir / FURNITURE_DIR, furniture)
    write_bytes(state_path, render_state(ImportState(files, dumps)).encode("utf-8"))
    write_bytes(config.review_file, render_review(dumps.values(), report.content).encode("utf-8"))
    report.seconds = time.perf_counter() - started
    return report


def _read_dumps(config: Config, paths: list[Path], report: ImportReport):
    """Read and segment every dump: its articles, its furniture, and per dump its outcome so far
    (errors); dumps that could not be read are returned apart, with why."""
    gaz = load_gazetteer()
    add_words(gaz.all_names())
    is_label = label_matcher(gaz)
    manifest = load_date_manifest(config.raw_dir)
    items: list[ImportedArticle] = []
    furniture: dict[str, list[tuple[int, str]]] = {}
    outcomes: dict[str, _DumpOutcome] = {}
    unread: dict[str, str] = {}
    for path in find_dumps(paths):
        try:
            dump = read_dump(path, config.root)
        except SitegenError as exc:
            message = SitegenError(_shown(exc.path or path, config.root), exc.line, exc.message, exc.hint)
            report.errors.append(message.describe())
            unread[_source_key(path, config.root)] = message.describe()
            continue
        try:
            page = segment(dump.lines, is_label, places_matcher(gaz))
            dated = page_date(dump, manifest)
            built = build_articles(dump, page, dated, gaz)
        except Exception as exc:  # an importer bug on this dump: the other dumps still import
            log.debug("segmenting %s failed", path, exc_info=True)
            message = SitegenError(
                _shown(path, config.root),
                None,
                f"the importer failed on this dump ({type(exc).__name__}: {exc}); its articles were left as they were",
                "an importer bug: please report it with the dump",
            )
            report.errors.append(message.describe())
            unread[_source_key(path, config.root)] = message.describe()
            continue
        report.dumps += 1
        outcome = outcomes[dump.source] = _DumpOutcome()
        for number in unaccounted_lines(dump.lines, page):
            outcome.errors.append(
                f"{_shown_source(dump.source, config.root)}:{number}: line was placed "
                "in no article (an importer bug: please report it with the dump)"
            )
        report.errors += outcome.errors
        notes = list(dump.notes)
        if not built and any(line.strip() for line in dump.lines):
            notes.append(f"no article found: its {len(dump.lines)} line(s) are kept as page furniture")
        outcome.review += [(_furniture_name(dump.source), dump.source, note) for note in notes]
        items += built
        furniture[dump.source] = list(page.furniture)
    return items, furniture, outcomes, unread


def _write_articles(
    items: list[ImportedArticle],
    existing: dict[str, tuple[Path, Article | None]],
    content_dir: Path,
    written: dict[str, WrittenFile],
    force: bool,
    report: ImportReport,
    outcomes: dict[str, _DumpOutcome],
) -> dict[str, WrittenFile]:
    """Write each article unless its file was edited by hand; return the state's new file records.

    A kept file keeps the record of what the importer last wrote there, so later imports
    still tell its hand edit, and still say what update it did not take."""
    files = dict(written)
    for item in items:
        article, outcome = item.article, outcomes[item.article.source]
        text = render_article(article)
        path = existing[article.id][0] if article.id in existing else content_dir / f"{article.slug}.md"
        name = _name(path, content_dir)
        ours, last = WrittenFile(_digest(text), article.title, _units(article)), files.get(name)
        review = list(item.review)
        action = _settle(path, text, last, force)
        if action == "keep":
            report.kept_edits.append(name)
            outcome.kept.append(name)
            if last is not None and last.sha256 != ours.sha256:
                review.append(_pending_note(last, ours))
        else:
            if action == "unchanged":
                report.unchanged.append(name)
            else:
                write_bytes(path, text.encode("utf-8"))
                report.written.append(name)
            if action == "overwrite":
                report.overwritten.append(name)
                outcome.overwritten.append(name)
            files[name] = ours
        outcome.review += [(name, article.title, note) for note in review]
    return files


def _prune(dumps: dict[str, DumpRecord], present: set[str], root: Path) -> dict[str, DumpRecord]:
    """Drop what names an article file an editor deleted, and the errors of a dump that is gone."""
    out = {}
    for source, record in sorted(dumps.items()):
        record = DumpRecord(
            tuple(entry for entry in record.review if entry[0] in present),
            tuple(name for name in record.kept if name in present),
            tuple(name for name in record.overwritten if name in present),
            record.errors if _dump_exists(source, root) else (),
        )
        if record != DumpRecord():
            out[source] = record
    return out


def _dump_exists(source: str, root: Path) -> bool:
    return (root / source).exists() or Path(source).exists()


def _source_key(path: Path, root: Path) -> str:
    """Name a dump as read_dump does (relative to the root when inside it), for the state."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _shown(path: Path | str, root: Path) -> str:
    """Name a file for editors: relative to the project root when inside it, else relative to
    the current folder, else as it is (a temp folder's absolute path only when nothing else fits)."""
    path = Path(path)
    full = (path if path.is_absolute() else Path.cwd() / path).resolve()
    for base in (root, Path.cwd()):
        try:
            return full.relative_to(Path(base).resolve()).as_posix() or "."
        except ValueError:
            continue
    return path.as_posix()


def _shown_source(source: str, root: Path) -> str:
    """Name a dump by its `source`: already relative to the root when inside it, else as given
    (an absolute one shown relative to the current folder when inside it)."""
    return _shown(source, root) if Path(source).is_absolute() else source


def load_state(path: Path, root: Path) -> ImportState:
    """Read content/.import-state.json, either format: a damaged one is an error that names its
    line, never a traceback, and comes before anything is written."""
    if not path.exists():
        return ImportState()
    shown = _shown(path, root)
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise SitegenError(shown, None, f"not UTF-8 ({exc.reason} at byte {exc.start})", _STATE_HINT) from None
    except OSError as exc:
        raise SitegenError(shown, None, f"cannot be read ({exc.strerror})", _STATE_HINT) from None
    except json.JSONDecodeError as exc:
        raise SitegenError(shown, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})", _STATE_HINT) from None
    return _parse_state(data, _StateText(shown, text))


@dataclass(frozen=True)
class _StateText:
    """The state file's name and text, to point a shape error at its line."""

    shown: str
    text: str

    def error(self, key: str | None, message: str) -> SitegenError:
        line = 1
        if key is not None:
            at = self.text.find(json.dumps(key, ensure_ascii=False))
            line = self.text.count("\n", 0, at) + 1 if at >= 0 else 1
        return SitegenError(self.shown, line, message, _STATE_HINT)


def _kind(value: object) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)


def _parse_state(data: object, where: _StateText) -> ImportState:
    """Check the state's shape: format 2 ({format, files, dumps}) or the digests-only first one."""
    if not isinstance(data, dict):
        raise where.error(None, f"expected an object, found {_kind(data)}")
    if "format" not in data:  # the first format: {file name: sha256 of what was written}
        files = {}
        for name, digest in data.items():
            if not isinstance(digest, str):
                raise where.error(name, f"'{name}' should map to the digest of the file written, found {_kind(digest)}")
            files[name] = WrittenFile(digest)
        return ImportState(files, {})
    if data["format"] != IMPORT_STATE_FORMAT:
        raise where.error(
            "format", f"unknown format {json.dumps(data['format'])} (this sitegen reads format {IMPORT_STATE_FORMAT})"
        )
    files_data, dumps_data = data.get("files", {}), data.get("dumps", {})
    for key, value in (("files", files_data), ("dumps", dumps_data)):
        if not isinstance(value, dict):
            raise where.error(key, f"'{key}' should be an object, found {_kind(value)}")
    files = {name: _parse_file(name, entry, where) for name, entry in files_data.items()}
    dumps = {source: _parse_dump(source, entry, where) for source, entry in dumps_data.items()}
    return ImportState(files, dumps)


def _parse_file(name: str, entry: object, where: _StateText) -> WrittenFile:
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        raise where.error(name, f"'{name}' should be an object with its \"sha256\", found {_kind(entry)}")
    title, units = entry.get("title"), entry.get("units")
    if not isinstance(title, (str, type(None))) or not isinstance(units, (str, type(None))):
        raise where.error(name, f'\'{name}\': "title" and "units" should be strings')
    return WrittenFile(entry["sha256"], title, tuple(units.split()) if units is not None else None)


def _parse_dump(source: str, entry: object, where: _StateText) -> DumpRecord:
    if not isinstance(entry, dict):
        raise where.error(source, f"'{source}' should be an object, found {_kind(entry)}")
    lists: dict[str, Any] = {}  # each checked below against its field's shape
    for key in ("review", "kept", "overwritten", "errors"):
        value = entry.get(key, [])
        width = 3 if key == "review" else None
        ok = isinstance(value, list) and all(
            (isinstance(v, list) and len(v) == width and all(isinstance(x, str) for x in v))
            if width
            else isinstance(v, str)
            for v in value
        )
        if not ok:
            shape = "[file, title, note] lists" if width else "strings"
            raise where.error(source, f"'{source}': \"{key}\" should be a list of {shape}")
        lists[key] = tuple(tuple(v) for v in value) if width else tuple(value)
    return DumpRecord(**lists)


def render_state(state: ImportState) -> str:
    """Render the state: one line per file and per dump, sorted, for small and stable git diffs."""

    def one(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def block(key: str, entries: list[str]) -> str:
        if not entries:
            return f" {one(key)}: {{}}"
        return f" {one(key)}: {{\n" + ",\n".join(entries) + "\n }"

    files = [f"  {one(name)}: {one(_file_json(record))}" for name, record in sorted(state.files.items())]
    dumps = [f"  {one(source)}: {one(_dump_json(record))}" for source, record in sorted(state.dumps.items())]
    return (
        "{\n" + f' "format": {IMPORT_STATE_FORMAT},\n' + block("files", files) + ",\n" + block("dumps", dumps) + "\n}\n"
    )


def _file_json(record: WrittenFile) -> dict:
    data: dict[str, object] = {"sha256": record.sha256}
    if record.title is not None:
        data["title"] = record.title
    if record.units is not None:
        data["units"] = " ".join(record.units)
    return data


def _dump_json(record: DumpRecord) -> dict:
    data = {
        "review": [list(entry) for entry in record.review],
        "kept": list(record.kept),
        "overwritten": list(record.overwritten),
        "errors": list(record.errors),
    }
    return {key: value for key, value in data.items() if value}


def _furniture_name(source: str) -> str:
    """The file, under the content folder, that keeps the page furniture of the dump *source*;
    REVIEW.md names it for what concerns the dump as a whole."""
    return f"{FURNITURE_DIR}/{Path(source).stem}.yaml"


def write_furniture(folder: Path, furniture: dict[str, list[tuple[int, str]]]) -> None:
    """Record each dump's page furniture and section labels (kept, not published)."""
    folder.mkdir(parents=True, exist_ok=True)
    for source, lines in furniture.items():
        data = [{"line": number, "text": text} for number, text in lines]
        text = yaml.safe_dump({"source": source, "furniture": data}, allow_unicode=True, sort_keys=False)
        target = folder.parent / _furniture_name(source)
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            write_bytes(target, text.encode("utf-8"))


def render_review(dumps: Iterable[DumpRecord], content: str = "content") -> str:
    """Render REVIEW.md from every dump's last import: each uncertain decision once, by file.

    *content* is the content folder as editors name it (see _shown)."""
    dumps = list(dumps)
    review = sorted({entry for record in dumps for entry in record.review})
    kept = sorted({name for record in dumps for name in record.kept})
    overwritten = sorted({name for record in dumps for name in record.overwritten})
    errors = list(dict.fromkeys(e for record in dumps for e in record.errors))
    lines = [
        "# Import review",
        "",
        "Each line is a decision the importer was unsure of. Check the article, fix its",
        "front-matter by hand if needed and commit: re-importing never overwrites your edit.",
        "It covers the last import of every dump: importing some dumps updates their lines only.",
        "",
    ]
    if overwritten:
        lines += ["## Hand edits overwritten by --force", ""]
        lines += [f"- `{content}/{n}`" for n in overwritten] + [""]
    if kept:
        lines += ["## Hand-edited files kept", ""] + [f"- `{content}/{n}`" for n in kept] + [""]
    if errors:
        lines += ["## Errors", ""] + [f"- {e}" for e in errors] + [""]
    lines += ["## Articles to check", ""]
    for name, title, note in review:
        lines.append(f"- `{content}/{name}` {title}: {note}")
    if not review:
        lines.append("Nothing to check.")
    return "\n".join(lines) + "\n"
