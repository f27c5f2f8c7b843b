"""One stamp over the installed package: its code, its data and its version.

Every cache that holds something the code made (parsed articles, slugs, related articles,
rendered pages, the search index) is keyed by this stamp, so an upgraded or edited sitegen
never reuses what an older one made.  A hand-kept list of "files that matter" missed some
(postings.py, page_store.py) and let a build ship a stale index; the whole folder cannot.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The installed segmenter and pinyin packages: the search index and slugs hold their data.
_LIBRARIES = ("rjieba", "jieba", "pypinyin", "jinja2", "markdown", "nh3")


def _package_files() -> list[tuple[str, int, int]]:
    out = []
    for folder, dirnames, filenames in os.walk(PACKAGE_DIR):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(folder, name)
            st = os.stat(path)
            out.append((os.path.relpath(path, PACKAGE_DIR), st.st_size, st.st_mtime_ns))
    return out


def library_stamp(name: str) -> tuple[int, int] | None:
    """Return the size and time of a library's module file, which an upgrade rewrites (reading
    the package's metadata would cost a one-article build 15-30 ms)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    try:
        st = os.stat(spec.origin) if spec is not None and spec.origin else None
    except OSError:
        st = None
    return (st.st_size, st.st_mtime_ns) if st else None


@functools.lru_cache(maxsize=1)
def package_stamp() -> str:
    """Return a digest of every file of the sitegen package and of the libraries whose output
    the caches hold; computed once per process (about 1 ms)."""
    # Every file of the package is in it, so the version needs no reading: an upgrade
    # rewrites the files.
    h = hashlib.sha1(repr(_package_files()).encode())
    h.update(repr([(name, library_stamp(name)) for name in _LIBRARIES]).encode())
    return h.hexdigest()
