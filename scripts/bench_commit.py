#!/usr/bin/env python3
"""Time `git commit` of one edited article -> rebuilt site, with the post-commit hook.

    python scripts/bench_commit.py [--articles 10000] [--runs 3] [--keep DIR]

Sets up a project of N articles (scripts/gen_corpus.py `generate` when it
is there, else a corpus made here by importing raw/ and copying the articles with new
ids, slugs and dates), commits it, runs the first (cold) build, installs the hook
(`sitegen.hooks.install_hook`), then for each run edits one article's body, `git add`s it
and times `git commit` until it returns: the hook runs synchronously, so that is the
moment the rebuilt site is in public/. It checks the new text is in the built page and
prints the figures. Goal: under 2 s at 10,000 articles.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.config import default_config  # noqa: E402
from sitegen.frontmatter import read_article, render_article  # noqa: E402
from sitegen.hooks import install_hook  # noqa: E402

TODAY = "2026-01-01"  # as scripts/benchmark.py: its corpus runs to the end of 2025


def sh(cmd: list[str], cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=check)


def corpus_from_benchmark(root: Path, n: int, env: dict) -> bool:
    """Make the corpus with the benchmark's generator (scripts/gen_corpus.py `generate`)."""
    script = REPO / "scripts" / "gen_corpus.py"
    if not script.is_file():
        return False
    import importlib.util

    spec = importlib.util.spec_from_file_location("sitegen_gen_corpus", script)
    if spec is None or spec.loader is None:
        return False
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (root / "raw").mkdir(parents=True, exist_ok=True)
    print("corpus: scripts/gen_corpus.py generate()", flush=True)
    module.generate(n, root / "content")
    return True


def corpus_here(root: Path, n: int, env: dict) -> None:
    """Import raw/ into a seed project, then copy its articles to reach *n*."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "raw").mkdir(exist_ok=True)
    content = root / "content"
    content.mkdir(exist_ok=True)
    seed_dir = Path(tempfile.mkdtemp(prefix="bench-seed-"))
    seeds = sorted((REPO / "content").glob("*.md"))
    if not seeds:
        shutil.copytree(REPO / "raw", seed_dir / "raw")
        shutil.copytree(REPO / "templates", seed_dir / "templates")
        sh([sys.executable, "-m", "sitegen.cli", "--root", str(seed_dir), "import"], REPO, env)
        seeds = sorted((seed_dir / "content").rglob("*.md"))
    articles = [read_article(p) for p in seeds]
    articles = [a for a in articles if not a.draft] or articles
    rng = random.Random(5)
    for i in range(n):
        base = articles[i % len(articles)]
        year = 2021 + (i % 5)
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        art = replace(
            base,
            id=f"{0xB0000000 + i:012x}",
            slug=f"{base.slug[:40]}-{i}",
            date=date,
            title=f"{base.title}（{i}）",
            body=base.body + f"\n\n编号 BENCH-{i} 。",
        )
        (content / f"bench-{i:05d}.md").write_text(render_article(art), encoding="utf-8")
    shutil.rmtree(seed_dir, ignore_errors=True)


def copy_site_files(root: Path) -> None:
    """Give the project this checkout's templates and static files (a kept project may hold old ones)."""
    for name in ("templates", "static"):
        shutil.rmtree(root / name, ignore_errors=True)
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)


def find_page(out: Path, marker: str) -> Path | None:
    for page in out.rglob("*.html"):
        if marker in page.read_text(encoding="utf-8", errors="replace"):
            return page
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="build the project in DIR and keep it (default: a temp dir)")
    args = parser.parse_args()

    root = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="bench-commit-"))
    env = {
        **os.environ,
        "SITEGEN_TODAY": TODAY,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    try:
        started = time.perf_counter()
        if not (root / "content").is_dir() or not any((root / "content").glob("**/*.md")):
            if not corpus_from_benchmark(root, args.articles, env):
                corpus_here(root, args.articles, env)
        copy_site_files(root)
        import compileall  # the package's bytecode, as a user's first run writes it

        compileall.compile_dir(str(REPO / "sitegen"), quiet=1)
        config = default_config(root)
        files = sorted(config.content_dir.rglob("*.md"))
        print(f"corpus: {len(files)} articles in {root} ({time.perf_counter() - started:.1f} s)", flush=True)
        (root / ".gitignore").write_text("public/\n.sitegen-cache/\n")
        if not (root / ".git").exists():
            sh(["git", "init", "-q"], root, env)
            sh(["git", "config", "commit.gpgsign", "false"], root, env)
        sh(["git", "add", "-A"], root, env)
        sh(
            ["git", "commit", "-q", "--allow-empty", "-m", "corpus", "--no-verify"],
            root,
            {**env, "SITEGEN_SKIP_HOOK": "1"},
        )

        t0 = time.perf_counter()
        cold = sh([sys.executable, "-m", "sitegen.cli", "--root", str(root), "build"], root, env, check=False)
        print(f"cold build: {time.perf_counter() - t0:.1f} s (exit {cold.returncode})", flush=True)
        if cold.returncode != 0:
            print(cold.stdout[-2000:], cold.stderr[-2000:])
        print(install_hook(root), flush=True)

        times = []
        target = files[len(files) // 2]
        for run in range(args.runs):
            marker = f"EDITED-BY-BENCH-{run}-{time.time_ns()}"
            art = read_article(target)
            target.write_text(render_article(replace(art, body=art.body + f"\n\n{marker}")), encoding="utf-8")
            sh(["git", "add", str(target.relative_to(root))], root, env)
            t0 = time.perf_counter()
            result = sh(["git", "commit", "-q", "-m", f"edit {run}"], root, env)
            took = time.perf_counter() - t0
            page = find_page(config.out_dir, marker)
            ok = page is not None
            times.append(took)
            print(
                f"run {run + 1}: git commit -> rebuilt site {took:.2f} s "
                f"({'new text in ' + str(page.relative_to(root)) if ok else 'NEW TEXT MISSING'})",
                flush=True,
            )
            summary = [
                line
                for line in (result.stdout + result.stderr).splitlines()
                if "time:" in line or "build:" in line or "error" in line.lower()
            ]
            for line in summary[:4]:
                print("   ", line.strip())
            if not ok:
                print(result.stdout[-3000:], result.stderr[-3000:])
                return 1
        # For scale: the same commit with the hook skipped, and a no-change build process.
        t0 = time.perf_counter()
        sh(["git", "commit", "-q", "--allow-empty", "-m", "noop"], root, {**env, "SITEGEN_SKIP_HOOK": "1"})
        bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        sh([sys.executable, "-m", "sitegen.cli", "--root", str(root), "build"], root, env)
        noop = time.perf_counter() - t0
        print(f"git commit with the hook skipped: {bare:.2f} s; `sitegen build` with no change: {noop:.2f} s")
        print(
            f"\ncommit -> rebuilt site at {len(files)} articles: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s over {len(times)} runs (goal < 2 s)"
        )
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
