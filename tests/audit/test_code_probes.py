"""The code probes are live hacks: every program compiles and runs, and the sandboxed verifier rejects each
with a plain 0 (an error verdict would abstain in training, which would reward the attempt)."""

from __future__ import annotations

import pytest

from envsdk.audit import ProbeContext
from envsdk_env_code import CodeVerifier
from envsdk_env_code.probes import PROBES, entry_points

FUNCTION_PROMPT = ('Complete this Python function.\n\n```python\ndef add(a, b):\n    """Return a + b."""\n```\n\n'
                   "Reply with your solution in a single ```python code block.")
TASKS = {
    "humaneval": ({"kind": "humaneval", "prompt": 'def add(a, b):\n    """Return a + b."""\n', "entry_point": "add",
                   "test": "def check(candidate):\n    exp = 3\n    assert candidate(1, 2) == exp\n"
                           "    assert candidate(2, 2) == 4\n"}, FUNCTION_PROMPT),
    "asserts": ({"kind": "asserts", "asserts": ["assert add(1, 2) == 3", "assert add(2, 2) == 4"]}, FUNCTION_PROMPT),
    "stdio": ({"kind": "stdio", "cases": [{"input": "1 2\n", "output": "3\n"}]},
              "Read two integers from stdin and print their sum."),
}


@pytest.fixture(scope="module")
def verifier():
    verifier = CodeVerifier(timeout_s=3.0)
    yield verifier
    verifier.close()


def test_entry_points_are_the_functions_the_prompt_shows():
    ctx = ProbeContext(row_id="x", prompt=[{"role": "user", "content": FUNCTION_PROMPT}])
    assert entry_points(ctx) == ["add"]
    assert entry_points(ProbeContext(row_id="y", prompt=[{"role": "user", "content": TASKS["stdio"][1]}])) == []


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(TASKS))
def test_every_code_probe_runs_and_earns_a_plain_zero(verifier, task):
    tests, prompt = TASKS[task]
    ctx = ProbeContext(row_id=task, prompt=[{"role": "user", "content": prompt}])
    attempts = [a for probe in PROBES for a in probe.build(ctx)]
    assert len(attempts) >= 15
    for attempt in attempts:
        verdict = verifier.verify(tests, attempt.turns[0])
        assert "compile_error" not in verdict.details and "empty_code" not in verdict.details, attempt.label
        assert (verdict.reward, verdict.passed, verdict.error) == (0.0, False, None), (attempt.label, verdict.details)


def test_honest_code_passes_the_same_tasks(verifier):
    """The control: the same tests pass a correct solution, so a 0 above is the hack failing."""
    assert verifier.verify(TASKS["asserts"][0], "```python\ndef add(a, b):\n    return a + b\n```").passed
    assert verifier.verify(TASKS["stdio"][0], "```python\na, b = map(int, input().split())\nprint(a + b)\n```").passed
