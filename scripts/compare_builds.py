#!/usr/bin/env python3
"""Cold builds of one corpus by two versions of sitegen, in turn, and whether they write the same site.

    python scripts/compare_builds.py --corpus /dev/shm/c10/content --old HEAD~3
    python scripts/compare_builds.py --corpus DIR --old 39a5ee0 --new HEAD --runs 3 --work /dev/shm/cmp
    python scripts/compare_builds.py --corpus DIR --old ab15eb0 --compress    # as publish.sh --build

This machine's speed drifts by a third within the hour, so two figures taken minutes apart say
little about a change.  Here the two versions build the same articles cold one after the other,
in the order old, new, new, old, old, … (each pair in turn, so a drift favours neither), each in a
fresh folder, through the command line a user types.  Printed per build: wall time, user + system
CPU of the build and its processes, peak memory (the largest resident set of one of them), and the
stage times the build prints; then the medians, new / old, and whether the first two builds wrote
the same files with the same bytes (the public/ folders compared file by file).

Each version is its commit's sitegen/, templates/ and static/ (`git archive`; `--new` defaults to
the checkout as it is; `--new-code DIR` takes them from a folder).  Between builds the disk settles as in scripts/benchmark.py (`--settle`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark import SITE_TOML, TODAY, Settle, code_root, compile_package, measure, parse_sitegen  # noqa: E402


def site_files(folder: Path) -> dict[str, str]:
    """{path relative to *folder*: sha1} of every file under it."""
    return {
        str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _copy(name: str) -> bool:
    return name.endswith((".gz", ".br"))


def _alike(work: Path, copies: list[str]) -> bool:
    """Whether each of *copies*, in both versions' first build, decompresses to the same bytes."""
    import gzip

    import brotli

    def unpacked(side: str, name: str) -> bytes | None:
        path = work / f"{side}-0" / "public" / name
        if not path.is_file():
            return None
        return (gzip.decompress if name.endswith(".gz") else brotli.decompress)(path.read_bytes())

    return all(unpacked("old", name) == unpacked("new", name) for name in copies)


def cold_build(code: Path, corpus: Path, folder: Path, flags: tuple[str, ...] = ()) -> dict:
    """Build *corpus* with the sitegen in *code* into *folder* (made fresh), with the command
    line's *flags*; return the measures."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    q = lambda p: json.dumps(str(p))  # noqa: E731
    toml = SITE_TOML.format(content=q(corpus), out=q(folder / "public"), cache=q(folder / "cache"))
    (folder / "sitegen.toml").write_text(toml, encoding="utf-8")
    env = dict(os.environ, SITEGEN_TODAY=TODAY, PYTHONPATH=str(code))
    r = parse_sitegen(measure([sys.executable, "-m", "sitegen", "--root", str(folder), "build", *flags], env, folder))
    if r["code"] != 0:
        raise SystemExit(f"the build with {code} failed:\n{r['stdout'][-3000:]}\n{r['stderr'][-3000:]}")
    return r


def describe(label: str, r: dict) -> str:
    stages = ", ".join(f"{k} {v:.2f}" for k, v in r["stages"].items() if k != "total")
    return f"{label:4} {r['wall']:7.2f} s  {r['user']:6.1f} + {r['sys']:4.1f} s CPU  {r['maxrss_mib']:6.0f} MiB  ({stages})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True, help="a folder of articles (content/)")
    ap.add_argument("--old", required=True, help="the commit to compare against")
    new = ap.add_mutually_exclusive_group()
    new.add_argument("--new", help="the commit to compare (default: the checkout as it is)")
    new.add_argument("--new-code", type=Path, help="instead, a folder holding sitegen/, templates/ and static/")
    ap.add_argument("--runs", type=int, default=2, help="cold builds of each version (default 2)")
    ap.add_argument("--work", type=Path, help="where the builds go (default: a temporary folder)")
    ap.add_argument("--settle", type=float, default=20, help="seconds the disk settles before a build")
    ap.add_argument(
        "--compress",
        action="store_true",
        help="build with --compress (the .gz and .br copies are compared apart: two versions may compress differently)",
    )
    args = ap.parse_args(argv)
    flags = ("--compress",) if args.compress else ()

    work = args.work or Path(tempfile.mkdtemp(prefix="sitegen-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    codes = {
        "old": code_root(args.old, work),
        "new": args.new_code.resolve() if args.new_code else code_root(args.new, work),
    }
    for code in codes.values():
        compile_package(code)
    settle = Settle(args.settle)
    order = [side for n in range(args.runs) for side in (("old", "new") if n % 2 == 0 else ("new", "old"))]
    results: dict[str, list[dict]] = {"old": [], "new": []}
    same = None
    for n, side in enumerate(order):
        settle.wait()
        folder = work / f"{side}-{len(results[side])}"
        r = cold_build(codes[side], args.corpus.resolve(), folder, flags)
        results[side].append(r)
        print(describe(side, r), flush=True)
        if n == 1:  # the first build of each: the same site?
            old, new = (site_files(work / f"{s}-0" / "public") for s in ("old", "new"))
            same = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p) and not _copy(p))
            copies = sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p) and _copy(p))
        if n >= 2:
            shutil.rmtree(folder)
            settle.deleted()

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in results[side])

    print()
    for key, unit in (("wall", "s"), ("user", "s"), ("sys", "s"), ("maxrss_mib", "MiB")):
        old, new = median("old", key), median("new", key)
        print(f"{key:10} old {old:8.2f} {unit:3}  new {new:8.2f} {unit:3}  new / old {new / old if old else 0:.3f}")
    if same is not None:
        print("public/: the same files and bytes" if not same else f"public/: {len(same)} files differ: {same[:10]}")
        if args.compress:
            alike = _alike(work, copies)
            print(
                f"compressed copies: {len(copies)} differ in bytes"
                + (f" (they decompress alike: {alike})" if copies else "")
            )
            same += [] if alike else copies  # a copy that unpacks to other bytes is a difference
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not same else 1


if __name__ == "__main__":
    sys.exit(main())
