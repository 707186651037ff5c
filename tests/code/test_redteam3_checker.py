"""Red team 3, item 7: a candidate call that raises StopIteration inside map(), filter() or iter(f, sentinel)
must not quietly end the test's iteration: it fails the test (a plain 0, never an abstention)."""

from __future__ import annotations

import pytest

ITERATING = {
    "kind": "asserts",
    "asserts": ["assert not any(map(f, [1, 2, 3]))", "assert list(filter(f, [1, 2])) == []",
                "assert sum(map(f, [4, 5])) == 0", "assert list(iter(lambda: f(0), 1)) == [0] * 3 or True"],
}
HUMANEVAL = {
    "kind": "humaneval",
    "prompt": "def f(x):\n    \"\"\"Is x negative?\"\"\"\n",
    "test": "def check(candidate):\n    assert not any(map(candidate, [1, 2, 3]))\n    assert all(map(candidate, [-1, -2]))\n",
    "entry_point": "f",
}
STOPPERS = {
    "builtin": "def f(x):\n    raise StopIteration\n",
    "builtin_with_a_value": "def f(x):\n    raise StopIteration(True)\n",
    "own_class_named_like_it": "class StopIteration(Exception):\n    pass\ndef f(x):\n    raise StopIteration\n",
    "stop_async_iteration": "def f(x):\n    raise StopAsyncIteration\n",
    "from_next_on_an_empty_iterator": "def f(x):\n    return next(iter([]))\n",
}


@pytest.mark.parametrize("tests", [ITERATING, HUMANEVAL], ids=["asserts", "humaneval"])
@pytest.mark.parametrize("stopper", STOPPERS)
def test_stop_iteration_from_the_candidate_fails_every_test_it_reaches(verifier, tests, stopper):
    verdict = verifier.verify(tests, STOPPERS[stopper])
    assert verdict.passed is False and verdict.reward == 0.0 and verdict.error is None, verdict.details
    results = verdict.details["tests"]
    assert not any(t["passed"] for t in results), results


def test_the_honest_answer_still_passes(verifier):
    honest = "def f(x):\n    return x < 0\n"
    assert verifier.verify(HUMANEVAL, honest).passed
    assert verifier.verify({"kind": "asserts", "asserts": ITERATING["asserts"][:3]}, "def f(x):\n    return 0\n").passed


def test_an_expected_exception_is_still_the_candidates_answer(verifier):
    tests = {"kind": "asserts", "asserts": ["try:\n    f(-1)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError"]}
    assert verifier.verify(tests, "def f(x):\n    if x < 0:\n        raise ValueError(x)\n    return x\n").passed
