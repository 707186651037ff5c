"""The same four-way check (idle, CPU load, shuffled, one worker) for reasoning-gym, webqa and code verdicts.

Code rows include what its wall-clock budgets decide (a test timeout, the row budget, a C++ compile): a
candidate far inside or far outside a budget must get the same verdict however busy the machine is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import envsdk

from .harness import flips, verdicts_four_ways

WEBQA = Path(__file__).parents[1] / "webqa"


@pytest.mark.parametrize("task", ["simple_integration", "chain_sum"])  # a sympy-scored family, an exact one
def test_reasoning_gym_verdicts_do_not_flip(task):
    env = envsdk.load_environment("reasoning-gym", task=task, size=6)
    rows, completions, labels = [], [], []
    for row in env.rows():
        gold = str(row["info"]["entry"]["answer"])
        for name, text in (("right", f"<answer>{gold}</answer>"), ("wrong", f"<answer>{gold} + 1</answer>"),
                           ("hedge", f"<answer>{gold} or 7</answer>"), ("untagged", gold)):
            rows.append(row)
            completions.append(text)
            labels.append(f"{row['id']}/{name}")
    results = verdicts_four_ways(env, rows, completions)
    assert flips(results, labels) == []
    assert {key[0] for key in results["idle"]} == {0.0, 1.0}  # the check saw both verdicts


def test_webqa_verdicts_do_not_flip():
    cases = [json.loads(line) for path in sorted(WEBQA.glob("grading_*.jsonl"))
             for line in path.read_text().splitlines() if line.strip()]
    env = envsdk.load_environment("webqa")
    rows = [{"prompt": "Answer the question.", "answer": case["aliases"]} for case in cases]
    results = verdicts_four_ways(env, rows, [case["prediction"] for case in cases])
    assert len(cases) >= 200 and flips(results, [c["note"] for c in cases]) == []
    assert {key[0] for key in results["idle"]} == {0.0, 1.0}


ADD = {"kind": "asserts", "asserts": ["assert add(1, 2) == 3", "assert add(-1, 1) == 0"]}
STDIO = {"kind": "stdio", "cases": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10\n"}]}
CPP_ADD = "```cpp\n#include <iostream>\nint main(){long a,b; std::cin>>a>>b; std::cout<<a+b<<std::endl;}\n```\n"
CODE_ROWS = [
    ("asserts pass", ADD, "def add(a, b):\n    return a + b\n"),
    ("asserts fail", ADD, "def add(a, b):\n    return a - b\n"),
    ("test timeout", ADD, "def add(a, b):\n    while True:\n        pass\n"),
    ("slow but inside", ADD, "import time\ndef add(a, b):\n    time.sleep(0.2)\n    return a + b\n"),
    ("stdio pass", STDIO, "print(sum(map(int, input().split())))"),
    ("stdio hang", STDIO, "while True:\n    pass"),
    ("cpp pass", {**STDIO, "language": "cpp"}, CPP_ADD),
    ("cpp compile error", {**STDIO, "language": "cpp"}, "```cpp\nint main( {\n```"),
]


def _code_key(verdict) -> tuple:
    tests = tuple(t.get("status") for t in verdict.details.get("tests", ()))
    return verdict.reward, verdict.passed, verdict.error is not None, verdict.timed_out, tests


def test_code_verdicts_do_not_flip_across_its_budgets():
    from envsdk_sandbox.languages import supported

    if "cpp" not in supported() and os.environ.get("CI") == "true":
        pytest.fail("no cpp toolchain under CI=true")
    cases = [c for c in CODE_ROWS if "cpp" in supported() or "cpp" not in c[0]]
    env = envsdk.load_environment("code", limit=1, timeout_s=1.0)  # tight: a boot must not eat it
    results = verdicts_four_ways(env, [{"tests": c[1]} for c in cases], [c[2] for c in cases], key=_code_key)
    assert flips(results, [c[0] for c in cases]) == []
    assert [key[0] for key in results["idle"]][:3] == [1.0, 0.0, 0.0]
