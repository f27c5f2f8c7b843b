"""Debian's chromium as the project's tools and tests start it: headless on a build machine or a
VM, where there is no sandbox to use, no GPU, and no call home is wanted.  One list, read by
scripts/bench_search.py, scripts/audit_site.py (Lighthouse's --chrome-flags) and tests/conftest.py."""

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
