#!/usr/bin/env python3
"""Time the search patch of a body edit (`PreviousIndex.patch_bodies`) on a built site.

    python scripts/gen_corpus.py SITE/content --edit K     # edit articles, do not build
    python scripts/bench_patch.py SITE PATH [PATH ...] [--rounds 2] [--any-code]

For each edited file (PATH relative to SITE/content), the last index the site's cache holds is
loaded and patched for that file alone, nothing saved; each round prints the seconds of each
patch and a digest of what it returned (files, removed files, state rows, version).  Two
versions of the code that give the same digests patch alike: run this with each (PYTHONPATH
pointing at a checkout) on one built site.  Loading the index (jieba, the state) is not timed:
a build's search process does it while the build lists the content folder.

--any-code: patch even when the saved state was made by other search code (a code change
otherwise means a whole index, and a rebuild of the benchmark site, 8 minutes at 100,000).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--any-code", action="store_true")
    args = parser.parse_args()

    import sitegen.search.patch as patch
    from sitegen.build import _search_documents
    from sitegen.config import default_config
    from sitegen.content import article_of, parse_files, scan
    from sitegen.page_store import PageStore
    from sitegen.search.state import SEARCH_STATE_FILE, SavedState

    config = default_config(args.site)
    cache_dir, out_dir = Path(config.cache_dir), Path(config.out_dir)
    if args.any_code:
        saved = SavedState(cache_dir / SEARCH_STATE_FILE)
        code = saved.code
        saved.close()
        patch._code_digest = lambda districts, places: bytes.fromhex(code)  # type: ignore[assignment]
    stats = {row[0]: row for row in scan(Path(config.content_dir))}
    store = PageStore(cache_dir)
    urls = store.model().article_url
    store.close()
    entries = parse_files(Path(config.content_dir), [stats[p] for p in args.paths])
    docs = _search_documents([(article_of(entries[p]), entries[p][2]) for p in args.paths], urls)
    for _ in range(args.rounds):
        figures = []
        for doc in docs:
            previous = patch.load_previous_index(config, out_dir)
            if previous is None:
                print("no index to patch (built by other code? see --any-code)", file=sys.stderr)
                return 1
            previous.store.put_many = lambda *a, **k: None  # type: ignore[method-assign]  # nothing saved
            start = time.perf_counter()
            index = previous.patch_bodies([doc])
            seconds = time.perf_counter() - start
            previous.close()
            if index is None:
                figures.append(f"{seconds:.3f}/whole")
                continue
            change = index._change
            what = (sorted(index.files.items()), index.removed, sorted(change.words.items()) if change else None)
            figures.append(f"{seconds:.3f}/{hashlib.sha1(repr((what, index.version)).encode()).hexdigest()[:12]}")
        print(" ".join(figures), f"(sum {sum(float(f.split('/')[0]) for f in figures):.3f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
