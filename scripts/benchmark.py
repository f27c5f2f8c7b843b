#!/usr/bin/env python3
"""Build benchmark: a synthetic corpus from the sample dumps' sentences, built cold, after one
article changes, and with no change; each build runs in its own process.

    python scripts/benchmark.py                       # N = 1,000 and 10,000
    python scripts/benchmark.py --sizes 1000 --keep /tmp/bench   # keep corpus and site for reuse
    python scripts/benchmark.py --no-search           # the build stage alone, without search data

With --keep DIR, DIR/<N>/content holds the corpus and DIR/<N>/public the built site
(bench_search.py --site DIR/10000/public reuses it).  Printed per N: wall time of the build
process (interpreter start included) and of build_site() itself, pages re-rendered, files
changed on disk, and peak resident memory (ru_maxrss of the build process or of its largest
render worker, whichever is larger); and the user and system CPU time of the build's processes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TODAY = "2026-01-01"
YEARS = (2021, 2022, 2023, 2024, 2025)


def sentences() -> list[str]:
    """Every sentence of the sample dumps (raw/*.txt), cut at 。！？."""
    out: list[str] = []
    for dump in sorted((ROOT / "raw").glob("*.txt")):
        text = dump.read_text(encoding="utf-8", errors="replace").replace("\n", "")
        out += [s for s in re.findall(r"[^。！？!?]{8,120}[。！？!?]", text)]
    return out or ["株洲日报记者走进社区，了解居民生活。"]


def generate(n: int, content: Path, seed: int = 20250422) -> None:
    """Write *n* contract-format articles over five years and every district into *content*."""
    from sitegen.frontmatter import render_article
    from sitegen.gazetteer import load_gazetteer
    from sitegen.model import Article
    import yaml

    rng = random.Random(seed)
    sents = sentences()
    gaz = load_gazetteer()
    districts = [d.name for d in gaz.districts]
    places_by = {}
    for p in gaz.places:
        places_by.setdefault(p.district, []).append(p.name)
    topics = [t["name"] for t in yaml.safe_load((ROOT / "sitegen/data/taxonomy.yaml").read_text(encoding="utf-8"))]
    words = sorted({w for s in sents for w in re.findall(r"[\u4e00-\u9fff]{2,4}", s)})
    tags = rng.sample(words, min(800, len(words)))
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘谭"
    given = "昕吾伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
    people = sorted({rng.choice(surnames) + rng.choice(given) + rng.choice(["", rng.choice(given)])
                     for _ in range(150)})
    content.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        year = YEARS[i * len(YEARS) // n]
        month = rng.randint(1, 12)
        day = rng.randint(1, 28)
        district = districts[i % len(districts)]
        paras = []
        for p in range(rng.randint(3, 8)):
            if p == 2 and rng.random() < 0.3:
                paras.append("## " + rng.choice(sents)[:12].rstrip("。！？"))
            paras.append("".join(rng.choice(sents) for _ in range(rng.randint(2, 4))))
        if rng.random() < 0.3:
            paras.append("> 图：" + rng.choice(sents))
        title = rng.choice(sents)[:24].rstrip("。！？，,")
        art = Article(
            id=f"bench{i:07d}", title=title, date=f"{year}-{month:02d}-{day:02d}",
            date_precision="day" if rng.random() < 0.9 else "month", date_source="text",
            slug=f"a{i:05d}-{rng.randint(0, 10**6):06d}", source=f"raw/bench_{i // 8:05d}.txt",
            source_lines=(1 + (i % 8) * 20, 19 + (i % 8) * 20), kind="article",
            district=district, places=tuple(rng.sample(places_by.get(district, ["株洲"]),
                                                       min(2, len(places_by.get(district, ["株洲"]))))),
            topics=tuple(rng.sample(topics, rng.randint(1, 2))), tags=tuple(rng.sample(tags, rng.randint(2, 4))),
            reporters=tuple(rng.sample(people, rng.randint(1, 2))),
            photographers=tuple(rng.sample(people, 1)) if rng.random() < 0.2 else (),
            body="\n\n".join(paras),
        )
        (content / f"{art.year}-{i:05d}.md").write_text(render_article(art), encoding="utf-8")


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from sitegen.config import default_config
from sitegen.build import build_site
root, content, out, cache = map(Path, sys.argv[1:5])
config = default_config(root).with_overrides(content_dir=content, out_dir=out, cache_dir=cache)
t1 = time.perf_counter()
report = build_site(config)
t2 = time.perf_counter()
print(json.dumps({"build": t2 - t1, "rendered": sum(report.rendered.values()), "pages": sum(report.pages.values()),
                  "changed": len(report.changed), "errors": len(report.errors), "times": report.times,
                  "maxrss_kib": max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss),
                  "cpu": [sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF,
                                                                                  resource.RUSAGE_CHILDREN))
                          for field in ("ru_utime", "ru_stime")]}))
"""


def compile_package() -> None:
    """Write sitegen's bytecode, as its first run on a user's machine does: where
    PYTHONDONTWRITEBYTECODE is set (this machine sets it), every build process would
    otherwise compile the package's modules again (30-60 ms)."""
    import compileall

    compileall.compile_dir(str(ROOT / "sitegen"), quiet=1)


def run_build(content: Path, out: Path, cache: Path) -> dict:
    env = dict(os.environ, SITEGEN_TODAY=TODAY, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(content), str(out), str(cache)],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


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


def bench(n: int, work: Path, settle: Settle) -> list[tuple[str, dict]]:
    content, out, cache = work / "content", work / "public", work / "cache"
    for folder in (out, cache):
        if folder.exists():
            shutil.rmtree(folder)
            settle.deleted()
    if not content.exists() or len(list(content.glob("*.md"))) != n:
        if content.exists():
            shutil.rmtree(content)
            settle.deleted()
        t = time.perf_counter()
        generate(n, content)
        print(f"  generated {n} articles in {time.perf_counter() - t:.1f}s", flush=True)
    settle.wait()
    rows = [("cold full build", run_build(content, out, cache))]
    files = sorted(content.glob("*.md"))
    edits = [(files[n // 2], "修改后的第一段。", "one article changed"),
             # words the corpus lacks, with characters read more than one way: the search index
             # needs pypinyin for their readings (0.15-0.2 s to load)
             (files[n // 3], f"乐团重奏{n}号乐谱，调音师调换了长笛。", "  ... with new words")]
    texts = {path: path.read_text(encoding="utf-8") for path, _, _ in edits}
    for path, paragraph, label in edits:
        path.write_text(texts[path].replace("\n\n", f"\n\n{paragraph}\n\n", 1), encoding="utf-8")
        rows.append((label, run_build(content, out, cache)))
    rows.append(("no change", run_build(content, out, cache)))
    for path, text in texts.items():
        path.write_text(text, encoding="utf-8")   # leave the corpus as generated
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--no-search", action="store_true",
                        help="leave out the search data (SITEGEN_SKIP_SEARCH=1) to time the build stage alone")
    parser.add_argument("--settle", type=float, default=65,
                        help="seconds between the last deletion (this run's, or any just before it started) "
                             "and a cold build (default 65)")
    parser.add_argument("--keep", help="keep corpora and built sites in DIR/<N>/ (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.no_search:
        os.environ["SITEGEN_SKIP_SEARCH"] = "1"
    base = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    compile_package()
    settle = Settle(args.settle)
    try:
        for n in (int(s) for s in args.sizes.split(",") if s.strip()):
            print(f"N = {n:,}", flush=True)
            for label, r in bench(n, base / str(n), settle):
                stages = ", ".join(f"{k} {v:.2f}" for k, v in r["times"].items() if k != "total")
                print(f"  {label:<20} process {r['wall']:6.2f}s  build_site {r['build']:6.2f}s  "
                      f"pages {r['pages']:>6}  rendered {r['rendered']:>6}  files changed {r['changed']:>6}  "
                      f"peak {r['maxrss_kib'] / 1024:6.0f} MiB  errors {r['errors']}", flush=True)
                print(f"  {'':<20} stages: {stages}; CPU of all its processes: user {r['cpu'][0]:.1f}s, "
                      f"system {r['cpu'][1]:.1f}s", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
