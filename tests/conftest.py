"""What every test shares.

- pytest puts this folder on sys.path (no package here), so `_buildkit`, `_workflow_project`
  and `search_fixture` import as they are.
- `python -m pytest` runs on every core (pytest-xdist: `-n auto --dist loadgroup` in
  pyproject.toml); `-n0` runs in this process, one test after another.  Every test writes only
  under its own tmp_path (or a tmp_path_factory folder) and binds port 0; no test writes into
  the repository.
- Markers: `browser` drives Debian chromium through Playwright (one chromium per worker: the
  `browser` fixture below; the browser tests form one xdist group, so one worker runs them
  all); `slow` marks the few tests that install a package, drive a state machine through
  dozens of builds, or run the Nu HTML checker.  Quicker runs: `python -m pytest -m "not
  browser"`, and `-m "not browser and not slow"`.
- Builds through `_buildkit.build` share the pinyin table between first builds (see
  tests/_buildkit.py); the search tests start each cache without the table.
- The forked search process of every build imports numpy and reads pypinyin's one-reading
  characters (`_plain_readings`, kept for the process): both are done here once, so that each
  fork inherits them.
- Temporary folders are in RAM (a session folder under /dev/shm) when there is one with room
  and TMPDIR does not name another place (`_temporary_folders_in_ram`): the suite builds sites
  thousands of times, and on an ext4 disk that has just deleted many files, making new ones
  costs more system time than the builds' own work (two examples of the state machine: 17.5 s
  on /tmp, 10.5 s in RAM).  A passed test's folder goes at once (tmp_path_retention_policy in
  pyproject.toml), the session folder at the end of the session unless a test failed.
- Hypothesis: CI (CI=true) runs the `ci` profile, which prints the seed of a failure.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

import _buildkit
import pytest
from hypothesis import settings

try:
    import numpy  # noqa: F401  (see above: ~0.1-0.2 s of every search process)
except ImportError:  # pragma: no cover
    pass

from sitegen.search.pinyin import _plain_readings

_plain_readings()  # read once here (0.2-0.3 s), inherited by every forked search process


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
    return folder


RAM_TMP = _temporary_folders_in_ram()


def pytest_sessionfinish(session, exitstatus):
    """Free the RAM folder, unless a test failed: then keep it (and say where)."""
    if RAM_TMP is None:
        return
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
SEARCH_TESTS = ("test_search.py", "test_search_incremental.py", "test_search_parity.py")


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


@pytest.fixture(scope="session", autouse=True)
def _shared_build_caches(tmp_path_factory):
    """Let `_buildkit.build` share the pinyin table (this process only)."""
    _buildkit.SHARED = tmp_path_factory.mktemp("shared-caches")
    yield
    _buildkit.SHARED = None


@pytest.fixture(autouse=True)
def _no_shared_pinyin_table_in_search_tests(request, monkeypatch):
    if Path(str(request.node.path)).name in SEARCH_TESTS:
        monkeypatch.setattr(_buildkit, "SHARE_PINYIN", False)


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
