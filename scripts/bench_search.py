#!/usr/bin/env python3
"""Search at scale: bytes a first and a later query transfer, the index's size against the
corpus's, and whether a pinyin prefix finds the words it begins.

    python scripts/bench_search.py                        # sizes 10,000, 30,000, 100,000 (generated, built)
    python scripts/bench_search.py --sizes 10000          # one size
    python scripts/bench_search.py --site DIR --corpus C  # a built site and the articles it was built from
    python scripts/benchmark.py --sizes 10000 --search    # the same, on the build benchmark's site
    ... --pagefind                                        # also index the site with Pagefind and compare

Corpora are scripts/gen_corpus.py's, kept in bench-out/corpus/ as benchmark.py keeps them; a
size's site is built once with `python -m sitegen` into bench-out/search/<N>/ (not timed).
For each query pair a fresh browser profile (Debian's chromium through Playwright) loads
/search/?q=<first> (the first query: search.js, meta.js, fold blocks, shards and the ten
result documents; not the page's own HTML and CSS), then runs <later> on the same page.  Sizes
are the response bodies gzipped (level 6), as a static host would send them.  Goals (issue
15): first query <= 60 KB, later <= 30 KB, index <= half the Markdown corpus's bytes, and a
pinyin prefix finds the words whose reading begins with it: `wutong` finds the articles
holding 梧桐树 (wutongshu; gen_corpus.py places it in one article in 2,000)."""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from chromium import ARGS, CHROMIUM  # noqa: E402

QUERIES = [
    ("托养", "社区"),
    ("社区服务", "电网"),
    ("shequ", "sq"),
    ("電網", "株洲县"),
    ("SYB", "5G"),
    ("基层 治理", "创业 培训"),
    ("梧桐树", "wutong"),
]
PREFIX, PROBE = "wutong", "梧桐树"
FULL = "wutongshu"  # the probe's whole reading: found by the exact pinyin key


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _recorder(page, record):
    def on_response(resp):
        try:
            body = resp.body()
        except Exception:
            return
        record.append((resp.url, len(body), len(gzip.compress(body, 6))))

    page.on("response", on_response)


def measure_sitegen(browser, base: str):
    rows = []
    for first, later in QUERIES:
        ctx = browser.new_context()
        page = ctx.new_page()
        rec: list = []
        _recorder(page, rec)
        t0 = time.perf_counter()
        page.goto(base + "search/?q=" + quote(first))
        page.wait_for_selector("body[data-search-state=done]", timeout=30_000)
        wall1 = (time.perf_counter() - t0) * 1000
        timing1 = page.evaluate("window.__sitegenSearch.lastTiming")
        count1 = page.locator("#search-results li").count()
        # the search page's own HTML and CSS are not search cost
        first_kb = (
            sum(
                r[2]
                for r in rec
                if "/search/" in r[0] and not r[0].split("?")[0].endswith("/search/") or r[0].endswith("search.js")
            )
            / 1024
        )
        n = len(rec)
        t0 = time.perf_counter()
        page.fill("#q", later)
        page.press("#q", "Enter")
        page.wait_for_selector("body[data-search-state=done]", timeout=30_000)
        wall2 = (time.perf_counter() - t0) * 1000
        timing2 = page.evaluate("window.__sitegenSearch.lastTiming")
        later_kb = sum(r[2] for r in rec[n:]) / 1024
        rows.append(
            (
                first,
                later,
                first_kb,
                later_kb,
                count1,
                timing1["compute"],
                timing2["compute"],
                wall1,
                wall2,
                len(rec[:n]),
                len(rec) - n,
            )
        )
        ctx.close()
    return rows


PAGEFIND_JS = """async (q) => {
  const pf = await import(%s);
  const t0 = performance.now();
  const r = await pf.search(q);
  const data = await Promise.all(r.results.slice(0, 10).map(x => x.data()));
  return {n: r.results.length, ms: performance.now() - t0};
}"""


def measure_pagefind(browser, base: str):
    rows = []
    for first, later in QUERIES:
        ctx = browser.new_context()
        page = ctx.new_page()
        rec: list = []
        _recorder(page, rec)
        page.goto(base)
        n0 = len(rec)
        r1 = page.evaluate(PAGEFIND_JS % json.dumps(base + "pagefind/pagefind.js"), first)
        first_kb = sum(r[2] for r in rec[n0:]) / 1024
        n = len(rec)
        r2 = page.evaluate(PAGEFIND_JS % json.dumps(base + "pagefind/pagefind.js"), later)
        later_kb = sum(r[2] for r in rec[n:]) / 1024
        rows.append((first, later, first_kb, later_kb, r1["n"], r1["ms"], r2["ms"], r2["n"]))
        ctx.close()
    return rows


PROBE_JS = """async (queries) => {
  const S = window.__sitegenSearch;
  if (!S || !S.query || !S.doc) return null;
  const out = {};
  for (const q of queries) {
    const r = await S.queryAll(q, {});
    const docs = await Promise.all(r.docs.map(n => S.doc(n)));
    out[q] = {count: r.count, urls: docs.map(d => d ? d.u : null)};
  }
  return out;
}"""


def probe_articles(corpus: Path, word: str) -> dict:
    """{slug: path} of the corpus's articles whose title or body holds *word*."""
    import gen_corpus

    found = {}
    for path in gen_corpus.article_files(corpus):
        text = path.read_text(encoding="utf-8")
        if word not in text:
            continue
        head, _, body = text[3:].partition("\n---")
        title = re.search(r"^title:\s*(.*)$", head, re.M)
        slug = re.search(r"^slug:\s*(\S+)", head, re.M)
        if word in body or (title and word in title.group(1)):
            found[slug.group(1).strip("'\"") if slug else path.stem] = path
    return found


def pinyin_check(browser, base: str, expected: dict) -> dict:
    """Run PREFIX, FULL and PROBE through the site's own search.js (its query and document
    functions, every hit); return each query's hit count and how many of *expected* it found."""
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(base + "search/")
    page.wait_for_function("window.__sitegenSearch && window.__sitegenSearch.ready", timeout=30_000)
    got = page.evaluate(PROBE_JS, [PREFIX, FULL, PROBE])
    ctx.close()
    if got is None:
        return {}
    out = {}
    for q, r in got.items():
        slugs = {u.rstrip("/").rsplit("/", 1)[-1] for u in r["urls"] if u}
        out[q] = {"hits": r["count"], "found": len(slugs & set(expected)), "expected": len(expected)}
    return out


def index_bytes(site: Path) -> tuple[int, int]:
    files = [p for p in (site / "search").rglob("*") if p.is_file() and p.name != "index.html"]
    return sum(p.stat().st_size for p in files), len(files)


def report(site: Path, corpus: Path | None, result: dict | None = None, pagefind: bool = False) -> dict:
    """Measure the search of the built *site* (made from *corpus*); print and return the figures
    (and put them in *result* under "search")."""
    import gen_corpus
    from playwright.sync_api import sync_playwright

    site = site.resolve()
    if not (site / "search" / "meta.js").exists():
        raise SystemExit(f"{site} has no search files")
    total, nfiles = index_bytes(site)
    md = sum(p.stat().st_size for p in gen_corpus.article_files(corpus)) if corpus else 0
    expected = probe_articles(corpus, PROBE) if corpus else {}
    out = {"index_bytes": total, "index_files": nfiles, "corpus_bytes": md}
    ratio = f" = {total / md:.2f} of the Markdown corpus's {md / 1e6:.1f} MB (goal <= 0.50)" if md else ""
    print(f"  search index: {nfiles:,} files, {total / 1e6:.1f} MB{ratio}", flush=True)

    if pagefind:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site)], capture_output=True, text=True)
        print(f"  pagefind indexing: exit {proc.returncode} in {time.perf_counter() - t0:.1f} s")
        if proc.returncode:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            pagefind = False

    server = serve(site)
    base = f"http://127.0.0.1:{server.server_port}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            rows = measure_sitegen(browser, base)
            probe = pinyin_check(browser, base, expected) if corpus else {}
            prow = measure_pagefind(browser, base) if pagefind else []
            browser.close()
    finally:
        server.shutdown()
    print("  queries (KB = response bodies gzipped; compute = ms from data arrival to ranked list)")
    print(
        f"    {'first query':<12}{'later query':<12}{'first KB':>9}{'later KB':>9}{'shown':>7}"
        f"{'compute1':>9}{'compute2':>9}{'wall1 ms':>9}{'wall2 ms':>9}{'files':>8}"
    )
    for r in rows:
        print(
            f"    {r[0]:<10}{r[1]:<10}{r[2]:>9.1f}{r[3]:>9.1f}{r[4]:>7}{r[5]:>9.1f}{r[6]:>9.1f}{r[7]:>9.0f}"
            f"{r[8]:>9.0f}{r[9]:>5}/{r[10]}"
        )
    firsts, laters = [r[2] for r in rows], [r[3] for r in rows]
    print(
        f"    first query: median {statistics.median(firsts):.1f} KB, largest {max(firsts):.1f} KB (goal <= 60); "
        f"later query: median {statistics.median(laters):.1f} KB, largest {max(laters):.1f} KB (goal <= 30)"
    )
    out["queries"] = [
        dict(
            zip(
                (
                    "first",
                    "later",
                    "first_kb",
                    "later_kb",
                    "hits",
                    "compute1_ms",
                    "compute2_ms",
                    "wall1_ms",
                    "wall2_ms",
                    "files1",
                    "files2",
                ),
                r,
            )
        )
        for r in rows
    ]
    if probe:
        for q in (PREFIX, FULL, PROBE):
            r = probe[q]
            print(
                f"    {q!r:<12} {r['hits']:>5} hits; finds {r['found']} of the {r['expected']} articles holding {PROBE}"
            )
        r = probe[PREFIX]
        verdict = (
            "not measured: no article holds it (gen_corpus.py places it from article 1,235 on)"
            if not r["expected"]
            else "yes"
            if r["found"] == r["expected"]
            else f"NO ({r['found']} of {r['expected']})"
        )
        print(f"    pinyin prefix: {PREFIX!r} finds {PROBE}: {verdict}", flush=True)
        out["pinyin"] = probe
    elif corpus:
        print("    pinyin prefix: not measured (search.js exposes no query function)")
    if prow:
        print("  Pagefind on the same site (KB gzipped; ms = search + 10 result fragments)")
        print(
            f"    {'first query':<12}{'later query':<12}{'first KB':>9}{'later KB':>9}{'hits1':>6}{'hits2':>6}"
            f"{'ms1':>7}{'ms2':>7}"
        )
        for r in prow:
            print(f"    {r[0]:<10}{r[1]:<10}{r[2]:>9.1f}{r[3]:>9.1f}{r[4]:>6}{r[7]:>6}{r[5]:>7.0f}{r[6]:>7.0f}")
        out["pagefind"] = prow
    if result is not None:
        result["search"] = out
    return out


def build_once(corpus: Path, folder: Path) -> Path:
    """Build *corpus* with sitegen into folder/public (not timed); return the site."""
    folder.mkdir(parents=True, exist_ok=True)
    q = lambda x: json.dumps(str(x))  # noqa: E731
    (folder / "sitegen.toml").write_text(
        f'base_url = "https://zhuzhou-digest.example.cn/"\ncontent_dir = {q(corpus)}\n'
        f"out_dir = {q(folder / 'public')}\ncache_dir = {q(folder / 'cache')}\n",
        encoding="utf-8",
    )
    env = dict(os.environ, SITEGEN_TODAY="2026-01-01", PYTHONPATH=str(ROOT))
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sitegen", "--root", str(folder), "build"], env=env, capture_output=True, text=True
    )
    if proc.returncode:
        raise SystemExit(f"build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    print(f"  built in {time.perf_counter() - t0:.0f}s → {folder / 'public'}", flush=True)
    return folder / "public"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,30000,100000", help="comma-separated corpus sizes")
    ap.add_argument("--seed", default="1", help="the generator's seed")
    ap.add_argument("--site", type=Path, help="an already built site (its public/ folder)")
    ap.add_argument("--corpus", type=Path, help="with --site: the articles it was built from")
    ap.add_argument("--work", type=Path, default=ROOT / "bench-out", help="corpora and sites (default bench-out/)")
    ap.add_argument("--rebuild", action="store_true", help="build each size's site again even if it exists")
    ap.add_argument("--pagefind", action="store_true", help="also run Pagefind on the same site")
    args = ap.parse_args(argv)

    if args.site:
        print(f"site {args.site}" + (f", corpus {args.corpus}" if args.corpus else ""), flush=True)
        report(args.site, args.corpus.resolve() if args.corpus else None, pagefind=args.pagefind)
        return 0
    import benchmark

    work = args.work.resolve()
    settle = benchmark.Settle(0)
    for n in (int(x) for x in args.sizes.split(",") if x.strip()):
        print(f"N = {n:,}", flush=True)
        corpus = benchmark.corpus_for(n, args.seed, work, settle)
        folder = work / "search" / str(n)
        site = folder / "public"
        if args.rebuild or not (site / "search" / "meta.js").exists():
            shutil.rmtree(folder, ignore_errors=True)
            site = build_once(corpus, folder)
        report(site, corpus, pagefind=args.pagefind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
