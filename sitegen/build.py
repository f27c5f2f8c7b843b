"""`sitegen build`: load → plan (a new site model, or the page store) → render only what
changed, beside the search stage in a forked process → write.

The cache folder (config.cache_dir, git-ignored) keeps, between processes:
  articles.sqlite   parsed articles keyed by (path, mtime_ns, size)          (sitegen/content.py)
  pages.sqlite      every page, its digest and the articles it shows, the scan (sitegen/page_store.py)
  related.sqlite    every article's related articles and what they are worked out from (sitegen/related.py)
  slugs.pickle, jinja/  pinyin slugs, compiled templates
  state.json        the fingerprint of every input of the last build, and its errors (LAST_BUILD_FILE)
  outputs.sqlite    digest of every output file;  changed.txt  the files the last build changed"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from .cache import read_pickle, write_bytes, write_pickle
from .config import ARTICLE_LOSS_LIMIT, Config
from .errors import SitegenError
from .parallel import Background, WorkerFailed, chunks, fan_out, shared, worker_count
from .stamp import package_stamp

if TYPE_CHECKING:
    from .content import Library, Scan
    from .model import Article
    from .page_store import PageRow, PageStore, SavedPage
    from .plan import RoleDigests
    from .relay import Relaid
    from .search import DocHead, DocInput, Documents, SearchIndex
    from .site import Page, PageKind, SiteModel, Wanted

log = logging.getLogger(__name__)
LAST_BUILD_FILE = "state.json"  # the last build's input fingerprint, errors and warnings
SITE_RECORD = ".sitegen.json"  # in the output folder: what the published site holds


@dataclass
class BuildReport:
    """What a build did, for the terminal and for tests."""

    pages: Counter[str] = field(default_factory=Counter)  # pages per kind in the site
    rendered: Counter[str] = field(default_factory=Counter)  # pages re-rendered this time, per kind
    times: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "file:line: message"
    changed: list[str] = field(default_factory=list)  # output files written or removed
    articles: int = 0
    skipped_unchanged: bool = False
    failed: bool = False  # errors stopped it: the output folder was left as it was
    from_layout: bool = False  # planned from the page store: only article bodies changed
    body_edit: int = 0  # articles of a body edit, built without reading the archive (sitegen/body_edit.py)
    touched: int = 0  # of a new layout, the pages an edit of metadata can change (planned alone); 0: all

    def summary(self) -> str:
        """Return the report shown on the terminal."""
        lines = []
        if self.failed:
            lines.append(f"build failed: {len(self.errors)} error(s); nothing written, the last good site is kept")
        elif self.skipped_unchanged:
            lines.append("build: no input changed; nothing written")
        else:
            total = sum(self.pages.values())
            lines.append(
                f"build: {self.articles} articles, {total} pages, "
                f"{sum(self.rendered.values())} rendered, {len(self.changed)} files changed"
                + (
                    f" (an edit of text, headlines, tags, places, topics, people, dates or districts in {self.body_edit} file(s): only the pages that show it were read)"
                    if self.body_edit
                    else " (only article bodies changed: planned from the saved pages)"
                    if self.from_layout
                    else f" (an edit of metadata: the {self.touched} pages it can change were planned)"
                    if self.touched
                    else ""
                )
            )
            for kind in sorted(self.pages):
                lines.append(f"  {kind:<10} {self.pages[kind]:>6} pages ({self.rendered.get(kind, 0)} rendered)")
        lines.append("  time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.times.items()))
        for w in self.warnings:
            lines.append(f"warning: {w}")
        for e in self.errors:
            lines.append(f"error: {e}")
        return "\n".join(lines)


def _stat_tree(folder: Path) -> list[tuple[str, int, int]]:
    out = []
    if folder.is_dir():
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                p = os.path.join(dirpath, name)
                st = os.stat(p)
                out.append((os.path.relpath(p, folder), st.st_mtime_ns, st.st_size))
    return out


def _settings(config: Config) -> str:
    """Every setting a page can show (sitegen.toml and flags), as one string to digest.  Today's
    date is not one: it decides which articles are shown, and the pages that show them depend
    on those (a new day re-rendered every page, 2 minutes a day at 100,000 articles)."""
    return repr(
        (
            config.base_url,
            config.site_title,
            config.site_description,
            config.language,
            config.timezone,
            config.per_page,
            config.feed_items,
            config.tag_min_articles,
            config.taxonomies,
            config.menu,
            config.compress,
            config.preview,
            str(config.content_dir.name),
        )
    )


def _fingerprint(config: Config, content_stats: Scan, today: str, last: dict[str, str]) -> dict[str, str]:
    """Return a digest of each kind of input a build reads: equal to the last build's (*last*),
    nothing needs doing; a differing one is named in the log (-v).

    Today's part is the last build's `today_window` while today lies in it (no article is due or
    withdrawn), else today: the build then shows what became due, and saves its own window."""
    from .theme import static_dirs, template_dirs

    theme = [_stat_tree(folder) for folder in (*template_dirs(config), *static_dirs(config))]
    parts = {
        "theme": theme,
        "code": package_stamp(),
        # Whether the site has a search index: off, a build keeps the last one; on again, it
        # must build one, though no page changes.
        "settings": (_settings(config), str(config.out_dir), config.search),
    }
    # The content's packed (`content.PackedScan`): a third of repr's time on 100,000 files.
    packed = content_stats.packed()
    content_digest = hashlib.sha1(len(packed.paths).to_bytes(8, "little") + packed.paths)
    content_digest.update(packed.stats)
    content = content_digest.hexdigest()
    digests = {name: hashlib.sha1(repr(part).encode()).hexdigest() for name, part in parts.items()}
    last_today = last.get("today")
    return {
        "content": content,
        **digests,
        "today": _today_part(today, last_today if isinstance(last_today, str) else ""),
    }


def _today_part(today: str, last: str) -> str:
    from .content import within

    latest, to, next_due = last.partition(" to ")
    return last if to and within((latest, next_due), today) else today


def _window_raised(part: str, shown: Iterable[Article]) -> str:
    """The fingerprint's part for today (`_today_part`) once the articles *shown* (dated on or
    before today, a body edit's) are in: a window's latest date raised to theirs.  (One dated
    earlier than it was may leave an earlier latest date: the window kept is then narrower than
    the build's own, which only makes a later day build where it need not.)"""
    latest, to, next_due = part.partition(" to ")
    newest = max((art.date for art in shown if art.date and not art.draft), default="")
    return _window_part((newest, next_due)) if to and newest > latest else part


def _window_part(window: tuple[str, str]) -> str:
    """The fingerprint's part for today after a build that found *window* (`_today_part`)."""
    return " to ".join(window)


def _env_digest(config: Config) -> str:
    """Digest what every page depends on besides its articles: templates, settings, code and
    its data (district and topic slugs)."""
    h = hashlib.sha1(_settings(config).encode())
    from .theme import template_dirs

    for folder in template_dirs(config):
        for rel, _, _ in _stat_tree(folder):
            h.update(rel.encode())
            h.update((folder / rel).read_bytes())
    h.update(package_stamp().encode())
    return h.hexdigest()


def _static_files(config: Config) -> list[tuple[str, bytes]]:
    from .theme import static_files

    return [("static/" + rel, path.read_bytes()) for rel, path in static_files(config).items()]


class _SearchStage:
    """The search index, made in a process forked before the build reads the articles, beside
    the pages: that process holds none of the archive, so neither do the tokenizer workers it
    forks (with the compact runs of postings.Runs, at 30,000 articles of the realistic corpus,
    their peaks went from 1,739 and 1,550 MiB to 1,157 and 599 MiB: docs/BENCHMARKS.md).

    Meanwhile it loads the last index's state and jieba.  Once the articles are read, the build
    sends it every document's head, path and URL; it answers which documents it must index
    again to patch the last index, and the build sends their inputs; or, when it cannot patch,
    it indexes everything, reading each article back from the parse cache as it goes
    (`content.StoredArticles`).  Only when the parse cache could not be written does a process
    forked after the load, holding the articles, build the whole index.  Off with
    `search = false` in sitegen.toml's [build] table (benchmarks of the build stage alone,
    tests of other stages)."""

    def __init__(self, config: Config, cache_dir: Path, articles: int) -> None:
        from .search import SEARCH_STATE_FILE

        self.config = config
        self.skip = not config.search
        self.job: Background | None = None
        self.may_patch = (cache_dir / SEARCH_STATE_FILE).is_file() and Path(config.out_dir).is_dir()
        self.docs: Documents | None = None
        # a whole index made in a process of its own beside a whole render (`_search_job`)
        self.beside_render = False
        self.listing: tuple | None = None  # the documents, for a job run here, until its result is asked
        if not self.skip:
            fork = articles >= config.parallel_from
            self.job = Background(
                lambda: _search_job(config, cache_dir, self.may_patch), "search", talk=True, fork=fork
            )

    def start(
        self,
        library: Library,
        articles: Sequence[Article],
        url_of: Callable[[Article], str],
        published: dict[str, str],
        staging: Path | None,
    ) -> None:
        """Send the search process the documents; a whole new index is written into *staging*
        there, beside the rendering, instead of by the writer.  Call `go_on` next."""
        if self.skip:
            return
        from .search import Documents

        digest_of = library.digests.__getitem__
        if self.job is None or not library.cached:
            log.info("search: the parse cache holds not every article: indexing all from this process's articles")
            if self.job is not None:
                self.job.stop()
            self.job = Background(
                lambda: _whole_search(articles, self.config, url_of, lambda a: digest_of(a.path), published, staging),
                "search",
                fork=len(articles) >= self.config.parallel_from,
            )
            return
        self.beside_render = staging is not None and self.job.forked
        self.docs = Documents(articles, url_of, lambda a: digest_of(a.path))
        paths = [a.path for a in self.docs.articles]
        self.listing = (
            self.docs.heads(),
            bool(published),
            paths,
            [digest_of(p) for p in paths],
            self.docs.urls,
            staging,
        )
        if self.job.forked:
            self.job.ask(self.listing, answered=False)
            self.listing = None

    def go_on(self, *, last: bool = False) -> None:
        """Send the inputs of the documents the patch needs, or let the process index them all
        when it can't patch (so it compares digests while the build plans).  A job run in this
        process runs when the build asks for its result (*last*): a build refused meanwhile
        never runs it."""
        if self.job is None or self.docs is None or not (self.job.forked or last):
            return  # nothing to send, or already gone on
        if self.listing is not None:
            self.job.ask(self.listing, answered=False)
            self.listing = None
        if self.may_patch:
            wanted = cast("list[int] | None", self.job.answer())
            if wanted is not None:
                log.info("search: patching the last index (%d document(s) to index again)", len(wanted))
            else:
                log.info("search: the last index cannot be patched (code, districts or too many changes): indexing all")
            self.job.ask({n: self.docs[n] for n in wanted} if wanted is not None else None, answered=False)
        self.docs = None

    def result(self) -> tuple[SearchIndex | None, str | None]:
        """Wait for (the SearchIndex or None, an error message or None)."""
        if self.job is None:
            return None, None
        self.go_on(last=True)
        return self.job.result()

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()


def _search_job(config: Config, cache_dir: Path, may_patch: bool) -> Generator[object, object, SearchIndex | None]:
    """The search job, which talks (parallel.Background): load the last index (or jieba alone),
    then patch it for the build's documents, or index them all, read from the parse cache."""
    from .content import StoredArticles
    from .search import Documents, full_search_index, load_previous_index, warm_up
    from .writer import load_output_manifest

    previous = load_previous_index(config, Path(config.out_dir)) if may_patch else None
    if previous is None:
        warm_up()
    try:
        heads, trusted, paths, digests, urls, staging = cast(
            "tuple[list[DocHead], bool, list[str], list[str], list[str], Path | None]", (yield None)
        )
        if may_patch:  # the build waits for this answer: give it, patch or not
            wanted = None
            if previous is not None:
                manifest = load_output_manifest(cache_dir)
                wanted = previous.wanted(heads, manifest if trusted else {})
            inputs = cast("dict[int, DocInput] | None", (yield wanted))
            if inputs is not None and previous is not None:
                index = previous.patch(heads, inputs)
                if index is not None:
                    return index
        docs = Documents.ordered(StoredArticles(cache_dir, paths, digests), urls, heads)
        # Beside a whole render (staging: the site is laid out again) the index tokenizes on one
        # core, which the render workers leave it (RENDER_NICENESS): fanned out as well, the
        # tokenizers and the render's workers shared two cores and spent 6 % more CPU on forks
        # and copies (10,000 articles of the realistic corpus, cold builds alternated: 13.83 ->
        # 13.06 s over 6 pairs, 18.98 -> 18.22 s over 4 in a slow hour).  The words and shards
        # are still made by forked workers: made here too, they gained nothing.
        tokenize_here = staging is not None
        return full_search_index(docs, config, previous=previous, staging=staging, tokenize_here=tokenize_here)
    finally:
        if previous is not None:
            previous.close()


def _whole_search(
    articles: Sequence[Article],
    config: Config,
    url_of: Callable[[Article], str],
    digest_of: Callable[[Article], str],
    published: dict[str, str],
    staging: Path | None,
) -> SearchIndex:
    """In a process forked after the load: the search index, written into *staging* when the
    whole index is new (when the parse cache cannot give the articles back)."""
    from .search import build_search_index

    return build_search_index(
        articles,
        config,
        url_of=url_of,
        out_dir=Path(config.out_dir),
        published=published,
        digest_of=digest_of,
        staging=staging,
    )


def _with_search_version(page: Page, version: str) -> Page:
    """Give the search page the index version: its script adds it to every index URL, so a
    browser never mixes files of two builds, and only that page changes with the index."""
    return replace(page, context={**page.context, "search_version": version})


def build_site(config: Config, *, today: str | None = None) -> BuildReport:
    """Build config.content_dir into config.out_dir; return the report (errors → exit non-zero)."""
    import gc

    # A build allocates a few hundred thousand long-lived objects and almost no cycles: the
    # collector's passes over them cost a fifth of a one-article rebuild.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _one_build_at_a_time(Path(config.cache_dir)), contextlib.ExitStack() as on_exit:
            return _build(config, today, on_exit)
    except BuildFailed as failed:
        return failed.report
    finally:
        if collecting:
            gc.enable()


BUILD_LOCK_FILE = "build.lock"


@contextlib.contextmanager
def _one_build_at_a_time(cache_dir: Path) -> Iterator[None]:
    """Hold the cache folder's build lock: a second build of the same folders (the commit
    hook's while an editor runs `python build.py`, say) waits for the first to end instead of
    writing the same staging folder, caches and output at once.  A POSIX record lock: the
    forked workers of a build do not inherit it, and it goes with the process that holds it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(cache_dir / BUILD_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a cache folder that cannot be made: the build will say so itself
        yield
        return
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            log.warning("%s: another build of these folders is running; waiting for it to end", cache_dir)
            fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class BuildFailed(Exception):
    """The build found errors: nothing was written to the output folder."""

    def __init__(self, report: BuildReport) -> None:
        super().__init__("; ".join(report.errors))
        self.report = report


def _refuse(report: BuildReport, cache_dir: Path, staging: Path | None, out_dir: Path) -> NoReturn:
    """Stop a build that found errors before it writes anything to the output folder, which
    is then exactly as the last good build left it (a preview build goes on instead)."""
    from .writer import discard

    if staging is not None and staging.exists():
        discard([staging], out_dir)
    report.failed = True
    _save_state(cache_dir, {}, report)
    raise BuildFailed(report)


def _refuse_failed(
    report: BuildReport, exc: SitegenError | WorkerFailed, cache_dir: Path, staging: Path | None, out_dir: Path
) -> NoReturn:
    """Refuse a build that a stage's error (*exc*) stopped, the error in its report."""
    report.errors.append(
        exc.describe() if isinstance(exc, SitegenError) else f"{exc} (hint: run again with -v for the details)"
    )
    _refuse(report, cache_dir, staging, out_dir)


def _content_errors(config: Config, stats: list[tuple[str, int, int]]) -> list[str]:
    """A missing or empty content folder builds an empty site, which a publish with
    `rsync --delete` would put in place of the live one."""
    folder = Path(config.content_dir)
    if not folder.is_dir():
        return [
            SitegenError(
                folder,
                None,
                "the content folder does not exist",
                "check --content, or import dumps first with `sitegen import`",
            ).describe()
        ]
    misnamed = [
        SitegenError(
            folder / name,
            None,
            "an article file's name must end in '.md': this one is not read",
            f"rename it to {Path(name).stem}.md",
        ).describe()
        for name in getattr(stats, "misnamed", ())
    ]
    if not stats and not misnamed:
        return [
            SitegenError(
                folder,
                None,
                "the content folder holds no article (*.md)",
                "import dumps with `sitegen import`, or check --content",
            ).describe()
        ]
    return misnamed


def read_site_record(out_dir: Path) -> dict[str, Any]:
    """Return what the last good build recorded in the output folder (empty when none)."""
    try:
        record = json.loads((Path(out_dir) / SITE_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _article_loss(config: Config, last: dict[str, Any], articles: int) -> list[str]:
    """Refuse a build that takes more than ARTICLE_LOSS_LIMIT of the published articles away
    (at least one may always go: an editor deletes a duplicate)."""
    before = last.get("articles")
    if config.preview or config.allow_article_loss or not isinstance(before, int):
        return []
    lost = before - articles
    if lost <= max(1, int(before * ARTICLE_LOSS_LIMIT)):
        return []
    return [
        SitegenError(
            Path(config.content_dir),
            None,
            f"this build would take {lost} of the {before} published articles off the site",
            "if that is meant, build again with --allow-article-loss; otherwise check --content and the drafts",
        ).describe()
    ]


def _build(config: Config, today: str | None, on_exit: contextlib.ExitStack) -> BuildReport:
    """Check, load, plan, render, index, write: one stage a line, as docs/BUILD.md lists them.

    A stage that finds errors refuses the build (`_refuse_on`): nothing is written, and the
    output folder stays exactly as the last good build left it.  A preview build goes on past
    errors in articles, showing their last good versions.  *on_exit* ends what the build
    started beside it, however it ends."""
    from .content import scan, today_from_env
    from .plan import article_keys
    from .site import published_articles
    from .writer import begin_stage, recover

    report = BuildReport()
    clock = _Clock(report)
    today = today_from_env(today, config.timezone)
    cache_dir, out_dir = Path(config.cache_dir), Path(config.out_dir)

    recover(out_dir)
    state = _last_state(cache_dir)
    body_patch = _start_body_patch(config, state, on_exit)
    stats = scan(Path(config.content_dir))
    _refuse_on(report, _content_errors(config, stats), cache_dir, out_dir)
    last_site = read_site_record(out_dir) if out_dir.is_dir() else {}
    config = _compression_kept(config, last_site)
    fingerprint = _fingerprint(config, stats, today, state["fingerprint"])
    if _nothing_changed(report, fingerprint, state, cache_dir, out_dir):
        clock("check")
        return report
    _refuse_on(report, _vocabulary_errors(fingerprint, state["fingerprint"]), cache_dir, out_dir)
    edited = _built_body_edit(config, today, stats, fingerprint, state, clock, body_patch)
    if edited is not None:
        return edited

    slugger = _SlugCache(cache_dir)
    search_stage = _SearchStage(config, cache_dir, len(stats))
    related: _Related | None = None
    staging: Path | None = None
    try:
        library = _load(config, cache_dir, today, stats, slugger, report)
        _refuse_on(report, [], cache_dir, out_dir, staging, preview=config.preview)
        _load_warnings(library, config, report)
        clock("load")

        layout = _Layout.of(library, config, slugger, cache_dir, out_dir)
        # Laying the site out again means many pages may change: they, and a new search index, are
        # written into the staging folder as they are made.
        staging = None if layout.reuse else begin_stage(out_dir)
        search_stage.start(
            library,
            published_articles(library.articles, layout.urls),
            lambda a: layout.urls[a.path],
            layout.manifest,
            staging,
        )
        keys = article_keys(library.articles, library.digests, library.meta, library.flagged)
        search_stage.go_on()  # before the related articles: the search patch is an edit's critical path
        related = None if layout.reuse else _Related(library.articles, cache_dir, config)
        plan = _saved_plan(library, layout, keys, cache_dir, report)
        if plan is None:
            related = related or _Related(library.articles, cache_dir, config)
            plan = _plan_from_model(library, config, slugger, related, layout.store, layout.env, keys, layout.manifest)
        published = _check_plan(plan, library, config, last_site, report)
        _refuse_on(report, [], cache_dir, out_dir, staging, preview=config.preview)
        _plan_counts(plan, report)
        clock("plan")

        pages = _render_planned(plan, config, layout.env, keys, staging, report, search_stage.beside_render)
        clock("render")

        search, error = search_stage.result()
        _refuse_on(report, [f"search: {error}"] if error else [], cache_dir, out_dir, staging, preview=config.preview)
        shells = _render_search_page(plan, config, search, layout, keys, report)
        clock("search")
    except (SitegenError, WorkerFailed) as exc:  # a template that does not compile, a worker killed
        _refuse_failed(report, exc, cache_dir, staging, out_dir)
    finally:
        for job in (search_stage, related):
            if job:
                job.stop()

    _write(config, layout, plan, keys, pages.add(shells), search, published, stats, report)
    # A failed search stage is tried again by the next build, even with no input changed.
    fingerprint = {**fingerprint, "today": _window_part(library.today_window)}
    _save_state(cache_dir, fingerprint if not error else {}, report)
    clock("write")
    report.times["total"] = time.perf_counter() - clock.started
    return report


def _built_body_edit(
    config: Config,
    today: str,
    stats: Scan,
    fingerprint: dict[str, str],
    state: dict[str, Any],
    build_clock: _Clock,
    search: Background | None,
) -> BuildReport | None:
    """Build an edit that changed only article bodies (sitegen/body_edit.py): the pages that
    show a changed article, and the search patch of its documents, with the articles those
    pages show read by path; the site's layout, its other pages and the archive stay unread.
    Return its report; None when the edit is not one, or when the search index cannot be
    patched: nothing is written then, and the full build takes over."""
    from .body_edit import ArticleRows, StoredKeys, find_body_edit
    from .plan import ANY, page_deps, page_digest
    from .relay import relay
    from .writer import OUTPUT_MANIFEST_FILE, OutputManifest

    cache_dir, out_dir = Path(config.cache_dir), Path(config.out_dir)
    edit = None
    if (cache_dir / OUTPUT_MANIFEST_FILE).is_file() and (search is not None or not config.search):
        edit = find_body_edit(config, today, stats, fingerprint, state["fingerprint"])
    if edit is None:
        if search is not None:
            search.stop()
        return None
    report = BuildReport()  # the build's own, untouched if the full build takes over
    clock = _Clock(report)
    clock.started = clock.mark = build_clock.mark
    if search is not None:  # first: the patch waits for nothing else
        search.ask([(art, edit.digests[path]) for path, art in edit.articles.items()], answered=False)
    store, articles, keys = edit.store, ArticleRows(config, stats, edit.articles), StoredKeys(edit.store, edit.keys)
    built = False
    relaid: Relaid | None = None
    try:
        try:
            model = store.model()
            if model.errors:  # a preview's: the full build reports them
                return None
            env, shells = _env_digest(config), store.outputs_of("search")
            pages = store.pages(store.showing(edit.changes) - set(shells), articles)
            if edit.relayed:  # tags, places, topics, people, a date or a district: their lists and related articles too
                relaid = relay(edit.relayed, articles, store, model, config, env)
                if relaid is None:
                    log.info("tags, places, topics, people, a date or a district changed: the site is laid out again")
                    return None
                made = {page.output for page in relaid.pages}.union(relaid.removed)
                pages = [page for page in pages if page.output not in made] + relaid.pages
                if relaid.urls:  # an article moved to another district: every link to it
                    model = replace(model, article_url={**model.article_url, **relaid.urls})
            keys.prefetch(path for page in pages for path, _role in page_deps(page) if path != ANY)
            digests = {page.output: page_digest(page, env, keys) for page in pages}
            plan = _Plan(model, {}, pages, store.pages(shells, articles), digests, store.digests(shells), False)
        except Exception as exc:  # an unreadable cache is a cold one: the full build lays the site out
            log.warning("%s: the page store is unreadable (%s: %s)", cache_dir, type(exc).__name__, exc)
            return None
        manifest = OutputManifest(cache_dir)
        written = manifest.some(shells)
        manifest.close()
        if manifest.lost:  # an unreadable manifest: the full build writes the site whole
            return None
        layout = _Layout(model.article_url, store, written, env, str(store.key()), True)
        report.from_layout, report.body_edit = True, len(edit.files)
        report.pages.update(store.kind_counts())
        if relaid is not None:
            report.pages.update(relaid.added.values())
            report.pages.subtract(relaid.removed.values())
        clock("plan")

        rendered = _render_planned(plan, config, env, keys, None, report, beside_search=False)
        clock("render")

        index, error = search.result() if search is not None else (None, None)
        if search is not None and index is None:
            # The full build tries again, and reports an error that is not the patch's alone.
            log.info("search: the last index cannot be patched for this edit (%s): building the site whole", error)
            return None
        rendered = rendered.add(_render_search_page(plan, config, index, layout, keys, report))
        clock("search")
        built = True
    except (SitegenError, WorkerFailed) as exc:
        _refuse_failed(report, exc, cache_dir, None, out_dir)
    finally:
        if search is not None:
            search.stop()
        articles.close()
        if not built:
            store.close()
            if relaid is not None:
                relaid.close()

    # Only bodies changed: the errors and warnings of the last good build stand.
    report.errors, report.warnings = list(state.get("errors", [])), list(state.get("warnings", []))
    report.articles = state.get("articles", 0)
    try:
        _write_body_edit(config, layout, rendered, index, keys, stats, report, relaid)
    finally:
        if relaid is not None:
            relaid.close()
    if relaid is not None:  # a date corrected may be the latest now
        fingerprint = {**fingerprint, "today": _window_raised(fingerprint["today"], edit.articles.values())}
    _save_state(cache_dir, fingerprint, report)
    clock("write")
    report.times["total"] = time.perf_counter() - build_clock.started
    return report


def _write_body_edit(
    config: Config,
    layout: _Layout,
    rendered: _Rendered,
    search: SearchIndex | None,
    keys: dict[str, RoleDigests],
    scan: Scan,
    report: BuildReport,
    relaid: Relaid | None,
) -> None:
    """Write a body edit's pages and search files, keeping every other output as it is; then
    record the pages (and the content folder's *scan*, and the tags and related articles
    *relaid*) in the page store."""
    from .writer import staging_dir, write_changed

    out_dir, cache_dir = Path(config.out_dir), Path(config.cache_dir)
    files, removed = list(rendered.files), list(relaid.removed if relaid is not None else ())
    if search is not None:
        files += sorted(search.files.items())
        removed += search.removed
    layout.store.expect(str(out_dir.resolve()), [page.output for page in rendered.pages])
    try:
        result = write_changed(out_dir, files, removed, cache_dir=cache_dir, compress=bool(config.compress))
    except (SitegenError, WorkerFailed) as exc:  # before the commit, as in _write
        _refuse_failed(report, exc, cache_dir, staging_dir(out_dir), out_dir)
    if search is not None:
        search.save()
    report.changed = result.changed
    if relaid is None:
        layout.store.save(layout.key, None, keys, rendered.store_rows(), None, scan)
    else:
        # The lists changed: no layout key may name this store's pages, or a full build of the
        # same metadata (the edit reverted) would take them for its own (`_Layout.reuse`)
        try:
            relaid.save()
        except OSError as exc:  # the store names related articles the file lacks: the next edit works them out
            log.warning("related articles not saved (%s)", exc)
        outputs = None
        if relaid.removed or relaid.added:
            outputs = set(layout.store.outputs()).difference(relaid.removed).union(relaid.added)
        layout.store.save(
            f"relaid {os.urandom(8).hex()}",
            None,
            keys,
            rendered.store_rows(),
            outputs,
            scan,
            layout=(layout.env, relaid.related_key),
            tags=(relaid.shown_tags, relaid.tag_counts),
            urls=relaid.urls,
        )
    layout.store.close()


def _start_body_patch(config: Config, state: dict[str, Any], on_exit: contextlib.ExitStack) -> Background | None:
    """Fork the search process of a body edit before the build lists the content folder (0.4 s
    at 100,000 articles): loading the last index and jieba's dictionary is the slow part of an
    edit, and it needs no article.  None when the last build left nothing to patch.  The process
    ends with the build; a build that is not a body edit stops it at once."""
    from .writer import OUTPUT_MANIFEST_FILE

    cache_dir = Path(config.cache_dir)
    if not (config.search and state["fingerprint"] and Path(config.out_dir).is_dir()):
        return None
    if not (cache_dir / OUTPUT_MANIFEST_FILE).is_file():
        return None
    # (Whether the last build left a search state is the job's to find out: importing the
    # search package here would cost a build with no change 30 ms.)
    fork = _last_articles(state) >= config.parallel_from
    job = Background(lambda: _patch_bodies(config, cache_dir), "search", talk=True, fork=fork)
    on_exit.callback(job.stop)
    return job


def _search_documents(articles: Iterable[tuple[Article, str]], urls: dict[str, str]) -> list[tuple[DocHead, DocInput]]:
    """The search heads and inputs of *articles*, given with the digests of their files
    (drafts are not searched)."""
    from .search import Documents

    digests = {art.path: digest for art, digest in articles}
    docs = Documents([art for art, _ in articles], lambda a: urls[a.path], lambda a: digests[a.path])
    return list(zip(docs.heads(), docs))


def _patch_bodies(config: Config, cache_dir: Path) -> Generator[object, object, SearchIndex | None]:
    """The search job of a body edit, which talks (parallel.Background): load the last index,
    jieba and the articles' URLs (forked: while the build lists the content folder), then patch
    the index for a body edit's articles (sent with their digests); None when it must be built
    whole."""
    from .page_store import PageStore
    from .search import load_previous_index

    previous = load_previous_index(config, Path(config.out_dir))
    if previous is None:
        yield None
        return None
    try:
        from .site import article_urls

        urls: dict[str, str] = {}
        slugs: dict[str, str] = {}
        store = PageStore(cache_dir)
        try:
            model = store.model()
            urls, slugs = model.article_url, model.district_slugs
        except Exception:  # an unreadable page store: the build finds it too, and builds whole
            pass
        finally:
            store.close()
        changed = cast("list[tuple[Article, str]]", (yield None))
        if any(art.path not in urls or (art.district and art.district not in slugs) for art, _ in changed):
            return None  # (a district new to the site: the full build lays it out)
        # The URLs as the edit leaves them (an article moved to another district moves)
        return previous.patch_bodies(_search_documents(changed, article_urls([art for art, _ in changed], slugs)))
    finally:
        previous.close()


class _Clock:
    """Time the stages of a build into its report."""

    def __init__(self, report: BuildReport) -> None:
        self.report = report
        self.started = self.mark = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.report.times[stage] = now - self.mark
        self.mark = now


def _refuse_on(
    report: BuildReport,
    errors: list[str],
    cache_dir: Path,
    out_dir: Path,
    staging: Path | None = None,
    *,
    preview: bool = False,
) -> None:
    """Add *errors* to the report; refuse the build if it has any (a preview goes on)."""
    report.errors += errors
    if report.errors and not preview:
        _refuse(report, cache_dir, staging, out_dir)


def _compression_kept(config: Config, last_site: dict[str, Any]) -> Config:
    """Compression, once asked for, stays on for every later build (the hook's, the preview's)
    until --no-compress: a plain build must not delete the .gz/.br files a server sends."""
    compress = config.compress if config.compress is not None else bool(last_site.get("compress"))
    return replace(config, compress=compress)


def _last_articles(state: dict[str, Any]) -> int:
    """The number of articles the last build published: whether a job that starts before this
    build has read its articles is worth a process."""
    articles = state.get("articles")
    return articles if isinstance(articles, int) else 0


def _last_state(cache_dir: Path) -> dict[str, Any]:
    """The fingerprint, errors and warnings the last build saved (`_save_state`); its
    "fingerprint" is always a dict, empty when there is none."""
    try:
        state = json.loads((cache_dir / LAST_BUILD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    state = state if isinstance(state, dict) else {}
    if not isinstance(state.get("fingerprint"), dict):
        state["fingerprint"] = {}
    return state


def _nothing_changed(
    report: BuildReport, fingerprint: dict[str, str], state: dict[str, Any], cache_dir: Path, out_dir: Path
) -> bool:
    """True when every input is as the last build found it: the report then repeats its errors
    and warnings.  Otherwise log which kinds of input changed."""
    from .writer import OUTPUT_MANIFEST_FILE

    last = state["fingerprint"]
    changed = [name for name in fingerprint if last.get(name) != fingerprint[name]]
    if not changed and out_dir.is_dir() and (cache_dir / OUTPUT_MANIFEST_FILE).exists():
        report.skipped_unchanged = True
        report.errors = list(state.get("errors", []))
        report.warnings = list(state.get("warnings", []))
        report.articles = state.get("articles", 0)
        return True
    log.info("changed since the last good build: %s", ", ".join(changed) if last else "no last build recorded")
    return False


def _vocabulary_errors(fingerprint: dict[str, str], last: dict[str, str]) -> list[str]:
    """The gazetteer's and the taxonomy's own errors, when the code changed since the last build
    that checked them (the code stamp covers both; a build they failed saves no fingerprint):
    loading them costs 50 ms, a tenth of a one-article edit."""
    if last.get("code") == fingerprint["code"]:
        return []
    from .names import check_vocabularies

    return check_vocabularies()


def _load(
    config: Config,
    cache_dir: Path,
    today: str,
    stats: Scan,
    slugger: _SlugCache,
    report: BuildReport,
) -> Library:
    """Read every article (through the content cache); its errors go in the report."""
    from .content import load_content
    from .text import load_segmenter_and_pinyin

    # Slugs made from scratch need jieba-rs and pypinyin here, and so does a search process
    # forked after the load: loaded once, while the files are parsed.
    library = load_content(
        Path(config.content_dir),
        cache_dir,
        preview=config.preview,
        today=today,
        stats=stats,
        meanwhile=None if slugger.data else load_segmenter_and_pinyin,
        workers=config.workers,
        parallel_from=config.parallel_from,
    )
    report.errors += [e.describe() for e in library.errors]
    return library


def _load_warnings(library: Library, config: Config, report: BuildReport) -> None:
    if not config.has_host:
        report.warnings.append(
            "base_url has no host: sitemap.xml, robots.txt, the feeds and canonical links "
            "need the site's address (set base_url in sitegen.toml)"
        )
    if library.skipped:
        report.warnings.append(f"{len(library.skipped)} draft or future-dated article(s) left out")


@dataclass(frozen=True)
class _Layout:
    """Where the articles go, and whether the saved pages still describe the site."""

    urls: dict[str, str]  # article path -> URL
    store: PageStore
    manifest: dict[str, str]  # the output folder's files and digests, as the last build wrote them
    env: str  # the digest of what every page depends on besides its articles
    key: str  # the layout key: every article's metadata, the preview flags, env
    reuse: bool  # the page store's layout holds: only article bodies changed

    @classmethod
    def of(cls, library: Library, config: Config, slugger: _SlugCache, cache_dir: Path, out_dir: Path) -> _Layout:
        from .page_store import PageStore, layout_key
        from .site import article_urls, district_slug_map
        from .writer import load_output_manifest

        urls = article_urls(library.articles, district_slug_map(library.articles, slugger.district))
        store = PageStore(cache_dir)
        if store.target() != str(out_dir.resolve()):
            if store.target():
                log.info("the page store describes another output folder: laying the site out anew")
            store.forget()
        manifest = load_output_manifest(cache_dir) if out_dir.is_dir() and store.target() else {}
        env = _env_digest(config)
        key = layout_key(library.articles, library.meta, library.flagged, env)
        return cls(urls, store, manifest, env, key, out_dir.is_dir() and store.key() == key)


def _saved_plan(
    library: Library, layout: _Layout, keys: dict[str, RoleDigests], cache_dir: Path, report: BuildReport
) -> _Plan | None:
    """Plan from the page store when its layout holds (only article bodies changed); None when
    the site must be laid out anew."""
    plan: _Plan | None = None
    if layout.reuse:
        try:
            plan = _plan_from_store(library, layout.store, layout.env, keys, layout.manifest)
        except Exception as exc:  # an unreadable cache is a cold one: lay the site out again
            log.warning(
                "%s: the page store is unreadable (%s: %s); the site is laid out anew",
                cache_dir,
                type(exc).__name__,
                exc,
            )
            layout.store.forget()
    report.from_layout = plan is not None
    log.info(
        "planned %s",
        "from the page store: only article bodies changed"
        if plan is not None
        else "from a new site model: metadata, templates, settings or code changed, or no saved pages",
    )
    return plan


def _check_plan(plan: _Plan, library: Library, config: Config, last_site: dict[str, Any], report: BuildReport) -> int:
    """Report the site model's errors (and articles lost); return the number of published articles."""
    report.errors += [e.describe() for e in plan.model.errors]
    report.articles = len(plan.model.articles)
    # Drafts a preview shows are not the published site's: they never count as lost.
    published = sum(1 for a in plan.model.articles if a.path not in library.flagged)
    report.errors += _article_loss(config, last_site, published)
    return published


def _plan_counts(plan: _Plan, report: BuildReport) -> None:
    report.pages.update(plan.kinds.values())
    report.touched = plan.touched
    no_district = sum(1 for a in plan.model.articles if not a.district)
    if no_district:
        report.warnings.append(f"{no_district} article(s) without a district are listed only by date and topic")


@dataclass
class _Rendered:
    """Pages rendered by this build: their files (or, for pages written into the staging
    folder, their names and digests), their page-store rows and their plan digests."""

    pages: list[Page]
    files: list[tuple[str, bytes]]
    staged: list[tuple[str, str]]
    rows: list[SavedPage]
    digests: dict[str, str]

    def store_rows(self) -> list[PageRow]:
        """The rendered pages as the page store saves them."""
        return [
            (page.output, page.kind, self.digests[page.output], *row, page.source)
            for page, row in zip(self.pages, self.rows)
        ]

    def add(self, more: _Rendered) -> _Rendered:
        return _Rendered(
            self.pages + more.pages,
            self.files + more.files,
            self.staged + more.staged,
            self.rows + more.rows,
            {**self.digests, **more.digests},
        )


def _render_planned(
    plan: _Plan,
    config: Config,
    env: str,
    keys: dict[str, RoleDigests],
    staging: Path | None,
    report: BuildReport,
    beside_search: bool,
) -> _Rendered:
    """Render the planned pages (into *staging* on big builds), leaving a core to the search
    process when it indexes everything beside (*beside_search*); a cold build digests its pages
    while they render."""
    from .plan import page_digests

    digests = plan.digests
    meanwhile = None
    if digests is None:
        digests = {}

        def meanwhile(into: dict[str, str] = digests, pages: list[Page] = plan.render) -> None:
            into.update(page_digests(pages, env, keys))

    niceness = RENDER_NICENESS if beside_search else 0
    files, staged, rows = _render_all(plan.model, config, plan.render, report, staging, meanwhile, niceness)
    return _Rendered(plan.render, files, staged, rows, digests)


def _render_search_page(
    plan: _Plan,
    config: Config,
    search: SearchIndex | None,
    layout: _Layout,
    keys: dict[str, RoleDigests],
    report: BuildReport,
) -> _Rendered:
    """Render the search page once the index version is known (only if it changed)."""
    from .plan import plan_pages

    shells = [_with_search_version(p, search.version if search is not None else "") for p in plan.shells]
    digests, todo = plan_pages(shells, layout.env, keys, plan.old, layout.manifest)
    shells = [p for p in shells if p.output in todo]
    files, _, rows = _render_all(plan.model, config, shells, report)
    return _Rendered(shells, files, [], rows, {out: digests[out] for out in todo})


def _write(
    config: Config,
    layout: _Layout,
    plan: _Plan,
    keys: dict[str, RoleDigests],
    rendered: _Rendered,
    search: SearchIndex | None,
    published: int,
    scan: Scan,
    report: BuildReport,
) -> None:
    """Write the rendered pages, the static files and the search index into the output
    folder, then record the pages (and the content folder's *scan*) in the page store."""
    from .writer import staging_dir, write_site

    out_dir, cache_dir = Path(config.out_dir), Path(config.cache_dir)
    record = {"base_url": config.base_url, "articles": published, "compress": config.compress}
    files = rendered.files + _static_files(config)
    files.append((SITE_RECORD, (json.dumps(record, ensure_ascii=False) + "\n").encode()))
    staged = list(rendered.staged)
    done = {page.output for page in rendered.pages}
    keep = [output for output in plan.kinds if output not in done]
    if search is not None:
        files += sorted(search.files.items())
        staged += search.staged
        keep += search.keep
    else:  # no new index (it failed, or `search = false`): keep the one there is, its script included
        keep += [
            name
            for name in layout.manifest
            if name.startswith("search/") and name not in plan.kinds and not name.endswith((".gz", ".br"))
        ]
        from .search import SCRIPT, browser_script

        if SCRIPT not in keep:  # every page loads the script (the search box's "/" key)
            files.append((SCRIPT, browser_script()))
    # Until the store records this build, the pages about to change are unknown to it: a
    # build killed after the write must render them again, whatever the next one plans.
    whole = plan.from_model and done == plan.kinds.keys()  # every page of a new layout
    layout.store.expect(str(out_dir.resolve()), done, whole=whole)
    try:
        result = write_site(
            out_dir,
            files,
            keep,
            cache_dir=cache_dir,
            compress=bool(config.compress),
            staged=staged,
            manifest=layout.manifest if out_dir.is_dir() else None,
            workers=worker_count(config.workers),
            parallel_from=config.parallel_from,
        )
    except (SitegenError, WorkerFailed) as exc:  # before the commit: two files of one name, a compress worker died
        _refuse_failed(report, exc, cache_dir, staging_dir(out_dir), out_dir)
    if search is not None:
        search.save()
    report.changed = result.changed
    model = plan.model if plan.from_model else None
    layout.store.save(
        layout.key, model, keys, rendered.store_rows(), set(plan.kinds), scan, (layout.env, plan.related_key or "")
    )
    layout.store.close()


@dataclass(frozen=True)
class _Plan:
    """What to render, from a new site model or from the page store."""

    model: SiteModel  # without its pages
    kinds: dict[str, PageKind]  # output -> kind of every page of the site
    render: list[Page]  # the pages to render now, but the search shells
    shells: list[Page]  # the search pages: planned once the index version is known
    digests: dict[str, str] | None  # output -> digest of each page to render; None: take them while rendering
    old: dict[str, str]  # output -> digest in the last build (of the shells, at least)
    from_model: bool
    related_key: str | None = None  # a new layout's: the digest of what its related articles were worked out from
    touched: int = 0  # a new layout's pages an edit of metadata can change, when only they were planned


def _plan_from_model(
    library: Library,
    config: Config,
    slugger: _SlugCache,
    related: _Related,
    store: PageStore,
    env: str,
    keys: dict[str, RoleDigests],
    manifest: dict[str, str],
) -> _Plan:
    """Lay the site out again, then plan: of the pages an edit of metadata can change (or of
    every page), those whose digest changed."""
    from .plan import plan_pages
    from .site import build_site_model, people_of, site_outline

    for art in library.articles:  # the slugs the model will ask for, while *related* works
        for name in (*art.tags, *people_of(art)):
            slugger(name)
    outline = site_outline(
        library.articles, config, flagged=library.flagged, slugger=slugger, district_slugger=slugger.district
    )
    related_to = related.result()
    try:
        wanted = _pages_an_edit_touches(outline, library.articles, store, env, manifest, keys, related, config)
    except Exception as exc:  # an unreadable cache is a cold one: every page is digested
        log.warning(
            "%s: the page store is unreadable (%s: %s); every page is planned", store.path, type(exc).__name__, exc
        )
        wanted = None

    def lay_out(wanted: Wanted) -> SiteModel:
        return build_site_model(
            library.articles,
            config,
            flagged=library.flagged,
            slugger=slugger,
            district_slugger=slugger.district,
            related=related_to,
            outline=outline,
            wanted=wanted,
        )

    model = lay_out(wanted)
    if wanted is not None and model.errors:  # two pages of one output: planned as a clean build plans
        wanted = None
        model = lay_out(None)
    try:
        old = store.digests([p.output for p in model.pages] if wanted is not None else None)
    except Exception as exc:  # an unreadable cache is a cold one: every page is made and rendered
        log.warning(
            "%s: the page store is unreadable (%s: %s); every page is rendered", store.path, type(exc).__name__, exc
        )
        store.forget()
        old = {}
        if wanted is not None:
            wanted = None
            model = lay_out(None)
    slugger.save()
    pages = [p for p in model.pages if p.kind != "search"]
    shells = [p for p in model.pages if p.kind == "search"]
    kinds = model.kinds
    if wanted is not None:
        log.info("planned %d of %d pages: those an edit of metadata can change", len(pages), len(kinds) - len(shells))
    saved_model = replace(model, pages=(), kinds={})
    if not old:  # nothing to compare with: every page renders, and is digested meanwhile
        return _Plan(saved_model, kinds, pages, shells, None, old, True, related.meta)
    digests, todo = plan_pages(pages, env, keys, old, manifest)
    return _Plan(
        saved_model,
        kinds,
        [p for p in pages if p.output in todo],
        shells,
        {out: digests[out] for out in todo},
        old,
        True,
        related.meta,
        0 if wanted is None else len(pages),
    )


def _pages_an_edit_touches(
    model: SiteModel,
    articles: tuple[Article, ...],
    store: PageStore,
    env: str,
    manifest: dict[str, str],
    keys: dict[str, RoleDigests],
    related: _Related,
    config: Config,
) -> Wanted:
    """Which pages of a new layout (*model*, `site.site_outline` of *articles*) an edit of some
    articles can change, by source and output, when the page store holds the pages of the same
    articles laid out in the same environment; None when every page must be digested.

    They are: the pages that showed a changed article (the store's), the lists and feeds it now
    belongs to (`site.member_sources`), the pages of its new previous and next articles, the
    pages whose related articles or shown tags changed, the tag lists those tags enter or leave,
    the pages that sum up the site (`site.SUMMARY_KINDS`), and any page the output folder lacks
    or a build that did not end left undigested.  A tags edit at 100,000 articles digested all
    160,188 pages: 7 s of its 37 under cProfile."""
    from .plan import CARD, FULL, LINK
    from .site import article_source, district_neighbours, list_source, member_sources

    changed_related = related.changed()
    if changed_related is None or store.layout() != (env, related.before_key):
        return None
    before = store.model()
    if before.errors or before.months != model.months:  # every district page shows the months
        return None
    for old, new in (
        (before.district_slugs, model.district_slugs),
        (before.topic_slugs, model.topic_slugs),
        (before.tag_slugs, model.tag_slugs),
        (before.person_slugs, model.person_slugs),
    ):
        if any(new.get(name, slug) != slug for name, slug in old.items()):  # a name took another's slug
            return None
    shown_before, old_keys = store.shown_tags(), store.article_keys()
    if shown_before is None or old_keys.keys() != keys.keys():  # articles added or taken away
        return None
    changes = [
        (path, role)
        for path, new in keys.items()
        if old_keys[path] != new
        for role in (FULL, LINK, CARD)
        if old_keys[path][role] != new[role]
    ]
    placed = {path for path, role in changes if role == LINK}  # metadata changed
    if len(placed) > max(1, len(keys) // 10):
        return None
    sources = store.sources(store.showing(changes))
    sources.update(article_source(path) for path in changed_related)
    people_on = config.taxonomy_on("people")
    neighbours = district_neighbours(articles, placed)
    for art in model.articles:
        if art.path in placed:
            sources |= member_sources(art, model.shown_tags.get(art.path, ()), people_on)
            sources.update(article_source(other.path) for other in neighbours[art.path] if other is not None)
    for path, tags in model.shown_tags.items():
        old_tags = shown_before.get(path, ())
        if old_tags != tags:
            sources.add(article_source(path))
            sources.update(list_source("tag", tag) for tag in set(old_tags).symmetric_difference(tags))
    unsettled = store.unsettled()
    # (The pages of site.SUMMARY_KINDS are always made.)
    return lambda source, output: source in sources or output not in manifest or output in unsettled


def _plan_from_store(
    library: Library, store: PageStore, env: str, keys: dict[str, RoleDigests], manifest: dict[str, str]
) -> _Plan:
    """Plan from the page store: only article bodies changed since it was saved."""
    from .plan import CARD, FULL, LINK, page_digest

    by_path = {a.path: a for a in library.articles}
    old_keys = store.article_keys()
    changes = [
        (path, role) for path, new in keys.items() for role in (FULL, LINK, CARD) if old_keys[path][role] != new[role]
    ]
    kinds = store.kinds()
    shells = [out for out, kind in kinds.items() if kind == "search"]
    wanted = (store.showing(changes) | {out for out in kinds if out not in manifest}) - set(shells)
    pages = store.pages(wanted, by_path)
    return _Plan(
        store.model(library.articles),
        kinds,
        pages,
        store.pages(shells, by_path),
        {p.output: page_digest(p, env, keys) for p in pages},
        store.digests(shells),
        False,
    )


def _save_state(cache_dir: Path, fingerprint: dict[str, str], report: BuildReport) -> None:
    """Remember the inputs' fingerprint, errors and warnings for the next build."""
    write_bytes(
        cache_dir / LAST_BUILD_FILE,
        json.dumps(
            {
                "fingerprint": fingerprint,
                "errors": report.errors,
                "warnings": report.warnings,
                "articles": report.articles,
            },
            ensure_ascii=False,
        ).encode("utf-8"),
    )


class _Related:
    """Related articles, which depend only on dates, tags, places and topics: reused across
    builds where none of those changed (the usual edit fixes a body or a title), else worked
    out, and saved, by a job beside the build (forked on big sites) while it lays the site out:
    again for the articles an edit can change (`RelatedStore.again`), or for all of them."""

    def __init__(self, articles: tuple[Article, ...], cache_dir: Path, config: Config) -> None:
        from .related import RelatedRow, read_saved, related_row

        self.articles = articles
        # The last build's, to tell the articles whose related articles changed: the page store
        # saves the name of the ones it was laid out with (a refused build may have saved these).
        self.before: dict[str, tuple[str, ...]] | None = None
        self.before_key: str | None = None
        self.job: Background | None = None
        self.again: dict[str, tuple[str, ...]] | None = None  # the ones worked out again, if only those
        stamp = package_stamp()
        rows = [related_row(a) for a in articles]  # what they are worked out from, in date order
        saved = read_saved(cache_dir, stamp)
        changes = None
        if saved is not None:
            self.before, self.before_key = saved.related, saved.name
            if saved.inputs.keys() == {row.path for row in rows}:  # the same articles
                changes = {
                    row.path: (RelatedRow(row.path, *saved.inputs[row.path]), row)
                    for row in rows
                    if saved.inputs[row.path] != row[1:]
                }
                if not changes:
                    self.meta: str = saved.name
                    self.paths: dict[str, tuple[str, ...]] | None = saved.related
                    return
        # A new name for new inputs (the page store's layout is keyed by it)
        self.meta = os.urandom(16).hex()
        self.paths = None
        meta = self.meta
        # The job's: this process lets go of it once the job is forked
        given: dict[str, Any] = {"rows": rows}

        def work() -> tuple[bool, dict[str, tuple[str, ...]]]:
            """Return (whether only some were worked out again, those or all of them); save them."""
            from .related import open_again, related_articles, related_paths, save_related

            worked = open_again(cache_dir, changes, config.parallel_from, stamp) if changes else None
            if worked is not None:
                store, again, _changed = worked
                try:
                    store.commit(meta)
                except OSError as exc:  # the next build finds another name in the store: it works them out whole
                    log.warning("related articles not saved (%s)", exc)
                finally:
                    store.close()
                return True, again
            paths = related_paths(related_articles(articles))
            try:
                save_related(cache_dir, meta, stamp, given["rows"], paths)
            except OSError as exc:  # a cache: the next build works them out again
                log.warning("related articles not saved (%s)", exc)
            return False, paths

        self.job = Background(work, "related", fork=len(articles) >= config.parallel_from)
        if self.job.forked:
            given.clear()

    def result(self) -> Mapping[str, tuple[Article, ...]]:
        """Return article path -> its related Articles."""
        if self.paths is None:
            assert self.job is not None
            outcome, error = self.job.result()
            if error:  # (killed, or out of memory): the build is refused
                raise WorkerFailed(f"related articles: {error}")
            some, paths = outcome
            if some:
                assert isinstance(self.before, dict)
                self.again, paths = paths, {**self.before, **paths}
            self.paths = paths
        return _RelatedArticles(self.paths, {a.path: a for a in self.articles})

    def changed(self) -> set[str] | None:
        """Return the paths of the articles whose related articles differ from the last
        build's (once `result` is in), None when those are unknown."""
        before, paths = self.before, self.paths
        if not isinstance(before, dict) or paths is None:
            return None
        if self.again is not None:  # the same articles: only those worked out again can differ
            return {p for p, others in self.again.items() if before.get(p) != others}
        return {p for p, others in paths.items() if before.get(p) != others} | (before.keys() - paths.keys())

    def stop(self) -> None:
        if self.job is not None:
            self.job.stop()


class _RelatedArticles(Mapping[str, tuple["Article", ...]]):
    """Article path -> its related Articles, looked up as a page is made: an edit of metadata
    makes few article pages (all 100,000 articles' tuples took 1.5 s of a tags edit)."""

    def __init__(self, paths: dict[str, tuple[str, ...]], by_path: dict[str, Article]) -> None:
        self.paths, self.by_path = paths, by_path

    def __getitem__(self, path: str) -> tuple[Article, ...]:
        return tuple(self.by_path[other] for other in self.paths[path])

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)


# How far a render worker lowers its priority while the search process indexes everything on
# one core beside it: that process then keeps a core, and the render takes both once it ends
# (niceness 5 weighs a worker a third of the search process; 3 and 8 were no better).
RENDER_NICENESS = 5


def _start_render_worker() -> None:
    """In each render worker: one Renderer for all its pages (its caches: cards, summaries)."""
    from .render import Renderer

    state = shared()
    state["renderer"] = Renderer(state["model"], state["config"])


def _render_chunk(bounds: tuple[int, int]) -> tuple[list[tuple[str, bytes]] | list[tuple[str, str]], list[SavedPage]]:
    """Render pages[bounds] (into the staging folder when there is one); save them in the page store."""
    from .content import bodies_read_ahead
    from .page_store import saved_page
    from .writer import stage_files

    state = shared()
    chunk = state["pages"][bounds[0] : bounds[1]]
    renderer = state["renderer"]
    with bodies_read_ahead(page.context["article"] for page in chunk if page.kind == "article"):
        rendered = ((page.output, renderer.render(page)) for page in chunk)
        files = stage_files(state["staging"], rendered) if state["staging"] else list(rendered)
    return files, [saved_page(page) for page in chunk]


def _render_all(
    model: SiteModel,
    config: Config,
    pages: list[Page],
    report: BuildReport,
    staging: Path | None = None,
    meanwhile: Callable[[], object] | None = None,
    niceness: int = 0,
) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]], list[SavedPage]]:
    """Render *pages* in order; return ((name, bytes) of each, [], their saved layout), or on
    big builds ([], (name, digest) of each, their saved layout): pages written straight into
    the *staging* folder by forked workers, so the writes overlap the rendering and no page is
    held in memory.  *meanwhile* runs here while workers render; forked workers lower their
    priority by *niceness*."""
    report.rendered.update(page.kind for page in pages)
    big = len(pages) >= config.parallel_from
    workers = worker_count(config.workers) if big else 1
    state = {"model": model, "config": config, "pages": pages, "staging": staging if big else None}
    # Chunks small enough to spread the work evenly, big enough to amortise a task's overhead.
    size = min(500, max(1, -(-len(pages) // (workers * 4))))
    parts = fan_out(
        _render_chunk,
        chunks(len(pages), size),
        name="render",
        workers=workers,
        shared=state,
        initializer=_start_render_worker,
        meanwhile=meanwhile,
        niceness=niceness,
    )
    files = [f for part, _ in parts for f in part]
    saved = [row for _, rows in parts for row in rows]
    if state["staging"]:  # the workers wrote the pages: (name, digest) of each
        return [], cast("list[tuple[str, str]]", files), saved
    return cast("list[tuple[str, bytes]]", files), [], saved


class _SlugCache:
    """Pinyin slugs of names, remembered across builds (pinyin segmentation is the slow part)
    while the code and data that make them are unchanged."""

    def __init__(self, cache_dir: Path) -> None:
        self.path = Path(cache_dir) / "slugs.pickle"
        self.code = package_stamp()
        saved = read_pickle(self.path, {})
        self.data: dict[str, str] = saved.get("slugs", {}) if saved.get("code") == self.code else {}
        if saved and not self.data:
            log.info("slugs: the code changed since they were cached: made again")
        self.dirty = False

    def __call__(self, name: str) -> str:
        slug = self.data.get(name)
        if slug is None:
            from .site import default_slug

            slug = self.data[name] = default_slug(name)
            self.dirty = True
        return slug

    def district(self, name: str) -> str:
        key = "\0district\0" + name
        slug = self.data.get(key)
        if slug is None:
            from .site import district_slug

            slug = self.data[key] = district_slug(name, self)
            self.dirty = True
        return slug

    def save(self) -> None:
        if self.dirty:
            write_pickle(self.path, {"code": self.code, "slugs": self.data})
