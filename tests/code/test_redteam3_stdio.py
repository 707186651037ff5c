"""Red team 3, item 5: a compiled stdio row stays inside its declared budget. The build runs first, inside
the row's budget, and the cases get only what is left: a slow compile followed by a hang is the candidate's
0 within the budget (before, the first case's timeout was computed before the build, so a 12 s compile plus
a hang took 32 s of a 25 s budget and could reach the executor's deadline: an abstention)."""

from __future__ import annotations

import re

import pytest

from envsdk_env_code import CodeVerifier

CASES = {"kind": "stdio", "language": "cpp", "cases": [{"input": f"{i}\n", "output": f"{i}\n"} for i in range(3)]}
# A compile of a few seconds (constexpr evaluation), then a program that never answers.
SLOW_THEN_HANG = ("```cpp\nconstexpr long spin(long n) {{ long s = 0; for (long i = 0; i < n; ++i) "
                  "for (long j = 0; j < 1000; ++j) s += i ^ j; return s; }}\nconstexpr long slow = spin({n});\n"
                  "int main() {{ volatile long x = slow; for (;;) x = x + 1; }}\n```")


@pytest.fixture
def need_cpp():
    from tests.sandbox.conftest import need_language

    need_language("cpp")


def test_the_build_counts_against_the_row_budget(verifier, need_cpp):
    budget = 6.0
    budgeted = CodeVerifier(timeout_s=budget, row_budget_s=budget, sandbox=verifier.sandbox)
    verdict = budgeted.verify(CASES, SLOW_THEN_HANG.format(n=300))
    assert verdict.error is None and verdict.reward == 0.0 and verdict.passed is False, verdict.details
    first, *rest = verdict.details["tests"]
    assert first["status"] == "timeout", first
    run_for, built_in = map(float, re.fullmatch(r"ran longer than ([\d.]+)s \(after a ([\d.]+)s build\)",
                                                first["error"]).groups())
    assert built_in > 0 and run_for <= budget - built_in + 0.01, first  # what the build left of the row
    assert all(t["status"] == "timeout" and "budget ran out" in t["error"] for t in rest), rest


def test_a_build_longer_than_the_row_is_the_candidates_timeout(verifier, need_cpp):
    budgeted = CodeVerifier(timeout_s=2.0, row_budget_s=2.0, sandbox=verifier.sandbox)
    verdict = budgeted.verify(CASES, SLOW_THEN_HANG.format(n=20_000))
    assert verdict.error is None and verdict.reward == 0.0, verdict.details
    assert [t["status"] for t in verdict.details["tests"]] == ["timeout"] * 3
    assert "did not compile (timeout)" in verdict.details["tests"][0]["error"]
