"""What every test shares.

- pytest puts this folder on sys.path (no package here), so `_buildkit`, `_workflow_project`
  and `search_fixture` import as they are.
- Markers: `browser` drives Debian chromium through Playwright; `slow` marks the few tests
  that install a package, drive a state machine through dozens of builds, or run the Nu HTML
  checker. The quick run is `python -m pytest -m "not browser and not slow"`.
- Hypothesis: CI (CI=true) runs the `ci` profile, which prints the seed of a failure.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", print_blob=True, derandomize=False, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def gaz():
    """The gazetteer shipped with sitegen (loaded once)."""
    from sitegen.gazetteer import load_gazetteer

    return load_gazetteer()
