"""How many examples a property test tries.

Under CI (CI=true: `.ci/run`, which the workflow runs on every push) and with
`--hypothesis-profile=ci`, each property test tries the count written at it.  A developer's run
tries a quarter of it (at least 50): the quick run (`python -m pytest -m "not browser"`) is a
loop an editor of the code runs after each change, and CI runs the full counts before anything
lands.  The state machine (tests/test_build_stateful.py) has a budget of its own.
"""

from __future__ import annotations

from hypothesis import settings


def thorough() -> bool:
    """True where the full counts run (read when a test module is imported: after conftest.py
    and the Hypothesis plugin have loaded the profile)."""
    return settings.get_current_profile_name() == "ci"


def examples(count: int) -> int:
    """The number of examples a test written for *count* tries in this run."""
    return count if thorough() else max(50, count // 4)
