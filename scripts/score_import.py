#!/usr/bin/env python3
"""Print the importer's accuracy against the hand-annotated sample pages (tests/expected/)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from test_import_expected import score_all  # noqa: E402

if __name__ == "__main__":
    totals = score_all()
    n = totals["articles"]
    print(f"annotated articles: {n}; found {totals['found']}; extra articles (subheads, captions or "
          f"furniture turned into articles): {totals['extra']}")
    for field in ("title", "district", "month", "credits"):
        print(f"{field:9s} {totals[field]}/{n} = {100 * totals[field] / n:.1f}%")
