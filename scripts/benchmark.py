#!/usr/bin/env python3
"""Build benchmark on a corpus whose vocabulary grows like real news text, with Hugo beside it.

    python scripts/benchmark.py                          # sizes 10,000, 30,000 and 100,000, 3 runs each
    python scripts/benchmark.py --sizes 10000 --runs 5   # one size, five runs
    python scripts/benchmark.py --corpus DIR             # an existing folder of articles instead
    python scripts/benchmark.py --sizes 10000 --search   # also scripts/bench_search.py on the built site

The corpus is scripts/gen_corpus.py's (sentences of the sample dumps with their noun slots
refilled from jieba's dictionary by frequency), kept in WORK/corpus/<N>-s<seed>/ and reused
while the generator, the dumps and the seed are unchanged.  Printed per size: the corpus's
statistics (articles, Han characters, distinct Han bigrams, distinct jieba words), then, each
in a new process through the command line a user types (`python -m sitegen --root P build`,
interpreter start included):

    cold full build       fresh output and cache folders
    one article edited    a sentence appended to one article's body (gen_corpus.py --edit)
    ... with new words    a sentence of words the corpus lacks appended to another article
    a title corrected     a mark appended to a third article's title (--edit K --field title)
    a date corrected      a fourth article moved to the day before (--edit K --field date)
    a tag added           a tag added to a fifth article (--edit K --field tags)
    a topic added         a topic added to a sixth article (--edit K --field topics)
    a reporter added      a reporter the archive credits added to a seventh (--field reporters)
    a district corrected  an eighth article moved to another district of the archive (--field district)
    no change             the same input again

each with its wall time, the stage times the build prints, the user and system CPU time of the
build's processes and its peak memory (the largest resident set of the build process and of
every process it waited for: getrusage(RUSAGE_CHILDREN) in a small wrapper process; with
--tree-memory also the sampled sum over the processes alive at once).  Where `hugo` is installed (Debian's package), the
same articles are built with Hugo (scripts/hugo_site.py, theme scripts/hugo_theme/: the same
page kinds, no search) cold and after the same edit, and the ratio sitegen / Hugo is printed.
Each figure is the median of --runs runs, with the range.

The disk is settled before each cold build (--settle, below); the runs of one size write into
fresh folders WORK/<N>/run<r>/ and are deleted together at the end of the size (the last run's
site is kept for bench_search.py), so no deletion falls between two cold builds of one size.
Results are also written to WORK/results-<time>.json.  WORK is bench-out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_corpus  # noqa: E402
import hugo_site  # noqa: E402

TODAY = "2026-01-01"
SITE_TOML = """\
title = "株洲区县新闻摘要"
description = "株洲日报各区县、街道新闻的每日摘要"
base_url = "https://zhuzhou-digest.example.cn/"
content_dir = {content}
out_dir = {out}
cache_dir = {cache}
"""


class Settle:
    """Delay a cold build until files deleted shortly before have settled.

    ext4 without a journal (this machine's disk) will not reuse an inode within 60 seconds of
    its deletion (360 while the inode's table block is not yet written back) and looks past
    each such inode to create a file: a cold build soon after 30,000 files were deleted spends
    seconds of system time creating its own (`perf` shows `recently_deleted`).  Deletions
    may be this run's (the last site) or anyone's just before it started (an earlier run
    removing its temporary folder), so the clock starts at both, and the disk is synced
    after each deletion and at the start."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        os.sync()
        self.until = time.monotonic() + seconds

    def deleted(self) -> None:
        os.sync()
        self.until = time.monotonic() + self.seconds

    def wait(self) -> None:
        left = self.until - time.monotonic()
        if left > 0:
            print(f"  waiting {left:.0f}s for files deleted before the cold build to settle", flush=True)
            time.sleep(left)
        os.sync()


# ---- one measured process ---------------------------------------------------------------------


class TreeMemory(threading.Thread):
    """Sample the summed proportional set size (PSS: shared pages split between the processes
    sharing them) of every process of a session but its leader, every *interval* seconds;
    keep the peak."""

    def __init__(self, sid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.sid, self.interval, self.peak_kib = sid, interval, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            total = 0
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/stat", "rb") as f:
                        stat = f.read()
                    if int(pid) == self.sid or int(stat[stat.rindex(b")") + 2 :].split()[3]) != self.sid:
                        continue  # the wrapper (below) is not the build
                    with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                        for line in f:
                            if line.startswith(b"Pss:"):
                                total += int(line.split()[1])
                                break
                except (OSError, ValueError, IndexError):
                    continue
            self.peak_kib = max(self.peak_kib, total)


# The measured command runs under a small fresh interpreter that reports its rusage: a process
# forked from this one and exec'd starts with this process's peak resident set as its own
# (Linux keeps the old memory's high-water mark across exec), so wait4 on a direct child would
# report at least this benchmark's size; the wrapper's children are forked from the wrapper.
WRAPPER = r"""
import json, os, resource, subprocess, sys, time
t = time.perf_counter()
code = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - t
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    json.dump({"wall": wall, "code": code, "user": u.ru_utime, "sys": u.ru_stime, "maxrss_kib": u.ru_maxrss}, f)
"""


def measure(cmd: list[str], env: dict, cwd: Path, tree_memory: float = 0) -> dict:
    """Run *cmd*; return its wall time, exit code, output, the user and system CPU of it and of
    every descendant it waited for, and their largest resident set (ru_maxrss)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".json") as usage,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, usage.name, *cmd],
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        sampler = None
        if tree_memory:
            sampler = TreeMemory(proc.pid, tree_memory)
            sampler.start()
        proc.wait()
        if sampler:
            sampler.stop.set()
            sampler.join()
        out.seek(0)
        err.seek(0)
        u = json.loads(Path(usage.name).read_text() or "{}")
        if proc.returncode or not u:
            u = {"wall": 0.0, "code": proc.returncode or 1, "user": 0.0, "sys": 0.0, "maxrss_kib": 0}
        return {
            "wall": u["wall"],
            "code": u["code"],
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
            "user": u["user"],
            "sys": u["sys"],
            "maxrss_mib": u["maxrss_kib"] / 1024,
            "tree_pss_mib": sampler.peak_kib / 1024 if sampler else None,
        }


def parse_sitegen(r: dict) -> dict:
    """The stage times and counts `sitegen build` prints."""
    m = re.search(r"^\s*time: (.*)$", r["stdout"], re.M)
    r["stages"] = {k: float(v) for k, v in re.findall(r"(\w[\w ]*?) ([\d.]+)s", m.group(1))} if m else {}
    m = re.search(r"build: (\d+) articles, (\d+) pages, (\d+) rendered, (\d+) files changed", r["stdout"])
    r["pages"], r["rendered"], r["changed"] = (int(m.group(2)), int(m.group(3)), int(m.group(4))) if m else (0, 0, 0)
    if "no input changed" in r["stdout"]:
        r["rendered"] = r["changed"] = 0
    return r


def parse_hugo(r: dict) -> dict:
    m = re.search(r"Total in (\d+) ms", r["stdout"])
    r["stages"] = {"total": int(m.group(1)) / 1000} if m else {}
    pages = re.search(r"Pages\s*\|\s*(\d+)", r["stdout"])
    pagers = re.search(r"Paginator pages\s*\|\s*(\d+)", r["stdout"])
    r["pages"] = (int(pages.group(1)) if pages else 0) + (int(pagers.group(1)) if pagers else 0)
    r["rendered"], r["changed"] = r["pages"], 0
    return r


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def wait_for_trash(folder: Path, settle: Settle) -> None:
    """Wait for sitegen's background deletion of old trees (.public.trash.*) beside *folder*."""
    seen = False
    for _ in range(600):
        if not list(folder.glob(".*.trash.*")):
            break
        seen = True
        time.sleep(0.5)
    if seen:
        settle.deleted()


# ---- corpora ----------------------------------------------------------------------------------


def generator_key(n: int, seed: str) -> str:
    h = hashlib.sha1(f"{n}:{seed}".encode())
    for path in [
        Path(gen_corpus.__file__),
        gen_corpus.GAZETTEER,
        gen_corpus.TAXONOMY,
        *sorted(gen_corpus.DUMPS.glob("*.txt")),
    ]:
        h.update(path.read_bytes())
    return h.hexdigest()


def corpus_for(n: int, seed: str, work: Path, settle: Settle) -> Path:
    """The generated corpus of *n* articles, made unless WORK holds it already."""
    folder = work / "corpus" / f"{n}-s{seed}"
    stamp = work / "corpus" / f"{n}-s{seed}.json"
    key = generator_key(n, seed)
    if folder.exists() and stamp.exists() and json.loads(stamp.read_text()).get("key") == key:
        return folder
    if folder.exists():
        shutil.rmtree(folder)
        settle.deleted()
    t = time.perf_counter()
    gen_corpus.generate(n, folder, seed)
    stamp.write_text(json.dumps({"key": key, "n": n, "seed": seed}))
    print(f"  generated {n:,} articles in {time.perf_counter() - t:.0f}s → {folder}", flush=True)
    return folder


def stats_for(corpus: Path, work: Path, words: bool) -> dict:
    """The corpus's statistics, cached by the corpus's file list, sizes and times."""
    files = gen_corpus.article_files(corpus)
    h = hashlib.sha1(str(corpus.resolve()).encode())
    for p in files:
        st = p.stat()
        h.update(f"{p}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    cache = work / "stats" / f"{h.hexdigest()}-{int(words)}.json"
    if cache.exists():
        return json.loads(cache.read_text())
    t = time.perf_counter()
    s = gen_corpus.corpus_stats(corpus, words=words)
    s["seconds"] = round(time.perf_counter() - t, 1)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(s))
    return s


# ---- one size ---------------------------------------------------------------------------------


def code_root(rev: str | None, work: Path) -> Path:
    """The folder sitegen is imported from: the checkout, or with *rev* a copy of that commit's
    sitegen/, templates/ and static/ (`git archive`), so that edits others make in the checkout
    during a long run neither change nor break what is measured."""
    if not rev:
        return ROOT
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", rev + "^{commit}"], capture_output=True, text=True, check=True
    ).stdout.strip()
    folder = work / "code" / sha[:12]
    if not (folder / "sitegen" / "__init__.py").exists():
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", sha, "sitegen", "templates", "static"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def compile_package(code: Path) -> None:
    """Write sitegen's bytecode, as its first run on a user's machine does: where
    PYTHONDONTWRITEBYTECODE is set (this machine sets it), every build process would
    otherwise compile the package's modules again (30-60 ms)."""
    import compileall

    compileall.compile_dir(str(code / "sitegen"), quiet=1)


class Edits:
    """The benchmark's two hand edits of the corpus, undone afterwards (written in place, so
    Hugo's hard links see them too)."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self.files = gen_corpus.article_files(corpus)
        self.saved: dict[Path, bytes] = {}

    def apply(self, which: str) -> Path:
        n = len(self.files)
        places = {"body": 2, "new": 3, "title": 4, "date": 5, "tags": 6, "topics": 7, "reporters": 8, "district": 9}
        k = n // places[which]
        path = self.files[k]
        self.saved.setdefault(path, path.read_bytes())
        return gen_corpus.edit(self.corpus, k, new_words=which == "new", field=which if which != "new" else "body")

    def undo(self) -> None:
        for path, data in self.saved.items():
            with open(path, "wb") as f:  # in place: the same inode
                f.write(data)
        self.saved.clear()


def sitegen_runs(corpus: Path, run_dir: Path, settle: Settle, args) -> list[tuple[str, dict]]:
    proj = run_dir / "sitegen"
    proj.mkdir(parents=True, exist_ok=True)
    q = lambda p: json.dumps(str(p))  # noqa: E731
    toml = SITE_TOML.format(content=q(corpus), out=q(proj / "public"), cache=q(proj / "cache"))
    if args.no_search:
        toml += "\n[build]\nsearch = false\n"
    (proj / "sitegen.toml").write_text(toml, encoding="utf-8")
    env = dict(os.environ, SITEGEN_TODAY=TODAY, PYTHONPATH=str(args.code_root))
    cmd = [sys.executable, "-m", "sitegen", "--root", str(proj), "build"]
    edits = Edits(corpus)
    rows = []
    try:
        for label, edit in (
            ("cold full build", None),
            ("one article edited", "body"),
            ("... with new words", "new"),
            ("a title corrected", "title"),
            ("a date corrected", "date"),
            ("a tag added", "tags"),
            ("a topic added", "topics"),
            ("a reporter added", "reporters"),
            ("a district corrected", "district"),
            ("no change", None),
        ):
            if label.startswith("cold"):
                settle.wait()
            if edit:
                edits.apply(edit)
            r = parse_sitegen(measure(cmd, env, proj, args.tree_memory))
            if r["code"] != 0:
                raise SystemExit(f"sitegen build failed ({label}):\n{r['stdout'][-3000:]}\n{r['stderr'][-3000:]}")
            if label.startswith("cold"):
                r["files"] = count_files(proj / "public")
            rows.append((label, r))
            wait_for_trash(proj, settle)
    finally:
        edits.undo()
    return rows


def hugo_runs(corpus: Path, files: list[Path], run_dir: Path, settle: Settle, args) -> list[tuple[str, dict]]:
    proj = run_dir / "hugo"
    hugo_site.make_project(corpus, files, proj, related=args.hugo_related)
    cmd = [args.hugo, "--source", str(proj), "--destination", str(proj / "public"), "--cacheDir", str(proj / "cache")]
    env = dict(os.environ)
    edits = Edits(corpus)
    rows = []
    try:
        for label, edit in (("cold full build", None), ("one article edited", "body")):
            if label.startswith("cold"):
                settle.wait()
            if edit:
                edits.apply(edit)
            r = parse_hugo(measure(cmd, env, proj, args.tree_memory))
            if r["code"] != 0:
                raise SystemExit(f"hugo failed ({label}):\n{r['stdout'][-3000:]}\n{r['stderr'][-3000:]}")
            if label.startswith("cold"):
                r["files"] = count_files(proj / "public")
            rows.append((label, r))
    finally:
        edits.undo()
    return rows


def med(values: list[float]) -> str:
    if not values:
        return "-"
    m = statistics.median(values)
    return f"{m:.2f}" if len(values) == 1 else f"{m:.2f} ({min(values):.2f}–{max(values):.2f})"


def summarise(tool: str, runs: list[list[tuple[str, dict]]]) -> dict:
    """Print each build's medians over the runs; return {label: median wall}."""
    out = {}
    for i, (label, _) in enumerate(runs[0]):
        rs = [run[i][1] for run in runs]
        walls = [r["wall"] for r in rs]
        out[label] = statistics.median(walls)
        extra = f"  files {rs[0]['files']:,}" if "files" in rs[0] else ""
        tree = (
            f"  tree PSS {statistics.median([r['tree_pss_mib'] for r in rs]):,.0f} MiB"
            if rs[0].get("tree_pss_mib") is not None
            else ""
        )
        print(
            f"  {tool:<8}{label:<20} wall {med(walls)} s   CPU user {med([r['user'] for r in rs])} s, "
            f"sys {med([r['sys'] for r in rs])} s   peak {statistics.median([r['maxrss_mib'] for r in rs]):,.0f} MiB "
            f"(max {max(r['maxrss_mib'] for r in rs):,.0f}){tree}   pages {rs[0]['pages']:,} "
            f"rendered {statistics.median([r['rendered'] for r in rs]):,.0f}{extra}",
            flush=True,
        )
        keys = [k for k in rs[0]["stages"] if k != "total"] + (["total"] if "total" in rs[0]["stages"] else [])
        if keys:
            stages = ", ".join(f"{k} {med([r['stages'].get(k, 0.0) for r in rs])}" for k in keys)
            print(f"  {'':<28}stages (s): {stages}", flush=True)
    return out


def bench_size(n: int | None, corpus: Path, work: Path, settle: Settle, args) -> dict:
    files = gen_corpus.article_files(corpus)
    n = len(files)
    stats = stats_for(corpus, work, words=not args.no_words)
    print(f"  corpus: {gen_corpus.format_stats(stats)}", flush=True)
    size_dir = work / "runs" / str(n)
    if size_dir.exists():
        shutil.rmtree(size_dir)
        settle.deleted()
    sg, hg = [], []
    for r in range(args.runs):
        run_dir = size_dir / f"run{r + 1}"
        sg.append(sitegen_runs(corpus, run_dir, settle, args))
        if args.hugo:
            hg.append(hugo_runs(corpus, files, run_dir, settle, args))
        print(
            f"  run {r + 1}/{args.runs}: sitegen cold {sg[-1][0][1]['wall']:.2f}s"
            + (f", hugo cold {hg[-1][0][1]['wall']:.2f}s" if hg else ""),
            flush=True,
        )
    print(f"  medians of {args.runs} run(s), (min–max):", flush=True)
    s_med = summarise("sitegen", sg)
    h_med = summarise("hugo", hg) if hg else {}
    if h_med:
        cpu = lambda runs: statistics.median(r[0][1]["user"] + r[0][1]["sys"] for r in runs)  # noqa: E731
        print(
            f"  sitegen / Hugo: cold {s_med['cold full build'] / h_med['cold full build']:.2f} (wall), "
            f"{cpu(sg) / cpu(hg):.2f} (CPU, user + system); "
            f"one article edited {s_med['one article edited'] / h_med['one article edited']:.3f} (wall)",
            flush=True,
        )
    result = {
        "n": n,
        "corpus": str(corpus),
        "stats": stats,
        "sitegen": [
            [
                (label, {k: v for k, v in r.items() if k not in ("stdout", "stderr")} | {"out": r["stdout"]})
                for label, r in run
            ]
            for run in sg
        ],
        "hugo": [
            [
                (label, {k: v for k, v in r.items() if k not in ("stdout", "stderr")} | {"out": r["stdout"]})
                for label, r in run
            ]
            for run in hg
        ],
    }
    search_site = size_dir / f"run{args.runs}" / "sitegen" / "public"
    if args.search:
        import bench_search

        bench_search.report(search_site, corpus, result)
    # keep the last run's site (bench_search.py --site ... --corpus ...); delete the others now
    for r in range(args.runs - 1):
        shutil.rmtree(size_dir / f"run{r + 1}", ignore_errors=True)
        settle.deleted()
    if not args.keep_sites:
        shutil.rmtree(size_dir / f"run{args.runs}" / "hugo", ignore_errors=True)
        settle.deleted()
    print(f"  kept: {search_site} (bench_search.py --site {search_site} --corpus {corpus})", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,30000,100000", help="comma-separated corpus sizes")
    parser.add_argument("--corpus", type=Path, help="benchmark this folder of articles instead of generated ones")
    parser.add_argument("--seed", default="1", help="the generator's seed")
    parser.add_argument("--runs", type=int, default=3, help="runs of each size (median and range are printed)")
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "bench-out",
        help="corpora, sites and results (default bench-out/, git-ignored)",
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=65,
        help="seconds between the last deletion (this run's, or any just before it started) "
        "and a cold build (default 65)",
    )
    parser.add_argument("--no-hugo", dest="hugo", action="store_false", help="skip Hugo even where installed")
    parser.add_argument(
        "--hugo-related",
        action="store_true",
        help="give Hugo's article pages related articles (.Related over tags, places, topics: "
        "quadratic in Hugo, so off by default)",
    )
    parser.add_argument("--search", action="store_true", help="also measure the search (bench_search.py) at each size")
    parser.add_argument(
        "--tree-memory",
        type=float,
        default=0,
        metavar="SECONDS",
        help="also sample the summed PSS of the build's processes every SECONDS (costs CPU)",
    )
    parser.add_argument(
        "--code",
        metavar="REV",
        help="build with this commit's sitegen (a copy in WORK/code/) instead of the checkout's",
    )
    parser.add_argument("--no-words", action="store_true", help="skip counting the corpus's jieba words")
    parser.add_argument("--keep-sites", action="store_true", help="keep the last run's Hugo site too")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="leave out the search data ([build] search = false) to time the build stage alone",
    )
    args = parser.parse_args(argv)
    if args.hugo:
        args.hugo = shutil.which("hugo")
        if not args.hugo:
            print("hugo is not installed (apt-get install hugo): sitegen alone", flush=True)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    args.code_root = code_root(args.code, work)
    compile_package(args.code_root)
    settle = Settle(args.settle)
    started = time.strftime("%Y%m%d-%H%M%S")
    versions = {
        "python": sys.version.split()[0],
        "hugo": subprocess.run([args.hugo, "version"], capture_output=True, text=True).stdout.strip()
        if args.hugo
        else None,
        "commit": subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", args.code or "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        + (
            ""
            if args.code
            else " + checkout changes"
            if subprocess.run(
                ["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--", "sitegen", "templates", "static"]
            ).returncode
            else ""
        ),
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
    }
    print(
        f"sitegen at {versions['commit']}, {versions['hugo'] or 'no hugo'}, {versions['cpus']} CPUs, "
        f"load average {versions['load'][0]:.1f}",
        flush=True,
    )
    results = []
    if args.corpus:
        corpora = [(None, args.corpus.resolve())]
    else:
        corpora = [(int(s), None) for s in args.sizes.split(",") if s.strip()]
    for n, corpus in corpora:
        print(f"N = {n:,}" if n else f"corpus {corpus}", flush=True)
        if corpus is None:
            corpus = corpus_for(n, args.seed, work, settle)
        results.append(bench_size(n, corpus, work, settle, args))
        (work / f"results-{started}.json").write_text(
            json.dumps({"versions": versions, "args": sys.argv[1:], "sizes": results}, ensure_ascii=False, indent=1)
        )
    print(f"results: {work / f'results-{started}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
