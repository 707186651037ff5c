"""A driver's boot is the sandbox's time, never a test's (issue 21): the same answer gets the same verdict
however long the trusted boot takes, and the candidate's own module load still counts against it.

The boot is made slow deterministically: a real sandbox whose driver programs sleep before they start, so
every process spends `SLOW_BOOT_S` (longer than the tests' timeout) between its spawn and its hello.
"""

from __future__ import annotations

from typing import Any

import pytest

from envsdk_env_code import CodeVerifier
from envsdk_env_code.functional import Drivers, FunctionalRun
from envsdk_env_code.results import Settings
from envsdk_env_code.specs import parse_tests

TIMEOUT_S = 1.0
SLOW_BOOT_S = 2.5
ADD = {"kind": "asserts", "asserts": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"]}
CORRECT = "def add(a, b):\n    return a + b\n"


class SlowBoot:
    """The real sandbox, except that each spawned program first sleeps `delay_s` (inside the sandbox,
    before the driver's hello), as a busy machine's interpreter start would."""

    def __init__(self, sandbox: Any, delay_s: float):
        self.sandbox, self.delay_s = sandbox, delay_s

    def spawn(self, code: str, **kwargs: Any) -> Any:
        return self.sandbox.spawn(f"import time\ntime.sleep({self.delay_s})\n{code}", **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sandbox, name)


@pytest.fixture
def slow(verifier):
    """A fresh verifier (so its first row meets freshly booting processes) on a slow-booting sandbox."""
    slow = CodeVerifier(timeout_s=TIMEOUT_S, reward_mode="fraction", sandbox=SlowBoot(verifier.sandbox, SLOW_BOOT_S))
    yield slow
    slow.close()


def test_a_correct_first_row_passes_however_slow_the_boot(slow):
    verdict = slow.verify(ADD, CORRECT)
    assert verdict.error is None, verdict.error
    assert (verdict.reward, verdict.passed) == (1.0, True), verdict.details["tests"]


def test_a_replacement_candidates_boot_is_not_the_tests_time(slow):
    # the first test ends the candidate's process; the second runs in a fresh one, booted for it
    dies_once = "import os\ndef add(a, b):\n    if a == 1:\n        os._exit(0)\n    return a + b\n"
    verdict = slow.verify(ADD, dies_once)
    assert verdict.error is None, verdict.error
    assert [t["status"] for t in verdict.details["tests"]] == ["failed", "passed"], verdict.details["tests"]
    assert verdict.reward == 0.5


def test_a_hanging_top_level_is_still_the_candidates_zero(slow):
    verdict = slow.verify(ADD, "while True:\n    pass\ndef add(a, b):\n    return a + b\n")
    assert verdict.error is None and (verdict.reward, verdict.passed) == (0.0, False)
    assert verdict.details["import_error"] == "the candidate's module took longer than the per-test timeout to load"
    assert {t["status"] for t in verdict.details["tests"]} == {"failed"}


def test_a_boot_over_its_own_budget_is_a_flagged_sandbox_failure(verifier):
    from envsdk_sandbox import Limits

    drivers = Drivers(SlowBoot(verifier.sandbox, 30.0), Limits, 512, boot_s=SLOW_BOOT_S)
    try:
        outcome = FunctionalRun(drivers, parse_tests(ADD), CORRECT, Settings(timeout_s=TIMEOUT_S, memory_mb=512)).run()
    finally:
        drivers.close()
    assert outcome.verifier_error.startswith(
        f"sandbox failure: RuntimeError: a sandboxed driver did not boot within its {SLOW_BOOT_S:g}s budget")
    assert {t.status for t in outcome.tests} == {"not_run"}
