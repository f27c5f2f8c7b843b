#!/usr/bin/env python3
"""Time a cold import of the bundled dumps in a fresh process (jieba's dictionary load included).

Usage: python scripts/bench_import.py [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import sys, time
t0 = time.perf_counter()
from sitegen.config import default_config
from sitegen.importer import run_import
config = default_config(sys.argv[1])
report = run_import(config, [config.raw_dir])
print(f"{time.perf_counter() - t0:.3f} {report.articles} {len(report.errors)}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(ROOT / "raw", Path(tmp) / "raw")
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", CHILD, tmp], cwd=ROOT, capture_output=True, text=True, check=True
            ).stdout.split()
            wall = time.perf_counter() - started
            times.append(wall)
            print(
                f"import of {len(list((ROOT / 'raw').glob('*.txt')))} dumps: {out[1]} articles, "
                f"{out[2]} errors, in-process {out[0]} s, whole process {wall:.3f} s"
            )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"best whole-process time {min(times):.3f} s (goal < 3 s), peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
