"""Verdicts for honest completions: what passes, what fails, and what the details record."""

from __future__ import annotations

import os

import pytest

ADD = {"kind": "asserts", "asserts": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(2, 2) == 4"]}
HUMANEVAL = {
    "kind": "humaneval",
    "prompt": 'def helper(x):\n    return x * 2\n\n\ndef double_all(xs):\n    """Double every item."""\n',
    "test": "def check(candidate):\n    assert candidate([1, 2]) == [2, 4]\n    assert candidate(()) == []\n",
    "entry_point": "double_all",
}
STDIO = {"kind": "stdio", "cases": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10"}]}


def test_a_full_program_passes(verifier):
    verdict = verifier.verify(ADD, "def add(a, b):\n    return a + b\n")
    assert verdict.passed and verdict.reward == 1.0 and verdict.error is None
    assert verdict.details["outcome"] == "correct"


def test_a_function_body_passes_with_the_prompt_prepended(verifier):
    verdict = verifier.verify(HUMANEVAL, "    return [helper(x) for x in xs]\n")
    assert verdict.passed and verdict.details["prompt_prepended"]


def test_code_fenced_in_prose_passes(verifier):
    completion = "Sure! Here is my answer:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\nIt adds."
    assert verifier.verify(ADD, completion).passed


def test_chat_messages_are_accepted_as_the_completion(verifier):
    completion = [{"role": "assistant", "content": "```python\ndef add(a, b):\n    return b + a\n```"}]
    assert verifier.verify(ADD, completion).passed


def test_a_wrong_answer_fails_without_an_error(verifier):
    verdict = verifier.verify(ADD, "def add(a, b):\n    return a - b\n")
    assert verdict.passed is False and verdict.reward == 0.0 and verdict.error is None
    assert [t["status"] for t in verdict.details["tests"]] == ["failed", "failed", "failed"]


def test_per_test_results_record_status_time_and_calls(verifier):
    tests = verifier.verify(ADD, "def add(a, b):\n    return a + b\n").details["tests"]
    assert len(tests) == 3 and all(t["passed"] and t["calls"] == 1 and t["duration_s"] >= 0 for t in tests)


def test_fraction_mode_rewards_the_share_of_tests_passed(fraction_verifier):
    verdict = fraction_verifier.verify(ADD, "def add(a, b):\n    return 0 if a == 2 else a + b\n")
    assert verdict.reward == 2 / 3 and verdict.passed is False


def test_stop_on_first_failure_skips_the_rest(verifier):
    from envsdk_env_code import CodeVerifier

    stopping = CodeVerifier(timeout_s=5.0, stop_on_first_failure=True, sandbox=verifier.sandbox)
    tests = stopping.verify(ADD, "def add(a, b):\n    return 0\n").details["tests"]
    assert [t["status"] for t in tests] == ["failed", "skipped", "skipped"]


def test_a_syntax_error_is_flagged_as_a_compile_error(verifier):
    verdict = verifier.verify(ADD, "def add(a, b)\n    return a + b\n")
    assert verdict.passed is False and verdict.error is None and "SyntaxError" in verdict.details["compile_error"]


def test_empty_code_gets_a_clear_verdict(verifier):
    verdict = verifier.verify(ADD, "   \n")
    assert verdict.passed is False and verdict.error is None and "empty" in verdict.details["empty_code"]


def test_an_import_error_fails_every_test_and_is_reported(verifier):
    verdict = verifier.verify(ADD, "import not_a_module_anywhere\n\ndef add(a, b):\n    return a + b\n")
    assert verdict.passed is False and "ModuleNotFoundError" in verdict.details["import_error"]


def test_a_candidate_exception_fails_only_its_test(fraction_verifier):
    verdict = fraction_verifier.verify(ADD, "def add(a, b):\n    if a == 2:\n        raise ValueError('no')\n    return a + b\n")
    assert [t["status"] for t in verdict.details["tests"]] == ["passed", "passed", "failed"]


def test_a_hanging_call_times_out_and_later_tests_get_a_fresh_candidate(fraction_verifier):
    from envsdk_env_code import CodeVerifier

    quick = CodeVerifier(timeout_s=1.0, reward_mode="fraction", sandbox=fraction_verifier.sandbox)
    verdict = quick.verify(ADD, "def add(a, b):\n    while a == 1:\n        pass\n    return a + b\n")
    assert [t["status"] for t in verdict.details["tests"]] == ["timeout", "passed", "passed"]
    assert verdict.timed_out is False and verdict.error is None  # the candidate's fault: a 0, not an abstention


def test_exceptions_the_test_expects_are_recreated_in_the_checker(verifier):
    tests = {"kind": "asserts", "setup": "def raises(f, *a):\n    try:\n        f(*a)\n    except ValueError:\n        return True\n    return False\n",
             "asserts": ["assert raises(parse, 'x')", "assert parse('4') == 4"]}
    assert verifier.verify(tests, "def parse(s):\n    return int(s)\n").passed


def test_leetcode_style_classes_are_called_through_a_fresh_instance(verifier):
    tests = {"kind": "asserts", "asserts": ["assert Solution().twoSum([2, 7, 11], 9) == [0, 1]"]}
    code = "class Solution:\n    def twoSum(self, nums, target):\n        seen = {}\n        for i, n in enumerate(nums):\n            if target - n in seen:\n                return [seen[target - n], i]\n            seen[n] = i\n"
    assert verifier.verify(tests, code).passed


def test_stdio_passes_with_the_documented_normalisation(verifier):
    verdict = verifier.verify(STDIO, "a, b = map(int, input().split())\nprint(a + b, '  ')\nprint()\n")
    assert verdict.passed and verdict.details["kind"] == "stdio"


def test_stdio_wrong_output_fails_with_the_first_difference(verifier):
    verdict = verifier.verify(STDIO, "print(42)\n")
    assert verdict.passed is False and "line 1 differs" in verdict.details["tests"][0]["error"]


def test_stdio_a_crash_after_correct_output_fails(verifier):
    verdict = verifier.verify(STDIO, "a, b = map(int, input().split())\nprint(a + b)\nraise RuntimeError\n")
    assert verdict.passed is False


def test_bad_tests_field_gives_an_error_verdict(verifier):
    verdict = verifier.verify({"kind": "asserts"}, "def add(a, b):\n    return a + b\n")
    assert verdict.error and "asserts" in verdict.error and verdict.passed is None


def test_test_code_that_fails_to_load_is_a_verifier_error_not_a_zero(verifier):
    tests = {"kind": "humaneval", "test": "raise RuntimeError('broken dataset row')\n", "entry_point": "f"}
    verdict = verifier.verify(tests, "def f():\n    return 1\n")
    assert verdict.error and "broken dataset row" in verdict.error


SLOW_ASSERTS = {"kind": "asserts", "asserts": [f"assert add({i}, 1) == {i + 1}" for i in range(8)]}


def test_a_sleeping_candidate_fails_inside_the_row_budget(verifier):
    from envsdk_env_code import CodeVerifier

    budgeted = CodeVerifier(timeout_s=1.0, row_budget_s=2.5, sandbox=verifier.sandbox, reward_mode="fraction")
    verdict = budgeted.verify(SLOW_ASSERTS, "import time\ndef add(a, b):\n    time.sleep(60)\n")
    statuses = [t["status"] for t in verdict.details["tests"]]
    assert statuses == ["timeout"] * 8 and verdict.reward == 0.0 and verdict.passed is False
    assert verdict.error is None and verdict.timed_out is False
    assert "time budget ran out" in verdict.details["tests"][-1]["error"]


def test_a_sleeping_stdio_program_fails_inside_the_row_budget(verifier):
    from envsdk_env_code import CodeVerifier

    budgeted = CodeVerifier(timeout_s=1.0, row_budget_s=2.5, sandbox=verifier.sandbox)
    cases = {"kind": "stdio", "cases": [{"input": f"{i}\n", "output": f"{i}\n"} for i in range(6)]}
    verdict = budgeted.verify(cases, "import time\ntime.sleep(60)\n")
    assert [t["status"] for t in verdict.details["tests"]] == ["timeout"] * 6
    assert verdict.error is None and verdict.passed is False


def test_the_row_budget_must_cover_one_test():
    from envsdk_env_code import CodeVerifier

    with pytest.raises(ValueError, match="need 0 < timeout_s <= row_budget_s, got 30 and 20"):
        CodeVerifier(timeout_s=30.0)


def test_through_the_executor_a_sleeping_candidate_is_a_zero_not_an_abstention():
    """The env declares how long a row may take; an executor deadline of that length never cuts in."""
    import asyncio

    import envsdk
    from envsdk.executor import Executor, ExecutorConfig

    env = envsdk.load_environment("code", dataset="humaneval", limit=1, timeout_s=1.0, row_budget_s=3.0)
    row = {"id": "slow", "prompt": "add two numbers", "tests": SLOW_ASSERTS}
    config = ExecutorConfig(workers=1, timeout_s=env.row_budget_s, mode="pool")

    async def score():
        async with Executor(env, config) as executor:
            return await executor.score_rows([row], ["import time\ndef add(a, b):\n    time.sleep(60)\n"])

    (verdict,) = asyncio.run(score())
    assert verdict.passed is False and verdict.reward == 0.0 and verdict.timed_out is False, verdict


@pytest.mark.parametrize("statement", ["assert (lambda: add(1, 2))() == 3", "assert [add(i, 0) for i in range(2)] == [0, 1]",
                                       "assert {k: add(k, 1) for k in (1,)} == {1: 2}",
                                       "assert all(add(i, 1) == i + 1 for i in range(3))"])
def test_asserts_that_call_the_candidate_only_inside_a_lambda_or_comprehension_pass(verifier, statement):
    verdict = verifier.verify({"kind": "asserts", "asserts": [statement]}, "def add(a, b):\n    return a + b\n")
    assert verdict.passed is True, verdict.details["tests"]


def test_closing_a_verifier_removes_its_cgroups():
    from pathlib import Path

    from envsdk_env_code import CodeVerifier

    closing = CodeVerifier(timeout_s=2.0)
    assert closing.verify(ADD, "def add(a, b):\n    return a + b\n").passed
    pool = closing.sandbox._impl.cgroups
    if pool is None:
        pytest.skip("no cgroups on this machine")
    dirs = [d for cg in pool._all for d in cg.dirs]
    closing.close()
    assert dirs and [d for d in dirs if Path(d).exists()] == []


LANGUAGE_SOLUTIONS = {
    "cpp": "Here:\n```cpp\n#include <iostream>\nint main(){long a,b; std::cin>>a>>b; std::cout<<a+b<<std::endl;}\n```\n",
    "java": ("```java\nimport java.util.*;\npublic class Main { public static void main(String[] a) {\n"
             "  Scanner s = new Scanner(System.in); System.out.println(s.nextLong() + s.nextLong()); } }\n```\n"),
    "nodejs": ("```javascript\nconst v = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
               "console.log(v[0] + v[1]);\n```\n"),
}


def _need(language: str) -> None:
    """CI installs every toolchain (.ci/sandbox-setup): missing there is a failure, elsewhere a skip."""
    from envsdk_sandbox.languages import supported

    if language not in supported():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no {language} toolchain under CI=true")
        pytest.skip(f"no {language} toolchain on this host")


@pytest.mark.parametrize("language", sorted(LANGUAGE_SOLUTIONS))
def test_stdio_rows_take_a_language(verifier, language):
    _need(language)
    tests = {**STDIO, "language": language}
    verdict = verifier.verify(tests, LANGUAGE_SOLUTIONS[language])
    assert verdict.passed is True and verdict.details["language"] == language, verdict.details
    wrong = verifier.verify(tests, LANGUAGE_SOLUTIONS[language].replace("a+b", "a-b").replace("v[0] + v[1]", "v[0]")
                            .replace("s.nextLong() + s.nextLong()", "s.nextLong()"))
    assert wrong.passed is False and wrong.error is None


def test_a_compile_error_fails_every_case_without_an_error_verdict(verifier):
    _need("cpp")
    verdict = verifier.verify({**STDIO, "language": "cpp"}, "```cpp\nint main( {\n```")
    assert verdict.passed is False and verdict.error is None and verdict.reward == 0.0
    assert "error" in verdict.details["compile_error"]
    assert {t["status"] for t in verdict.details["tests"]} == {"failed"}


def test_an_unknown_language_is_a_row_error(verifier):
    verdict = verifier.verify({**STDIO, "language": "cobol"}, "x")
    assert verdict.passed is None and "unsupported language 'cobol'" in verdict.error
