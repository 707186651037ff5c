"""Suite-wide rules.

Skips are budgeted: under CI=true (.ci/run exports it) a skipped test fails the run, because CI provides
every capability the tests need (Docker, the verl and verifiers venvs, tier 2, chromium, toolchains,
shared data; the README's "Tests" section says how to get each). A skip that is right even on CI is
listed in ALLOWED_SKIPS with why. Elsewhere skips stay skips, and `pytest -rs` shows them with their reason.
"""

from __future__ import annotations

import os

import pytest

# reason substring -> why a CI run may skip it
ALLOWED_SKIPS: dict[str, str] = {
    "needs a merged /usr": "a fact of the host's layout, not a missing capability",
}


def skip_reason(report: pytest.TestReport) -> str:
    """The reason of a skipped report (pytest keeps it as (path, line, "Skipped: reason"))."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") != "true" or not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = skip_reason(report)
    if not any(allowed in reason for allowed in ALLOWED_SKIPS):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, where every capability must be present: {reason}"
