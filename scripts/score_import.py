#!/usr/bin/env python3
"""Print the importer's accuracy per page format and in total.

Scores the sample pages (tests/expected/) and the development corpus
(tests/import_corpus/dev/ and heldout1/ to heldout8/, each held-out part scored blind once before it was developed on)
by default;
--unseen scores tests/import_corpus/unseen/ instead: the part kept out of sight, scored only at the end
(the held-out part: run it only to measure generalisation at the end).
The scoring code is shared with tests/test_import_expected.py.
"""

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_import_expected import EXPECTED, corpus_files, rates, score_files  # noqa: E402


def _row(name: str, counts: dict) -> str:
    r = rates(counts)
    return (
        f"{name[:34]:34s} {counts['files']:>3d} {counts['annotated']:>4d} {counts['imported']:>4d} "
        f"{r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} {r['title']:6.3f} {r['district']:6.3f} "
        f"{r['month']:6.3f} {r['credits']:6.3f} {counts['lost_lines']:>4d}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unseen", action="store_true", help="score tests/import_corpus/unseen/ (held out)")
    parser.add_argument("--files", action="store_true", help="one row per file as well")
    args = parser.parse_args()
    groups = (
        [("unseen corpus", corpus_files("unseen"))]
        if args.unseen
        else [
            ("sample pages", EXPECTED),
            ("dev corpus", corpus_files("dev")),
            ("heldout1 (scored blind once, then developed on)", corpus_files("heldout1")),
            ("heldout2 (scored blind once, then developed on)", corpus_files("heldout2")),
            ("heldout3 (scored blind once, then developed on)", corpus_files("heldout3")),
            ("heldout4 (scored blind once, then developed on)", corpus_files("heldout4")),
            ("heldout5 (scored blind once, then developed on)", corpus_files("heldout5")),
            ("heldout6 (scored blind once, then developed on)", corpus_files("heldout6")),
            ("heldout7 (scored blind once, then developed on)", corpus_files("heldout7")),
            ("heldout8 (scored blind once, not developed on)", corpus_files("heldout8")),
        ]
    )
    header = (
        f"{'format':34s} {'n':>3s} {'ann':>4s} {'imp':>4s} {'prec':>6s} {'rec':>6s} {'F1':>6s} "
        f"{'title':>6s} {'distr':>6s} {'month':>6s} {'credit':>6s} {'lost':>4s}"
    )
    for name, paths in groups:
        if not paths:
            print(f"{name}: no annotated files")
            continue
        print(f"== {name}")
        print(header)
        by_format = score_files(paths)
        total = defaultdict(int)
        for fmt in sorted(by_format):
            print(_row(fmt, by_format[fmt]))
            for key, value in by_format[fmt].items():
                total[key] += value
        if args.files:
            for path in paths:
                (counts,) = score_files([path]).values()
                print(_row("  " + path.stem, counts))
        print(_row("TOTAL", total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
