#!/usr/bin/env python3
"""Audit the built site in a real browser: the Nu HTML checker over every page, then Lighthouse.

    scripts/audit_site.sh [SITE_DIR] [--reports DIR] [--runs N] [--page NAME=/path/]
                          [--search-query Q] [--threshold 95] [--no-vnu] [--no-lighthouse]

Without SITE_DIR, the bundled dumps (raw/*.txt) are imported into a temporary project and built
there with base_url pointing at a static server on 127.0.0.1 (http.server, loopback only, stopped
at the end); the repository's content/ and public/ are never touched.  With SITE_DIR, that built
site is served as it is.

1. vnu (npm package vnu-jar, run with Java) checks every HTML file: 0 errors is the bar.
2. Lighthouse (npm package lighthouse, mobile settings, headless Debian chromium) on the home,
   the district with most articles, the longest article, the topic with most articles and the
   search page, empty and with the results of a query (search-q, --search-query): >= 95 in
   performance, accessibility, best practices and SEO (SEO not counted on the search pages:
   they are noindex on purpose).

Prints a table and, for each score under the bar, the failing audits (id, title, elements);
writes the JSON reports and vnu's output to the reports folder (default audit-reports/,
git-ignored).  Exits 0 when every bar is met, 1 when one is missed, 2 when the tools are missing
or the build fails.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import chromium  # noqa: E402

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROME_FLAGS = " ".join(["--headless", *chromium.ARGS])
CATEGORIES = [
    ("performance", "performance"),
    ("accessibility", "accessibility"),
    ("best-practices", "best practices"),
    ("seo", "SEO"),
]
# Pages where a category is reported but not held to the bar, and why.
EXEMPT = {("search", "seo"): "not counted: noindex on purpose", ("search-q", "seo"): "not counted: noindex on purpose"}
# The search page as a reader reaches it, from the search box on every page: results rendered.
SEARCH_QUERY = "株洲"


# --- building and serving -------------------------------------------------------------------


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def start_server(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve *folder* on 127.0.0.1 on a free port; return the server and its base URL.

    The handler resolves paths per request, so the folder may be (re)built after this starts."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def build_bundled_site(work: Path, base_url: str) -> Path:
    """Import raw/*.txt into a throw-away project under *work* and build it; return the site."""
    project = work / "project"
    project.mkdir()
    shutil.copytree(ROOT / "raw", project / "raw")
    if (ROOT / "sitegen.toml").is_file():
        shutil.copy(ROOT / "sitegen.toml", project / "sitegen.toml")
    site = work / "site"
    cli = [sys.executable, "-m", "sitegen.cli", "--root", str(project)]
    for args in (["import"], ["build", "--out", str(site), "--base-url", base_url, "--no-compress"]):
        result = subprocess.run(cli + args, cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"audit: `sitegen {args[0]}` failed (exit {result.returncode})")
    return site


# --- the Nu HTML checker --------------------------------------------------------------------


def run_vnu(paths: list[Path]) -> list[dict]:
    """Run vnu over *paths* (files or folders; only HTML files are checked); return its errors."""
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
    )
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        raise SystemExit(f"audit: vnu gave no JSON (exit {result.returncode}):\n{result.stderr[-2000:]}") from None
    return [m for m in messages if m.get("type") != "info"]


def vnu_location(message: dict, site: Path) -> str:
    url = message.get("url", "")
    path = url[len("file:") :] if url.startswith("file:") else url
    try:
        path = str(Path(path).relative_to(site))
    except ValueError:
        pass
    line = message.get("lastLine", message.get("firstLine", 0))
    col = message.get("firstColumn", message.get("lastColumn", 0))
    return f"{path}:{line}:{col}"


def report_vnu(errors: list[dict], site: Path, checked: int) -> None:
    print(f"\n== Nu HTML checker: {len(errors)} error(s) in {checked} HTML file(s)")
    for m in errors:
        print(f"{vnu_location(m, site)}: {m.get('message', '').strip()}")
    if errors:
        groups: dict[str, list[dict]] = defaultdict(list)
        for m in errors:
            groups[m.get("message", "").strip()].append(m)
        print("\n-- grouped by message (count, message, first location)")
        for text, ms in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            print(
                f"{len(ms):5d}  {text}\n       e.g. {vnu_location(ms[0], site)}: {ms[0].get('extract', '').strip()!r}"
            )


# --- choosing the pages ---------------------------------------------------------------------


def _is_article(path: Path) -> bool:
    head = path.read_text(encoding="utf-8", errors="replace")[:6000]
    return 'property="og:type" content="article"' in head


def choose_pages(site: Path, query: str = SEARCH_QUERY) -> dict[str, str]:
    """Return {name: path}: the home, the district with most articles, the longest article, the
    topic page with most articles, and the search page, empty and with *query*'s results."""
    articles = [p for p in site.glob("*/*/index.html") if _is_article(p)]
    per_dir: dict[str, int] = defaultdict(int)
    for p in articles:
        per_dir[p.parent.parent.name] += 1
    districts = [d for d in per_dir if (site / d / "feed.xml").is_file() and (site / d / "index.html").is_file()]
    pages = {"home": "/"}
    if districts:
        pages["district"] = f"/{max(sorted(districts), key=per_dir.__getitem__)}/"
    if articles:
        longest = max(sorted(articles), key=lambda p: p.stat().st_size)
        pages["article"] = "/" + longest.parent.relative_to(site).as_posix() + "/"
    topics = sorted(site.glob("topic/*/index.html"))
    if topics:
        biggest = max(topics, key=lambda p: p.read_text(encoding="utf-8").count("<article"))
        pages["topic"] = "/" + biggest.parent.relative_to(site).as_posix() + "/"
    if (site / "search" / "index.html").is_file():
        pages["search"] = "/search/"
        if query:
            pages["search-q"] = "/search/?q=" + urllib.parse.quote(query)
    return pages


# --- Lighthouse -----------------------------------------------------------------------------


def run_lighthouse(url: str, out: Path) -> dict:
    env = dict(os.environ, CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    cmd = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--form-factor=mobile",
        "--only-categories=performance,accessibility,best-practices,seo",
        "--output=json",
        f"--output-path={out}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0 or not out.is_file():
        raise SystemExit(f"audit: lighthouse failed on {url} (exit {result.returncode}):\n{result.stderr[-3000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise SystemExit(f"audit: lighthouse on {url}: {report['runtimeError']}")
    return report


def scores(report: dict) -> dict[str, int | None]:
    return {
        cid: (None if report["categories"][cid]["score"] is None else round(report["categories"][cid]["score"] * 100))
        for cid, _ in CATEGORIES
    }


def _elements(audit: dict, limit: int = 6) -> list[str]:
    """The elements (selector and snippet) or URLs a failing audit names."""
    found: list[str] = []

    def walk(item):
        if isinstance(item, dict):
            if item.get("type") == "node":
                label = item.get("selector") or item.get("path") or ""
                snippet = " ".join((item.get("snippet") or "").split())[:160]
                explanation = " ".join((item.get("explanation") or "").split())[:200]
                found.append(f"{label}  {snippet}" + (f"  — {explanation}" if explanation else ""))
                return
            if item.get("type") == "source-location" and item.get("url"):
                found.append(f"{item['url']}:{item.get('line', 0) + 1}")
                return
            for key in ("node", "items", "subItems", "source", "sourceLocation", "url", "description"):
                if key in item:
                    value = item[key]
                    if key in ("url", "description") and isinstance(value, str):
                        found.append(value[:200])
                    else:
                        walk(value)
        elif isinstance(item, list):
            for x in item:
                walk(x)

    walk((audit.get("details") or {}).get("items", []))
    unique = list(dict.fromkeys(found))
    return unique[:limit] + ([f"… and {len(unique) - limit} more"] if len(unique) > limit else [])


def failures(report: dict, category: str) -> list[str]:
    """Lines naming what costs *category* its points: failing weighted audits (and, for
    performance, the metrics under 0.9 with their values)."""
    lines = []
    audits = report["audits"]
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits.get(ref["id"], {})
        score = audit.get("score")
        if ref.get("weight", 0) <= 0 or score is None:
            continue
        limit = 0.9 if category == "performance" else 1
        if score < limit:
            value = f" [{audit.get('displayValue')}]" if audit.get("displayValue") else ""
            lines.append(f"{ref['id']}: {audit.get('title', '')}{value} (score {score:.2f}, weight {ref['weight']})")
            lines += [f"    {e}" for e in _elements(audit)]
    if category == "performance":  # the diagnostics behind the metrics
        for aid, audit in audits.items():
            if (
                audit.get("scoreDisplayMode") in ("metricSavings", "numeric", "binary")
                and audit.get("score") is not None
                and audit["score"] < 0.9
                and aid not in {r["id"] for r in report["categories"][category]["auditRefs"] if r.get("weight")}
                and (audit.get("metricSavings") or {})
            ):
                savings = {k: v for k, v in audit["metricSavings"].items() if v}
                if savings:
                    lines.append(f"{aid}: {audit.get('title', '')} (savings {savings})")
                    lines += [f"    {e}" for e in _elements(audit, 4)]
    return lines or ["(no single failing audit: the score is a sum of partial ones)"]


# --- main -----------------------------------------------------------------------------------


def _count_html(site: Path) -> int:
    return sum(1 for p in site.rglob("*") if p.suffix in (".html", ".htm", ".xhtml") and p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("site", nargs="?", help="a built site to audit (default: build the bundled dumps)")
    parser.add_argument("--reports", default=str(ROOT / "audit-reports"), help="where the JSON reports go")
    parser.add_argument("--threshold", type=int, default=95)
    parser.add_argument(
        "--runs", type=int, default=1, help="Lighthouse runs per page; the median (by performance) counts"
    )
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        metavar="NAME=/path/",
        help="audit this page (repeatable; replaces the automatic choice)",
    )
    parser.add_argument(
        "--search-query",
        default=SEARCH_QUERY,
        help=f"the query of the search-q page (default {SEARCH_QUERY}; '' leaves that page out)",
    )
    parser.add_argument("--no-vnu", action="store_true")
    parser.add_argument("--no-lighthouse", action="store_true")
    args = parser.parse_args(argv)

    missing = []
    if not args.no_vnu and (not shutil.which("java") or not VNU_JAR.is_file()):
        missing.append("java and node_modules/vnu-jar (apt-get install default-jre-headless; npm ci)")
    if not args.no_lighthouse:
        chrome = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
        if not shutil.which("node") or not LIGHTHOUSE.is_file():
            missing.append("node and node_modules/lighthouse (apt-get install nodejs npm; npm ci)")
        if not Path(chrome).is_file():
            missing.append(f"chromium at {chrome} (apt-get install chromium)")
    if missing:
        print("audit: missing " + "; ".join(missing), file=sys.stderr)
        return 2

    reports = Path(args.reports)
    reports.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sitegen-audit-"))
    server = None
    missed: list[str] = []
    try:
        if args.site:
            site = Path(args.site).resolve()
            if not (site / "index.html").is_file():
                print(f"audit: {site} has no index.html", file=sys.stderr)
                return 2
            server, base = start_server(site)
        else:
            site = work / "site"
            server, base = start_server(site)
            print(f"audit: building the bundled dumps for {base} …", flush=True)
            build_bundled_site(work, base)
        print(f"audit: site {site} served at {base}", flush=True)

        if not args.no_vnu:
            t = time.monotonic()
            errors = run_vnu([site])
            (reports / "vnu.json").write_text(json.dumps(errors, ensure_ascii=False, indent=1), encoding="utf-8")
            report_vnu(errors, site, _count_html(site))
            print(f"   ({time.monotonic() - t:.1f} s)")
            if errors:
                missed.append(f"vnu: {len(errors)} error(s)")

        if not args.no_lighthouse:
            pages = dict(p.split("=", 1) for p in args.page) if args.page else choose_pages(site, args.search_query)
            rows, details = [], []
            for name, path in pages.items():
                url = base + path.lstrip("/")
                print(f"audit: lighthouse {name} {url} …", flush=True)
                runs = []
                for n in range(max(1, args.runs)):
                    out = reports / (f"{name}.json" if args.runs <= 1 else f"{name}.run{n + 1}.json")
                    runs.append((run_lighthouse(url, out), out))
                runs.sort(key=lambda r: scores(r[0])["performance"] or 0)
                report, out = runs[len(runs) // 2]
                if args.runs > 1:
                    shutil.copy(out, reports / f"{name}.json")
                    perf = [scores(r)["performance"] for r, _ in runs]
                    print(f"   performance over {len(runs)} runs: {perf}, median {statistics.median(perf)}")
                s = scores(report)
                rows.append((name, path, s))
                for cid, label in CATEGORIES:
                    exempt = EXEMPT.get((name, cid))
                    if s[cid] is None or s[cid] < args.threshold:
                        if not exempt:
                            missed.append(f"{name} {label} {s[cid]}")
                        details.append((name, cid, label, s[cid], exempt or "", failures(report, cid)))
                    elif s[cid] < 100 and cid != "performance":  # met, but say what it lost
                        details.append((name, cid, label, s[cid], "within the bar", failures(report, cid)))
            print("\n== Lighthouse (mobile, headless chromium), bar", args.threshold)
            header = f"{'page':<9} {'performance':>11} {'accessibility':>13} {'best-practices':>14} {'SEO':>5}  path"
            print(header + "\n" + "-" * len(header))
            for name, path, s in rows:
                cells = []
                for cid, _ in CATEGORIES:
                    value = "-" if s[cid] is None else str(s[cid])
                    if (name, cid) in EXEMPT:
                        value += "*"
                    elif s[cid] is None or s[cid] < args.threshold:
                        value += "!"
                    cells.append(value)
                print(f"{name:<9} {cells[0]:>11} {cells[1]:>13} {cells[2]:>14} {cells[3]:>5}  {path}")
            print("(! under the bar; * " + "; ".join(f"{p} {c}: {w}" for (p, c), w in EXEMPT.items()) + ")")
            for name, _cid, label, value, exempt, lines in details:
                print(f"\n-- {name} · {label} {value}" + (f" ({exempt})" if exempt else ""))
                for line in lines:
                    print("  " + line)
            print(f"\nJSON reports in {reports}/")
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
        shutil.rmtree(work, ignore_errors=True)

    if missed:
        print("\naudit: FAILED — " + "; ".join(missed))
        return 1
    print("\naudit: all bars met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
