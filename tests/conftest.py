"""What every test shares.

- pytest puts this folder on sys.path (no package here), so `_buildkit`, `_workflow_project`
  and `search_fixture` import as they are.
- `python -m pytest` runs on every core (pytest-xdist: `-n auto --dist loadgroup` in
  pyproject.toml); `-n0` runs in this process, one test after another.  Every test writes only
  under its own tmp_path (or a tmp_path_factory folder) and binds port 0; no test writes into
  the repository.
- Markers: `browser` marks the browser checks: chromium driven through Playwright (one
  chromium per worker: the `browser` fixture below) and the Nu HTML checker; they form one
  xdist group, so one worker runs them all.  `slow` marks the few tests that install a
  package, drive a state machine through dozens of builds, or run the Nu HTML checker.
  Quicker runs: `python -m pytest -m "not browser"`, and `-m "not browser and not slow"`.
- Every build reads the pinyin table from the tests' cache folder, ~/.cache/sitegen-tests/shared
  (SITEGEN_CACHE_HOME), written once, as a user's sites share theirs; the session's TMPDIR
  starts with the last session's jieba cache (`JIEBA_CACHE`).
- The fixture site is smaller than `parallel_from`: its builds make the search index in the
  test's own process, which keeps numpy, jieba and pypinyin's tables loaded from one build to
  the next (tests that need the forked way set `parallel_from=0`).
- Temporary folders are in RAM (a session folder under /dev/shm) when there is one with room
  and TMPDIR does not name another place (`_temporary_folders_in_ram`): the suite builds sites
  thousands of times, and on an ext4 disk that has just deleted many files, making new ones
  costs more system time than the builds' own work (two examples of the state machine: 17.5 s
  on /tmp, 10.5 s in RAM).  A passed test's folder goes at once (tmp_path_retention_policy in
  pyproject.toml), the session folder at the end of the session unless a test failed.
- Hypothesis: CI (CI=true) runs the `ci` profile, which prints the seed of a failure and under
  which every property test tries the examples written at it; elsewhere a quarter of them
  (`_examples.py`).
- Compiled bytecode is kept even where PYTHONDONTWRITEBYTECODE asks for none (`_bytecode_kept`),
  in a cache folder outside the repository: every xdist worker compiles the test modules anew
  and every `sitegen` the tests start compiles sitegen anew otherwise (the quick run: 59 s
  without the bytecode, 47 s with it).
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

CACHE_HOME = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sitegen-tests"
# The caches sitegen shares between sites (the pinyin table: sitegen.cache.user_cache_dir) are
# the tests' own, kept from one session to the next like the user's.
os.environ["SITEGEN_CACHE_HOME"] = str(CACHE_HOME / "shared")


def _bytecode_kept() -> str | None:
    """Where PYTHONDONTWRITEBYTECODE is set (a container's default, to keep __pycache__
    folders out of the source tree), keep this session's bytecode in the folder
    PYTHONPYCACHEPREFIX names, else under ~/.cache/sitegen-tests/pycache (XDG_CACHE_HOME): this
    process's from here on, and, through the environment, the xdist workers' and every Python
    the tests start.  Return the folder, or None where nothing was changed.  (A prefix of the
    developer's own with PYTHONDONTWRITEBYTECODE still set wrote nothing: the full suite took
    74-79 s instead of 64 s.)"""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return None
    folder = Path(os.environ.get("PYTHONPYCACHEPREFIX") or CACHE_HOME / "pycache")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix = str(folder)
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    sys.dont_write_bytecode = False
    return str(folder)


BYTECODE = _bytecode_kept()  # before sitegen is imported: compiled into that folder

# After _bytecode_kept: pytest rewrites the asserts of every module of a plugin's package, and
# hypothesis is one; imported before, its 74 modules were rewritten anew in every process (0.7 s
# of each xdist worker's start), because nothing may write their rewritten bytecode then.
from hypothesis import settings  # noqa: E402


def _temporary_folders_in_ram(ram: str = "/dev/shm", room: int = 2 << 30) -> str | None:
    """Make a folder in *ram* this session's TMPDIR (this process's, pytest's tmp_path, the xdist
    workers' and the subprocesses'); return it, or None where TMPDIR is set already (by the
    user, or for an xdist worker by its controller) or there is no RAM folder with *room*."""
    if os.environ.get("TMPDIR") or not sys.platform.startswith("linux") or not os.access(ram, os.W_OK):
        return None
    st = os.statvfs(ram)
    if st.f_bavail * st.f_frsize < room:  # a container's 64 MB /dev/shm, say
        return None
    folder = tempfile.mkdtemp(prefix="sitegen-tests-", dir=ram)
    os.environ["TMPDIR"] = folder
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again
    _copy(CACHE_HOME / _jieba_kept(), Path(folder) / JIEBA_CACHE)
    return folder


# jieba keeps its dictionary's prefix table in TMPDIR: loaded from there in 0.55 s, made anew in
# 0.9 s, by every xdist worker and every `sitegen` the tests start that cuts words.  The RAM
# folder is new each session, so the session starts with the last session's copy, kept under
# the name of the jieba and the dictionary that made it: jieba trusts any file of that name.
JIEBA_CACHE = "jieba.cache"


def _jieba_kept() -> str:
    """The name of the kept copy of jieba's cache: the installed jieba's version and its
    dictionary's size and time (found, not imported)."""
    try:
        spec = importlib.util.find_spec("jieba")
        st = (Path(spec.origin).parent / "dict.txt").stat()
        from importlib.metadata import version

        key = f"{version('jieba')} {st.st_size} {st.st_mtime_ns}"
    except (ImportError, AttributeError, TypeError, OSError, ValueError):  # no jieba, or no file
        return "jieba-unknown.cache"
    return f"jieba-{hashlib.sha1(key.encode()).hexdigest()[:16]}.cache"


def _remove_others(folder: Path, pattern: str, keep: str) -> None:
    """Remove the files of *folder* matching *pattern* but *keep*: the copies other versions made."""
    for path in folder.glob(pattern):
        if path.name != keep:
            try:
                path.unlink(missing_ok=True)
            except OSError:  # a cache: what cannot go stays
                pass


def _copy(source: Path, target: Path) -> None:
    """Copy *source* to *target* through a file beside it (readers see all or nothing), or
    nothing where *source* is missing or the copy cannot be made."""
    aside = target.with_name(f"{target.name}.{os.getpid()}.copy")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, aside)
        os.replace(aside, target)
    except OSError:
        aside.unlink(missing_ok=True)


RAM_TMP = _temporary_folders_in_ram()


def pytest_sessionfinish(session, exitstatus):
    """Free the RAM folder, unless a test failed: then keep it (and say where)."""
    if RAM_TMP is None:
        return
    kept = _jieba_kept()
    if not (CACHE_HOME / kept).is_file():
        _copy(Path(RAM_TMP) / JIEBA_CACHE, CACHE_HOME / kept)
        _remove_others(CACHE_HOME, "jieba-*.cache", kept)
    if exitstatus != pytest.ExitCode.TESTS_FAILED:
        shutil.rmtree(RAM_TMP, ignore_errors=True)
    else:
        tr = session.config.pluginmanager.get_plugin("terminalreporter")
        if tr is not None:
            tr.write_line(f"temporary folders kept in {RAM_TMP} (RAM: remove it when done)")


settings.register_profile("ci", print_blob=True, derandomize=False, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _chromium_settings():
    """scripts/chromium.py: the one list of how the tools and the tests start chromium."""
    path = Path(__file__).resolve().parent.parent / "scripts" / "chromium.py"
    spec = importlib.util.spec_from_file_location("_sitegen_chromium", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_CHROMIUM = _chromium_settings()
CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", _CHROMIUM.CHROMIUM)
CHROMIUM_ARGS = _CHROMIUM.ARGS


def pytest_collection_finish(session):
    """Leave what the imports and the collection made (sitegen, jinja2, numpy, hypothesis, the
    tests) out of the collector's full passes: each went over them all again (0.65 s of a
    worker's run in collections)."""
    gc.freeze()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's, which reads the groups
def pytest_collection_modifyitems(items):
    """Keep the browser tests in one worker: one chromium, and one build of each search site.
    Hand out the long work first (longest first is how a queue of jobs finishes soonest on two
    workers: the state machine alone takes a tenth of the suite)."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
    items.sort(key=_queue_place)  # stable: else as collected


def _queue_place(item: pytest.Item) -> int:
    """The slow tests first, then the browser group (one long unit of work), then the rest."""
    if item.get_closest_marker("slow"):
        return 0
    return 1 if item.get_closest_marker("browser") else 2


@pytest.fixture(scope="session")
def gaz():
    """The gazetteer shipped with sitegen (loaded once)."""
    from sitegen.gazetteer import load_gazetteer

    return load_gazetteer()


@pytest.fixture(scope="session")
def browser():
    """Debian chromium through Playwright, started once per worker; each test opens its own
    pages (and closes them)."""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not executable:
        pytest.skip("chromium is not installed")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
