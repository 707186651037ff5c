"""Per-test results and the outcome of one verification as the trusted host records them, and the
settings a verification runs under."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["passed", "failed", "timeout", "not_run", "skipped"]


@dataclass(frozen=True)
class Settings:
    """How one verification runs."""

    timeout_s: float  # wall clock per test, the candidate's calls included
    memory_mb: int
    stop_on_first_failure: bool = False
    # Wall clock for the whole row: tests still unfinished when it runs out are the candidate's timeouts.
    # It must stay below the executor's row deadline, or a slow candidate abstains instead of failing.
    row_budget_s: float = 20.0

    def test_deadline(self, row_deadline: float) -> float:
        """A test's deadline (a time.monotonic value): its own timeout, cut at the row's."""
        return min(time.monotonic() + self.timeout_s, row_deadline)


@dataclass
class TestResult:
    """One listed test: did it pass, how, how long, and how many candidate calls it made."""

    __test__ = False  # not a pytest class

    name: str
    status: Status = "not_run"
    error: str | None = None
    duration_s: float = 0.0
    calls: int | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


@dataclass
class Outcome:
    """Everything a run learned. `verifier_error` is set only for failures that are not the candidate's
    (bad test code, a broken sandbox): those become flagged verdicts, never a silent 0."""

    tests: list[TestResult]
    import_error: str | None = None
    compile_error: str | None = None  # a compiled language's compiler output (the candidate's failure)
    verifier_error: str | None = None
    stderr: str = ""
    sandbox: dict[str, str] = field(default_factory=dict)

    def finish(self, status: Status, error: str, start: int = 0) -> None:
        """Mark every test from `start` on that has no result yet."""
        for test in self.tests[start:]:
            if test.status == "not_run":
                test.status, test.error = status, error
