#!/usr/bin/env python3
"""Search size and speed at benchmark scale: bytes transferred per query, time to results.

    python scripts/bench_search.py                 # synthetic 10,000-article corpus from content/
    python scripts/bench_search.py --site DIR      # an already built site (e.g. benchmark.py --keep DIR)
    python scripts/bench_search.py --pagefind      # also index the same site with Pagefind and compare

For each query a fresh browser profile loads /search/?q=… (first query: script, index
files, result documents); then a second query runs on the same page (later query).
Sizes are the response bodies gzipped (level 6), as a static host would send them."""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
QUERIES = [("托养", "社区"), ("社区服务", "电网"), ("shequ", "sq"), ("電網", "株洲县"),
           ("SYB", "5G"), ("基层 治理", "创业 培训")]


def synthetic_articles(n: int, seed: int = 7):
    """n articles mixed from the sentences of content/*.md (or raw/*.txt), seeded."""
    from sitegen.model import Article

    texts = []
    for p in sorted((ROOT / "content").glob("*.md")):
        texts.append(p.read_text(encoding="utf-8").split("---", 2)[-1])
    if not texts:
        texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "raw").glob("*.txt"))]
    sentences = sorted({s.strip() + "。" for t in texts for s in re.split(r"[。！？\n]", t)
                        if len(s.strip()) >= 12 and not s.strip().startswith((">", "#"))})
    rng = random.Random(seed)
    districts = ["荷塘区", "芦淞区", "石峰区", "天元区", "渌口区", "醴陵市", "攸县", "茶陵县", "炎陵县",
                 "株洲高新区", "株洲市"]
    topics = ["基层治理", "民生", "就业", "经济", "教育", "文化", "交通出行", "生态环境", "乡村振兴", "安全"]
    out = []
    for i in range(n):
        body = [rng.choice(sentences) for _ in range(rng.randint(5, 12))]
        head = re.split(r"[,，、:：]", rng.choice(sentences))[0][:22]
        year = rng.randint(2016, 2025)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        out.append(Article(id=f"{i:012x}", title=head, date=date, date_precision="day", date_source="text",
                           slug=f"a{i}", source="raw/synthetic.txt", source_lines=(1, 2),
                           district=rng.choice(districts), topics=tuple(rng.sample(topics, rng.randint(1, 2))),
                           body="\n\n".join(body)))
    return out


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
        first_kb = sum(r[2] for r in rec if "/search/" in r[0] and not r[0].split("?")[0].endswith("/search/")
                       or r[0].endswith("search.js")) / 1024
        n = len(rec)
        t0 = time.perf_counter()
        page.fill("#q", later)
        page.press("#q", "Enter")
        page.wait_for_selector("body[data-search-state=done]", timeout=30_000)
        wall2 = (time.perf_counter() - t0) * 1000
        timing2 = page.evaluate("window.__sitegenSearch.lastTiming")
        later_kb = sum(r[2] for r in rec[n:]) / 1024
        rows.append((first, later, first_kb, later_kb, count1, timing1["compute"], timing2["compute"], wall1, wall2,
                     len(rec[:n]), len(rec) - n))
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=Path, help="an already built site (public/ of the benchmark corpus)")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="write the synthetic site here and keep it")
    ap.add_argument("--pagefind", action="store_true", help="also run Pagefind on the same site")
    args = ap.parse_args(argv)

    if args.site:
        site = args.site.resolve()
        if not (site / "search" / "meta.js").exists():
            print("the site has no search files", file=sys.stderr)
            return 2
    else:
        from search_fixture import build_search_site

        site = (args.keep or Path(tempfile.mkdtemp(prefix="bench-search-")) / "site").resolve()
        t0 = time.perf_counter()
        arts = synthetic_articles(args.articles)
        build_search_site(site, arts)
        print(f"built {len(arts)} synthetic articles + search index in {time.perf_counter() - t0:.1f} s → {site}")
    files = list((site / "search").rglob("*.js"))
    total = sum(f.stat().st_size for f in files)
    shards = len(list((site / "search" / "s").glob("*.js")))
    print(f"search files: {len(files)} ({shards} shards), {total / 1e6:.1f} MB raw")

    if args.pagefind:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site)], capture_output=True, text=True)
        print(f"pagefind indexing: exit {proc.returncode} in {time.perf_counter() - t0:.1f} s")
        if proc.returncode:
            print(proc.stdout[-2000:], proc.stderr[-2000:])
            args.pagefind = False

    from playwright.sync_api import sync_playwright

    server = serve(site)
    base = f"http://127.0.0.1:{server.server_port}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        rows = measure_sitegen(browser, base)
        print("\nsitegen search (KB = response bodies gzipped; compute = ms from data arrival to ranked list)")
        print(f"{'first query':<12}{'later query':<12}{'first KB':>9}{'later KB':>9}{'hits':>6}"
              f"{'compute1':>9}{'compute2':>9}{'wall1 ms':>9}{'wall2 ms':>9}{'files':>8}")
        for r in rows:
            print(f"{r[0]:<10}{r[1]:<10}{r[2]:>9.1f}{r[3]:>9.1f}{r[4]:>6}{r[5]:>9.1f}{r[6]:>9.1f}{r[7]:>9.0f}{r[8]:>9.0f}"
                  f"{r[9]:>5}/{r[10]}")
        if args.pagefind:
            prow = measure_pagefind(browser, base)
            print("\nPagefind on the same site (KB gzipped; ms = search + 10 result fragments)")
            print(f"{'first query':<12}{'later query':<12}{'first KB':>9}{'later KB':>9}{'hits1':>6}{'hits2':>6}{'ms1':>7}{'ms2':>7}")
            for r in prow:
                print(f"{r[0]:<10}{r[1]:<10}{r[2]:>9.1f}{r[3]:>9.1f}{r[4]:>6}{r[7]:>6}{r[5]:>7.0f}{r[6]:>7.0f}")
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
